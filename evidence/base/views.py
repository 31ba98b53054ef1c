"""The list view behind every filterable list, and its query-string helpers."""

from __future__ import annotations

from collections.abc import Iterable

from django.http import QueryDict, StreamingHttpResponse
from django_filters.views import FilterView
from django_tables2 import RequestConfig, SingleTableMixin

from evidence.base import citations, exports
from evidence.base import facets as facet_engine
from evidence.base.counts import CachedCountPaginator
from evidence.base.download_limits import large_download_refusal
from evidence.base.querysets import late_page_rows
from evidence.base.tables import DEFAULT_PER_PAGE, paginate_table, paging_from_query

# Query parameters that are not filters: they never count as "applied filters".
NON_FILTER_PARAMS = ("page", "per_page", "sort", "export")


def querystring(data: QueryDict, **changes) -> str:
    """`data` as a query string, with `changes` applied and the page reset."""
    query = data.copy()
    query.pop("page", None)
    query.pop("export", None)
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


def toggle_querystring(data: QueryDict, name: str, value: str) -> str:
    """The query string with `value` added to or removed from the values of `name`."""
    query = data.copy()
    query.pop("page", None)
    query.pop("export", None)
    values = query.getlist(name)
    query.setlist(
        name, [v for v in values if v != value] if value in values else [*values, value]
    )
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


#
# The list view behind every filterable list
#


class AtlasListView(SingleTableMixin, FilterView):
    """A filterable, sortable, paginated list with facet counts and downloads.

    Downloads keep the current filters and sort order: ``?<filters>&export=csv`` (or
    ``json``) gives the filtered rows, ``export=ris``, ``bibtex`` or ``csl`` (CSL-JSON) what
    those rows cite (`citation_items`). An invalid filter value renders the page with the form error and
    HTTP 400. ``?page=`` and ``?per_page=`` (at most `MAX_PER_PAGE` rows) are checked by
    `evidence.tables.paging_from_query`: a malformed value is a 400 with the reason, a
    page past the last one a 404 with the number of pages.
    """

    template_name = "generic/object_list.html"
    # Totals are cached per query and data version (evidence/counts.py).
    table_pagination = {
        "per_page": DEFAULT_PER_PAGE,
        "paginator_class": CachedCountPaginator,
    }
    strict = True
    title = ""
    noun = "records"
    noun_one = "record"
    intro = ""
    citation_paths: tuple[str, ...] = facet_engine.PROVENANCE_PATHS

    def get_queryset(self):
        return self.filterset_class._meta.model.objects.with_list_related()

    def get(self, request, *args, **kwargs):
        self.paging = paging_from_query(request.GET)
        self.page_error = None
        self.filterset = self.get_filterset(self.get_filterset_class())
        valid = not self.filterset.is_bound or self.filterset.is_valid()
        valid = valid and not self.paging.errors
        self.object_list = (
            late_page_rows(self.filterset.qs)
            if valid
            else self.filterset.queryset.none()
        )
        export = request.GET.get("export")
        if valid and export in exports.EXPORT_FORMATS:
            refusal = large_download_refusal(request, self.object_list)
            if refusal is not None:
                return refusal
        if valid and export in exports.ROW_FORMATS:
            return self.export_rows(export)
        if valid and export in exports.CITATION_FORMATS:
            return self.export_citations(export)
        context = self.get_context_data(
            filter=self.filterset, object_list=self.object_list
        )
        if export and export not in exports.EXPORT_FORMATS:
            context["export_error"] = f"Unknown download format: {export}"
            valid = False
        status = 200 if valid else 400
        paging_errors = list(self.paging.errors.items())
        if valid and self.page_error:
            # As in the API: a page past the last one is "not found".
            status = 404
            paging_errors.append(("page", self.page_error))
        context["paging_errors"] = paging_errors
        context["first_page_url"] = querystring(
            request.GET, **{name: None for name, _ in paging_errors}
        )
        return self.render_to_response(context, status=status)

    def get_table(self, **kwargs):
        """The table, sorted as asked and paginated by `self.paging` (checked)."""
        table = self.get_table_class()(data=self.get_table_data(), **kwargs)
        RequestConfig(self.request, paginate=False).configure(table)
        self.page_error = paginate_table(
            table,
            self.paging,
            paginator_class=self.table_pagination["paginator_class"],
        )
        return table

    @property
    def basename(self) -> str:
        return self.filterset_class._meta.model._meta.verbose_name_plural.replace(
            " ", "-"
        )

    def export_rows(self, fmt: str) -> StreamingHttpResponse:
        """The filtered rows, sorted as asked, streamed in chunks (evidence/base/exports)."""
        table = self.get_table_class()(self.object_list, default="")
        RequestConfig(self.request, paginate=False).configure(table)
        names, headers, rows = exports.download_rows(table)
        if fmt == "csv":
            pieces = exports.iter_csv(headers, rows)
        else:
            pieces = exports.iter_json(names, rows)
        return exports.streaming_download(pieces, fmt=fmt, basename=self.basename)

    def citation_items(self) -> Iterable[citations.CitationItem]:
        """What the filtered rows cite: by default the publications they name through
        `citation_paths`, each once. Lists whose records are cited otherwise (a trial as
        its registry record) override it."""
        publications = facet_engine.publications_for_rows(
            queryset=self.object_list, paths=self.citation_paths
        ).iterator(chunk_size=exports.CHUNK_SIZE)
        return map(citations.publication_item, publications)

    def export_citations(self, fmt: str) -> StreamingHttpResponse:
        """RIS, BibTeX or CSL-JSON of `citation_items()`, streamed."""
        return exports.streaming_download(
            exports.citation_pieces(fmt, self.citation_items()),
            fmt=fmt,
            basename=f"{self.basename}-citations",
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        data = self.request.GET
        facets = facet_engine.facet_counts(
            filterset_class=self.filterset_class, data=data, filterset=self.filterset
        )
        labels = {}
        for facet in facets:
            for option in facet.options:
                option.url = toggle_querystring(data, facet.name, option.value)
                labels[(facet.name, option.value)] = option.label
        form = self.filterset.form
        facet_names = {facet.name for facet in facets}
        applied = []
        for name, values in data.lists():
            if name in NON_FILTER_PARAMS or name not in self.filterset.filters:
                continue
            field_label = facet_engine.filter_label(self.filterset_class, name)
            for value in values:
                if value == "":
                    continue
                applied.append(
                    {
                        "field": field_label,
                        "value": labels.get((name, value), value),
                        "url": toggle_querystring(data, name, value),
                    }
                )
        context.update(
            {
                "title": self.title,
                "noun": self.noun,
                "noun_one": self.noun_one,
                "intro": self.intro,
                "facets": [facet for facet in facets if facet.options],
                "text_fields": [
                    form[name] for name in form.fields if name not in facet_names
                ],
                "applied": applied,
                "sort": data.get("sort", ""),
                "downloads": [
                    (label, querystring(data, export=fmt))
                    for label, fmt in (
                        ("CSV", "csv"),
                        ("JSON", "json"),
                        ("RIS citations", "ris"),
                        ("BibTeX citations", "bibtex"),
                        ("CSL-JSON citations", "csl"),
                    )
                ],
            }
        )
        return context


#
# Home, comparison and search
#

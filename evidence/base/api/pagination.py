"""Page-number pagination with a bounded, client-chosen page size, and a keyset
cursor (`?cursor=`) for scripts that read a whole list."""

import re

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from evidence.base.counts import CachedCountPaginator

_POSITIVE_INT = re.compile(r"[0-9]{1,9}")
_CURSOR = re.compile(r"[0-9]{1,18}")


def _positive_int(value: str, param: str) -> int:
    if not _POSITIVE_INT.fullmatch(value) or int(value) < 1:
        raise ValidationError(
            {param: ["A whole number from 1 to 999999999 is required."]}
        )
    return int(value)


class StandardPagination(PageNumberPagination):
    """`?page=` and `?page_size=` (1 to `max_page_size`, as on the HTML lists).

    A malformed, negative, fractional or too large page or page size is a 400 naming
    the parameter and the allowed range; an empty value is the default. A page past the
    last one is a 404, as in DRF. `Link` (next, prev) and `X-Total-Count` headers repeat
    the envelope for CSV clients.

    `?cursor=N` (keyset pagination, for bulk scripts) gives the records whose id is
    above N in id order, `page_size` of them, with the same envelope: `next` carries
    the cursor of the following page and `previous` is null. Start at `cursor=0` and
    follow `next`: unlike page numbers, no record is skipped or repeated when records
    are added or removed meanwhile, and every page costs the same however deep. It
    cannot be combined with `page` or `ordering` (a 400).
    """

    cursor_query_param = "cursor"
    _cursor_next: str | None = None

    page_size = 50
    # Totals are cached per query and data version (evidence/base/counts.py).
    django_paginator_class = CachedCountPaginator
    page_size_query_param = "page_size"
    # The same maximum as the HTML lists' per_page (issue 13): one page of 400 records
    # renders in well under a second; more is an export, which pages through the list.
    max_page_size = 400
    max_page = 999_999_999  # nine digits, as _POSITIVE_INT accepts

    def get_page_number(self, request, paginator):
        value = request.query_params.get(self.page_query_param) or "1"
        if value in self.last_page_strings:
            return paginator.num_pages
        return _positive_int(value, self.page_query_param)

    def get_page_size(self, request):
        value = request.query_params.get(self.page_size_query_param)
        if not value:
            return self.page_size
        size = _positive_int(value, self.page_size_query_param)
        if size > self.max_page_size:
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        f"At most {self.max_page_size} records per page (got {size}): "
                        "larger pages are slow for everyone; follow the `next` links "
                        "to read more."
                    ]
                }
            )
        return size

    def paginate_queryset(self, queryset, request, view=None):
        value = request.query_params.get(self.cursor_query_param)
        if not value:
            self._cursor_page = None
            return super().paginate_queryset(queryset, request, view)
        if not _CURSOR.fullmatch(value):
            raise ValidationError(
                {self.cursor_query_param: ["A record id (a whole number, 0 to start)."]}
            )
        clashing = [
            param
            for param in (self.page_query_param, "ordering")
            if request.query_params.get(param)
        ]
        if clashing:
            raise ValidationError(
                {
                    self.cursor_query_param: [
                        f"A cursor reads in id order: drop {' and '.join(clashing)}."
                    ]
                }
            )
        page_size = self.get_page_size(request)
        self.request = request
        rows = list(queryset.order_by("pk").filter(pk__gt=int(value))[: page_size + 1])
        page, more = rows[:page_size], len(rows) > page_size
        self._cursor_next = (
            replace_query_param(
                request.build_absolute_uri(), self.cursor_query_param, page[-1].pk
            )
            if more
            else None
        )
        self._cursor_page = page
        self._cursor_count = self.django_paginator_class(queryset, page_size).count
        return page

    def get_paginated_response(self, data):
        if getattr(self, "_cursor_page", None) is not None:
            response = Response(
                {
                    "count": self._cursor_count,
                    "next": self._cursor_next,
                    "previous": None,
                    "results": data,
                }
            )
            if self._cursor_next:
                response["Link"] = f'<{self._cursor_next}>; rel="next"'
            response["X-Total-Count"] = str(self._cursor_count)
            return response
        # The page links also as headers, for CSV bodies that cannot carry them.
        response = super().get_paginated_response(data)
        links = [
            f'<{url}>; rel="{rel}"'
            for rel, url in (
                ("next", self.get_next_link()),
                ("prev", self.get_previous_link()),
            )
            if url
        ]
        if links:
            response["Link"] = ", ".join(links)
        response["X-Total-Count"] = str(self.page.paginator.count)
        return response

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["maximum"] = self.max_page_size
                parameter["description"] = (
                    f"Number of results per page (default {self.page_size}, "
                    f"at most {self.max_page_size}; more is a 400)."
                )
            else:
                parameter["schema"]["maximum"] = self.max_page
        parameters.append(
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": (
                    "Keyset pagination for reading a whole list: the records whose id "
                    "is above this one, in id order (0 to start; follow `next`). Not "
                    "with `page` or `ordering`."
                ),
                "schema": {"type": "integer", "minimum": 0, "maximum": 10**18 - 1},
            }
        )
        return parameters

"""The API's own pages: its root (every resource, the schema and the docs) and the JSON
404 of an unknown path under /api/.

The root answers JSON to scripts and a short HTML page to a browser (content
negotiation on `Accept`: `text/html` first gets the page; `?format=json` forces JSON)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import JsonResponse
from django.urls import reverse as django_reverse
from django.utils.cache import patch_vary_headers
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer, TemplateHTMLRenderer
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from evidence.base.api.renderers import FastJSONRenderer

MAX_SEARCH_LIMIT = 100


class ApiRootHTMLRenderer(TemplateHTMLRenderer):
    """The API root for a browser: the same links as the JSON, as a page of the site."""

    media_type = "text/html"
    format = "html"
    template_name = "api/root.html"

    def get_template_context(self, data, renderer_context):
        view = renderer_context["view"]
        return {
            "resources": [
                {"path": path, "url": url, "about": view.descriptions.get(path, "")}
                for path, url in data.items()
                if path not in ApiRootView.SPECIAL
            ],
            "links": data,
        }


class ApiRootView(APIView):
    """Paracrine Atlas API: every resource, the schema and the interactive docs."""

    permission_classes = [AllowAny]
    # JSON first: a script sending no Accept (or */*) gets JSON; a browser, the page.
    renderer_classes = [JSONRenderer, ApiRootHTMLRenderer]
    # Resource path -> URL name of its list, given by evidence/site/api_urls.py.
    resources: dict[str, str] = {}
    # Resource path -> one line on what it holds (its viewset's docstring).
    descriptions: dict[str, str] = {}
    SPECIAL = ("search", "schema", "docs")

    @extend_schema(exclude=True)
    def get(self, request, format=None):
        links = {
            path: reverse(name, request=request)
            for path, name in self.resources.items()
        }
        links["search"] = reverse("api-search", request=request)
        links["schema"] = reverse("api-schema", request=request)
        links["docs"] = reverse("api-docs", request=request)
        return Response(links)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        patch_vary_headers(response, ["Accept"])
        return response


def api_not_found(request, *args, **kwargs) -> JsonResponse:
    """An unknown path under /api/."""
    return JsonResponse({"detail": "Not found."}, status=404)


#
# /api/search/: the site search as JSON
#


class SearchParametersSerializer(serializers.Serializer):
    q = serializers.CharField(
        max_length=200,
        help_text=(
            "Words (all must match, in any order, in any searched field), a name or "
            "alias in any spelling (TGF-β1 = TGF-beta1 = TGFB1), or an identifier: an "
            "NCT id, a DOI or a PMID in any written form."
        ),
    )
    limit = serializers.IntegerField(
        min_value=1,
        max_value=MAX_SEARCH_LIMIT,
        default=20,
        required=False,
        help_text="Results per kind of record (the counts are always complete).",
    )


class SearchResultSerializer(serializers.Serializer):
    entity = serializers.CharField(
        help_text="The kind of record: trials, components..."
    )
    id = serializers.IntegerField()
    slug = serializers.CharField()
    label = serializers.CharField()
    url = serializers.URLField(allow_null=True, help_text="Its page on the site.")


class SearchGroupSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    total = serializers.IntegerField(help_text="Every matching record of this kind.")
    list_url = serializers.URLField(
        allow_null=True,
        help_text="This kind's list filtered by the query (all results).",
    )
    results = SearchResultSerializer(many=True, help_text="The best first.")


class SearchResponseSerializer(serializers.Serializer):
    query = serializers.CharField()
    match = SearchResultSerializer(
        allow_null=True,
        help_text=(
            "The record the query identifies (an NCT id, DOI or PMID, or a review "
            "reference: its publication, or its line in the review's reference list "
            "when it has none, and then the groups hold the records citing it)."
        ),
    )
    groups = SearchGroupSerializer(many=True)
    suggestions = serializers.ListField(
        child=serializers.CharField(),
        help_text="When nothing matches: names close to the query (did you mean).",
    )


def _result(request, entity_name: str, record) -> dict:
    url = getattr(record, "get_absolute_url", None)
    return {
        "entity": entity_name,
        "id": record.pk,
        "slug": getattr(record, "slug", "") or "",
        "label": str(record),
        "url": request.build_absolute_uri(url()) if url else None,
    }


class SearchView(APIView):
    """Search every kind of record: ranked (exact name or alias, then prefix, then
    text), grouped by kind with the true count per kind; the same search as /search/."""

    permission_classes = [AllowAny]
    renderer_classes = [FastJSONRenderer]

    @extend_schema(
        operation_id="search",
        parameters=[SearchParametersSerializer],
        responses=SearchResponseSerializer,
        tags=["search"],
    )
    def get(self, request, format=None):
        from evidence import registry
        from evidence.site import search as site_search

        params = SearchParametersSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        text = " ".join(params.validated_data["q"].split())
        limit = params.validated_data["limit"]
        record, reference = site_search.identify(text)
        match = None
        if record is not None:
            entity = registry.for_model(type(record))
            match = _result(request, entity.name if entity else "", record)
            reference = None  # the record is the match
        if reference is not None:
            match = {
                "entity": "review_references",
                "id": reference.pk,
                "slug": "",
                "label": str(reference),
                "url": request.build_absolute_uri(site_search.reference_url(reference)),
            }
            found = site_search.citing_groups(reference, limit=limit)
        else:
            found = site_search.search_everything(text=text, limit=limit)
        groups = []
        for group in found:
            list_url = None
            if group.list_url:
                list_url = request.build_absolute_uri(
                    f"{django_reverse(group.list_url)}?{urlencode({'q': text})}"
                )
            groups.append(
                {
                    "name": group.name,
                    "label": group.label,
                    "total": group.total,
                    "list_url": list_url,
                    "results": [_result(request, group.name, r) for r in group.results],
                }
            )
        suggestions = [] if groups else site_search.suggestions(text)
        return Response(
            {
                "query": text,
                "match": match,
                "groups": groups,
                "suggestions": suggestions,
            }
        )

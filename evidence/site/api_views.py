"""The API's own pages: its root (every resource, the schema and the docs) and the JSON
404 of an unknown path under /api/."""

from __future__ import annotations

from django.http import JsonResponse
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView


class ApiRootView(APIView):
    """Paracrine Atlas API: every resource, the schema and the interactive docs."""

    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer]
    # Resource path -> URL name of its list, given by evidence/site/api_urls.py.
    resources: dict[str, str] = {}

    @extend_schema(exclude=True)
    def get(self, request, format=None):
        links = {
            path: reverse(name, request=request)
            for path, name in self.resources.items()
        }
        links["schema"] = reverse("api-schema", request=request)
        links["docs"] = reverse("api-docs", request=request)
        return Response(links)


def api_not_found(request, *args, **kwargs) -> JsonResponse:
    """An unknown path under /api/."""
    return JsonResponse({"detail": "Not found."}, status=404)

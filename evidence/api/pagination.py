"""Page-number pagination with a bounded, client-chosen page size."""

import re

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination

from evidence.counts import CachedCountPaginator

_POSITIVE_INT = re.compile(r"[0-9]{1,9}")


def _positive_int(value: str, param: str) -> int:
    if not _POSITIVE_INT.fullmatch(value) or int(value) < 1:
        raise ValidationError({param: ["A positive whole number is required."]})
    return int(value)


class StandardPagination(PageNumberPagination):
    """`?page=` and `?page_size=` (at most `max_page_size`; larger values are capped).

    A malformed page or page size is a 400 naming the parameter; a page past the last
    one is a 404, as in DRF. `Link` (next, prev) and `X-Total-Count` headers repeat the
    envelope for CSV clients.
    """

    page_size = 50
    # Totals are cached per query and data version (evidence/counts.py).
    django_paginator_class = CachedCountPaginator
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_number(self, request, paginator):
        value = request.query_params.get(self.page_query_param) or "1"
        if value in self.last_page_strings:
            return paginator.num_pages
        return _positive_int(value, self.page_query_param)

    def get_page_size(self, request):
        value = request.query_params.get(self.page_size_query_param)
        if not value:
            return self.page_size
        return min(_positive_int(value, self.page_size_query_param), self.max_page_size)

    def get_paginated_response(self, data):
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
                parameter["description"] = (
                    f"Number of results per page (default {self.page_size}, "
                    f"at most {self.max_page_size})."
                )
        return parameters

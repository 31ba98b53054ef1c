"""Records' URLs without a `reverse()` per record.

A list page links every row's record and its related records (a trial, its therapy,
its conditions): a 400-row page of trials called `reverse()` 1,750 times, a tenth of
its time, and an API page builds a URL for every nested record. `pattern` reverses a
view's URL once, with `PLACEHOLDER` for the record's key, per view name, script prefix
and URLconf; `slug_url` fills a slug into it (the API fills in its keys, quoted, after
making the URL absolute: evidence.base.api.serializers.record_url_template). A slug
that the `slug` path converter would not accept goes through `reverse()` itself, which
raises as it always does.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

# A key every path converter of the site accepts (`slug`, `str`).
PLACEHOLDER = "record-key-placeholder"
# Django's `slug` path converter.
_SLUG = re.compile(r"[-a-zA-Z0-9_]+")
# Script prefixes and URLconfs are few; the bound only guards against a caller that
# makes view names up.
_MAX_TEMPLATES = 1024
_templates: dict[tuple, str] = {}


def pattern(view_name: str, kwarg: str) -> str:
    """`reverse(view_name, kwargs={kwarg: PLACEHOLDER})`, reversed once."""
    key = (
        view_name,
        kwarg,
        get_script_prefix(),
        get_urlconf() or settings.ROOT_URLCONF,
    )
    url = _templates.get(key)
    if url is None:
        url = reverse(view_name, kwargs={kwarg: PLACEHOLDER})
        if len(_templates) >= _MAX_TEMPLATES:
            _templates.clear()
        _templates[key] = url
    return url


def slug_url(view_name: str, slug: str, kwarg: str = "slug") -> str:
    """`reverse(view_name, kwargs={kwarg: slug})`, the pattern reversed once."""
    if isinstance(slug, str) and _SLUG.fullmatch(slug):
        url = pattern(view_name, kwarg)
        if url.count(PLACEHOLDER) == 1:
            return url.replace(PLACEHOLDER, slug)
    return reverse(view_name, kwargs={kwarg: slug})


def clear() -> None:
    """Forget every pattern (after URL patterns change at run time)."""
    _templates.clear()

"""Records' page URLs without a `reverse()` per record.

A list page links every row's record and its related records (a trial, its therapy,
its conditions): a 400-row page of trials called `reverse()` 1,750 times, a tenth of
its time. `slug_url` reverses a view's pattern once, with a placeholder slug, and fills
each record's slug into it. The result is `reverse()`'s: the template is kept per view
name, script prefix and URLconf, and a slug that the `slug` path converter would not
accept (or a pattern that would not show the placeholder exactly once) goes through
`reverse()` itself, which raises as it always does.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf, reverse

# Django's `slug` path converter.
_SLUG = re.compile(r"[-a-zA-Z0-9_]+")
_PLACEHOLDER = "slug-url-placeholder-7f3a"
# Script prefixes and URLconfs are few; the bound only guards against a caller that
# makes view names up.
_MAX_TEMPLATES = 1024
_templates: dict[tuple, str | None] = {}


def _template(view_name: str, kwarg: str) -> str | None:
    key = (
        view_name,
        kwarg,
        get_script_prefix(),
        get_urlconf() or settings.ROOT_URLCONF,
    )
    try:
        return _templates[key]
    except KeyError:
        pass
    url = reverse(view_name, kwargs={kwarg: _PLACEHOLDER})
    template = url if url.count(_PLACEHOLDER) == 1 else None
    if len(_templates) >= _MAX_TEMPLATES:
        _templates.clear()
    _templates[key] = template
    return template


def slug_url(view_name: str, slug: str, kwarg: str = "slug") -> str:
    """`reverse(view_name, kwargs={kwarg: slug})`, the pattern reversed once."""
    if isinstance(slug, str) and _SLUG.fullmatch(slug):
        template = _template(view_name, kwarg)
        if template is not None:
            return template.replace(_PLACEHOLDER, slug)
    return reverse(view_name, kwargs={kwarg: slug})


@receiver(setting_changed)
def _forget(*, setting: str, **kwargs) -> None:
    """A test that swaps the URLconf (override_settings) gets its own patterns."""
    if setting == "ROOT_URLCONF":
        _templates.clear()


def clear() -> None:
    """Forget every template (after URL patterns change at run time)."""
    _templates.clear()

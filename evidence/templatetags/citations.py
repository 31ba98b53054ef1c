"""The Cite box of the record pages: what a record is cited as, and the atlas release,
in plain text, RIS, BibTeX and CSL-JSON (evidence/base/citations.py writes them)."""

from __future__ import annotations

import datetime
from types import SimpleNamespace
from typing import Any

from django import template

from evidence.base import citations
from evidence.models import Publication, Release

register = template.Library()


def record_items(record: Any, *, base_url: str) -> list[citations.CitationItem]:
    """A publication cites itself; a trial its registry record; any other curated
    record the publications it is cited through (or its source review); a vocabulary
    record (condition, cell source ...) only the atlas."""
    if isinstance(record, Publication):
        return [citations.publication_item(record)]
    if hasattr(record, "nct_id"):
        return [citations.trial_item(record, base_url=base_url)]
    return [
        citations.publication_item(publication)
        for publication in citations.record_publications(record)
    ]


def latest_release() -> Release | None:
    return (
        Release.objects.order_by("-created", "-pk").only("version", "created").first()
    )


def record_release(record: Any) -> Any:
    """The latest release: read with the record when its page annotated it
    (`evidence.querysets.with_latest_release`), else read now."""
    if not hasattr(record, "cite_release_version"):
        return latest_release()
    if record.cite_release_version is None:
        return None
    return SimpleNamespace(
        version=record.cite_release_version, created=record.cite_release_created
    )


@register.inclusion_tag("includes/cite_box_body.html", takes_context=True)
def cite_box(context, record) -> dict[str, Any]:
    request = context.get("request")
    page_url = request.build_absolute_uri() if request is not None else ""
    base_url = request.build_absolute_uri("/").rstrip("/") if request else ""
    release = record_release(record)
    atlas = citations.atlas_item(
        version=release.version if release else "",
        year=release.created.year if release else None,
        url=base_url + "/" if base_url else "",
        accessed=datetime.date.today().isoformat(),
        record_title=f"{record} ({page_url})" if page_url else str(record),
    )
    sources = record_items(record, base_url=base_url)
    return {
        "sources": [citations.plain_text(item) for item in sources],
        "atlas": citations.plain_text(atlas),
        "release": release,
        "formats": citations.formats([*sources, atlas]),
    }

"""Search across every type of record, for /search/ and /api/search/."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db.models import Model

from evidence import registry
from evidence.base import normalise, search_index

#
# Search across every type
#


@dataclass
class SearchGroup:
    name: str
    label: str
    results: list
    # Every matching record of this kind, not only those shown.
    total: int
    list_url: str = ""

    @property
    def more(self) -> bool:
        return self.total > len(self.results)


def search_everything(*, text: str, limit: int = 20) -> list[SearchGroup]:
    """Records of every type that match `text`, ranked, with the true count per type.

    The matching is every list's `q` (evidence.base.search_index): normalised words,
    all of them, in any order and any searched field; the best `limit` of each type.
    """
    groups = []
    entities = [e for e in registry.entities() if e.searchable]
    ranked = search_index.ranked_everything(entities, text, limit=limit)
    for entity in entities:
        found = ranked.get(entity.name)
        if found is not None:
            groups.append(
                SearchGroup(
                    entity.name,
                    entity.label,
                    found.records,
                    found.total,
                    entity.list_url,
                )
            )
    return groups


def identify(text: str) -> tuple[Model | None, Any]:
    """(the one record `text` identifies, the review reference it names), each looked
    up once: a record for an NCT id, a DOI or a PMID in any form, or a reference
    resolved to its publication ("Smolinska 2023 [12]"); the reference alone when it
    has no publication."""
    found = normalise.identifier(text)
    if found is not None:
        return _record_of(found), None
    reference = identified_reference(text)
    if reference is None:
        return None, None
    return reference.publication, reference


def identified_record(text: str) -> Model | None:
    """The one record `text` identifies (see `identify`)."""
    return identify(text)[0]


def _record_of(found: normalise.Identifier) -> Model | None:
    from evidence.models import Publication

    if found.kind == "nct":
        for entity in registry.entities():
            if any(f.name == "nct_id" for f in entity.model._meta.concrete_fields):
                rows = list(
                    entity.model._default_manager.filter(nct_id__iexact=found.value)[:2]
                )
                if len(rows) == 1:
                    return rows[0]
        return None
    publications = Publication.objects.all()
    if found.kind == "doi":
        publications = publications.filter(doi__iexact=found.value)
    else:
        publications = publications.filter(pmid=int(found.value))
    rows = list(publications[:2])
    return rows[0] if len(rows) == 1 else None


#
# Review reference numbers: "Foo 2021 [154]", "foo2021 154", "[154] Smolinska 2023"
#

_BRACKETED = re.compile(r"\[\s*(\d{1,4})\s*\]")
_TRAILING = re.compile(
    r"^(.*\S)\s+(?:ref(?:erence)?s?\.?\s*)?(?:no\.?\s*)?#?(\d{1,4})$", re.I
)
# Words that may stand between a review's name and its reference number.
REFERENCE_WORDS = {"et", "al", "ref", "refs", "reference", "references", "no"}


def _review_keys(review) -> set[str]:
    """How a review is named in a query: its slug, or its first author's surname with
    or without the year ("foo-2021", "Foo 2021", "Smolinska")."""
    surname = (review.authors.split(",")[0].split() or [""])[0]
    keys = {normalise.key(review.slug), normalise.key(surname)}
    if review.year:
        keys.add(normalise.key(f"{surname} {review.year}"))
    return keys - {""}


def identified_reference(text: str):
    """The review reference `text` names: a review (slug or first author, with or
    without the year) and a reference number, bracketed or after it."""
    from evidence import choices
    from evidence.models import Publication, ReviewReference

    text = " ".join(str(text).split())[: search_index.MAX_QUERY_LENGTH]
    bracketed = _BRACKETED.search(text)
    if bracketed:
        number, rest = (
            bracketed.group(1),
            text[: bracketed.start()] + " " + text[bracketed.end() :],
        )
    elif trailing := _TRAILING.match(text):
        rest, number = trailing.groups()
    else:
        return None
    typed = "".join(w for w in normalise.words(rest) if w not in REFERENCE_WORDS)
    if not typed or not int(number):
        return None
    reviews = [
        review
        for review in Publication.objects.filter(kind=choices.PublicationKind.REVIEW)
        if typed in _review_keys(review)
    ]
    if len(reviews) != 1:
        return None
    return (
        ReviewReference.objects.select_related("review", "publication")
        .filter(review=reviews[0], number=int(number))
        .first()
    )


def reference_url(reference) -> str:
    """Where a reference is shown: its line in the review's numbered reference list."""
    return f"{reference.review.get_absolute_url()}#ref-{reference.number}"


def citing_groups(reference, *, limit: int = 20) -> list[SearchGroup]:
    """The records that cite `reference`, by kind, with the true count per kind (the
    results of a query that names a reference with no publication of its own)."""
    groups = []
    for entity in registry.entities():
        fields = {f.name for f in entity.model._meta.get_fields()}
        if not entity.searchable or "cited_references" not in fields:
            continue
        citing = entity.queryset().filter(cited_references=reference).order_by("pk")
        total = citing.count()
        if total:
            groups.append(
                SearchGroup(
                    entity.name,
                    entity.label,
                    list(citing[:limit]),
                    total,
                    # The lists' `q` would search the words: no link that says "all".
                    "",
                )
            )
    return groups


#
# Did you mean
#

# How close a typed name must be to a known one (difflib's ratio; 1 is equal).
SUGGESTION_CUTOFF = 0.8


def suggestions(text: str, *, limit: int = 3) -> list[str]:
    """Names of vocabulary records close to `text`, for a query that found nothing.

    Compared in Python on the normalised keys of names and aliases (difflib), so both
    databases suggest the same. Only entities with a `name` among their name fields
    (components, conditions, therapies, cell sources, effects, preconditioning) are
    read: small tables.
    """
    import difflib

    from evidence.base.models import SearchEntry

    typed = "".join(search_index.query_words(text))
    if len(typed) < 4:
        return []
    vocabulary = {
        e.name: e
        for e in registry.entities()
        if e.searchable and "name" in search_index.name_fields(e.filterset)
    }
    owners: dict[str, tuple[str, int]] = {}
    for entity_name, object_id, names in SearchEntry.objects.filter(
        entity__in=vocabulary
    ).values_list("entity", "object_id", "names"):
        for key in names.strip(search_index.SEPARATOR).split(search_index.SEPARATOR):
            if key:
                owners.setdefault(key, (entity_name, object_id))
    found: list[str] = []
    for key in difflib.get_close_matches(
        typed, sorted(owners), n=limit * 3, cutoff=SUGGESTION_CUTOFF
    ):
        entity_name, object_id = owners[key]
        record = (
            vocabulary[entity_name].model._default_manager.filter(pk=object_id).first()
        )
        label = str(record) if record is not None else ""
        if label and label not in found:
            found.append(label)
        if len(found) == limit:
            break
    return found

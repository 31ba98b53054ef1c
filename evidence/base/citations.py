"""Citations: the parser of printed (Vancouver) citations and the writers of RIS,
BibTeX, CSL-JSON and a plain-text reference.

A `CitationItem` is one thing a reader cites: a publication, a registry record or the
atlas release. The writers use maintained libraries where one exists: rispy writes RIS,
bibtexparser (v2) writes BibTeX; CSL-JSON is plain JSON (the tests render it with
citeproc-py). Names are {family, given}; "et al." is a flag, never an author.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import bibtexparser
import rispy
from bibtexparser import model as bibtex_model

from evidence.base.citation_parsing import (
    Locator,
    name_text,
    parse_authors,
    parse_volume_pages,
)

#
# What is cited
#


@dataclass
class CitationItem:
    """One citable thing, in the terms every citation format shares."""

    key: str
    kind: str  # "article" | "registry" | "dataset"
    title: str
    authors: list[dict[str, str]] = field(default_factory=list)
    et_al: bool = False
    corporate_author: str = ""
    container: str = ""  # journal, or the registry / publisher
    year: int | None = None
    volume: str = ""
    issue: str = ""
    first_page: str = ""
    last_page: str = ""
    doi: str = ""
    pmid: int | None = None
    url: str = ""
    identifier: str = ""  # a registry id (NCT...) or a release version
    accessed: str = ""  # ISO date
    note: str = ""

    @property
    def pages(self) -> str:
        if self.first_page and self.last_page and self.last_page != self.first_page:
            return f"{self.first_page}-{self.last_page}"
        return self.first_page


def publication_item(publication: Any) -> CitationItem:
    """A `Publication` as a citation: its structured fields, or (a record whose
    structured fields are not filled yet) what its printed fields say."""
    names = list(publication.author_names or [])
    et_al = bool(publication.et_al)
    if not names and publication.authors:
        names, et_al = parse_authors(publication.authors)
    locator = Locator(
        publication.volume,
        publication.issue,
        publication.first_page,
        publication.last_page,
    )
    if locator == Locator() and publication.volume_pages:
        locator = parse_volume_pages(publication.volume_pages)
    registry = publication.kind == "registry"
    return CitationItem(
        key=publication.slug,
        kind="registry" if registry else "article",
        title=" ".join(publication.title.split()),
        authors=names,
        et_al=et_al,
        container=publication.journal,
        year=publication.year,
        volume=locator.volume,
        issue=locator.issue,
        first_page=locator.first_page,
        last_page=locator.last_page,
        doi=publication.doi or "",
        pmid=publication.pmid,
        url=publication.doi_url,
    )


ATLAS_TITLE = (
    "Paracrine Atlas: stem-cell therapy and its secretome, a curated evidence database"
)
ATLAS_TEAM = "Paracrine Atlas team"


def _reported_in(record: Any) -> str:
    review = getattr(record, "source_review", None)
    locator = getattr(record, "locator", "")
    if review is None:
        return ""
    return f"Reported in {review}" + (f", {locator}" if locator else "") + "."


def trial_item(trial: Any, *, base_url: str = "") -> CitationItem:
    """A clinical trial cited as its registry record (ClinicalTrials.gov), or, when the
    review prints no registry id, as the atlas's record of it."""
    if trial.nct_id:
        return CitationItem(
            key=trial.nct_id,
            kind="registry",
            title=str(trial),
            container="ClinicalTrials.gov",
            identifier=trial.nct_id,
            url=trial.registry_url,
            note=_reported_in(trial),
        )
    return CitationItem(
        key=trial.slug,
        kind="dataset",
        title=str(trial),
        corporate_author=ATLAS_TEAM,
        container="Paracrine Atlas",
        url=base_url + trial.get_absolute_url(),
        note="No registry id printed. " + _reported_in(trial),
    )


def record_publications(record: Any) -> list[Any]:
    """The publications a curated record is cited through: its own publication (a
    study's), its primary publication and its resolved review references; the source
    review when it has none of these."""
    found: list[Any] = []
    for candidate in (
        getattr(record, "publication", None),
        getattr(record, "primary_publication", None),
    ):
        if candidate is not None and candidate not in found:
            found.append(candidate)
    references = getattr(record, "cited_references", None)
    if references is not None:
        for reference in references.all():
            if reference.publication is not None and reference.publication not in found:
                found.append(reference.publication)
    review = getattr(record, "source_review", None)
    if not found and review is not None:
        found.append(review)
    return found


def atlas_item(
    *,
    version: str = "",
    year: int | None = None,
    url: str = "",
    accessed: str = "",
    record_title: str = "",
) -> CitationItem:
    """The atlas (a release, or the working copy before the first release)."""
    note = f"Record: {record_title}." if record_title else ""
    return CitationItem(
        key="paracrine_atlas" + (f"_{version}" if version else ""),
        kind="dataset",
        title=ATLAS_TITLE,
        corporate_author=ATLAS_TEAM,
        year=year,
        identifier=version or "unreleased working copy",
        url=url,
        accessed=accessed,
        note=note,
    )


#
# Writers
#


class _RisWriter(rispy.RisWriter):
    """rispy's writer without its "1." counters, with the CRLF line ends RIS asks."""

    NEWLINE = "\r\n"

    def set_header(self, count: int) -> str:
        return ""


_RIS_TYPES = {"article": "JOUR", "registry": "ELEC", "dataset": "DATA"}


def ris_reference(item: CitationItem) -> dict[str, Any]:
    """The rispy record of `item` (rispy's tag names)."""
    ref: dict[str, Any] = {"type_of_reference": _RIS_TYPES[item.kind], "id": item.key}
    ref["title"] = item.title
    authors = [name_text(n) for n in item.authors]
    if item.corporate_author:
        authors.append(item.corporate_author)
    if authors:
        ref["authors"] = authors
    if item.year:
        ref["year"] = str(item.year)
    if item.container:
        key = "journal_name" if item.kind == "article" else "publisher"
        ref[key] = item.container
    for name in ("volume", "first_page", "last_page"):
        value = getattr(item, name)
        if value:
            ref[
                {"first_page": "start_page", "last_page": "end_page"}.get(name, name)
            ] = value
    if item.issue:
        ref["number"] = item.issue
    if item.doi:
        ref["doi"] = item.doi
    if item.url:
        ref["urls"] = [item.url]
    if item.pmid:
        ref["accession_number"] = f"PMID:{item.pmid}"
    if item.identifier and item.kind == "registry":
        ref["accession_number"] = item.identifier
    if item.identifier and item.kind == "dataset":
        ref["edition"] = item.identifier
    if item.accessed:
        ref["access_date"] = item.accessed
    notes = [item.note] if item.note else []
    if item.et_al:
        notes.append("Author list shortened with 'et al.' as printed.")
    if notes:
        ref["notes"] = notes
    return ref


def iter_ris(items: Iterable[CitationItem]) -> Iterator[str]:
    """RIS records, one per item, a blank line between them (CRLF line ends)."""
    writer = _RisWriter()
    for index, item in enumerate(items):
        yield ("\r\n" if index else "") + writer.formats([ris_reference(item)])


_BIBTEX_SPECIAL = re.compile(r"([\\{}&%$#_^~])")
_BIBTEX_REPLACEMENTS = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "^": r"\^{}",
    "~": r"\~{}",
}


def bibtex_escape(text: str) -> str:
    """Escape the characters that would break a braced BibTeX value or LaTeX (for text
    fields; DOIs and URLs are verbatim fields and are not escaped)."""
    return _BIBTEX_SPECIAL.sub(
        lambda m: _BIBTEX_REPLACEMENTS.get(m.group(1), "\\" + m.group(1)),
        " ".join(str(text).split()),
    )


def bibtex_key(item: CitationItem) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", item.key).strip("_") or "item"


def _bibtex_name(name: dict[str, str]) -> str:
    family = bibtex_escape(name["family"])
    if not name.get("given"):
        return "{" + family + "}"  # kept whole: never split into first and last
    return f"{family}, {bibtex_escape(name['given'])}"


def bibtex_entry(item: CitationItem) -> bibtex_model.Entry:
    """The bibtexparser entry of `item`."""
    fields: list[tuple[str, str]] = [("title", bibtex_escape(item.title))]
    names = [_bibtex_name(n) for n in item.authors]
    if item.corporate_author:
        names.append("{" + bibtex_escape(item.corporate_author) + "}")
    if item.et_al:
        names.append("others")
    if names:
        fields.append(("author", " and ".join(names)))
    if item.container:
        name = "journal" if item.kind == "article" else "howpublished"
        fields.append((name, bibtex_escape(item.container)))
    if item.year:
        fields.append(("year", str(item.year)))
    if item.volume:
        fields.append(("volume", bibtex_escape(item.volume)))
    if item.issue:
        fields.append(("number", bibtex_escape(item.issue)))
    if item.pages:
        fields.append(("pages", item.pages.replace("-", "--")))
    if item.identifier and item.kind == "dataset":
        fields.append(("version", bibtex_escape(item.identifier)))
    if item.doi:
        fields.append(("doi", item.doi))
    if item.url:
        fields.append(("url", item.url))
    if item.pmid:
        fields.append(("pmid", str(item.pmid)))
    if item.accessed:
        fields.append(("urldate", item.accessed))
    if item.note:
        fields.append(("note", bibtex_escape(item.note)))
    kind = "article" if item.kind == "article" else "misc"
    return bibtex_model.Entry(
        kind, bibtex_key(item), [bibtex_model.Field(k, v) for k, v in fields]
    )


def _bibtex_format() -> bibtexparser.BibtexFormat:
    bibtex_format = bibtexparser.BibtexFormat()
    bibtex_format.indent = "  "
    bibtex_format.block_separator = "\n"
    return bibtex_format


def iter_bibtex(items: Iterable[CitationItem]) -> Iterator[str]:
    """BibTeX entries written by bibtexparser, a blank line between them."""
    bibtex_format = _bibtex_format()
    for index, item in enumerate(items):
        library = bibtexparser.Library([bibtex_entry(item)])
        text = bibtexparser.write_string(library, bibtex_format=bibtex_format)
        yield ("\n" if index else "") + text.strip("\n") + "\n"


_CSL_TYPES = {"article": "article-journal", "registry": "webpage", "dataset": "dataset"}


def csl_item(item: CitationItem) -> dict[str, Any]:
    """`item` as a CSL-JSON item (the citeproc-js / Zotero / Pandoc input format)."""
    data: dict[str, Any] = {"id": item.key, "type": _CSL_TYPES[item.kind]}
    data["title"] = item.title
    authors: list[dict[str, str]] = [
        {"family": n["family"], "given": n["given"]}
        if n.get("given")
        else {"literal": n["family"]}
        for n in item.authors
    ]
    if item.corporate_author:
        authors.append({"literal": item.corporate_author})
    if authors:
        data["author"] = authors
    if item.container:
        data["container-title" if item.kind == "article" else "publisher"] = (
            item.container
        )
    if item.year:
        data["issued"] = {"date-parts": [[item.year]]}
    if item.volume:
        data["volume"] = item.volume
    if item.issue:
        data["issue"] = item.issue
    if item.pages:
        data["page"] = item.pages
    if item.doi:
        data["DOI"] = item.doi
    if item.pmid:
        data["PMID"] = str(item.pmid)
    if item.url:
        data["URL"] = item.url
    if item.identifier:
        data["number" if item.kind == "registry" else "version"] = item.identifier
    if item.accessed:
        data["accessed"] = {"date-parts": [[int(p) for p in item.accessed.split("-")]]}
    notes = [item.note] if item.note else []
    if item.et_al:
        notes.append("Author list shortened with 'et al.' as printed.")
    if notes:
        data["note"] = " ".join(notes)
    return data


def iter_csl_json(items: Iterable[CitationItem]) -> Iterator[str]:
    """A CSL-JSON list of the items, one item per piece."""
    first = True
    for item in items:
        text = json.dumps(csl_item(item), ensure_ascii=False, indent=2)
        yield ("[\n  " if first else ",\n  ") + text.replace("\n", "\n  ")
        first = False
    yield "[]\n" if first else "\n]\n"


def plain_text(item: CitationItem) -> str:
    """A Vancouver-style reference, as a reader would paste it."""
    names = [
        f"{n['family']} {n['given'].replace('.', '').replace(' ', '')}".strip()
        for n in item.authors
    ]
    if item.corporate_author:
        names.append(item.corporate_author)
    parts = []
    if names:
        parts.append(", ".join(names) + (", et al." if item.et_al else "."))
    parts.append(item.title.rstrip(".") + ".")
    if item.kind == "dataset" and item.identifier:
        parts.append(f"Version {item.identifier}.")
    if item.container:
        parts.append(item.container.rstrip(".") + ".")
    where = str(item.year or "")
    if item.volume:
        where += f";{item.volume}"
        if item.issue:
            where += f"({item.issue})"
    if item.pages:
        where += f":{item.pages}" if item.volume or where else item.pages
    if where:
        parts.append(where + ".")
    if item.doi:
        parts.append(f"https://doi.org/{item.doi}")
    elif item.url:
        parts.append(item.url + ("." if not item.accessed else ""))
    if item.accessed and not item.doi:
        parts.append(f"(accessed {item.accessed}).")
    return " ".join(parts)


# The citation formats of the downloads and the Cite box: (label, name, writer).
FORMATS = (
    ("RIS", "ris", iter_ris),
    ("BibTeX", "bibtex", iter_bibtex),
    ("CSL-JSON", "csl", iter_csl_json),
)
WRITERS = {name: writer for _, name, writer in FORMATS}


def formats(items: list[CitationItem]) -> list[tuple[str, str, str]]:
    """(label, name, text) of `items` in every citation format (the Cite box)."""
    return [(label, name, "".join(writer(items))) for label, name, writer in FORMATS]

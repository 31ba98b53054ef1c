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
from django.core.exceptions import ValidationError

#
# Parsing what a review printed
#

ET_AL = re.compile(r",?\s*\bet\.?\s*al\.?\s*$", re.IGNORECASE)
# Vancouver initials: "GQ", "K", "JA" (capitals only, at most four).
_INITIALS = re.compile(r"^[A-Z\u00C0-\u017D]{1,4}$")


def _dotted(initials: str) -> str:
    """ "GQ" -> "G. Q." (the given-name form BibTeX and CSL expect)."""
    return " ".join(f"{letter}." for letter in initials)


def parse_name(text: str) -> dict[str, str]:
    """One Vancouver name ("Le Blanc K", "Otomo-Corgel J") as {family, given}.

    A name that does not end in initials cannot be split with certainty: it is kept
    whole as the family name with an empty given name ("Gregorio C De").
    """
    words = " ".join(text.split()).strip(" .").split(" ")
    if len(words) >= 2 and _INITIALS.match(words[-1]):
        return {"family": " ".join(words[:-1]), "given": _dotted(words[-1])}
    return {"family": " ".join(words), "given": ""}


def parse_authors(text: str) -> tuple[list[dict[str, str]], bool]:
    """A printed author list ("Adler CJ, Dobney K, et al.") as (names, et_al)."""
    text = " ".join((text or "").split()).strip().rstrip(".")
    et_al = bool(ET_AL.search(text))
    text = ET_AL.sub("", text).strip(" ,")
    names = [parse_name(part) for part in text.split(",") if part.strip(" .")]
    return names, et_al


def name_text(name: dict[str, str]) -> str:
    """{family, given} as "Family, Given" (the record format's form of a name)."""
    return f"{name['family']}, {name['given']}" if name.get("given") else name["family"]


def name_from_text(text: str) -> dict[str, str]:
    """ "Family, Given" (or a name with no given part) as {family, given}."""
    family, _, given = str(text).partition(",")
    if not family.strip():
        raise ValueError(f"an author needs a family name: {text!r}")
    return {"family": family.strip(), "given": given.strip()}


def validate_author_names(value: Any) -> None:
    """A list of {"family": text, "given": text}, every family name given."""
    if not isinstance(value, list):
        raise ValidationError("Authors must be a list of names.")
    for index, name in enumerate(value, start=1):
        if (
            not isinstance(name, dict)
            or set(name) != {"family", "given"}
            or not all(isinstance(part, str) for part in name.values())
        ):
            raise ValidationError(
                f'Author {index}: expected {{"family": ..., "given": ...}} (text).'
            )
        if not name["family"].strip():
            raise ValidationError(f"Author {index}: the family name is empty.")
        if ET_AL.fullmatch(name["family"].strip()):
            raise ValidationError(f"Author {index}: 'et al.' is not an author.")


@dataclass(frozen=True)
class Locator:
    """Volume, issue and pages of a printed citation ("18(2):151-159")."""

    volume: str = ""
    issue: str = ""
    first_page: str = ""
    last_page: str = ""


_VOLUME_PAGES = re.compile(
    r"^(?P<volume>[^\s():;]*)?\s*(?:\((?P<issue>[^)]*)\))?\s*(?::\s*(?P<pages>.*))?$"
)
_PAGES = re.compile(r"^(?P<first>[A-Za-z]?\d+)(?:\s*[-–]\s*(?P<last>[A-Za-z]?\d+))?$")


def _pages(text: str) -> tuple[str, str]:
    match = _PAGES.match(text.strip().rstrip("."))
    if not match:
        return "", ""
    return match["first"], match["last"] or ""


def parse_volume_pages(text: str | None) -> Locator:
    """The part after the year of a Vancouver citation: "62:329-337", "18(2):151-159",
    "370", ":1-10", "1-14". What cannot be read is left empty; a volume printed as
    "0" (a publisher's placeholder) is not a volume."""
    text = " ".join((text or "").split()).strip().strip(";").rstrip(".")
    if not text:
        return Locator()
    if ":" not in text and "(" not in text and _PAGES.match(text) and "-" in text:
        first, last = _pages(text)  # "1-14": pages without a volume
        return Locator(first_page=first, last_page=last)
    match = _VOLUME_PAGES.match(text)
    if not match:
        return Locator()
    volume = match["volume"] or ""
    if volume == "0":
        volume = ""
    first, last = _pages(match["pages"] or "")
    return Locator(volume, (match["issue"] or "").strip(), first, last)


_DOI_IN_TEXT = re.compile(r"(?:https?://doi\.org/|doi:\s*)(10\.\d{4,9}/[^\s<>]+)", re.I)
_YEAR_PART = re.compile(
    r"(?:^|[.\s])((?:19|20)\d{2})\s*(?:;\s*(?P<rest>[^.]*?))?\.?\s*$"
)


@dataclass(frozen=True)
class ParsedCitation:
    """What a Vancouver citation as printed says, field by field ("" where unreadable)."""

    authors: list[dict[str, str]] = field(default_factory=list)
    et_al: bool = False
    year: int | None = None
    locator: Locator = Locator()
    doi: str = ""


def parse_citation(text: str) -> ParsedCitation:
    """ "Authors. Title. Journal. Year;Volume(Issue):Pages. https://doi.org/..." read
    into its parts. Only authors, year, volume/issue/pages and the DOI are read: the
    title and journal are separated by the same full stops they may contain."""
    text = " ".join((text or "").replace("*", "").split())
    doi_match = _DOI_IN_TEXT.search(text)
    doi = doi_match.group(1).rstrip(".>") if doi_match else ""
    body = text[: doi_match.start()].strip().rstrip("<").strip() if doi_match else text
    head = re.split(r"(?<=[A-Za-z\u00C0-\u017F])\.\s", body, maxsplit=1)
    authors, et_al = parse_authors(head[0]) if len(head) == 2 else ([], False)
    year: int | None = None
    locator = Locator()
    match = _YEAR_PART.search(body.rstrip())
    if match:
        year = int(match.group(1))
        rest = match.group("rest")
        if rest is None:  # "2019:1-19": the pages follow the year with a colon
            tail = body.rstrip()[match.end(1) :]
            rest = tail if tail.startswith(":") else ""
        locator = parse_volume_pages(rest)
    else:  # "2019:1-19." (no journal printed)
        m = re.search(r"((?:19|20)\d{2})(:[^.\s]+)\.?\s*$", body)
        if m:
            year, locator = int(m.group(1)), parse_volume_pages(m.group(2))
    return ParsedCitation(authors, et_al, year, locator, doi)


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


def formats(items: list[CitationItem]) -> dict[str, str]:
    """Every text format of `items` (the record pages' Cite box)."""
    return {
        "text": "\n\n".join(plain_text(item) for item in items),
        "ris": "".join(iter_ris(items)),
        "bibtex": "".join(iter_bibtex(items)),
        "csl_json": "".join(iter_csl_json(items)),
    }

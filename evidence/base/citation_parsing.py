"""The parser of citations as a review printed them (Vancouver style: "Adler CJ, Dobney
K, et al. Title. Nat Genet. 2013;45:450-455. https://doi.org/...") into their parts:
names as {family, given} ("et al." is a flag, never an author), year, volume, issue,
pages and DOI. What cannot be read with certainty is left empty."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

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

"""One normalisation of names and text for search, at index time and at query time.

The search index stores text through `words` and every query goes through the same
function, in Python, so SQLite and PostgreSQL compare the same strings. The tables
below are the whole list of equivalences; tests/evidence/test_normalise.py tests them.

What is folded:
- case, and Unicode compatibility forms with accents removed (NFKD): Danišovič = Danisovic;
- Greek letters and their spelled names to one Latin letter (β = beta = b, α = alpha = a,
  γ = gamma = g, κ = kappa = k), where the name stands alone or is attached to a name
  ("TGFbeta1", "IL-1beta"), never inside a word ("diabetes", "alphabet");
- hyphens and other punctuation inside names, and the spaces before a short number, a
  single letter or a Greek letter, which belong to the name before it: IL-1β = IL1B =
  "IL 1 beta" (all "il1b"); miR-125b = mir125b = "miR 125b";
- microRNA, miRNA and miR, written as one prefix ("mir"): microRNA-125b = miR-125b;
- British and American spellings of the words the vocabulary holds: tumour = tumor.

Identifiers (NCT ids, DOIs, PMIDs) in every written form are read by `identifier`.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

# Greek letters (both cases; NFKD keeps them Greek) and their spelled names -> one letter.
GREEK: dict[str, str] = {
    "alpha": "a",
    "beta": "b",
    "gamma": "g",
    "delta": "d",
    "epsilon": "e",
    "kappa": "k",
    "lambda": "l",
    "mu": "u",  # µg = ug
    "sigma": "s",
    "tau": "t",
    "omega": "o",
}
GREEK_LETTERS: dict[str, str] = {
    "α": "alpha",
    "β": "beta",
    "γ": "gamma",
    "δ": "delta",
    "ε": "epsilon",
    "κ": "kappa",
    "λ": "lambda",
    "μ": "mu",
    "σ": "sigma",
    "τ": "tau",
    "ω": "omega",
}

# Letters NFKD does not take apart, as the Latin letters they are written with.
LETTERS: dict[str, str] = {
    "ß": "ss",
    "ø": "o",
    "ł": "l",
    "đ": "d",
    "æ": "ae",
    "œ": "oe",
    "ı": "i",
}

# Word prefixes written two ways -> the one kept. Applied to the start of each word.
PREFIXES: tuple[tuple[str, str], ...] = (
    ("microrna", "mir"),
    ("mirna", "mir"),
)

# British -> American spelling of word parts (applied inside words, longest first).
SPELLINGS: tuple[tuple[str, str], ...] = (
    ("tumour", "tumor"),
    ("haemorrhag", "hemorrhag"),
    ("haemat", "hemat"),
    ("haemo", "hemo"),
    ("ischaem", "ischem"),
    ("leukaem", "leukem"),
    ("anaem", "anem"),
    ("oedem", "edem"),
    ("oesophag", "esophag"),
    ("oestr", "estr"),
    ("paediatr", "pediatr"),
    ("orthopaed", "orthoped"),
    ("foetal", "fetal"),
    ("fibre", "fiber"),
    ("centre", "center"),
    ("colour", "color"),
    ("behaviour", "behavior"),
    ("randomis", "randomiz"),
    ("characteris", "characteriz"),
    ("immunis", "immuniz"),
)

# A Greek name standing alone, at the start of a word before a digit or a hyphenated
# part, or at the end of a name it is attached to ("tgfbeta", "ifngamma1").
# Only the names written attached in gene and protein names are read there ("maximum"
# does not end in mu).
ATTACHABLE = ("alpha", "beta", "gamma", "delta", "kappa")
_GREEK_NAMES = "|".join(sorted(GREEK, key=len, reverse=True))
_GREEK_ALONE = re.compile(rf"^({_GREEK_NAMES})(\d*[a-z]?)$")
_ANY_GREEK = re.compile(_GREEK_NAMES)
_GREEK_ATTACHED = re.compile(rf"(?<=[a-z0-9])({'|'.join(ATTACHABLE)})(\d*[a-z]?)$")
# Words that belong to the name before them: a number of up to three digits (with a
# letter after it: "125b"), a single letter, or a Greek letter.
_SHORT = re.compile(r"^(\d{1,3}[a-z]?|[a-z])$")
# What separates words; a hyphen, apostrophe or dot joins the parts of one name.
_WORD = re.compile(r"[a-z0-9]+(?:[-'.·][a-z0-9]+)*")
_JOINERS = re.compile(r"[-'.·]")


def fold(text: str) -> str:
    """Lower case, accents removed, Greek letters spelled out, other letters in Latin."""
    text = str(text)
    if text.isascii():
        return text.lower()
    text = unicodedata.normalize("NFKD", text).lower()
    out = []
    for char in text:
        if unicodedata.combining(char):
            continue
        if char in GREEK_LETTERS:
            # Spelled out as its own part of a name: "tgf-β1" -> "tgf-beta1".
            out.append("-" + GREEK_LETTERS[char])
            continue
        out.append(LETTERS.get(char, char))
    return "".join(out)


_SPELLINGS = dict(SPELLINGS)
_BRITISH = re.compile("|".join(sorted(_SPELLINGS, key=len, reverse=True)))


@functools.lru_cache(maxsize=65536)
def _spell(word: str) -> str:
    word = _BRITISH.sub(lambda m: _SPELLINGS[m.group()], word)
    for long, short in PREFIXES:
        if word.startswith(long):
            word = short + word[len(long) :]
    return word


def _greek(part: str) -> tuple[str, bool]:
    """A part of a name with its Greek name as a letter, and whether it was Greek."""
    if not _ANY_GREEK.search(part):
        return part, False
    alone = _GREEK_ALONE.match(part)
    if alone:
        return GREEK[alone.group(1)] + alone.group(2), True
    attached = _GREEK_ATTACHED.search(part)
    if attached:
        return part[: attached.start()] + GREEK[attached.group(1)] + attached.group(
            2
        ), False
    return part, False


def words(text: str) -> list[str]:
    """The search words of `text` (a query): folded, Greek as letters, each name one word."""
    return list(_words(str(text), False))


def document(*texts: object) -> str:
    """The indexed form of some texts: their words separated by spaces.

    A Greek name standing as a word after a name ("TNF alpha") is indexed both ways:
    run into the name ("tnfa") and spelled on its own ("alpha"), so the query "alpha"
    finds it as the query "TNF alpha" does.
    """
    return " ".join(w for text in texts if text for w in _words(str(text), True))


# Indexed text repeats (conditions, designs, outcomes as printed): remembered, and so
# is each token (a new text is mostly known words: 100k trials index in seconds).
@functools.lru_cache(maxsize=65536)
def _words(text: str, spelled_too: bool) -> tuple[str, ...]:
    result: list[str] = []
    extra: list[str] = []
    for match in _WORD.finditer(fold(text)):
        word, glued, bare, spelled, short = _token(match.group())
        # A Greek name as a word of its own, with no name before it: as spelled
        # ("alpha" is a word; a lone "a" would be part of every text).
        if bare and not result:
            result.append(spelled)
            continue
        if result and (glued or short):
            result[-1] = _spell(result[-1] + word)
            if bare and spelled_too:
                extra.append(spelled)
        else:
            result.append(word)
    return tuple(result + extra)


@functools.lru_cache(maxsize=65536)
def _token(token: str) -> tuple[str, bool, bool, str, bool]:
    """One word of folded text: its search word, whether it starts with a Greek name
    (so it belongs to the name before it), whether it is only that Greek name, the
    name as spelled, and whether it is short (a number, a letter)."""
    raw = _JOINERS.split(token)
    parts = []
    glued = False
    for index, part in enumerate(raw):
        part, is_greek = _greek(part)
        if index == 0 and is_greek:
            glued = True
        parts.append(part)
    word = _spell("".join(parts))
    return word, glued, glued and len(raw) == 1, raw[0], bool(_SHORT.match(word))


def key(text: str) -> str:
    """The compact form of a name (its words run together): "IL 1 beta" -> "il1b"."""
    return "".join(words(text))


#
# Identifiers in every written form
#


@dataclass(frozen=True)
class Identifier:
    kind: str  # "nct", "doi" or "pmid"
    value: str  # NCT04491240, 10.1155/2021/2616807 (lower case), 33184567


_NCT = re.compile(
    r"^(?:https?://)?(?:www\.)?(?:clinicaltrials\.gov/(?:ct2/show/|study/|show/)?)?"
    r"nct\s*-?\s*(\d{8})/?(?:[?#].*)?$",
    re.IGNORECASE,
)
_DOI = re.compile(
    r"^(?:doi\s*:\s*|(?:https?://)?(?:dx\.)?doi\.org/)?(10\.\d{4,9}/\S+)$",
    re.IGNORECASE,
)
_PMID = re.compile(
    r"^(?:pmid\s*:?\s*|(?:https?://)?pubmed\.ncbi\.nlm\.nih\.gov/)(\d{1,9})/?$",
    re.IGNORECASE,
)


def identifier(text: str) -> Identifier | None:
    """The NCT id, DOI or PMID `text` is, in any of the forms people paste."""
    # No control characters (a NUL cannot reach PostgreSQL).
    text = "".join(c for c in str(text) if unicodedata.category(c)[0] != "C")
    text = " ".join(text.split())
    if match := _NCT.match(text):
        return Identifier("nct", "NCT" + match.group(1))
    if match := _DOI.match(text):
        return Identifier("doi", match.group(1).rstrip(".").lower())
    if match := _PMID.match(text):
        return Identifier("pmid", str(int(match.group(1))))
    return None


#
# Where the words of a query are in a text (highlighting)
#

# A word as written, Greek letters and accents included, with the joiners of a name.
_WRITTEN = re.compile(r"[^\W_]+(?:[-'.·’/][^\W_]+)*")
# The most written words one name can span ("IL 1 beta", "miR 125b 5p").
MAX_NAME_PARTS = 4


def match_spans(text: str, query_words: list[str]) -> list[tuple[int, int]]:
    """The (start, end) of each written name in `text` whose search word contains one
    of `query_words` (normalised, as the search matches): "TGF-β1", "TGF beta 1" and
    "TGFB1" for the query "TGF-b1". The shortest such run of written words from each
    word on; offsets into `text` as given, in order, disjoint.
    """
    wanted = [w for w in query_words if len(w) >= 2]
    if not wanted or not text:
        return []
    tokens = [(m.start(), m.end()) for m in _WRITTEN.finditer(text)]
    spans: list[tuple[int, int]] = []
    index = 0
    while index < len(tokens):
        start = tokens[index][0]
        for last in range(index, min(index + MAX_NAME_PARTS, len(tokens))):
            end = tokens[last][1]
            found = words(text[start:end])
            if len(found) == 1 and any(w in found[0] for w in wanted):
                spans.append((start, end))
                index = last
                break
        index += 1
    return spans

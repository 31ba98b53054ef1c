"""The search normalisation's equivalence table (evidence/base/normalise.py), directly."""

import pytest

from evidence.base import normalise
from evidence.base.normalise import Identifier, identifier, key, words

# Each group: spellings that must give the same search words.
EQUIVALENT = [
    ("TGF-β1", "TGF-b1", "TGF-beta1", "TGFB1", "tgf beta 1", "TGFβ1"),
    ("IL-1β", "IL1B", "IL 1 beta", "il-1beta", "IL-1 β"),
    ("miR-125b", "mir125b", "microRNA-125b", "MIR 125b", "miRNA-125b"),
    ("Danišovič", "Danisovic", "DANIŠOVIČ", "danisovic"),
    ("Smolinská", "Smolinska"),
    ("TNF-α", "TNF alpha", "TNFalpha", "tnf-a"),
    ("IFN-γ", "IFN gamma", "IFNgamma", "ifng"),
    ("NF-κB", "NF-kappaB", "NFkB", "nf kappa b"),
    ("tumour", "tumor", "TUMOUR"),
    ("ischaemic stroke", "ischemic stroke"),
    ("haemorrhage", "hemorrhage"),
    ("COVID-19", "covid 19", "Covid19"),
    ("β-catenin", "beta-catenin", "b-catenin"),
    ("10 µg/kg", "10 μg/kg", "10ug/kg"),
]


@pytest.mark.parametrize("spellings", EQUIVALENT, ids=lambda s: s[0])
def test_equivalent_spellings_give_the_same_words(spellings):
    forms = {tuple(words(s)) for s in spellings}
    assert len(forms) == 1, forms


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("IL-1β", ["il1b"]),
        (
            "Transforming growth factor-beta 1 (TGF-β1)",
            ["transforming", "growth", "factorb1", "tgfb1"],
        ),
        ("knee osteoarthritis", ["knee", "osteoarthritis"]),
        ("microRNA-125b-5p", ["mir125b5p"]),
        ("type 2 diabetes", ["type2", "diabetes"]),
        # Greek names inside ordinary words stay as they are.
        (
            "diabetes alphabet maximum betaine",
            ["diabetes", "alphabet", "maximum", "betaine"],
        ),
        # Years and long numbers are words of their own.
        ("Foo 2021", ["foo", "2021"]),
        ("", []),
        ("  -- / ()  ", []),
    ],
)
def test_words(text, expected):
    assert words(text) == expected


def test_key_runs_words_together():
    assert key("IL 1 beta") == key("IL-1β") == "il1b"
    assert key("Knee osteoarthritis") == "kneeosteoarthritis"


def test_document_joins_the_words_of_every_text():
    assert (
        normalise.document("TGF-β1", None, "", "Danišovič Ľ")
        == "tgfb1 beta1 danisovicl"
    )


def test_every_greek_letter_is_in_the_name_table():
    for letter, name in normalise.GREEK_LETTERS.items():
        assert name in normalise.GREEK
        # Attached to a name: its letter; standing alone: its spelled name.
        assert words("X-" + letter) == ["x" + normalise.GREEK[name]]
        assert words("X " + letter.upper()) == ["x" + normalise.GREEK[name]]
        assert words(letter) == words(name) == [name]


def test_a_greek_name_alone_is_a_word_and_is_indexed_both_ways():
    assert words("alpha") == ["alpha"]
    assert words("Alpha exosomes") == ["alpha", "exosomes"]
    assert words("TNF alpha") == ["tnfa"]
    assert normalise.document("TNF alpha") == "tnfa alpha"
    assert normalise.document("TNF alpha 1 cells") == "tnfa1 cells alpha"
    assert normalise.document("TNF-α") == "tnfa alpha"


def test_british_spellings_are_folded_to_american():
    for british, american in normalise.SPELLINGS:
        assert words(british) == words(american), british


@pytest.mark.parametrize(
    "text",
    [
        "NCT04491240",
        "nct04491240",
        "NCT 04491240",
        " nct 04491240 ",
        "NCT-04491240",
        "https://clinicaltrials.gov/study/NCT04491240",
        "https://clinicaltrials.gov/ct2/show/NCT04491240?term=stem",
        "clinicaltrials.gov/show/nct04491240",
    ],
)
def test_nct_ids_in_every_form(text):
    assert identifier(text) == Identifier("nct", "NCT04491240")


@pytest.mark.parametrize(
    "text",
    [
        "10.1155/2021/2616807",
        "doi:10.1155/2021/2616807",
        "DOI: 10.1155/2021/2616807",
        "https://doi.org/10.1155/2021/2616807",
        "http://dx.doi.org/10.1155/2021/2616807",
        "HTTPS://DOI.ORG/10.1155/2021/2616807",
        "10.1155/2021/2616807.",
    ],
)
def test_dois_in_every_form(text):
    assert identifier(text) == Identifier("doi", "10.1155/2021/2616807")


def test_doi_case_is_folded():
    assert identifier("doi:10.1016/J.JCYT.2020.01.001") == Identifier(
        "doi", "10.1016/j.jcyt.2020.01.001"
    )


@pytest.mark.parametrize(
    "text",
    ["PMID: 33184567", "pmid33184567", "https://pubmed.ncbi.nlm.nih.gov/33184567/"],
)
def test_pmids(text):
    assert identifier(text) == Identifier("pmid", "33184567")


@pytest.mark.parametrize(
    "text", ["knee", "NCT0449124", "NCT044912401", "10.11/x", "doi", "33184567", ""]
)
def test_not_identifiers(text):
    assert identifier(text) is None


def test_control_characters_never_reach_an_identifier():
    assert identifier("10.1155/20\x0021") == Identifier("doi", "10.1155/2021")
    assert words("IL\x00-6") == ["il6"]

"""The parser of printed citations (evidence/base/citation_parsing.py): names, et al.,
volume/issue/pages, against hand-read examples and against every entry of the Smolinská
2023 reference list as the seed prints it."""

import json
import re
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.exceptions import ValidationError

from evidence.base.citation_parsing import (
    Locator,
    name_from_text,
    name_text,
    parse_authors,
    parse_citation,
    parse_volume_pages,
    validate_author_names,
)
from tests.test_curated_dataset import PRINTED_DOIS, SMOLINSKA_SEED, require_seeds

FIXTURE = Path(settings.FIXTURES_DIR) / "smolinska2023_publications.yaml"


@pytest.mark.parametrize(
    ("printed", "names", "et_al"),
    [
        ("Daley GQ", [("Daley", "G. Q.")], False),
        (
            "Horwitz EM, Le Blanc K, Dominici M, et al.",
            [("Horwitz", "E. M."), ("Le Blanc", "K."), ("Dominici", "M.")],
            True,
        ),
        ("Foo JB et al.", [("Foo", "J. B.")], True),
        ("Otomo-Corgel J, Kološa K", [("Otomo-Corgel", "J."), ("Kološa", "K.")], False),
        ("Kupcova Skalnikova H", [("Kupcova Skalnikova", "H.")], False),
        # Not "<family> <initials>": kept whole rather than guessed.
        (
            "Gregorio C De, Contador D",
            [("Gregorio C De", ""), ("Contador", "D.")],
            False,
        ),
        ("", [], False),
    ],
)
def test_authors_are_family_and_given_names_and_et_al_is_a_flag(printed, names, et_al):
    parsed, flag = parse_authors(printed)
    assert [(n["family"], n["given"]) for n in parsed] == names
    assert flag is et_al


@pytest.mark.parametrize(
    ("printed", "expected"),
    [
        ("7:393-395", Locator("7", "", "393", "395")),
        ("18(2):151-159", Locator("18", "2", "151", "159")),
        ("370", Locator("370")),
        ("2021:2616807", Locator("2021", "", "2616807")),
        (":1-10", Locator("", "", "1", "10")),
        ("1-14", Locator("", "", "1", "14")),
        ("35:057-060", Locator("35", "", "057", "060")),
        ("0:1-21", Locator("", "", "1", "21")),  # volume "0": a placeholder
        ("", Locator()),
        (None, Locator()),
    ],
)
def test_volume_issue_and_pages_are_separated(printed, expected):
    assert parse_volume_pages(printed) == expected


def test_a_whole_citation_is_read_into_its_parts():
    parsed = parse_citation(
        "Galipeau J, Krampera M, Barrett J, *et al.* International Society for Cellular "
        "Therapy perspective. *Cytotherapy*. 2016;18(2):151-159. "
        "<https://doi.org/10.1016/j.jcyt.2015.11.008>"
    )
    assert [n["family"] for n in parsed.authors] == ["Galipeau", "Krampera", "Barrett"]
    assert parsed.et_al is True
    assert parsed.year == 2016
    assert parsed.locator == Locator("18", "2", "151", "159")
    assert parsed.doi == "10.1016/j.jcyt.2015.11.008"


def test_names_round_trip_through_the_record_format():
    name = {"family": "Le Blanc", "given": "K."}
    assert name_text(name) == "Le Blanc, K."
    assert name_from_text("Le Blanc, K.") == name
    assert name_from_text("Paracrine Atlas team") == {
        "family": "Paracrine Atlas team",
        "given": "",
    }
    with pytest.raises(ValueError, match="family name"):
        name_from_text(", K.")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("Doe J", "must be a list"),
        ([{"family": "Doe"}], "expected"),
        ([{"family": "", "given": "J."}], "family name is empty"),
        ([{"family": "et al.", "given": ""}], "not an author"),
    ],
)
def test_malformed_author_lists_are_refused(value, message):
    with pytest.raises(ValidationError, match=message):
        validate_author_names(value)


def _printed_reference_list() -> dict[int, str]:
    require_seeds()
    text = SMOLINSKA_SEED.read_text(encoding="utf-8")
    entries = {}
    for line in text.split("\nReferences\n", 1)[1].splitlines():
        match = re.match(r"^(\d+)\. (.+)$", line)
        if match:
            entries[int(match.group(1))] = match.group(2)
    return entries


def test_every_printed_smolinska_reference_parses_to_the_fixture_values():
    """Each of the 61 entries as the seed prints it gives the DOI of the printed DOI
    list, and the year, authors, et al. flag and volume/issue/pages the fixture holds."""
    entries = _printed_reference_list()
    dois = json.loads(PRINTED_DOIS.read_text())["dois"]
    records = {
        r["doi"]: r for r in yaml.safe_load(FIXTURE.read_text())["records"] if r["doi"]
    }
    assert len(entries) == 61
    for number, printed in entries.items():
        parsed = parse_citation(printed)
        record = records[dois[str(number)]]
        assert parsed.doi == dois[str(number)], number
        assert parsed.year == record["year"], number
        assert [name_text(n) for n in parsed.authors] == record["author_names"], number
        assert parsed.et_al is record["et_al"], number
        assert parsed.locator == Locator(
            record["volume"], record["issue"], record["first_page"], record["last_page"]
        ), number


def test_the_fixture_never_lists_et_al_as_an_author():
    records = yaml.safe_load(FIXTURE.read_text())["records"]
    names = [name for r in records for name in r["author_names"]]
    assert len(names) == 214 and not [n for n in names if "et al" in n.lower()]
    assert sum(r["et_al"] for r in records) == 33
    assert all(r["author_names"] for r in records)

"""CITATION.cff: the atlas's own citation, in the structure cffconvert validates
(CFF 1.2.0: `cffconvert --validate` accepted it), the same as the Cite box's."""

from pathlib import Path

import yaml
from django.conf import settings

from evidence.base import citations

CFF = Path(settings.BASE_DIR) / "CITATION.cff"


def test_citation_cff_has_the_required_keys_and_the_atlas_title():
    data = yaml.safe_load(CFF.read_text(encoding="utf-8"))
    assert data["cff-version"] == "1.2.0"
    assert data["message"].strip()
    assert data["type"] == "dataset"
    assert " ".join(data["title"].split()) == citations.ATLAS_TITLE
    assert data["authors"] == [{"name": citations.ATLAS_TEAM}]


def test_citation_cff_names_no_doi_the_atlas_does_not_have():
    data = yaml.safe_load(CFF.read_text(encoding="utf-8"))
    assert "doi" not in data and "identifiers" not in data
    # The reviews keep the DOIs the fixtures hold (Smolinská 2023 prints none).
    dois = [reference.get("doi") for reference in data["references"]]
    assert dois == ["10.1155/2021/2616807", None]
    for reference in data["references"]:
        for author in reference["authors"]:
            assert "et al" not in str(author).lower()

"""List downloads stream: a `StreamingHttpResponse` whose rows come from the database in
chunks, and whose text is exactly what the whole-list writers made before streaming.

The chunk and piece sizes are made tiny here so that a small world crosses many chunk
(prefetch) and piece boundaries; the reference is the whole list rendered at once by the
same table (`table.rows`) and written by the pre-streaming code (csv.writer over every row,
`json.dumps` of the whole list).
"""

import csv
import io
import json

import pytest
from django.http import StreamingHttpResponse
from django.test import RequestFactory
from django_tables2 import RequestConfig

from evidence.base import exports
from evidence.base.csvsafe import neutralise_formula
from evidence.views import PublicationListView
from secretome.views import ComponentListView
from tests import factories as f
from trials.views import StudyListView, TrialListView

LISTS = [
    (TrialListView, "/trials/", {}),
    (TrialListView, "/trials/", {"condition": "knee-osteoarthritis", "sort": "-trial"}),
    (StudyListView, "/studies/", {"sort": "-year"}),
    (PublicationListView, "/publications/", {}),
    (ComponentListView, "/secretome/", {"sort": "-finding_count"}),
]


@pytest.fixture
def tiny_chunks(monkeypatch):
    monkeypatch.setattr(exports, "CHUNK_SIZE", 2)
    monkeypatch.setattr(exports, "PIECE_SIZE", 50)


def whole_list_text(view_class, path, params, fmt):
    """The download as the non-streaming code wrote it: every row rendered, then joined."""
    request = RequestFactory().get(path, params)
    view = view_class()
    view.setup(request)
    view.filterset = view.get_filterset(view.get_filterset_class())
    assert not view.filterset.is_bound or view.filterset.is_valid()
    table = view.get_table_class()(view.filterset.qs, default="")
    RequestConfig(request, paginate=False).configure(table)
    names, headers, rows = exports.table_rows(table)  # table.rows: all at once
    rows = list(rows)
    if fmt == "json":
        return json.dumps(
            [dict(zip(names, row, strict=True)) for row in rows],
            ensure_ascii=False,
            indent=2,
            default=str,
        )
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([neutralise_formula(value) for value in row])
    return buffer.getvalue()


@pytest.mark.parametrize("fmt", ["csv", "json"])
@pytest.mark.parametrize(("view_class", "path", "params"), LISTS)
def test_streamed_rows_are_the_whole_list_text(
    client, world, tiny_chunks, view_class, path, params, fmt
):
    response = client.get(path, {**params, "export": fmt})
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    pieces = list(response.streaming_content)
    body = b"".join(pieces).decode()
    expected = whole_list_text(view_class, path, params, fmt)
    assert body.count("\n") >= 3, "the world should give a few rows"
    assert len(pieces) > 1, "tiny pieces: the text comes in several"
    assert body == expected


def test_streamed_json_of_no_rows_is_an_empty_list(client, world):
    response = client.get("/trials/", {"q": "no-such-trial-anywhere", "export": "json"})
    assert isinstance(response, StreamingHttpResponse)
    assert response.getvalue() == b"[]"


def test_streamed_csv_neutralises_formulas_across_chunks(client, world, tiny_chunks):
    for index, text in enumerate(["=HYPERLINK(1)", "+SUM(1)", "-2+3", "@cmd"]):
        f.ClinicalTrialFactory(slug=f"formula-{index}", design_as_printed=text)
    body = client.get("/trials/", {"export": "csv", "q": "formula"}).getvalue()
    rows = list(csv.DictReader(io.StringIO(body.decode())))
    assert sorted(row["Design (as printed)"] for row in rows) == [
        "'+SUM(1)",
        "'-2+3",
        "'=HYPERLINK(1)",
        "'@cmd",
    ]


@pytest.fixture
def two_publications(db):
    first = f.PublicationFactory(
        slug="alpha-2019",
        title="Alpha {vesicles} & 10% more",
        authors="Doe J, Roe R",
        journal="Journal of Tests",
        year=2019,
        doi="10.1000/alpha",
        volume_pages="",
    )
    second = f.PublicationFactory(
        slug="beta-2020",
        title="Beta",
        authors="",
        journal="",
        year=2020,
        doi=None,
        volume_pages="",
        kind="registry",
    )
    return first, second


def test_streamed_ris_is_the_records_joined_by_crlf(client, two_publications):
    response = client.get("/publications/", {"export": "ris"})
    assert isinstance(response, StreamingHttpResponse)
    assert response.getvalue().decode() == "\r\n".join(
        [
            "TY  - JOUR",
            "ID  - alpha-2019",
            "TI  - Alpha {vesicles} & 10% more",
            "AU  - Doe, J.",
            "AU  - Roe, R.",
            "PY  - 2019",
            "JO  - Journal of Tests",
            "DO  - 10.1000/alpha",
            "UR  - https://doi.org/10.1000/alpha",
            "ER  - ",
            "",
            "TY  - ELEC",
            "ID  - beta-2020",
            "TI  - Beta",
            "PY  - 2020",
            "ER  - ",
            "",
        ]
    )


def test_streamed_bibtex_is_the_entries_joined_by_a_blank_line(
    client, two_publications
):
    response = client.get("/publications/", {"export": "bibtex"})
    assert isinstance(response, StreamingHttpResponse)
    assert response.getvalue().decode() == (
        "@article{alpha_2019,\n"
        "  title = {Alpha \\{vesicles\\} \\& 10\\% more},\n"
        "  author = {Doe, J. and Roe, R.},\n"
        "  journal = {Journal of Tests},\n"
        "  year = {2019},\n"
        "  doi = {10.1000/alpha},\n"
        "  url = {https://doi.org/10.1000/alpha}\n"
        "}\n"
        "\n"
        "@misc{beta_2020,\n"
        "  title = {Beta},\n"
        "  year = {2020}\n"
        "}\n"
    )

"""Queries as researchers type them, over the curated dataset: each must find its record
on the first page of the site search (issue 14). Runs on SQLite and, with DATABASE_URL,
on PostgreSQL: the normalisation is done in Python (evidence.base.normalise), so both
databases must give the same answers.

Each query names the kind of record (the registry's entity name) and the slug it must
find among the first 20 of that kind.
"""

from urllib.parse import quote

import pytest
from django.urls import reverse

from evidence import registry
from evidence.base import search_index
from evidence.site.search import identified_record, search_everything

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("curated_dataset")]


# (category, query, entity, slug)
QUERIES = [
    # Greek letters: the letter, its spelled name and its Latin letter.
    ("greek", "TGF-β1", "components", "tgf-beta1"),
    ("greek", "TGF-b1", "components", "tgf-beta1"),
    ("greek", "TGF-beta1", "components", "tgf-beta1"),
    ("greek", "TGFB1", "components", "tgf-beta1"),
    ("greek", "tgf beta 1", "components", "tgf-beta1"),
    ("greek", "TGF-β", "components", "tgf-beta"),
    ("greek", "TGF beta", "components", "tgf-beta"),
    ("greek", "IL-1β", "components", "il-1b"),
    ("greek", "IL1B", "components", "il-1b"),
    ("greek", "IL 1 beta", "components", "il-1b"),
    ("greek", "il-1beta", "components", "il-1b"),
    ("greek", "IFN-γ", "components", "ifn-gamma"),
    ("greek", "IFN gamma", "components", "ifn-gamma"),
    ("greek", "IFNg", "components", "ifn-gamma"),
    ("greek", "interferon γ", "components", "ifn-gamma"),
    ("greek", "TNF-α", "components", "tnf-alpha"),
    ("greek", "TNF alpha", "components", "tnf-alpha"),
    ("greek", "tnfa", "components", "tnf-alpha"),
    ("greek", "TNF-β", "components", "tnf-beta"),
    ("greek", "TNF beta", "components", "tnf-beta"),
    ("greek", "TGF-β1", "therapies", "tgf-beta1-modified-autologous-msc"),
    ("greek", "TGFB1", "therapies", "tgf-beta1-modified-autologous-msc"),
    # Hyphens, spaces and punctuation inside names; microRNA / miRNA / miR.
    ("names", "miR-125b", "components", "mir-125b-5p"),
    ("names", "mir125b", "components", "mir-125b-5p"),
    ("names", "microRNA-125b", "components", "mir-125b-5p"),
    ("names", "miR 125b-5p", "components", "mir-125b-5p"),
    ("names", "miR-133", "components", "mir-133"),
    ("names", "microRNA 133", "components", "mir-133"),
    ("names", "miR-181", "components", "mir-181"),
    ("names", "microRNA-181", "components", "mir-181"),
    ("names", "miRNA-199a-3p", "components", "mir-199a-3p"),
    ("names", "IL10", "components", "il-10"),
    ("names", "IL 10", "components", "il-10"),
    ("names", "IGF 1", "components", "igf-1"),
    ("names", "IGF-1", "components", "igf-1"),
    ("names", "PDL1", "components", "pd-l1"),
    ("names", "BCL-2", "components", "bcl-2"),
    ("names", "GATA4", "components", "gata-4"),
    ("names", "CXCL12", "components", "sdf-1"),
    ("names", "SDF 1", "components", "sdf-1"),
    ("names", "C3H10T1/2", "cell_sources", "c3h10t1-2-cells"),
    ("names", "Huntington’s disease", "conditions", "huntingtons-disease"),
    ("names", "Huntingtons disease", "conditions", "huntingtons-disease"),
    ("names", "COVID 19", "conditions", "covid-19"),
    ("names", "covid19", "conditions", "covid-19"),
    # Case and accents.
    ("accents", "Danisovic", "publications", "smolinska-2023"),
    ("accents", "DANIŠOVIČ", "publications", "smolinska-2023"),
    ("accents", "smolinska", "publications", "smolinska-2023"),
    ("accents", "Bohac", "publications", "smolinska-2023"),
    ("accents", "Ozcan", "publications", "alessio-2017"),
    ("accents", "Jozkwicz", "publications", "dulak-2015"),
    ("accents", "Eiro", "publications", "eiro-2014"),
    ("accents", "Korsic", "publications", "kolosa-2015"),
    ("accents", "Assuncao-Silva", "publications", "teixeira-2016"),
    ("accents", "diaz", "publications", "gregorio-2020"),
    ("accents", "vegf", "components", "vegf"),
    ("accents", "STARGARDT", "conditions", "stargardt-macular-dystrophy"),
    # British and American spellings.
    ("spelling", "tumour suppression", "effects", "tumor-suppression"),
    ("spelling", "tumour necrosis factor alpha", "components", "tnf-alpha"),
    ("spelling", "glucocorticoid-induced tumor necrosis factor", "components", "gitr"),
    ("spelling", "leukaemia inhibitory factor", "components", "lif"),
    ("spelling", "ischaemic stroke", "conditions", "ischemic-stroke"),
    ("spelling", "ischaemic heart disease", "conditions", "ischemic-heart-disease"),
    ("spelling", "ischaemic cardiomyopathy", "trials", "nct00768066"),
    ("spelling", "tumour-suppressing", "therapies", "itts-msc-conditioned-medium"),
    # Identifiers in every form (the search lists them too; the redirect is tested
    # below).
    ("identifier", "NCT01183728", "trials", "nct01183728"),
    ("identifier", "nct01183728", "trials", "nct01183728"),
    ("identifier", "NCT 01183728", "trials", "nct01183728"),
    (
        "identifier",
        "https://clinicaltrials.gov/study/NCT01183728",
        "trials",
        "nct01183728",
    ),
    ("identifier", "clinicaltrials.gov/ct2/show/nct01183728", "trials", "nct01183728"),
    ("identifier", "10.3390/cells9061344", "studies", "smolinska2023-t1-r09"),
    ("identifier", "doi:10.3390/cells9061344", "studies", "smolinska2023-t1-r09"),
    (
        "identifier",
        "https://doi.org/10.3390/CELLS9061344",
        "studies",
        "smolinska2023-t1-r09",
    ),
    ("identifier", "DOI: 10.1111/cns.12759", "publications", "dahbour-2017"),
    # Several words, in any order, across fields.
    ("words", "osteoarthritis knee", "trials", "nct01183728"),
    ("words", "knee osteoarthritis", "conditions", "knee-osteoarthritis"),
    ("words", "alopecia conditioned medium", "studies", "smolinska2023-t1-r09"),
    ("words", "medium alopecia conditioned", "studies", "smolinska2023-t1-r09"),
    ("words", "lupus systemic", "conditions", "systemic-lupus-erythematosus"),
    ("words", "cord umbilical msc", "cell_sources", "umbilical-cord-msc"),
    (
        "words",
        "degeneration macular age-related",
        "conditions",
        "age-related-macular-degeneration",
    ),
    ("words", "cardiomyopathy ischemic", "trials", "nct00768066"),
    ("words", "fibrosis pulmonary idiopathic", "trials", "nct01385644"),
    ("words", "growth factor hepatocyte", "components", "hgf"),
    ("words", "exosomes BMSC", "therapies", "bmsc-exosomes"),
    ("words", "injury lung acute", "conditions", "acute-lung-injury"),
    ("words", "melatonin preconditioning", "preconditioning", "foo2021-pc-melatonin"),
    ("words", "Leeman 2019", "studies", "smolinska2023-t1-r01"),
]


def slugs_found(query: str) -> dict[str, list[str]]:
    return {
        group.name: [record.slug for record in group.results]
        for group in search_everything(text=query)
    }


@pytest.mark.parametrize(
    ("category", "query", "entity", "slug"), QUERIES, ids=[q[1] for q in QUERIES]
)
def test_query_finds_its_record_on_the_first_page(category, query, entity, slug):
    assert slug in slugs_found(query).get(entity, []), (category, query)


def test_the_query_set_covers_every_category():
    counts: dict[str, int] = {}
    for category, *_ in QUERIES:
        counts[category] = counts.get(category, 0) + 1
    assert len(QUERIES) >= 60
    assert set(counts) == {
        "greek",
        "names",
        "accents",
        "spelling",
        "identifier",
        "words",
    }
    assert min(counts.values()) >= 8


@pytest.mark.parametrize(
    "spellings",
    [
        ("TGF-β1", "TGF-b1", "TGF-beta1", "TGFB1", "tgf beta 1"),
        ("IL-1β", "IL1B", "IL 1 beta", "il-1b"),
        ("miR-125b", "mir125b", "microRNA-125b"),
        ("Danišovič", "Danisovic", "danisovic"),
        ("tumour", "tumor"),
        ("knee osteoarthritis", "osteoarthritis knee", "Knee  OSTEOARTHRITIS"),
    ],
    ids=lambda s: s[0],
)
def test_a_spelling_variant_gives_the_same_results(spellings):
    first = slugs_found(spellings[0])
    assert first
    for spelling in spellings[1:]:
        assert slugs_found(spelling) == first, spelling


def test_exact_name_or_alias_first_then_prefix_then_text():
    # "TGF-β" is the name of one component and the start of another's.
    assert slugs_found("TGF-β")["components"][:2] == ["tgf-beta", "tgf-beta1"]
    # The condition named "Stroke" before those that only contain the word.
    assert slugs_found("stroke")["conditions"][0] == "stroke"
    # "microRNA" is an alias of the component "MicroRNA": first among the miRNAs.
    assert slugs_found("microRNA")["components"][0] == "mirna"
    # An alias in capitals is still exact.
    assert slugs_found("IGF1")["components"][0] == "igf-1"


def test_counts_are_true_and_beyond_the_first_page():
    groups = {g.name: g for g in search_everything(text="tumor", limit=3)}
    findings = groups["component_findings"]
    assert len(findings.results) == 3
    expected = search_index.search_queryset(
        registry.entity("component_findings").model.objects.all(), "tumour"
    ).count()
    assert findings.total == expected > 3
    assert findings.more


@pytest.mark.parametrize(
    ("query", "url"),
    [
        ("NCT 01183728", "/trials/nct01183728/"),
        ("https://clinicaltrials.gov/ct2/show/NCT01183728", "/trials/nct01183728/"),
        ("doi:10.3390/CELLS9061344", "/publications/oh-2020/"),
        ("https://doi.org/10.1111/cns.12759", "/publications/dahbour-2017/"),
    ],
)
def test_an_identifier_opens_its_record(client, query, url):
    response = client.get(reverse("evidence:search"), {"q": query})
    assert response.status_code == 302
    assert response["Location"] == url


def test_a_pmid_opens_its_publication(client):
    from evidence.models import Publication

    publication = Publication.objects.get(slug="oh-2020")
    publication.pmid = 32503194
    publication.save()
    assert identified_record("PMID: 32503194") == publication
    response = client.get(reverse("evidence:search"), {"q": "pmid 32503194"})
    assert response["Location"] == publication.get_absolute_url()


def test_an_unknown_identifier_is_searched_as_text(client):
    response = client.get(reverse("evidence:search"), {"q": "NCT99999999"})
    assert response.status_code == 200
    assert response.context["groups"] == []


def test_the_page_shows_true_counts_and_a_show_all_link_without_internal_text(client):
    response = client.get(reverse("evidence:search"), {"q": "tumor"})
    html = response.content.decode()
    assert "ComponentFinding.None" not in html
    assert ".None" not in html
    components = next(g for g in response.context["groups"] if g.name == "components")
    assert f'Secretome components <span class="count">{components.total}</span>' in html
    findings = next(
        g for g in response.context["groups"] if g.name == "component_findings"
    )
    assert findings.more and findings.total > len(findings.results)
    assert f"of {findings.total}." in html


def test_the_lists_q_uses_the_same_normalisation(client):
    for spelling in ("TGF-β1", "TGFB1", "tgf beta 1"):
        response = client.get("/api/components/", {"q": spelling})
        assert response.status_code == 200
        slugs = [row["slug"] for row in response.json()["results"]]
        assert slugs == ["tgf-beta1"], spelling
    page = client.get(reverse("secretome:component_list"), {"q": "TGF-b1"})
    assert "Transforming growth factor-beta 1" in page.content.decode()


def test_highlighting_stays_escaped(client):
    response = client.get(
        reverse("evidence:search"), {"q": "<script>alert(1)</script> TNF"}
    )
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html


def test_api_search_ranked_and_grouped(client):
    response = client.get("/api/search/", {"q": "TGF-β"})
    assert response.status_code == 200
    body = response.json()
    assert body["query"] == "TGF-β"
    assert body["match"] is None
    groups = {g["name"]: g for g in body["groups"]}
    components = groups["components"]
    assert [r["slug"] for r in components["results"][:2]] == ["tgf-beta", "tgf-beta1"]
    assert components["total"] == len(components["results"])
    assert components["list_url"] == (
        "http://testserver" + reverse("secretome:component_list") + "?q=TGF-%CE%B2"
    )
    # The same groups and counts as the page.
    page = client.get(reverse("evidence:search"), {"q": "TGF-β"})
    assert {g.name: g.total for g in page.context["groups"]} == {
        name: g["total"] for name, g in groups.items()
    }


def test_api_search_limit_and_true_totals(client):
    body = client.get("/api/search/", {"q": "tumor", "limit": 2}).json()
    findings = next(g for g in body["groups"] if g["name"] == "component_findings")
    assert len(findings["results"]) == 2
    assert findings["total"] > 2


def test_api_search_identifier_is_the_match_and_the_first_hit(client):
    body = client.get("/api/search/", {"q": "NCT 01183728"}).json()
    assert body["match"]["slug"] == "nct01183728"
    assert body["match"]["url"].endswith("/trials/nct01183728/")
    trials = next(g for g in body["groups"] if g["name"] == "trials")
    assert trials["results"][0]["slug"] == "nct01183728"


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": ""},
        {"q": "   "},
        {"q": "x" * 201},
        {"q": "a", "limit": 0},
        {"q": "a", "limit": "many"},
        {"q": "a", "limit": 101},
        {"q": "a\x00b"},
    ],
)
def test_api_search_refuses_bad_parameters(client, params):
    response = client.get("/api/search/", params)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")


def test_page_search_with_a_nul_is_not_an_error(client):
    response = client.get(reverse("evidence:search"), {"q": "10.1155/ab\x00c"})
    assert response.status_code == 200


# (typed, a suggestion it must get): nothing matches them, "did you mean" answers.
TYPOS = [
    ("Interleukn-6", "Interleukin-6"),
    ("TGF-bta1", "Transforming growth factor-beta 1"),
    ("melatonn", "Melatonin preconditioning"),
    ("hepatocyte grwth factor", "Hepatocyte growth factor"),
    ("osteoarthritsi", "Knee osteoarthritis"),
    ("Angiopoeitin-1", "Angiopoietin-1"),
    ("Thrombospondn-1", "Thrombospondin-1"),
    ("Glaucomma", "Glaucoma"),
]


@pytest.mark.parametrize(("typed", "meant"), TYPOS)
def test_a_typo_gets_did_you_mean(client, typed, meant):
    response = client.get(reverse("evidence:search"), {"q": typed})
    assert response.context["groups"] == []
    assert meant in response.context["suggestions"]
    assert f'href="?q={quote(meant, safe="/")}"' in response.content.decode()
    body = client.get("/api/search/", {"q": typed}).json()
    assert meant in body["suggestions"]


def test_no_suggestion_when_something_matches_or_nothing_is_close(client):
    assert (
        client.get(reverse("evidence:search"), {"q": "glaucoma"}).context["suggestions"]
        == []
    )
    assert (
        client.get(reverse("evidence:search"), {"q": "qqqqzzzz"}).context["suggestions"]
        == []
    )


@pytest.mark.parametrize(
    "query",
    ["tumor", "TGF-β1", "knee osteoarthritis", "stroke", "mir", "ab", "10.3390"],
)
def test_the_site_search_finds_what_every_list_q_finds(query):
    groups = {g.name: g for g in search_everything(text=query, limit=1000)}
    for entity in registry.entities():
        if not entity.searchable:
            continue
        listed = set(
            search_index.search_queryset(entity.model.objects.all(), query).values_list(
                "pk", flat=True
            )
        )
        group = groups.get(entity.name)
        shown = {r.pk for r in group.results} if group else set()
        assert shown == listed, (query, entity.name)
        assert (group.total if group else 0) == len(listed)


# Review reference numbers as identifiers: (query, where it leads). A reference
# resolved to a publication opens it; one without (foo-2021 [154]) lists the records
# citing it, first.
RESOLVED = ("publication", "maguire-2013")
CITED = ("citing", {"trials": "foo2021-t2-r27", "therapies": "adipose-msc-therapy"})
REFERENCE_QUERIES = [
    ("Smolinska 2023 [12]", RESOLVED),
    ("Smolinská 2023 [12]", RESOLVED),
    ("smolinska-2023 [12]", RESOLVED),
    ("smolinska2023 12", RESOLVED),
    ("[12] Smolinska 2023", RESOLVED),
    ("Smolinska et al. 2023, ref. 12", RESOLVED),
    ("Foo 2021 [154]", CITED),
    ("foo2021 154", CITED),
    ("[154] foo-2021", CITED),
    ("Foo et al. 2021 [154]", CITED),
    ("FOO 2021 reference 154", CITED),
]


@pytest.mark.parametrize(("query", "target"), REFERENCE_QUERIES)
def test_a_review_reference_goes_to_its_record(client, query, target):
    kind, expected = target
    page = client.get(reverse("evidence:search"), {"q": query})
    body = client.get("/api/search/", {"q": query}).json()
    if kind == "publication":
        assert page.status_code == 302
        assert page["Location"] == f"/publications/{expected}/"
        assert body["match"]["slug"] == expected
        return
    assert page.status_code == 200
    assert page.context["reference"].number == 154
    assert 'href="/publications/foo-2021/#ref-154"' in page.content.decode()
    firsts = {g.name: g.results[0].slug for g in page.context["groups"]}
    assert firsts == expected
    assert body["match"]["entity"] == "review_references"
    assert body["match"]["url"] == "http://testserver/publications/foo-2021/#ref-154"
    assert {g["name"]: g["results"][0]["slug"] for g in body["groups"]} == expected


@pytest.mark.parametrize(
    "query", ["Foo 2021 [9999]", "Leeman 2019", "Nobody 2021 [12]"]
)
def test_a_number_that_names_no_reference_is_searched_as_text(client, query):
    response = client.get(reverse("evidence:search"), {"q": query})
    assert response.status_code == 200
    assert response.context["reference"] is None


def test_the_review_page_anchors_each_reference(client):
    html = client.get("/publications/foo-2021/").content.decode()
    assert '<li value="154" id="ref-154">' in html


def test_every_list_q_reads_the_normalised_index():
    from django.urls import get_resolver

    from evidence.base.filtersets import SearchFilterSet

    def views(patterns):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                yield from views(pattern.url_patterns)
            else:
                yield getattr(pattern.callback, "cls", None)

    viewsets = set(views(get_resolver().url_patterns))
    searched = [
        view.filterset_class
        for view in viewsets
        if issubclass(getattr(view, "filterset_class", None) or object, SearchFilterSet)
    ]
    assert searched
    for filterset in searched:
        assert search_index.is_indexed(filterset._meta.model), filterset


@pytest.mark.parametrize(
    ("path", "query", "variant"),
    [
        ("/api/comparison-points/", "blood-brain barrier", "Blood brain BARRIER"),
        ("/api/review-references/", "Józkwicz", "jozkwicz"),
        ("/api/review-references/", "tumour growth", "tumor growth"),
        ("/api/publications/", "Danišovič", "danisovic"),
        ("/api/conditions/", "ischaemic stroke", "ischemic stroke"),
    ],
)
def test_a_list_q_spelling_variant_gives_the_same_rows(client, path, query, variant):
    def rows(text):
        response = client.get(path, {"q": text, "page_size": 100})
        assert response.status_code == 200
        return [
            row.get("slug") or row.get("number") for row in response.json()["results"]
        ]

    assert rows(query)
    assert rows(variant) == rows(query)


#
# The shown records of every kind in one query (search_ranking.read_records)
#


def _as_read(record) -> tuple:
    """What a read left on a record: every column's value with its type and time
    zone, its deferred fields, and its cached `select_related` records likewise."""
    columns = {}
    for model_field in record._meta.concrete_fields:
        value = getattr(record, model_field.attname)
        columns[model_field.attname] = (type(value), value, getattr(value, "tzinfo", 0))
    cached = {
        name: None if related is None else _as_read(related)
        for name, related in record._state.fields_cache.items()
    }
    return (
        type(record),
        columns,
        cached,
        record.get_deferred_fields(),
        record._state.db,
        record._state.adding,
    )


def _searched_querysets():
    """Each searched kind's queryset without its prefetches (the names are another
    query's), with all its keys, newest first, and a key no record has."""
    for entity in registry.entities():
        if entity.searchable:
            queryset = entity.queryset().prefetch_related(None)
            pks = list(queryset.order_by("-pk").values_list("pk", flat=True))
            yield entity.name, queryset, [*pks, 10**9]


def test_one_query_reads_every_kind_as_django_reads_it():
    """The curated records of every kind, read in one UNION ALL query with their
    columns in JSON, equal Django's own read of the same queryset column by column
    (value, type, time zone), with the same `select_related` records (None where the
    relation is empty), in the order of the keys asked."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from evidence.base.search_ranking import read_records

    wanted = list(_searched_querysets())
    with CaptureQueriesContext(connection) as captured:
        read = read_records(wanted)
    assert len(captured) == 1
    empty_relations = 0
    for name, queryset, pks in wanted:
        by_pk = queryset.in_bulk(pks)
        expected = [by_pk[pk] for pk in pks if pk in by_pk]
        assert len(expected) == len(pks) - 1 > 0, name
        assert [_as_read(r) for r in read[name]] == [_as_read(r) for r in expected]
        empty_relations += sum(
            related is None
            for record in expected
            for related in record._state.fields_cache.values()
        )
    # The curated data has empty relations (studies without a publication ...).
    assert empty_relations


def test_floats_and_text_read_back_exactly_through_json():
    """Doses whose shortest form needs 17 digits (SQLite's JSON writes 15), a null
    dose, text JSON must escape and a time with microseconds: the one-query read
    gives Django's values."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from evidence.base.search_ranking import read_records
    from tests import factories
    from trials.models import ClinicalTrial

    trial = factories.ClinicalTrialFactory(
        dose_low=0.1 + 0.2,
        dose_high=None,
        dose_unit="cells",
        design_as_printed='Doses "1/3" \\ 2\n\u00e9\u2014\U0001f9ea',
        verified_at=timezone.now(),
    )
    other = factories.ClinicalTrialFactory(
        dose_low=1 / 3, dose_high=1e8 / 3, dose_unit="cells"
    )
    queryset = ClinicalTrial.objects.with_title_related().prefetch_related(None)
    with CaptureQueriesContext(connection) as captured:
        (read,) = read_records([("trials", queryset, [other.pk, trial.pk])]).values()
    assert len(captured) == 1
    expected = [queryset.get(pk=other.pk), queryset.get(pk=trial.pk)]
    assert [_as_read(r) for r in read] == [_as_read(r) for r in expected]
    assert read[1].dose_low == 0.1 + 0.2 and read[1].dose_high is None


def test_a_queryset_json_cannot_rebuild_is_read_apart():
    """An annotated queryset (its rows carry more than the model's columns) is read
    by `in_bulk`, a query of its own, with its prefetches: the same records."""
    from django.db.models import Count

    from evidence.base.search_ranking import read_records

    wanted = [
        (
            name,
            queryset.annotate(n=Count("pk")) if name == "conditions" else queryset,
            pks,
        )
        for name, queryset, pks in _searched_querysets()
    ]
    read = read_records(wanted)
    for name, queryset, pks in wanted:
        by_pk = queryset.in_bulk(pks)
        assert [r.pk for r in read[name]] == [pk for pk in pks if pk in by_pk]
    assert all(r.n == 1 for r in read["conditions"])

"""A small, fully known world of factory data for the page tests."""

from dataclasses import dataclass, field

import pytest

from tests import factories as f


@dataclass
class World:
    """The records of one copy of the test world, by short name."""

    reviews: dict = field(default_factory=dict)
    conditions: dict = field(default_factory=dict)
    sources: dict = field(default_factory=dict)
    therapies: dict = field(default_factory=dict)
    trials: dict = field(default_factory=dict)
    studies: dict = field(default_factory=dict)
    components: dict = field(default_factory=dict)
    effects: dict = field(default_factory=dict)
    findings: dict = field(default_factory=dict)
    publications: dict = field(default_factory=dict)
    other: dict = field(default_factory=dict)


def build_world(
    suffix: str = "", nct_base: int = 0, share: World | None = None
) -> World:
    """Create one copy of the world; `suffix` keeps slugs unique across copies.

    Trials        phase  status     therapy (modality)      conditions     route            outcomes              level review
    t1 NCT..01    1      completed  cells-bm (cells)        knee, stroke   intra_articular  safe, effective       B     foo
    t2 NCT..02    2      ongoing    exo-bm (exosomes)       knee           intravenous      safe                  A     foo
    t3 NCT..03    3      unknown    cm-uc (cond. medium)    gvhd           intravenous      not_yet_available     C     smol
    t4 (no NCT)   1_2    completed  cells-uc (cells)        stroke         intravenous      -                     B     smol

    Studies  stage        models       conditions     therapy    year  level
    s1       preclinical  mouse        knee           exo-bm     2018  D
    s2       clinical     human        stroke, knee   cm-uc      2020  C
    s3       preclinical  cells, rat   gvhd           cells-bm   2021  D
    """
    w = World()
    s = suffix
    if share is not None:
        return _build_evidence(w, share, s, nct_base)
    w.reviews["foo"] = f.ReviewFactory(
        slug=f"foo-2021{s}",
        doi=f"10.1155/2021/2616807{s}",
        authors="Foo JB, Looi QH",
        title="Comparing the Therapeutic Potential of Stem Cells",
        year=2021,
    )
    w.reviews["smol"] = f.ReviewFactory(
        slug=f"smolinska-2023{s}",
        doi=None,
        authors="Smolinská V, Boháč M",
        year=2023,
        title="Current Status of the Applications of Conditioned Media",
    )
    foo, smol = w.reviews["foo"], w.reviews["smol"]
    w.conditions["knee"] = f.ConditionFactory(
        slug=f"knee-osteoarthritis{s}",
        name=f"Knee osteoarthritis{s}",
        synonyms=["gonarthrosis"],
        category="musculoskeletal",
    )
    w.conditions["stroke"] = f.ConditionFactory(
        slug=f"stroke{s}", name=f"Ischaemic stroke{s}", category="neurological"
    )
    w.conditions["gvhd"] = f.ConditionFactory(
        slug=f"gvhd{s}", name=f"Graft-versus-host disease{s}"
    )
    w.sources["bm"] = f.CellSourceFactory(slug=f"bm-msc{s}", name=f"Bone marrow MSC{s}")
    w.sources["uc"] = f.CellSourceFactory(
        slug=f"uc-msc{s}", name=f"Umbilical cord MSC{s}", tissue="umbilical cord"
    )
    cells_bm = f.TherapyFactory(
        slug=f"cells-bm{s}",
        name=f"BM-MSC cells{s}",
        cell_source=w.sources["bm"],
        source_review=foo,
    )
    cells_uc = f.TherapyFactory(
        slug=f"cells-uc{s}",
        name=f"UC-MSC cells{s}",
        cell_source=w.sources["uc"],
        source_review=smol,
    )
    exo_bm = f.CellFreeTherapyFactory(
        slug=f"exo-bm{s}",
        name=f"BM-MSC exosomes{s}",
        cell_source=w.sources["bm"],
        parent=cells_bm,
        source_review=foo,
    )
    cm_uc = f.CellFreeTherapyFactory(
        slug=f"cm-uc{s}",
        name=f"UC-MSC conditioned medium{s}",
        modality="conditioned_medium",
        cell_source=w.sources["uc"],
        parent=cells_uc,
        source_review=smol,
    )
    w.therapies.update(cells_bm=cells_bm, cells_uc=cells_uc, exo_bm=exo_bm, cm_uc=cm_uc)
    w.effects["angio"] = f.EffectFactory(
        slug=f"angiogenesis{s}", name=f"Angiogenesis{s}"
    )
    w.effects["neuro"] = f.EffectFactory(
        slug=f"neuroprotection{s}", name=f"Neuroprotection{s}"
    )
    w.effects["immuno"] = f.EffectFactory(
        slug=f"immunomodulation{s}", name=f"Immunomodulation{s}"
    )
    w.components["vegf"] = f.ComponentFactory(
        slug=f"vegf{s}",
        name=f"Vascular endothelial growth factor{s}",
        abbreviation="VEGF",
        kind="growth_factor",
    )
    w.components["il10"] = f.ComponentFactory(
        slug=f"il-10{s}",
        name=f"Interleukin 10{s}",
        abbreviation="IL-10",
        kind="cytokine_anti_inflammatory",
    )
    w.components["hgf"] = f.ComponentFactory(
        slug=f"hgf{s}", name=f"Hepatocyte growth factor{s}", kind="growth_factor"
    )
    return _build_evidence(w, w, s, nct_base)


def _build_evidence(w: World, v: World, s: str, nct_base: int) -> World:
    """The evidence records of `w`, over the vocabulary (and products) of `v`."""
    for name in (
        "reviews",
        "conditions",
        "sources",
        "therapies",
        "components",
        "effects",
    ):
        setattr(w, name, getattr(v, name))
    foo, smol = w.reviews["foo"], w.reviews["smol"]
    cells_bm, cells_uc = w.therapies["cells_bm"], w.therapies["cells_uc"]
    exo_bm, cm_uc = w.therapies["exo_bm"], w.therapies["cm_uc"]
    primary = f.PublicationFactory(
        slug=f"doe-2019{s}",
        doi=f"10.1000/primary.{nct_base + 1}{s}",
        title=f"Primary trial report{s}",
        year=2019,
    )
    w.publications["primary"] = primary
    ref = f.ReviewReferenceFactory(
        review=foo, number=140 + nct_base, publication=primary
    )
    knee, stroke, gvhd = (w.conditions[k] for k in ("knee", "stroke", "gvhd"))
    w.trials["t1"] = f.ClinicalTrialFactory(
        slug=f"nct{nct_base + 1:08d}",
        nct_id=f"NCT{nct_base + 1:08d}",
        phase="1",
        status="completed",
        therapy=cells_bm,
        conditions=[knee, stroke],
        route="intra_articular",
        outcome_classes=["safe", "effective"],
        evidence_level="B",
        source_review=foo,
        primary_publication=primary,
        design_as_printed="Phase I, open-label",
    )
    w.trials["t1"].cited_references.set([ref])
    w.trials["t2"] = f.ClinicalTrialFactory(
        slug=f"nct{nct_base + 2:08d}",
        nct_id=f"NCT{nct_base + 2:08d}",
        phase="2",
        status="ongoing",
        therapy=exo_bm,
        conditions=[knee],
        route="intravenous",
        outcome_classes=["safe"],
        evidence_level="A",
        source_review=foo,
    )
    w.trials["t3"] = f.ClinicalTrialFactory(
        slug=f"nct{nct_base + 3:08d}",
        nct_id=f"NCT{nct_base + 3:08d}",
        phase="3",
        status="unknown",
        therapy=cm_uc,
        conditions=[gvhd],
        route="intravenous",
        outcome_classes=["not-yet-available"],
        evidence_level="C",
        source_review=smol,
    )
    w.trials["t4"] = f.ClinicalTrialFactory(
        slug=f"trial-without-nct{s}",
        nct_id=None,
        phase="1_2",
        status="completed",
        therapy=cells_uc,
        conditions=[stroke],
        route="intravenous",
        evidence_level="B",
        source_review=smol,
    )
    study_pub = f.PublicationFactory(
        slug=f"roe-2018{s}",
        doi=f"10.1000/study.{nct_base + 1}{s}",
        title=f"Exosomes in knee cartilage{s}",
        year=2018,
    )
    w.publications["study"] = study_pub
    w.studies["s1"] = f.StudyFactory(
        slug=f"study-s1{s}",
        title=f"Roe et al. exosome study{s}",
        stage="preclinical",
        model_systems=["mouse"],
        conditions=[knee],
        therapy=exo_bm,
        year=2018,
        evidence_level="D",
        publication=study_pub,
        source_review=smol,
    )
    w.studies["s2"] = f.StudyFactory(
        slug=f"study-s2{s}",
        title=f"Conditioned medium pilot{s}",
        stage="clinical",
        model_systems=["human"],
        conditions=[stroke, knee],
        therapy=cm_uc,
        year=2020,
        evidence_level="C",
        source_review=smol,
    )
    w.studies["s3"] = f.StudyFactory(
        slug=f"study-s3{s}",
        title=f"Cells in GvHD rats{s}",
        stage="preclinical",
        model_systems=["cells", "rat"],
        conditions=[gvhd],
        therapy=cells_bm,
        year=2021,
        evidence_level="D",
        source_review=foo,
    )
    w.findings["f1"] = f.ComponentFindingFactory(
        slug=f"finding-vegf-angio{s}",
        component=w.components["vegf"],
        effect=w.effects["angio"],
        conditions=[stroke],
        source_review=foo,
        cell_source=w.sources["bm"],
    )
    w.findings["f2"] = f.ComponentFindingFactory(
        slug=f"finding-vegf-neuro{s}",
        component=w.components["vegf"],
        effect=w.effects["neuro"],
        conditions=[stroke, knee],
        source_review=foo,
    )
    w.findings["f3"] = f.ComponentFindingFactory(
        slug=f"finding-il10-immuno{s}",
        component=w.components["il10"],
        effect=w.effects["immuno"],
        conditions=[gvhd],
        source_review=foo,
    )
    pre = f.PreconditioningFactory(
        slug=f"hypoxia{s}", name=f"Hypoxia{s}", source_review=foo
    )
    pre.effects.set([w.effects["angio"]])
    w.other["preconditioning"] = pre
    w.other["modification"] = f.GeneticModificationFactory(
        slug=f"vegf-lentivirus{s}",
        factor_as_printed=f"VEGF{s}",
        component=w.components["vegf"],
        cell_source=w.sources["bm"],
        conditions=[stroke],
        disease_as_printed="Myocardial infarction",
        source_review=foo,
    )
    f.ComparisonPointFactory(
        slug=f"point-cost-cells{s}",
        aspect="cost",
        side="stem_cell",
        text="Expensive expansion",
        source_review=foo,
    )
    f.ComparisonPointFactory(
        slug=f"point-cost-secretome{s}",
        aspect="cost",
        side="secretome",
        text="Cheaper to store",
        source_review=foo,
    )
    return w


@pytest.fixture
def world(db) -> World:
    f.TrialCountSnapshotFactory(
        slug="count-msc-1",
        series="msc_2021",
        phase="1",
        count=40,
        source_review=f.ReviewFactory(slug="foo-fig"),
    )
    return build_world()


def grow_world(world: World, copies: int) -> None:
    """Add `copies` more sets of evidence records over the same vocabulary and products.

    Lists get longer and every detail page's related records multiply, so a page whose
    query count stays the same has no N+1.
    """
    for i in range(1, copies + 1):
        build_world(suffix=f"-{i}", nct_base=i * 10, share=world)
    refresh_planner_statistics()


def refresh_planner_statistics() -> None:
    """PostgreSQL: table statistics of the grown tables, as autovacuum keeps them for a
    live database. Inside a test's transaction autovacuum never sees the rows, and an
    earlier test's ANALYZE (load_curated runs one) can leave the statistics of a few
    rows: the planner then nests loops over the grown tables (a condition page's
    tallies ran for minutes at 800 trials, when the test order put such a test first)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

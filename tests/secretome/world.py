"""A small, fully known secretome for the secretome tests (no conftest: a plain
builder each test module wraps in its own fixture)."""

from tests import factories as f


def build_secretome() -> dict:
    """Components, findings and modulation over a small vocabulary.

    Findings       component  effect            conditions      cell source  review
    vegf-angio     vegf       angiogenesis      stroke, knee    bm           foo
    vegf-neuro     vegf       neuroprotection   stroke          -            foo
    il10-immuno    il-10      immunomodulation  gvhd            uc           smol
    (hgf and mir-21 have none)

    Preconditioning  category            agent             effects
    hypoxia          culture_condition   hypoxic culture   angiogenesis, neuroprotection
    lps              biomolecule_chemical lipopolysaccharides immunomodulation

    Modifications  factor  method      cell source  conditions
    t5-r01         Akt     adenovirus  uc           stroke
    t5-r02         AT2R    lentivirus  bm           acute lung injury
    """
    foo = f.ReviewFactory(slug="foo-2021")
    smol = f.ReviewFactory(slug="smolinska-2023")
    stroke = f.ConditionFactory(slug="stroke", name="Ischaemic stroke")
    knee = f.ConditionFactory(slug="knee-osteoarthritis", name="Knee osteoarthritis")
    gvhd = f.ConditionFactory(slug="gvhd", name="Graft-versus-host disease")
    lung = f.ConditionFactory(slug="acute-lung-injury", name="Acute lung injury")
    bm = f.CellSourceFactory(slug="bone-marrow-msc", name="Bone marrow MSC")
    uc = f.CellSourceFactory(slug="umbilical-cord-msc", name="Umbilical cord MSC")
    angio = f.EffectFactory(
        slug="angiogenesis", name="Angiogenesis", description="New blood vessels"
    )
    neuro = f.EffectFactory(slug="neuroprotection", name="Neuroprotection")
    immuno = f.EffectFactory(slug="immunomodulation", name="Immunomodulation")
    vegf = f.ComponentFactory(
        slug="vegf",
        name="Vascular endothelial growth factor",
        abbreviation="VEGF",
        kind="growth_factor",
        aliases=["VEGF-A"],
    )
    il10 = f.ComponentFactory(
        slug="il-10",
        name="Interleukin 10",
        abbreviation="IL-10",
        kind="cytokine_anti_inflammatory",
    )
    hgf = f.ComponentFactory(
        slug="hgf", name="Hepatocyte growth factor", kind="growth_factor"
    )
    f.ComponentFactory(slug="mir-21", name="miR-21", kind="mirna")
    vegf_angio = f.ComponentFindingFactory(
        slug="vegf-angio",
        component=vegf,
        effect=angio,
        conditions=[stroke, knee],
        cell_source=bm,
        source_review=foo,
        statement="VEGF promoted angiogenesis in ischaemic tissue.",
        model_as_printed="Rat model of stroke",
    )
    f.ComponentFindingFactory(
        slug="vegf-neuro",
        component=vegf,
        effect=neuro,
        conditions=[stroke],
        source_review=foo,
        statement="VEGF protected neurons.",
    )
    il10_immuno = f.ComponentFindingFactory(
        slug="il10-immuno",
        component=il10,
        effect=immuno,
        conditions=[gvhd],
        cell_source=uc,
        source_review=smol,
        statement="IL-10 suppressed T-cell proliferation.",
    )
    hypoxia = f.PreconditioningFactory(
        slug="hypoxia",
        name="Hypoxia preconditioning",
        category="culture_condition",
        agent="hypoxic culture",
        source_review=foo,
    )
    hypoxia.effects.set([angio, neuro])
    lps = f.PreconditioningFactory(
        slug="lps",
        name="Lipopolysaccharide (LPS) preconditioning",
        category="biomolecule_chemical",
        agent="lipopolysaccharides (LPS)",
        source_review=foo,
    )
    lps.effects.set([immuno])
    akt = f.GeneticModificationFactory(
        slug="t5-r01",
        factor_as_printed="Akt",
        component=None,
        cell_source=uc,
        source_as_printed="Human umbilical cord",
        method="adenovirus",
        method_as_printed="Adenovirus",
        conditions=[stroke],
        disease_as_printed="Acute myocardial infarction",
        source_review=foo,
    )
    f.GeneticModificationFactory(
        slug="t5-r02",
        factor_as_printed="Angiotensin II type 2 receptor",
        component=None,
        cell_source=bm,
        source_as_printed="Human bone marrow",
        method="lentivirus",
        conditions=[lung],
        disease_as_printed="LPS-induced acute lung injury",
        source_review=foo,
    )
    return {
        "vegf": vegf,
        "il10": il10,
        "hgf": hgf,
        "angio": angio,
        "vegf_angio": vegf_angio,
        "il10_immuno": il10_immuno,
        "hypoxia": hypoxia,
        "lps": lps,
        "akt": akt,
        "foo": foo,
        "stroke": stroke,
        "knee": knee,
        "bm": bm,
    }

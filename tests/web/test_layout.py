"""Presentation helpers of the pages: the gap map by body system, its shades and links,
the counts beside a condition's filtered lists, and the folded filters."""

from django.urls import reverse

from evidence import choices
from evidence.templatetags.atlas import GAP_LEVELS, gap_level
from secretome.models import ComponentFinding
from tests import factories as f


def test_gap_levels_cover_every_count():
    assert [gap_level(n) for n in (0, 1, 2, 3, 4, 5, 9, 10, 250)] == [
        0,
        1,
        2,
        3,
        3,
        4,
        4,
        5,
        5,
    ]
    assert len(GAP_LEVELS) == 5


def test_gap_map_groups_conditions_by_body_system(client, world):
    response = client.get(reverse("evidence:compare"))
    gap = response.context["gap_map"]
    order = [value for value, _ in choices.ConditionCategory.choices]
    categories = [group["category"] for group in gap["groups"]]
    assert categories == sorted(categories, key=order.index)
    assert len(set(categories)) == len(categories)
    for group in gap["groups"]:
        assert {row["condition"].category for row in group["rows"]} == {
            group["category"]
        }
    grouped = [row["condition"].slug for g in gap["groups"] for row in g["rows"]]
    assert sorted(grouped) == sorted(row["condition"].slug for row in gap["rows"])
    by_category = {g["category"]: g for g in gap["groups"]}
    assert [r["condition"] for r in by_category["musculoskeletal"]["rows"]] == [
        world.conditions["knee"]
    ]
    content = response.content.decode()
    assert '<th scope="colgroup" colspan="8">Musculoskeletal' in content
    assert '<th scope="col">Combination</th>' in content


def test_gap_map_links_trials_and_studies_apart_and_never_to_an_empty_list(
    client, world
):
    content = client.get(reverse("evidence:compare")).content.decode()
    knee = world.conditions["knee"].slug
    # Knee x exosomes: 1 trial (t2) and 1 study (s1), each its own link.
    assert (
        f'<a href="/trials/?condition={knee}&amp;modality=exosomes">1 trial</a>'
        in content
    )
    assert (
        f'<a href="/studies/?condition={knee}&amp;modality=exosomes">1 study</a>'
        in content
    )
    # Knee x living cells: 1 trial (t1), no study: the 0 is not a link.
    assert f'href="/studies/?condition={knee}&amp;modality=cells"' not in content
    assert (
        f'<a href="/trials/?condition={knee}&amp;modality=cells">1 trial</a>' in content
    )
    # The shade legend and a shaded cell.
    assert 'class="gap-swatch gap-l5"' in content and "10 or more" in content
    assert '<td class="gap-l2">' in content


def test_condition_page_counts_its_lists_and_links_only_non_empty_ones(client, world):
    knee = world.conditions["knee"]
    content = client.get(knee.get_absolute_url()).content.decode()
    assert f'<a href="/trials/?condition={knee.slug}">2 trials</a>' in content
    assert f'<a href="/studies/?condition={knee.slug}">2 studies</a>' in content
    findings = ComponentFinding.objects.filter(conditions=knee).count()
    assert findings > 0
    assert (
        f'<a href="/secretome/?condition={knee.slug}">Secretome components</a> '
        f"({findings} finding{'s' if findings != 1 else ''})" in content
    )

    lonely = f.ConditionFactory(slug="lonely", name="Lonely condition")
    content = client.get(lonely.get_absolute_url()).content.decode()
    assert "no trials · no studies · no secretome findings" in content
    assert "?condition=lonely" not in content


def test_list_filters_fold_behind_one_button(client, world):
    content = client.get(
        reverse("trials:trial_list"), {"status": "completed"}
    ).content.decode()
    assert '<details class="filters-fold" data-unfold-wide>' in content
    assert "<summary>Filters (1 applied)</summary>" in content
    # The table's scroll box is reachable by keyboard and named.
    assert (
        '<div class="table-scroll" tabindex="0" role="region" '
        'aria-labelledby="results-heading">' in content
    )


def test_flags_read_in_curator_language(world):
    from evidence.templatetags.atlas import readable_flag

    trial, study = world.trials["t1"], world.studies["s1"]
    assert (
        readable_flag("Table 3 gives no trial phase; phase set to `na`", trial)
        == "Table 3 gives no trial phase; phase set to “Not stated”"
    )
    assert (
        readable_flag("Design is a follow-up; phase recorded as 1_2.", trial)
        == "Design is a follow-up; phase recorded as “Phase I/II”."
    )
    assert (
        readable_flag("The registry record (confirmed_by) matches.", trial)
        == "The registry record (confirmed by) matches."
    )
    assert readable_flag("Dose basis per_dose: one injection.", trial) == (
        "Dose basis “per dose”: one injection."
    )
    # A study's route has its own vocabulary; an unknown code keeps its text.
    assert readable_flag("route left `not_reported`", study) == (
        "route left “Not reported”"
    )
    assert readable_flag("merged into `covid-19`", trial) == "merged into “covid-19”"
    # Without a record the flag is unchanged.
    assert readable_flag("phase set to `na`") == "phase set to `na`"


def test_trial_page_prints_flags_readably(client, world):
    trial = world.trials["t1"]
    trial.flags = ["phase recorded as 1_2 (confirmed_by)"]
    trial.save()
    content = client.get(trial.get_absolute_url()).content.decode()
    assert "<li>phase recorded as “Phase I/II” (confirmed by)</li>" in content

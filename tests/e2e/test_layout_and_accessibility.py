"""Every page type at 1366 and 390 px: no horizontal page overflow, and no serious or
critical axe-core finding; the API docs too, and an admin change form (axe only).

The pages are those of the real curated dataset (long names, URLs and tables), loaded
once for this test (committed, so the live server's thread sees it; the transactional
test database is flushed afterwards). axe-core is added before any page script runs
(an init script, so the site's CSP stays enforced)."""

from pathlib import Path

import pytest
from django.conf import settings

WIDTHS = ((1366, 900), (390, 844))
SERIOUS = ("serious", "critical")
AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations
    .filter(v => ["serious", "critical"].includes(v.impact))
    .map(v => `${v.id} (${v.impact}, ${v.nodes.length}): ${v.nodes[0].target.join(" ")}`);
}"""
OVERFLOW = "[document.documentElement.scrollWidth, window.innerWidth]"


def _pages() -> list[str]:
    """One URL per public page type, from the loaded dataset."""
    from evidence.models import CellSource, Condition, Publication, Therapy
    from secretome.models import (
        Component,
        ComponentFinding,
        Effect,
        GeneticModification,
        Preconditioning,
    )
    from trials.models import ClinicalTrial, Study

    details = [
        # The trial whose long "confirmed by" URL pushed the phone page to 522 px.
        ClinicalTrial.objects.get(nct_id="NCT02941991"),
        Study.objects.order_by("slug").first(),
        Therapy.objects.order_by("slug").first(),
        Condition.objects.get(slug="knee-osteoarthritis"),
        CellSource.objects.get(slug="adipose-msc"),
        Publication.objects.filter(slug="foo-2021").first()
        or Publication.objects.order_by("slug").first(),
        Component.objects.order_by("slug").first(),
        ComponentFinding.objects.order_by("slug").first(),
        Effect.objects.order_by("slug").first(),
        Preconditioning.objects.order_by("slug").first(),
        GeneticModification.objects.order_by("slug").first(),
    ]
    lists = [
        "/trials/",
        "/trials/?status=completed&route=intravenous",
        "/studies/",
        "/therapies/",
        "/conditions/",
        "/cell-sources/",
        "/publications/",
        "/secretome/",
        "/preconditioning/",
        "/genetic-modifications/",
    ]
    return [
        "/",
        "/search/?q=knee+osteoarthritis",
        "/search/?q=zzzzqqq",
        "/compare/",
        "/api/",
        "/no-such-page/",
        *lists,
        *(record.get_absolute_url() for record in details),
    ]


@pytest.fixture
def curated(transactional_db):
    from evidence.dataset.load import dataset_load

    dataset_load(directory=Path(settings.FIXTURES_DIR))


def _audit(page, url: str, width: int, *, overflow: bool = True) -> list[str]:
    problems = []
    scroll_width, inner_width = page.evaluate(OVERFLOW)
    if overflow and scroll_width > inner_width:
        problems.append(f"{url} @{width}: page {scroll_width} px wide > {inner_width}")
    problems += [f"{url} @{width}: axe {v}" for v in page.evaluate(AXE_RUN)]
    return problems


def test_every_page_type_fits_and_passes_axe(browser, live_server, curated, axe_source):
    from django.contrib.auth import get_user_model

    from trials.models import ClinicalTrial

    paths = _pages()
    assert len(paths) == 27
    admin_password = "e2e-admin-pass-9"
    get_user_model().objects.create_superuser(
        "e2e-admin", "e2e@example.org", admin_password
    )
    trial = ClinicalTrial.objects.get(nct_id="NCT02941991")
    problems: list[str] = []
    for width, height in WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": height})
        context.add_init_script(script=axe_source)
        page = context.new_page()
        for path in paths:
            response = page.goto(live_server.url + path)
            expected = 404 if path == "/no-such-page/" else 200
            assert response.status == expected, (path, response.status)
            problems += _audit(page, path, width)

        # The API docs: as loaded, then with one operation unfolded.
        page.goto(live_server.url + "/api/docs/")
        page.wait_for_selector(".swagger-ui .opblock")
        problems += _audit(page, "/api/docs/", width)
        page.locator(".opblock-summary-control").first.click()
        page.wait_for_selector(".opblock.is-open .parameters")
        problems += _audit(page, "/api/docs/ (operation open)", width)

        # An admin change form, signed in.
        page.goto(live_server.url + "/admin/login/")
        page.fill("#id_username", "e2e-admin")
        page.fill("#id_password", admin_password)
        page.click("input[type=submit]")
        page.wait_for_url(live_server.url + "/admin/")
        change = f"/admin/trials/clinicaltrial/{trial.pk}/change/"
        page.goto(live_server.url + change)
        page.wait_for_selector("#clinicaltrial_form")
        # Django's own admin layout is not the site's: accessibility only.
        problems += _audit(page, change, width, overflow=False)
        context.close()
    assert problems == []

"""A researcher's journey in a real browser, with and without JavaScript."""

import csv
import io
import re

from playwright.sync_api import expect


def test_filter_open_compare_download_and_search(page, live_server, world):
    base = live_server.url
    page.goto(base + "/")
    expect(page).to_have_title(re.compile("Overview"))
    expect(page.locator("h1")).to_contain_text("Where does cell therapy win")
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Trials"
    ).click()
    expect(page.locator("h1")).to_have_text("Clinical trials")

    # Ticking a facet submits the form (static JS enhancement); state goes in the URL.
    page.get_by_role("checkbox", name=re.compile("^Knee osteoarthritis")).check()
    page.wait_for_url(re.compile(r"condition=knee-osteoarthritis"))
    expect(page.locator(".results-count")).to_have_text("2 trials")
    page.get_by_role("checkbox", name=re.compile("^Living cells")).check()
    page.wait_for_url(re.compile(r"modality=cells"))
    expect(page.locator(".results-count")).to_have_text("1 trial")
    filtered_url = page.url

    # Download the CSV of the current rows.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV", exact=True).click()
    path = download_info.value.path()
    with open(path, encoding="utf-8") as handle:
        rows = list(csv.DictReader(io.StringIO(handle.read())))
    assert [row["NCT id"] for row in rows] == ["NCT00000001"]
    assert rows[0]["Modality"] == "Living cells"

    # Open the trial, then follow its condition to the side-by-side page.
    page.goto(filtered_url)
    page.locator("table.data-table").get_by_role("link", name="NCT00000001").click()
    # The heading is the trial's title, built from its content (not its locator).
    expect(page.locator("h1")).to_have_text(
        "Ischaemic stroke, Knee osteoarthritis · BM-MSC cells · Phase I · NCT00000001"
    )
    expect(
        page.get_by_role("link", name="NCT00000001 on ClinicalTrials.gov")
    ).to_have_attribute("href", "https://clinicaltrials.gov/study/NCT00000001")
    page.locator("table.fields-table").get_by_role(
        "link", name="Knee osteoarthritis"
    ).click()
    expect(page.locator("h1")).to_have_text("Knee osteoarthritis")
    cells = page.locator("section.side").nth(0)
    cell_free = page.locator("section.side").nth(1)
    expect(cells.locator("h3")).to_contain_text("Cell-based")
    expect(cells.get_by_role("link", name="NCT00000001")).to_be_visible()
    expect(cell_free.get_by_role("link", name="NCT00000002")).to_be_visible()

    # Search an NCT id (typed with a space), then a DOI, from the header box: each
    # identifies one record and opens it.
    search = page.get_by_role("searchbox", name="Search the atlas")
    search.fill("nct 00000003")
    search.press("Enter")
    expect(page.locator("h1")).to_have_text(
        "Graft-versus-host disease · UC-MSC conditioned medium · Phase III · NCT00000003"
    )

    search = page.get_by_role("searchbox", name="Search the atlas")
    search.fill("https://doi.org/10.1000/study.1")
    search.press("Enter")
    page.get_by_role("link", name="Roe et al. exosome study").first.click()
    expect(page.get_by_role("link", name="doi:10.1000/study.1")).to_have_attribute(
        "href", "https://doi.org/10.1000/study.1"
    )


def test_filters_work_without_javascript(browser, live_server, world):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/trials/")
    page.get_by_role("checkbox", name=re.compile("^Phase II$|^Phase II ")).check()
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator(".results-count")).to_have_text("1 trial")
    assert "phase=2" in page.url
    page.get_by_role("link", name=re.compile("Phase: Phase II")).click()
    expect(page.locator(".results-count")).to_have_text("4 trials")
    context.close()


def test_phone_layout_has_no_horizontal_page_scroll(browser, live_server, world):
    context = browser.new_context(viewport={"width": 375, "height": 740})
    page = context.new_page()
    for path in (
        "/",
        "/trials/",
        world.conditions["knee"].get_absolute_url(),
        "/compare/",
    ):
        page.goto(live_server.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, (path, width)
    context.close()

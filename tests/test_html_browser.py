"""The HTML report in a real browser: Debian's chromium driven by Playwright (no browser download).

`.ci/run` installs the `chromium` package when it is missing. Screenshots go to a temporary folder;
`TIMESCALES_UPDATE_SCREENSHOTS=1` writes them to docs/screenshots/ (shown in the README).
Accessibility: axe-core's rules (the copy bundled by axe-playwright-python) must find no violation.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

playwright_api = pytest.importorskip("playwright.sync_api")
from axe_playwright_python.sync_playwright import Axe  # noqa: E402
from playwright.sync_api import Browser, Page  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
COMMAND = str(Path(sys.executable).parent / "timescales")
CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = REPO / "docs" / "screenshots"
CENSUS_CHILDREN = 30_000

if not CHROMIUM.exists():
    if os.environ.get("CI"):  # .ci/run installs it: missing there is a failure, not a skip
        raise RuntimeError("no /usr/bin/chromium in CI: .ci/run should have installed it")
    pytest.skip("no /usr/bin/chromium: apt-get install chromium", allow_module_level=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with playwright_api.sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    # Council machines are locked down: the report must need nothing from the network.
    context.route(
        "**/*",
        lambda route: route.abort() if not route.request.url.startswith("file:") else route.continue_(),
    )
    opened = context.new_page()
    yield opened
    context.close()


def report(tmp_path: Path, name: str, *args: str) -> Path:
    out = tmp_path / name
    result = subprocess.run(
        [COMMAND, "check", *args, "--output", str(out)], capture_output=True, text=True, cwd=REPO, check=False
    )
    assert result.returncode in (0, 1), result.stderr
    return out


def shoot(page: Page, tmp_path: Path, name: str, *, full_page: bool = False) -> Path:
    folder = SCREENSHOTS if os.environ.get("TIMESCALES_UPDATE_SCREENSHOTS") else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    page.screenshot(path=str(path), full_page=full_page)
    assert path.stat().st_size > 10_000
    return path


def no_accessibility_violations(page: Page) -> None:
    results = Axe().run(page)
    assert len(results.response["passes"]) > 10, "axe-core did not run its rules"
    violations = results.response["violations"]
    assert not violations, [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in violations]


# -- one case -----------------------------------------------------------------------------------


def test_one_case_summary_first_breaches_by_child_met_folded_and_filters(page: Page, tmp_path: Path) -> None:
    out = report(tmp_path, "liverpool.html", "timelines/liverpool-2023-0042.yaml")
    page.goto(out.as_uri())
    figures = page.locator(".headline .figure").all_text_contents()
    assert figures == ["8", "9", "2"]  # requirements breached, late events, children affected
    assert page.locator("h2").first.text_content() == "Summary"
    assert page.locator("#requirements tbody tr").count() == 8
    icpc = page.locator("#measures tbody tr").first.text_content() or ""
    assert "0.0% (0 of 2)" in icpc and "78.4%, year to 31 March 2023" in icpc  # England's figure beside
    # Breaches, grouped by case and child; the complaint once, for the whole case.
    groups = page.locator("section.child h3").all_text_contents()
    assert groups == ["The whole case (A, B)", "Child A", "Child B"]
    late_tags = page.locator("table.findings:visible .tag.late")
    assert late_tags.count() == 17
    # Met deadlines are folded away, and open on request.
    met_rows = page.locator('tr[data-status="met"]')
    assert met_rows.count() == 24
    assert not met_rows.first.is_visible()
    page.locator("details.folded summary").first.click()
    assert page.locator('details.folded[open] tr[data-status="met"]').first.is_visible()
    # A filter hides the met rows; another narrows to one child.
    page.select_option("#f-status", "breach")
    assert page.locator('tr[data-status="met"]:visible').count() == 0
    assert page.locator('tr[data-status="pending"]:visible').count() == 0
    assert page.locator('tr[data-status="late"]:visible').count() == 17
    page.select_option("#f-child", "B")
    assert page.locator('tr[data-status="late"]:visible').count() == 9  # 8 of B's own, and the complaint
    page.fill("#f-search", "assessment")
    assert page.locator("tr[data-status]:visible").count() == 1
    page.select_option("#f-status", "")
    page.select_option("#f-child", "")
    page.fill("#f-search", "")
    page.locator("#f-search").blur()
    page.evaluate("window.scrollTo(0, 0)")
    shoot(page, tmp_path, "report-summary.png")


def test_each_child_has_a_timeline_with_a_titled_bar_per_deadline(page: Page, tmp_path: Path) -> None:
    out = report(tmp_path, "liverpool.html", "timelines/liverpool-2023-0042.yaml")
    page.goto(out.as_uri())
    assert page.locator("svg.timeline").count() == 3
    bars = page.locator("svg.timeline g.bar")
    assert bars.count() == 47  # every deadline once: 23 per child, the complaint for the case
    assert page.locator("svg.timeline g.bar.late").count() == 17
    titles = page.locator("svg.timeline g.bar title").all_text_contents()
    assert any(
        t.startswith(
            "Initial child protection conference within 15 working days of the strategy discussion: Late"
        )
        and "15 working days later is Mon 27 Nov 2023" in t
        for t in titles
    )
    # Focusing a bar (keyboard, not just the mouse) shows its explanation beside the drawing.
    child_a = page.locator("section.child").nth(1)
    bar = child_a.locator("g.bar.late").first
    bar.focus()
    detail = child_a.locator(".bar-detail").text_content() or ""
    assert "late" in detail.lower() and "working days" in detail
    # An estimated date is drawn as estimated (a dashed outline), not as a certain one.
    assert child_a.locator("g.bar.estimated").count() >= 1
    child_a.scroll_into_view_if_needed()
    child_a.locator("svg.timeline").screenshot(
        path=str(shoot(page, tmp_path, "timeline.png").with_name("timeline.png"))
    )


def test_the_page_reads_in_full_without_javascript(browser: Browser, tmp_path: Path) -> None:
    out = report(tmp_path, "liverpool.html", "timelines/liverpool-2023-0042.yaml")
    context = browser.new_context(java_script_enabled=False)
    quiet = context.new_page()
    quiet.goto(out.as_uri())
    assert not quiet.locator("#filters").is_visible()  # the filters need JavaScript: not offered
    assert quiet.locator("table.findings .tag.late").count() == 17
    assert quiet.locator("svg.timeline g.bar title").count() == 47
    context.close()


def test_the_print_layout_and_a_one_case_print(page: Page, tmp_path: Path) -> None:
    out = report(tmp_path, "case.html", "timelines/seeds/", "--case", "LIV-24-008-492")
    page.goto(out.as_uri())
    assert page.locator("section.case").count() == 1
    page.emulate_media(media="print")
    assert not page.locator("#filters").is_visible()
    # Folded tables are printed: every <details> is opened for the print.
    page.wait_for_function(
        "Array.from(document.querySelectorAll('details')).every(d => d.open)", timeout=5000
    )
    assert page.locator("#by-rule").is_visible()
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF")
    pages = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
    assert 1 <= pages <= 10, pages
    (tmp_path / "case.pdf").write_bytes(pdf)


def test_the_page_has_no_accessibility_violations(page: Page, tmp_path: Path) -> None:
    out = report(tmp_path, "liverpool.html", "timelines/liverpool-2023-0042.yaml")
    page.goto(out.as_uri())
    no_accessibility_violations(page)
    page.locator("details.folded summary").first.click()
    no_accessibility_violations(page)


# -- other report kinds --------------------------------------------------------------------------


def test_a_csv_export_report(page: Page, tmp_path: Path) -> None:
    out = report(tmp_path, "export.html", "timelines/case-system-export.csv", "--as-of", "2024-03-31")
    page.goto(out.as_uri())
    assert page.locator("section.case").count() == 2
    assert page.locator("section.case h2").all_text_contents() == ["Case WIR-2024-0007", "Case WIR-2024-0011"]
    assert "The whole case (J, K)" in page.locator("section.child h3").all_text_contents()
    no_accessibility_violations(page)


def test_a_seed_with_uncertain_findings(page: Page, tmp_path: Path) -> None:
    out = report(tmp_path, "seed.html", "timelines/seeds/cheshire-east-18-010-925.yaml")
    page.goto(out.as_uri())
    uncertain = page.locator("table.findings .tag.uncertain")
    assert uncertain.count() >= 1
    # Uncertain is said in words beside the status, and the reason is given.
    row = page.locator("table.findings tr:has(.tag.uncertain)").first
    assert "Uncertain:" in (row.text_content() or "")
    page.locator("section.child").first.scroll_into_view_if_needed()
    page.evaluate("document.querySelector('section.child').scrollIntoView()")
    shoot(page, tmp_path, "report-uncertain.png")


def test_a_30000_child_census_is_small_and_interactive_quickly(page: Page, tmp_path: Path) -> None:
    sys.path.insert(0, str(REPO / "bench"))
    from gen_census import write_census

    census = tmp_path / "census.xml"
    write_census(CENSUS_CHILDREN, census, seed=1)
    out = report(tmp_path, "census.html", str(census))
    size = out.stat().st_size
    print(f"\n30,000-child census page: {size / 1e6:.1f} MB")
    assert size < 5_000_000
    started = time.perf_counter()
    page.goto(out.as_uri())
    page.wait_for_selector("#breach-table tbody tr")
    interactive = time.perf_counter() - started
    in_page = page.evaluate("performance.timing.domInteractive - performance.timing.navigationStart")
    print(f"census page interactive after {interactive:.2f} s (DOM interactive {in_page} ms)")
    assert interactive < 3.0 * 2  # the aim is 3 s; a shared CI machine gets twice that
    figures = page.locator(".headline .figure").all_text_contents()
    assert int(figures[2].replace(",", "")) > 1000
    count = page.locator("#f-count").text_content() or ""
    total = int(count.split(" of ")[1].split()[0])
    assert page.locator("#breach-table tbody tr").count() == 200  # drawn a page at a time
    page.locator("#more").scroll_into_view_if_needed()
    page.wait_for_function("document.querySelectorAll('#breach-table tbody tr').length > 200")
    page.select_option("#f-status", "missing")
    assert page.locator("#breach-table .tag.late").count() == 0
    assert int((page.locator("#f-count").text_content() or "").split(" of ")[0]) < total
    page.select_option("#f-status", "")
    page.evaluate("window.scrollTo(0, 0)")
    shoot(page, tmp_path, "report-census.png")
    no_accessibility_violations(page)

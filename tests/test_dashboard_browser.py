"""The dashboard end to end in real headless Chromium (Selenium, /usr/bin/chromedriver), served
by `fertsim dashboard` in a subprocess over a copy of the tiny store: every page loads
without console errors, a change of scenario updates the figures, a tiny scenario built in
the builder runs in the background and appears in Compare, a family is traced, and an
unreachable store gives a clear page."""

from __future__ import annotations

import shutil

import pytest

from dashboard.headless import CHROMEDRIVER, CHROMIUM

if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
    pytest.skip(f"needs Chromium and chromedriver ({CHROMIUM}, {CHROMEDRIVER}): "
                "apt-get install -y chromium chromium-driver (.ci/run does)", allow_module_level=True)
pytest.importorskip("selenium", reason="needs selenium (pip install -e '.[test]')")

from selenium.webdriver.common.by import By  # noqa: E402

from dashboard.headless import (chrome, choose_option, console_errors, dashboard_server, open_page,  # noqa: E402
                                type_into, wait_for)
import dashboard_helpers  # noqa: E402
from dashboard_helpers import EXPERIMENT, SCENARIO  # noqa: E402
from policies.levers import LEVERS  # noqa: E402

tiny_db = dashboard_helpers.tiny_db          # fixture

pytestmark = pytest.mark.slow

PAGES = {  # path -> plots the page draws once loaded
    "/": 7, "/compare": 2, "/population": 2, "/childcare": 2, "/work": 2, "/costs": 2,
    "/builder": 0, "/runs": 0, "/family": 0,
}


@pytest.fixture(scope="module")
def server(tiny_db, tmp_path_factory):
    path = tmp_path_factory.mktemp("browser") / "store.db"
    shutil.copy(tiny_db, path)
    with dashboard_server(f"sqlite:///{path}") as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    with chrome() as driver:
        yield driver


def births_lines(driver) -> str:
    return driver.execute_script(
        "const p = document.querySelectorAll('.overview-graph .js-plotly-plot')[0];"
        "return JSON.stringify(p.data.filter(t => t.mode === 'lines+markers').map(t => [t.name, t.y]));")


def test_every_page_loads_without_console_errors(server, browser):
    for path, plots in PAGES.items():
        open_page(browser, server + path, plots)
        body = browser.find_element(By.TAG_NAME, "body").text
        assert "Traceback" not in body and "cannot be read" not in body, path
        assert console_errors(browser) == [], path
    assert len(browser.find_elements(By.CSS_SELECTOR, "#family-view h3")) == 2
    open_page(browser, server + "/builder")
    assert len(browser.find_elements(By.CSS_SELECTOR, ".lever")) == len(LEVERS)   # one per lever in the registry
    open_page(browser, server + "/runs")
    wait_for(lambda: len(browser.find_elements(By.CSS_SELECTOR, "#runs-table tr")) >= 5)


def test_a_change_of_scenario_updates_the_figures(server, browser):
    open_page(browser, server + "/", 7)
    before = births_lines(browser)
    assert SCENARIO in before
    choose_option(browser, "overview-scenario", "baseline")
    after = wait_for(lambda: (lines := births_lines(browser)) != before and lines)
    assert SCENARIO not in after and "baseline" in after
    assert console_errors(browser) == []


def test_a_tiny_built_scenario_runs_in_the_background_and_appears_in_compare(server, browser):
    open_page(browser, server + "/builder")
    type_into(browser, "builder-name", "browser-built")
    type_into(browser, "builder-scale", "0.001")
    type_into(browser, "builder-years", "1")
    type_into(browser, "builder-seeds", "1")
    type_into(browser, "builder-from-year", "2021")
    nursery = browser.find_element(By.CSS_SELECTOR, 'input[id*="nursery_places_per_1000"]')
    type_into(browser, nursery, "150")                     # out of bounds first
    browser.find_element(By.ID, "builder-run").click()
    message = wait_for(lambda: browser.find_element(By.ID, "builder-message").text)
    assert "150 is out of bounds; expected a number (nursery places per 1,000 residents) in 0..100" in message
    type_into(browser, nursery, "9")
    browser.find_element(By.ID, "builder-run").click()
    wait_for(lambda: "runs queued" in browser.find_element(By.ID, "builder-message").text)
    link = wait_for(lambda: browser.find_elements(By.ID, "builder-compare-link"), timeout=240)
    progress = browser.find_element(By.ID, "builder-progress")
    assert progress.get_attribute("value") == progress.get_attribute("max") == "2"
    assert "2 of 2 runs stored" in browser.find_element(By.ID, "builder-progress-text").text
    link[0].click()
    wait_for(lambda: browser.current_url.endswith("/compare?experiment=browser-built"))
    wait_for(lambda: any("browser-built" in e.text for e in browser.find_elements(By.ID, "compare-experiment")))
    rows = wait_for(lambda: [r.text for r in browser.find_elements(By.CSS_SELECTOR, "#compare-table td")])
    assert "browser-built" in rows
    assert console_errors(browser) == []


def test_a_family_is_traced_in_the_background(server, browser):
    open_page(browser, server + f"/family?experiment={EXPERIMENT}")
    assert browser.find_element(By.ID, "family-view").text.count("Not traced yet") == 2
    browser.find_element(By.ID, "family-trace").click()
    wait_for(lambda: "Not traced yet" not in browser.find_element(By.ID, "family-view").text, timeout=240)
    view = browser.find_element(By.ID, "family-view").text
    assert view.count("at the start") >= 2 and f"{SCENARIO} · seed 1 · family 1" in view
    assert console_errors(browser) == []


def test_an_unreachable_store_gives_a_clear_page(browser, tmp_path):
    with dashboard_server(f"sqlite:///{tmp_path}/missing.db") as base:
        for path in ("/", "/compare", "/runs"):
            open_page(browser, base + path)
            text = browser.find_element(By.TAG_NAME, "body").text
            assert "The results store cannot be read" in text and f"no database at {tmp_path}/missing.db" in text
            assert "Traceback" not in text
            assert console_errors(browser) == []
    assert not (tmp_path / "missing.db").exists()

"""Screenshots of every dashboard page into docs/screenshots/ (headless Chromium).

Serves `fertsim dashboard` over a store (``--db``; default: a new one with
beijing-levers at scale 0.002, 2021-2035, seeds 1 and 2, about 1.5 minutes), traces
family 1 on the family page, and saves one full-page PNG per page.

    PYTHONPATH=. python docs/screenshots/make_screenshots.py [--db levers.db]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from dashboard.headless import chrome, console_errors, dashboard_server, open_page, screenshot, wait_for

HERE = Path(__file__).resolve().parent
PAGES = {"overview": ("/", 7), "compare": ("/compare", 2), "population": ("/population", 2),
         "childcare": ("/childcare", 2), "work": ("/work", 2), "costs": ("/costs", 2),
         "builder": ("/builder", 0), "runs": ("/runs?run=1", 0),
         "family": ("/family?experiment=beijing-levers&b=combined_package&family=4", 0)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="SQLite file to copy (default: build the demo store)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "store.db"
        if args.db:
            shutil.copy(args.db, path)
        else:
            import sys
            sys.path.insert(0, str(HERE.parent.parent / "benchmarks"))
            from bench_dashboard_load import build_demo_store
            shutil.move(build_demo_store(Path(tmp)).removeprefix("sqlite:///"), path)
        with dashboard_server(f"sqlite:///{path}") as base, chrome() as driver:
            for name, (url, plots) in PAGES.items():
                open_page(driver, base + url, plots)
                if name == "family":
                    driver.find_element("id", "family-trace").click()
                    wait_for(lambda: "Not traced yet" not in driver.find_element("id", "family-view").text, 600)
                if name == "runs":
                    wait_for(lambda: "Run 1" in driver.find_element("id", "runs-detail").text)
                screenshot(driver, HERE / f"{name}.png")
                errors = console_errors(driver)
                print(f"{name}: {HERE / f'{name}.png'}" + (f" (console errors: {errors})" if errors else ""))


if __name__ == "__main__":
    main()

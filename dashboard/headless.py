"""Headless Chromium and a dashboard server in a subprocess: for the browser tests, the
screenshots in docs/screenshots/ and the load benchmark. Needs selenium (the ``test``
extra) and Debian's ``chromium`` and ``chromium-driver`` (/usr/bin/chromium, /usr/bin/chromedriver).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def dashboard_server(db_url: str, port: int | None = None, timeout: float = 60.0):
    """``fertsim dashboard --db db_url`` on 127.0.0.1 in a subprocess; yields its base URL
    once it answers, and stops it (by its pid) afterwards."""
    port = port or free_port()
    log = tempfile.TemporaryFile()
    process = subprocess.Popen([sys.executable, "-m", "experiments.cli", "dashboard", "--db", db_url,
                                "--host", "127.0.0.1", "--port", str(port)],
                               stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(base + "/_dash-layout", timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                raise RuntimeError(f"the dashboard did not start: {log.read().decode(errors='replace')[-2000:]}")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@contextlib.contextmanager
def chrome(width: int = 1400, height: int = 1000):
    """A headless Chromium WebDriver with a fresh profile that records the browser console."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    profile = tempfile.TemporaryDirectory(prefix="fertsim-chromium-")
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile.name}", f"--window-size={width},{height}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        profile.cleanup()


def console_errors(driver) -> list[dict]:
    """Browser-console entries at level SEVERE since the last call."""
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def wait_for(condition, timeout: float = 30.0, every: float = 0.2):
    """Poll ``condition()`` until it returns something truthy; return it (AssertionError on timeout)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {getattr(condition, '__name__', condition)}")
        time.sleep(every)


READY_JS = """
const content = document.querySelector('#_pages_content');
if (!content || !content.children.length) return false;
if (document.querySelector('[data-dash-is-loading="true"]')) return false;
const plots = [...content.querySelectorAll('.js-plotly-plot')];
if (plots.length < arguments[0]) return false;
return plots.every(p => p.data && !((p.layout && p.layout.annotations) || []).some(a => a.text === 'loading…'));
"""


def page_ready(driver, min_plots: int = 0) -> bool:
    """True once Dash has rendered the page, no callback is pending, at least ``min_plots``
    plots are drawn and none still shows its "loading…" placeholder."""
    return bool(driver.execute_script(READY_JS, min_plots))


def open_page(driver, url: str, min_plots: int = 0, timeout: float = 60.0) -> None:
    """Load ``url`` and wait until the page is ready (``page_ready``)."""
    driver.get(url)
    wait_for(lambda: page_ready(driver, min_plots), timeout)


def choose_option(driver, dropdown_id: str, text: str) -> None:
    """Pick the option ``text`` of the dcc.Dropdown ``dropdown_id``."""
    from selenium.webdriver.common.by import By

    driver.find_element(By.ID, dropdown_id).click()
    option = wait_for(lambda: [o for o in driver.find_elements(By.CSS_SELECTOR, '[role="option"]') if o.text == text])
    option[0].click()


def type_into(driver, target, text: str) -> None:
    """Replace the text of an input (an element, or the id of one)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    element = driver.find_element(By.ID, target) if isinstance(target, str) else target
    element.send_keys(Keys.CONTROL, "a")
    element.send_keys(Keys.DELETE)
    element.send_keys(text)


def screenshot(driver, path, width: int = 1400) -> None:
    """A PNG of the whole page (the window is resized to the page's height first)."""
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(width, min(max(int(height) + 40, 700), 5000))
    time.sleep(0.5)
    driver.save_screenshot(str(path))

"""Concurrent page loads against `fertsim dashboard` (issue #5, point 12).

Starts the dashboard (``fertsim dashboard --db URL`` on 127.0.0.1, a subprocess) over a store
with a real experiment, then makes N page loads at once, each the requests a first-time
browser makes: the page's HTML, every script and style sheet it names, ``_dash-layout``,
``_dash-dependencies``, the page-routing callback, and every callback the page fires when it
appears (with the initial values of its controls, as the renderer sends them). A load fails
if any response is not 200 or a callback answers with an error. Prints per round: loads,
requests, errors, wall time, and the latency of a page load (median, 95th percentile, max).
Only 127.0.0.1 is contacted; every loop is bounded.

    PYTHONPATH=. python benchmarks/bench_dashboard_load.py                 # builds a demo store (~1.5 min)
    PYTHONPATH=. python benchmarks/bench_dashboard_load.py --db levers.db --concurrency 50 --rounds 3
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from dashboard.headless import dashboard_server

PAGES = ("/", "/compare", "/population", "/childcare", "/work", "/costs", "/builder", "/runs", "/family")


def build_demo_store(directory: Path) -> str:
    """beijing-levers at scale 0.002, 2021-2035, seeds 1 and 2 (12 runs) in a new SQLite file."""
    from experiments.config import load_config
    from experiments.runner import run_experiment
    from experiments.store import Store

    url = f"sqlite:///{directory / 'levers.db'}"
    config = load_config(Path(__file__).resolve().parent.parent / "experiments/configs/beijing-levers.toml",
                         {"scale": 0.002, "seeds": [1, 2]})
    with Store(url) as store:
        run_experiment(config, store, progress=True)
    return url


class Client:
    """HTTP to the dashboard, counting requests and bytes."""

    def __init__(self, base: str):
        self.base, self.requests, self.bytes = base, 0, 0

    def get(self, path: str) -> bytes:
        return self._send(urllib.request.Request(self.base + path))

    def post(self, path: str, payload: dict) -> dict:
        request = urllib.request.Request(self.base + path, data=json.dumps(payload).encode(),
                                         headers={"Content-Type": "application/json"})
        body = self._send(request)
        return json.loads(body) if body else {}

    def _send(self, request) -> bytes:
        with urllib.request.urlopen(request, timeout=120) as response:
            body = response.read()
            if response.status not in (200, 204):
                raise RuntimeError(f"{request.full_url}: HTTP {response.status}")
        self.requests += 1
        self.bytes += len(body)
        return body


def _outputs(spec: str) -> list[dict]:
    """'..a.b...c.d..' or 'a.b' (optionally '@hash') -> [{"id", "property"}]."""
    parts = spec.strip(".").split("...") if spec.startswith("..") else [spec]
    outputs = []
    for part in parts:
        part = part.split("@")[0]
        component, prop = part.rsplit(".", 1)
        outputs.append({"id": component, "property": prop})
    return outputs


def _components(tree, found: dict) -> dict:
    """id -> props of every component with a plain (string) id in a layout tree."""
    if isinstance(tree, list):
        for child in tree:
            _components(child, found)
    elif isinstance(tree, dict) and "props" in tree:
        props = tree["props"]
        if isinstance(props.get("id"), str):
            found[props["id"]] = props
        for value in props.values():
            if isinstance(value, (dict, list)):
                _components(value, found)
    return found


def _callback(client: Client, dependency: dict, values: dict, changed: list[str]) -> None:
    outputs = _outputs(dependency["output"])
    payload = {"output": dependency["output"],
               "outputs": outputs if dependency["output"].startswith("..") else outputs[0],
               "inputs": [{**i, "value": values.get(i["id"], {}).get(i["property"])} for i in dependency["inputs"]],
               "state": [{**s, "value": values.get(s["id"], {}).get(s["property"])} for s in dependency["state"]],
               "changedPropIds": changed}
    answer = client.post("/_dash-update-component", payload)
    if answer and "response" not in answer:
        raise RuntimeError(f"callback {dependency['output']} answered {str(answer)[:300]}")


def page_load(base: str, path: str, assets: bool) -> tuple[int, int]:
    """One first-time visit of ``path``; returns (requests, bytes). Raises on any failure."""
    client = Client(base)
    html = client.get(path).decode()
    if assets:
        for asset in re.findall(r'(?:src|href)="(/[^"]+)"', html):
            client.get(asset)
    client.get("/_dash-layout")
    dependencies = json.loads(client.get("/_dash-dependencies"))
    routing = next(d for d in dependencies if d["output"].startswith(".._pages_content.children"))
    values = {"_pages_location": {"pathname": path, "search": ""}}
    page = client.post("/_dash-update-component", {
        "output": routing["output"], "outputs": _outputs(routing["output"]),
        "inputs": [{**i, "value": values["_pages_location"][i["property"]]} for i in routing["inputs"]],
        "state": [], "changedPropIds": ["_pages_location.pathname"]})
    layout = page["response"]["_pages_content"]["children"]
    components = _components(layout, {})
    for dependency in dependencies:
        ids = [i["id"] for i in dependency["inputs"] + dependency["state"]]
        if (dependency["prevent_initial_call"] or dependency["clientside_function"] or not dependency["inputs"]
                or not all(isinstance(i, str) and i in components for i in ids)):
            continue
        _callback(client, dependency, components, [])
    return client.requests, client.bytes


def round_of(base: str, loads: int, concurrency: int, assets: bool) -> dict:
    """``loads`` page loads (pages in turn), ``concurrency`` at a time, all started together."""
    results: list[tuple[float, int, int, str | None]] = []
    lock = threading.Lock()
    gate = threading.Barrier(min(concurrency, loads))
    todo = list(range(loads))

    def worker():
        first = True
        while True:
            with lock:
                if not todo:
                    return
                k = todo.pop(0)
            if first:
                gate.wait(timeout=60)
                first = False
            started = time.perf_counter()
            try:
                n, size = page_load(base, PAGES[k % len(PAGES)], assets)
                error = None
            except Exception as exc:          # noqa: BLE001 - every failure is counted and shown
                n, size, error = 0, 0, f"{PAGES[k % len(PAGES)]}: {type(exc).__name__}: {exc}"
            with lock:
                results.append((time.perf_counter() - started, n, size, error))

    threads = [threading.Thread(target=worker) for _ in range(min(concurrency, loads))]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    wall = time.perf_counter() - started
    latencies = sorted(r[0] for r in results if r[3] is None)
    errors = [r[3] for r in results if r[3] is not None]
    return {"loads": len(results), "requests": sum(r[1] for r in results), "megabytes": sum(r[2] for r in results) / 1e6,
            "errors": len(errors), "first_errors": errors[:3], "wall_s": wall,
            "median_s": statistics.median(latencies) if latencies else float("nan"),
            "p95_s": latencies[int(0.95 * (len(latencies) - 1))] if latencies else float("nan"),
            "max_s": latencies[-1] if latencies else float("nan")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="store URL or SQLite file (default: build a demo store in a temporary directory)")
    parser.add_argument("--concurrency", type=int, default=50, help="page loads at once (default 50)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of --loads each (default 3; the first is cold)")
    parser.add_argument("--loads", type=int, default=50, help="page loads per round (default 50)")
    parser.add_argument("--no-assets", action="store_true", help="skip scripts and style sheets (a returning visitor)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db if args.db and "://" in args.db else (f"sqlite:///{Path(args.db).resolve()}" if args.db
                                                             else build_demo_store(Path(tmp)))
        with dashboard_server(url) as base:
            print(f"dashboard at {base} over {url}; {args.loads} page loads per round, {args.concurrency} at once, "
                  f"pages {', '.join(PAGES)} in turn, {'without' if args.no_assets else 'with'} scripts and styles")
            print(f"{'round':>5} {'loads':>6} {'requests':>9} {'MB':>7} {'errors':>7} {'wall s':>7} "
                  f"{'median s':>9} {'p95 s':>7} {'max s':>7}")
            for k in range(1, args.rounds + 1):
                r = round_of(base, args.loads, args.concurrency, not args.no_assets)
                print(f"{k:>5} {r['loads']:>6} {r['requests']:>9} {r['megabytes']:>7.1f} {r['errors']:>7} "
                      f"{r['wall_s']:>7.2f} {r['median_s']:>9.2f} {r['p95_s']:>7.2f} {r['max_s']:>7.2f}", flush=True)
                for error in r["first_errors"]:
                    print(f"      error: {error}")


if __name__ == "__main__":
    main()

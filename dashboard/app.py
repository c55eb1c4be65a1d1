"""The app shell: pages, shared stores, the background-callback manager, and the server.

``create_app(db_url)`` builds the Dash app over the results store at ``db_url`` (read
lazily: nothing is loaded at import or creation time). Pages live in
``dashboard/pages/``, each registering itself with a ``layout()`` and thin callbacks;
they are imported here, after the app exists, in menu order.

Background jobs (the scenario builder's runs, family traces) run under a
``DiskcacheManager``: each job is a separate process and its progress and result pass
through a diskcache directory, so the web server never blocks on a simulation and no
broker or worker service has to be started (a Celery manager would need Redis and a
worker process beside the server; on one machine that buys nothing). One app per process.
"""

from __future__ import annotations

import atexit
import importlib
import logging
import shutil
import socket
import tempfile

import dash
import diskcache
from dash import DiskcacheManager, dcc, html

from dashboard import data, ids

PAGES = ("overview", "compare", "population", "childcare", "work", "costs", "builder", "runs", "family")


def create_app(db_url: str, cache_dir: str | None = None) -> dash.Dash:
    """The dashboard over the store at ``db_url``; background jobs keep their state in
    ``cache_dir`` (default: a new temporary directory, removed at exit)."""
    data.configure(db_url)
    if cache_dir is None:
        cache_dir = tempfile.mkdtemp(prefix="fertsim-dashboard-")
        atexit.register(shutil.rmtree, cache_dir, ignore_errors=True)
    manager = DiskcacheManager(diskcache.Cache(cache_dir))
    app = dash.Dash(__name__, use_pages=True, pages_folder="", background_callback_manager=manager,
                    suppress_callback_exceptions=True, title="fertsim dashboard",
                    update_title=None)
    for name in PAGES:
        importlib.import_module(f"dashboard.pages.{name}")
    app.layout = shell
    return app


def shell() -> html.Div:
    """The frame around every page: title, menu, the page, and the app-level stores."""
    return html.Div([
        html.Header([
            html.Div([html.Span("fertsim", className="brand"),
                      html.Span("Beijing birth policy: scenarios to 2035", className="tagline")]),
            html.Nav([dcc.Link(page["name"], href=page["relative_path"], className="nav-link")
                      for page in dash.page_registry.values()], id=ids.NAV),
        ], className="top"),
        html.Main(dash.page_container),
        dcc.Store(id=ids.BUILDER_RUNNING, data=False),
        dcc.Store(id=ids.FAMILY_RUNNING, data=False),
    ])


def serve(app: dash.Dash, host: str = "127.0.0.1", port: int = 8050, ready=None) -> None:
    """Serve ``app`` with a threaded WSGI server until interrupted; ``ready()`` once it listens.
    Raises OSError if the address cannot be bound."""
    from werkzeug.serving import make_server

    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:   # werkzeug would exit
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))
    logging.getLogger("werkzeug").setLevel(logging.WARNING)      # no line per request
    server = make_server(host, port, app.server, threaded=True)
    if ready is not None:
        ready()
    try:
        server.serve_forever()
    finally:
        server.server_close()

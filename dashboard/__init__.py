"""The Dash dashboard: reads the results store, never computes model results (issue #5).

``fertsim dashboard [--db URL] [--host 127.0.0.1] [--port 8050]`` serves it.

* ``app.py``      the shell: pages, app-level stores, the DiskcacheManager for background jobs, the server
* ``pages/``      one module per page, each registering itself with a ``layout()`` and thin callbacks
* ``figures.py``  pure functions DataFrame -> plotly figure
* ``data.py``     read-only queries returning DataFrames (through ``experiments.store``), cached
                  per experiment version; the plan's targets
* ``form.py``     the scenario builder's form from the lever registry, validated by the config validator
* ``jobs.py``     the background jobs: a built scenario through the runner, family traces (``sim.family``)
* ``ids.py``      every component id
* ``widgets.py``  layout pieces shared by the pages
* ``headless.py`` headless Chromium and a server subprocess for browser tests, screenshots and the load benchmark
"""

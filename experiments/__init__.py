"""Experiments: configs in, stored indicator rows out.

``experiments.config``  TOML config schema, loader and validator (``load_config``).
``experiments.runner``  runs every (scenario, seed) of a config with the model.
``experiments.store``   the results database (the only SQLAlchemy user).
``experiments.cli``     the ``fertsim`` command.
``experiments/configs`` example and reference configs (``baseline.toml``).

No model logic lives here.
"""

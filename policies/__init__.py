"""Policy levers as data: the registry, schedules and their compilation.

``policies.levers``   the lever registry (``LEVERS``) and the validation of one lever's
                      config table (``validate_lever``).
``policies.schedule`` merging a scenario's changes onto a policy history
                      (``merge_policy``), the run-start window check (``check_window``) and
                      compilation to per-month arrays (``compile_policy``).

This package draws no random numbers and knows nothing of config files, databases or Dash.
"""

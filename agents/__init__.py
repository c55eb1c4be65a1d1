"""Agents: the state declaration and the numba kernels, one module per decision.

Kernels are pure: 1-D arrays, scalars and pre-drawn uniform random numbers in,
arrays out. They know nothing of configs, databases or Dash.
"""

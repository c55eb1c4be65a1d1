"""The Dash dashboard: reads the results store, never computes model results (issue #5)."""

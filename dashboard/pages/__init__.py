"""The dashboard's pages, one module each; ``dashboard.app`` imports them in menu order."""

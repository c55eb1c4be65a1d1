"""Shared helpers of the CLI tests: run `fertsim` in-process in an empty directory."""

import pytest

from experiments.cli import main


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    """Every test runs in an empty directory with no FERTSIM_DB (autouse where imported)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FERTSIM_DB", raising=False)


def fertsim(capsys, *argv) -> tuple[int, str, str]:
    """Run the CLI with argv → (exit code, stdout, stderr)."""
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_user_error(code, err, expect=""):
    """A user error: exit 2, one line on stderr naming the problem, no traceback."""
    assert code == 2
    assert len(err.splitlines()) == 1 and err.startswith("fertsim: error: "), err
    assert "Traceback" not in err and expect in err

"""`fertsim sensitivity`: SALib indices from real runs, checked against what theory says for
a model whose output depends on one factor only, and stored in the database."""

from pathlib import Path

import pytest

from cli_helpers import assert_user_error, fertsim, in_tmp  # noqa: F401 (in_tmp is an autouse fixture)
from experiments.config import load_config
from experiments.store import Store

pytestmark = pytest.mark.slow

# In one simulated year, births depend on the first-birth propensity but not on the nanny
# price (which acts on care choices, not on conceptions): the output has one influential
# factor, so its first-order and total Sobol indices are 1 and the inert factor's are 0.
CONFIG = """name = "sa"
scale = 0.001
years = 1
seeds = [1]
[sensitivity]
method = "{method}"
samples = {samples}
seed = 3
outputs = ["births"]
[sensitivity.parameters]
logit_base_parity0 = [-1.0, 1.0]
nanny_price = [5000, 9000]
"""


def run(capsys, method, samples):
    Path("sa.toml").write_text(CONFIG.format(method=method, samples=samples), encoding="utf-8")
    code, out, err = fertsim(capsys, "sensitivity", "sa.toml", "--db", "sa.db", "--quiet")
    assert code == 0, err
    with Store(f"sqlite:///{Path('sa.db').resolve()}") as store:
        stored = store.sensitivity("sa").set_index(["factor", "index"])["value"]
    return out, stored


def test_sobol_indices_of_a_one_factor_output(capsys):
    out, s = run(capsys, "sobol", 16)
    assert "logit_base_parity0" in out and "S1" in out and "ST" in out
    assert s["nanny_price", "S1"] == 0.0 and s["nanny_price", "ST"] == 0.0
    # theory: S1 = ST = 1; Saltelli's estimator with 16 base samples is within 0.15 of it here
    assert abs(s["logit_base_parity0", "S1"] - 1.0) < 0.15 and abs(s["logit_base_parity0", "ST"] - 1.0) < 0.15


def test_morris_screens_out_the_inert_factor(capsys):
    _, s = run(capsys, "morris", 4)
    assert s["nanny_price", "mu_star"] == 0.0 and s["logit_base_parity0", "mu_star"] > 0.0


def test_a_config_without_a_sensitivity_block_is_a_user_error(capsys):
    Path("plain.toml").write_text('name = "plain"\nseeds = [1]\n', encoding="utf-8")
    code, _, err = fertsim(capsys, "sensitivity", "plain.toml", "--db", "x.db")
    assert_user_error(code, err, "has no [sensitivity] block")
    assert not Path("x.db").exists()


def test_an_unknown_output_is_named(capsys):
    Path("sa.toml").write_text(CONFIG.format(method="morris", samples=2).replace('["births"]', '["nope"]'),
                               encoding="utf-8")
    code, _, err = fertsim(capsys, "sensitivity", "sa.toml", "--db", "sa.db", "--quiet")
    assert_user_error(code, err, "sensitivity.outputs: no city-wide indicator 'nope'")
    assert load_config("sa.toml").resolved["sensitivity"]["outputs"] == ["nope"]

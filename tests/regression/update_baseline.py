"""Regenerate the regression baseline on purpose, after a change that is meant to move results:

    python tests/regression/update_baseline.py

Commit the new baseline.csv with a message saying why the numbers moved.
"""

from pathlib import Path

from sim.model import FertilityModel

RUN = dict(region="beijing", start_year=2021, years=3, scale=0.002, seed=7)
BASELINE = Path(__file__).with_name("baseline.csv")


def run_frame():
    return FertilityModel(**RUN).run().indicator_frame()


if __name__ == "__main__":
    run_frame().to_csv(BASELINE, index=False, float_format="%.10g")
    print(f"wrote {BASELINE}")

"""Fiscal accounting: every yuan each lever pays out, month by month.

The simulation calls ``ledger.pay(lever, yuan)`` with simulated yuan (for the simulated
persons); the ledger keeps a running total per lever for the current year and the
indicators rescale it to the real population. Revenue forgone (tax deductions) counts
as a cost, like a payment.
"""

from __future__ import annotations

from policies.levers import LEVERS


class FiscalLedger:
    def __init__(self):
        self.year_total: dict[str, float] = {name: 0.0 for name in LEVERS}
        self.run_total: dict[str, float] = {name: 0.0 for name in LEVERS}

    def pay(self, lever: str, yuan: float) -> None:
        if lever not in self.year_total:
            raise KeyError(f"unknown lever {lever!r}")
        if yuan < 0:
            raise ValueError(f"negative payment {yuan} for {lever}")
        self.year_total[lever] += float(yuan)
        self.run_total[lever] += float(yuan)

    def close_year(self) -> dict[str, float]:
        """The year's payments by lever (only levers that paid), and a reset."""
        paid = {name: v for name, v in self.year_total.items() if v > 0}
        self.year_total = {name: 0.0 for name in LEVERS}
        return paid

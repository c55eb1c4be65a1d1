"""The lever registry (DESIGN §4) and the validation of one lever's config table.

A lever is a name, a unit, bounds, a "no such policy" default and the decision it
enters. In a config it is a table ``{schedule = {"YYYY" or "YYYY-MM" = value},
eligibility = "all" | "local_hukou"}``; a value holds from the first day of its month
(January for a bare year) until the next key. Levers marked ``by_parity`` take either
one number (the same for every birth order) or a list ``[first, second, third_plus]``
indexed by the child's birth order.

The registry holds DESIGN §4's 21 levers and one more, ``birth_limit_only_child``: the
limit of couples in which a parent is an only child (the selective two-child rule of 2014,
which the china pack's history needs; issue #7).

Bounds are sanity limits that catch typos (an extra zero, a percentage given as a
share), not statements about what is plausible:

* one-off cash per birth: 0..500,000 yuan, about half of the 0.97 million yuan it costs
  to raise a child to 17 in Beijing (YuWa 2022);
* monthly yuan amounts (subsidies, allowances, deductions, fees): 0..20,000 yuan, about
  1.2 times Beijing's 2022 average monthly wage (about 16,000 yuan);
* leave: maternity 0..1095 days (three years), paternity and parental 0..365 days;
* nursery places: 0..100 per 1,000 residents (Beijing's 2025 target is 4.5);
* shares and strengths: 0..1; birth limits: 0..10 children, 0 = no limit (``birth_limit``)
  or as ``birth_limit`` (``birth_limit_only_child``).

Defaults are the "no such policy" values (0 / false), except ``leave_pay_rate`` whose
default 1.0 is the statutory full wage of Chinese maternity insurance; the region
pack's policy history supplies the values actually in force (a nursery fee, say).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

ELIGIBILITY = ("all", "local_hukou")
PARITY_LABELS = ("first", "second", "third_plus")
FIRST_YEAR, LAST_YEAR = 1950, 2100
KINDS = ("float", "int", "bool")

_MONTH_KEY = re.compile(r"(\d{4})(?:-(\d{2}))?")


class LeverError(ValueError):
    """A bad lever table; the message is one line naming the lever, the key and what is allowed."""


@dataclass(frozen=True)
class Lever:
    name: str
    unit: str
    kind: str            # "float" | "int" | "bool"
    lower: float
    upper: float
    default: float | int | bool
    by_parity: bool
    enters: str          # the decision(s) the lever enters (DESIGN §4)
    description: str

    def expected(self) -> str:
        """What a schedule value may be, in words, e.g. 'a whole number (paid days) in 0..1095'."""
        if self.kind == "bool":
            return "true or false"
        what = "a whole number" if self.kind == "int" else "a number"
        if self.by_parity:
            what += f" or a list of 3 [{', '.join(PARITY_LABELS)}]"
        return f"{what} ({self.unit}) in {_fmt(self.lower)}..{_fmt(self.upper)}"


_YUAN_MONTH = 20_000.0
_L = Lever
_LEVERS: tuple[Lever, ...] = (
    _L("birth_limit", "children allowed per couple, 0 = no limit", "int", 0, 10, 0, False,
       "birth eligibility (with the birth_limit_compliance parameter)",
       "Most children a couple may have; 0 means no limit (three-child policy: 3)."),
    _L("birth_limit_only_child", "children allowed to a couple in which a parent is an only child, 0 = as birth_limit",
       "int", 0, 10, 0, False,
       "birth eligibility (with the birth_limit_compliance parameter) of only-child couples",
       "Most children a couple with an only-child parent may have, instead of birth_limit "
       "(selective two-child policy of 2014: 2); 0 means birth_limit applies to them too."),
    _L("birth_grant", "yuan once per birth", "float", 0.0, 500_000.0, 0.0, True,
       "net cost", "One-off cash paid at each birth, by birth order."),
    _L("childcare_subsidy", "yuan per month per child under 3", "float", 0.0, _YUAN_MONTH, 0.0, True,
       "net cost", "Monthly cash for each child under 3, by the child's birth order."),
    _L("child_allowance", "yuan per month per child under 18", "float", 0.0, _YUAN_MONTH, 0.0, True,
       "net cost", "Monthly cash for each child under 18, by the child's birth order."),
    _L("tax_deduction_infant", "yuan per month deductible per child under 3", "float", 0.0, _YUAN_MONTH, 0.0,
       False, "net cost via marginal tax rate", "Individual income tax deduction for each child under 3."),
    _L("tax_deduction_education", "yuan per month deductible per child 3-17", "float", 0.0, _YUAN_MONTH, 0.0,
       False, "net cost via marginal tax rate", "Individual income tax deduction for each child aged 3-17."),
    _L("maternity_leave_days", "paid days", "int", 0, 1095, 0, False,
       "opportunity cost, return to work, employer cost", "Paid maternity leave after a birth."),
    _L("leave_pay_rate", "share of wage paid during leave", "float", 0.0, 1.0, 1.0, False,
       "opportunity cost", "Replacement rate of leave pay; default 1.0 = full wage (maternity insurance)."),
    _L("leave_employer_share", "share of leave cost paid by employers", "float", 0.0, 1.0, 0.0, False,
       "hiring / wage penalty", "Part of the cost of leave borne by the employer rather than insurance."),
    _L("paternity_leave_days", "days", "int", 0, 365, 0, False,
       "childcare in the first months, fathers' time", "Paid leave for the father after a birth."),
    _L("parental_leave_days", "days per parent per year while a child is under 3", "int", 0, 365, 0, False,
       "time cost", "Yearly childcare leave for each parent of a child under 3."),
    _L("nursery_places_per_1000", "nursery places per 1,000 residents", "float", 0.0, 100.0, 0.0, False,
       "childcare access, rationing", "Nursery (under-3) capacity, city-wide, applied to each district."),
    _L("nursery_fee", "yuan per month at inclusive nurseries", "float", 0.0, _YUAN_MONTH, 0.0, False,
       "childcare choice, net cost", "Monthly fee at an inclusive nursery; the pack history sets the real fee."),
    _L("nursery_fee_subsidy", "yuan per month per enrolled child", "float", 0.0, _YUAN_MONTH, 0.0, False,
       "childcare choice, fiscal cost", "Public subsidy towards the nursery fee of each enrolled child."),
    _L("nursery_priority_multichild", "true/false", "bool", 0, 1, False, False,
       "rationing order", "Families with two or more children go first in the nursery queue."),
    _L("after_school_coverage", "share of pupils 6-15 covered", "float", 0.0, 1.0, 0.0, False,
       "time cost", "Share of school pupils with after-school care."),
    _L("education_cost_reduction", "share of education spending removed", "float", 0.0, 1.0, 0.0, False,
       "net cost", "Share of families' education spending that policy removes."),
    _L("housing_priority_multichild", "true/false", "bool", 0, 1, False, False,
       "public-rental access for 2+ child families", "Families with two or more children go first for public rentals."),
    _L("housing_subsidy", "yuan per month for families with 2+ children", "float", 0.0, _YUAN_MONTH, 0.0, False,
       "net cost", "Monthly housing cash for families with two or more children."),
    _L("art_coverage", "share of ART cost reimbursed", "float", 0.0, 1.0, 0.0, False,
       "ART uptake", "Share of assisted-reproduction cost paid by insurance."),
    _L("employment_protection", "strength, 0 = none, 1 = full", "float", 0.0, 1.0, 0.0, False,
       "hiring / wage penalty", "Strength of enforcement against discrimination of women of child-bearing age."),
)

LEVERS: dict[str, Lever] = {lever.name: lever for lever in _LEVERS}


def show_value(value: object, width: int = 40) -> str:
    """A short one-line description of a config value for error messages, e.g. "text 'abc'"."""
    kinds = {bool: "true/false", str: "text", list: "a list", dict: "a table"}
    text = repr(value)
    if len(text) > width:
        text = text[: width - 3] + "..."
    kind = kinds.get(type(value))
    return f"{kind} {text}" if kind else text


def parse_month_key(key: str | int) -> tuple[int, int]:
    """A schedule key "YYYY" or "YYYY-MM" (or an int year) -> (year, month); ValueError if malformed."""
    if isinstance(key, int) and not isinstance(key, bool):
        key = str(key)
    match = _MONTH_KEY.fullmatch(key) if isinstance(key, str) else None
    if match is None:
        raise ValueError("not a year YYYY or a month YYYY-MM")
    year, month = int(match[1]), int(match[2] or 1)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"year {year} is outside {FIRST_YEAR}..{LAST_YEAR}")
    if not 1 <= month <= 12:
        raise ValueError(f"month {match[2]} is outside 01..12")
    return year, month


def month_key(year: int, month: int) -> str:
    """The canonical key of a month: "YYYY" for January, else "YYYY-MM"."""
    return f"{year}" if month == 1 else f"{year}-{month:02d}"


def validate_lever(name: str, table: object, path: str = "policy") -> dict:
    """Check one lever's config table; return ``{"schedule": {key: value}[, "eligibility": str]}``.

    ``path`` prefixes error messages (``scenarios.x.policy``). The result is normalised:
    keys canonical and in time order, floats as float, whole numbers as int, by-parity
    values as a list of 3. Eligibility is kept only if given: a scenario that changes a
    lever's schedule inherits the eligibility in force (``merge_policy``). Raises LeverError.
    """
    lever = LEVERS.get(name) if isinstance(name, str) else None
    if lever is None:
        raise LeverError(f"{path}: unknown lever {name!r}; allowed: {', '.join(LEVERS)}")
    where = f"{path}.{name}"
    if not isinstance(table, dict):
        raise LeverError(f"{where}: got {show_value(table)}, expected a table "
                         '{schedule = {YYYY = value, ...}, eligibility = "all"}')
    for key in table:
        if key not in ("schedule", "eligibility"):
            raise LeverError(f"{where}: unknown key {key!r}; allowed: schedule, eligibility")
    schedule = table.get("schedule")
    if not isinstance(schedule, dict) or not schedule:
        raise LeverError(f"{where}.schedule: got {show_value(schedule)}, expected a non-empty table "
                         f"{{YYYY = value}} or {{\"YYYY-MM\" = value}} where value is {lever.expected()}")
    months: dict[tuple[int, int], tuple[str, object]] = {}
    for key, value in schedule.items():
        try:
            month = parse_month_key(key)
        except ValueError as exc:
            raise LeverError(f"{where}.schedule: key {key!r}: {exc}; keys are years YYYY or months "
                             f"YYYY-MM, {FIRST_YEAR}..{LAST_YEAR}") from None
        if month in months:
            raise LeverError(f"{where}.schedule: keys {months[month][0]!r} and {key!r} name the same month")
        months[month] = (key, _check_value(lever, value, f"{where}.schedule.{key}"))
    out = {"schedule": {month_key(*m): months[m][1] for m in sorted(months)}}
    if "eligibility" in table:
        if table["eligibility"] not in ELIGIBILITY:
            raise LeverError(f"{where}.eligibility: got {show_value(table['eligibility'])}; allowed: "
                             + ", ".join(f'"{e}"' for e in ELIGIBILITY))
        out["eligibility"] = table["eligibility"]
    return out


def _check_value(lever: Lever, value: object, where: str):
    """One schedule value, checked and normalised (a list of 3 for by-parity levers)."""
    if lever.by_parity and isinstance(value, list):
        if len(value) != len(PARITY_LABELS):
            raise LeverError(f"{where}: {len(value)} values given, expected {lever.expected()}")
        return [_check_scalar(lever, v, where) for v in value]
    scalar = _check_scalar(lever, value, where)
    return [scalar] * len(PARITY_LABELS) if lever.by_parity else scalar


def _check_scalar(lever: Lever, value: object, where: str):
    if lever.kind == "bool":
        if isinstance(value, bool):
            return value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        if not lever.lower <= value <= lever.upper:      # also rejects nan
            raise LeverError(f"{where}: {value} is out of bounds; expected {lever.expected()}")
        if lever.kind == "float":
            return float(value)
        if value == math.floor(value):
            return int(value)
    raise LeverError(f"{where}: got {show_value(value)}, expected {lever.expected()}")


def _fmt(x: float) -> str:
    """A bound for messages: 500000 rather than 500000.0."""
    return str(int(x)) if float(x).is_integer() else str(x)

"""Follow one family through a run: its life events month by month (the dashboard's
"follow a family", issue #5).

``trace_family(run_spec, family)`` builds the run's ``FertilityModel``, picks the
``family``-th sampled woman (``sample_women``), steps the model month by month with
``model.step()`` — the same months ``model.run()`` steps, so the run's results are
unchanged — and after each month reads the person arrays of the woman, her partner and
her children, deriving events from what changed: marriage, divorce, pregnancy, births,
maternity leave, jobs, the care of each child under 3, moves, and leaving the simulation
(death or emigration). Nothing in the model is modified.

The sample depends only on the run's seed and initial population, which every scenario
of a seed shares (common random numbers), so family k of two scenarios with the same seed
is the same woman, and her two lives differ only where the policies make them differ.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from agents.state import (
    CARE_MODE_NAMES,
    EDUCATION_NAMES,
    FEMALE,
    HOUSEHOLD_FAMILY,
    HUKOU_NAMES,
    NO_CARE_MODE,
    NO_PARTNER,
)

N_FAMILIES = 10                   # families offered per run
AGE_RANGE = (22, 32)              # ages (whole years) of the sampled women at the start
EVENT_COLUMNS = ["year", "month", "who", "event", "detail"]
CARE_WORDS = {"mother": "her mother", "grandparent": "grandparents", "nursery": "a nursery", "nanny": "a nanny"}


def sample_women(model, n: int = N_FAMILIES) -> np.ndarray:
    """Ids of up to ``n`` women aged AGE_RANGE at the start who live in family households, in
    a fixed pseudo-random order given by the run's seed (stream "family_sample", month 0):
    the same ids in every scenario of that seed. Call before the first step."""
    p, h = model.pop.p, model.pop.h
    age = p["age_months"] // 12
    ok = (p["alive"] & (p["sex"] == FEMALE) & (age >= AGE_RANGE[0]) & (age <= AGE_RANGE[1])
          & (h["kind"][p["household"]] == HOUSEHOLD_FAMILY))
    ids = np.flatnonzero(ok)
    order = np.argsort(model.streams.uniform("family_sample", p["key"][ids], 0), kind="stable")
    return ids[order[:n]]


class FamilyTracker:
    """Reads one woman's family after each month and records what changed.

    ``observe()`` after every ``model.step()``; ``events()`` gives DataFrame[EVENT_COLUMNS].
    """

    def __init__(self, model, person: int):
        self.m = model
        self.person = int(person)
        p = model.pop.p
        kids = np.flatnonzero(p["mother"] == self.person)
        self.children = [int(k) for k in kids[np.argsort(p["birth_order"][kids], kind="stable")]]
        self.rows: list[tuple] = []
        self.gone = False
        self.prev = self._read()
        self._start()

    # --- reading ---------------------------------------------------------------------
    def _read(self) -> dict:
        p = self.m.pop.p
        i = self.person
        partner = int(p["partner"][i])
        state = {"alive": bool(p["alive"][i]), "partner": partner, "parity": int(p["parity"][i]),
                 "pregnant": int(p["months_pregnant"][i]) > 0, "employed": bool(p["employed"][i]),
                 "wage": float(p["wage"][i]), "leave": int(p["leave_months_left"][i]),
                 "district": int(p["district"][i]), "n": self.m.pop.n}
        state["partner_employed"] = bool(p["employed"][partner]) if partner != NO_PARTNER else None
        state["children"] = {c: (bool(p["alive"][c]), int(p["childcare_mode"][c])) for c in self.children}
        return state

    def _date(self) -> tuple[int, int]:
        """(year, month 1-12) of the month just simulated (of the start before the first step)."""
        done = max(self.m.month - 1, 0)
        return self.m.start_year + done // 12, done % 12 + 1

    def _add(self, who: str, event: str, detail: str) -> None:
        self.rows.append((*self._date(), who, event, detail))

    def _who(self, child: int) -> str:
        """"child N" with N the child's birth order (her Nth birth)."""
        return f"child {self.m.pop.p['birth_order'][child]}"

    def _district(self, d: int) -> str:
        return self.m.pack.districts[d]

    def _start(self) -> None:
        p, s = self.m.pop.p, self.prev
        i = self.person
        status = "married" if s["partner"] != NO_PARTNER else ("divorced or widowed" if p["ever_married"][i]
                                                               else "single")
        work = f"employed, wage {s['wage']:,.0f} yuan/month" if s["employed"] else "not in paid work"
        births = f"{s['parity']} child{'ren' if s['parity'] != 1 else ''} born so far"
        self._add("she", "start", f"aged {p['age_months'][i] // 12}, {status}, {births}, "
                  f"{EDUCATION_NAMES[p['education'][i]]} education, "
                  f"{HUKOU_NAMES[p['hukou'][i]]} hukou, lives in {self._district(s['district'])}; {work}")
        if s["partner"] != NO_PARTNER:
            self._add("partner", "start", f"partner aged {p['age_months'][s['partner']] // 12}, "
                      + ("employed" if s["partner_employed"] else "not in paid work"))

    # --- one month -------------------------------------------------------------------
    def observe(self) -> None:
        """Compare the family now with last month and record the differences."""
        if self.gone:
            return
        p = self.m.pop.p
        before = self.prev
        if before["parity"] < int(p["parity"][self.person]):          # new children are new rows
            new = np.arange(before["n"], self.m.pop.n)
            self.children += [int(c) for c in new[p["mother"][new] == self.person]]
        now = self._read()
        if not now["alive"]:
            self._add("she", "left", "left the simulation (died, or the household moved away from Beijing)")
            self.gone = True
            self.prev = now
            return
        self._partner(before, now)
        if now["pregnant"] and not before["pregnant"]:
            self._add("she", "pregnancy", "conceived")
        for child in self.children[len(before["children"]):]:
            self._add(self._who(child), "birth", f"born, a {('boy', 'girl')[p['sex'][child]]}")
        if now["leave"] > 0 and before["leave"] == 0:
            self._add("she", "leave_start", f"maternity leave, {now['leave']} months")
        elif now["leave"] == 0 and before["leave"] > 0:
            self._add("she", "leave_end", "maternity leave ended")
        if now["employed"] != before["employed"]:
            self._add("she", "job_start" if now["employed"] else "job_end",
                      f"started paid work (wage {now['wage']:,.0f} yuan/month)" if now["employed"]
                      else "stopped paid work")
        if now["district"] != before["district"]:
            self._add("she", "moved", f"moved to {self._district(now['district'])}")
        self._children(before, now)
        self.prev = now

    def _partner(self, before: dict, now: dict) -> None:
        p = self.m.pop.p
        if now["partner"] != before["partner"]:
            if before["partner"] != NO_PARTNER:
                gone = not p["alive"][before["partner"]]
                self._add("she", "widowed" if gone else "divorce",
                          "partner died or left Beijing" if gone else "divorced")
            if now["partner"] != NO_PARTNER:
                q = now["partner"]
                self._add("she", "marriage", f"married a man aged {p['age_months'][q] // 12} "
                          f"({EDUCATION_NAMES[p['education'][q]]} education, "
                          + ("employed)" if now["partner_employed"] else "not in paid work)"))
        elif now["partner"] != NO_PARTNER and now["partner_employed"] != before["partner_employed"]:
            self._add("partner", "job_start" if now["partner_employed"] else "job_end",
                      "started paid work" if now["partner_employed"] else "stopped paid work")

    def _children(self, before: dict, now: dict) -> None:
        p = self.m.pop.p
        for child in self.children:
            if child not in before["children"]:
                old_alive, old_mode = True, NO_CARE_MODE
            else:
                old_alive, old_mode = before["children"][child]
            alive, mode = now["children"][child]
            who = self._who(child)
            if old_alive and not alive:
                self._add(who, "left", "left the simulation (died or moved away)")
                continue
            if mode == old_mode:
                continue
            months = int(p["age_months"][child])
            if mode == NO_CARE_MODE:
                self._add(who, "care_end", f"turned {months // 12} ({months} months): out of under-3 care")
            elif old_mode == NO_CARE_MODE:
                self._add(who, "care", f"cared for by {CARE_WORDS[CARE_MODE_NAMES[mode]]} (aged {months} months)")
            else:
                self._add(who, "care", f"care changed from {CARE_WORDS[CARE_MODE_NAMES[old_mode]]} to "
                          f"{CARE_WORDS[CARE_MODE_NAMES[mode]]} (aged {months} months)")

    def events(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=EVENT_COLUMNS)


@dataclass(frozen=True)
class FamilyTrace:
    person: int                 # the woman's person id (row) in the run
    events: pd.DataFrame        # DataFrame[EVENT_COLUMNS] in time order
    months: int                 # months simulated (fewer than the run's if she left early)


def trace_family(run_spec: dict, family: int, progress=None) -> FamilyTrace:
    """Trace family number ``family`` (1..N_FAMILIES) of the run given by ``run_spec``
    (``ExperimentConfig.run_spec(scenario, seed)``). ``progress(months_done, n_months)``
    after each month. Stops early once the woman has left the simulation. Raises
    ValueError for a family number the run does not have."""
    from sim.model import (
        FertilityModel,  # late: importing the model compiles its kernels
    )

    model = FertilityModel(**{**run_spec, "compaction": False})    # rows must not move: the tracker follows them
    women = sample_women(model)
    if not 1 <= family <= len(women):
        raise ValueError(f"family {family} is not sampled; this run has families 1..{len(women)}")
    tracker = FamilyTracker(model, int(women[family - 1]))
    while model.month < model.n_months and not tracker.gone:
        model.step()
        tracker.observe()
        if progress is not None:
            progress(model.month, model.n_months)
    return FamilyTrace(tracker.person, tracker.events(), model.month)

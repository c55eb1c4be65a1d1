"""The one declaration of agent state: persons and households as struct-of-arrays.

Every field is declared once here with its name, dtype, default and label.
``Population`` (in ``sim/population.py``) allocates arrays from these tables;
kernels receive the arrays they need as plain 1-D numpy arrays.

Integers stay integers; "none" is a named sentinel, never NaN.
A person's id is its row index. Rows are never reused, but the rows of the dead and
emigrated are dropped once a year when they make up enough of the arrays (``Population.compact``,
persons regrouped by household, links renumbered), so an id holds from one compaction to the next; ``pid``
(persons) and ``hid`` (households) number rows in the order they were made and never
change. Random streams are keyed by ``key`` (persons) and ``hid`` (households).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# --- named sentinels and codes -------------------------------------------------
NO_PERSON = -1          # partner / mother / household "none"
NO_PARTNER = NO_PERSON
NO_MOTHER = NO_PERSON
NO_HOUSEHOLD = -1
NO_CHILD = -1           # months_since_last_birth when parity == 0

MALE = 0
FEMALE = 1
SEX_NAMES = ("male", "female")

HUKOU_LOCAL = 0
HUKOU_NONLOCAL = 1
HUKOU_NAMES = ("local", "nonlocal")

# Four education levels (highest completed).
EDU_PRIMARY = 0         # primary or less
EDU_JUNIOR = 1          # junior secondary
EDU_SENIOR = 2          # senior secondary / vocational
EDU_TERTIARY = 3        # college and above
EDUCATION_NAMES = ("primary", "junior", "senior", "tertiary")
N_EDUCATION = 4

HOUSEHOLD_FAMILY = 0
HOUSEHOLD_COLLECTIVE = 1   # dormitories and other collective units (census 集体户)

# Care of a child under 3 (DESIGN §3.3 step 5)
CARE_MOTHER = 0
CARE_GRANDPARENT = 1
CARE_NURSERY = 2
CARE_NANNY = 3
CARE_MODE_NAMES = ("mother", "grandparent", "nursery", "nanny")
N_CARE_MODES = 4
NO_CARE_MODE = -1

# Housing tenure of a household (DESIGN §3.2)
TENURE_OWNER = 0
TENURE_PRIVATE_RENT = 1
TENURE_PUBLIC_RENTAL = 2
TENURE_PUBLIC_PRIORITY = 3     # public rental obtained through the multi-child priority lever
TENURE_NAMES = ("owner", "private_rent", "public_rental", "public_rental_priority")

NOT_PREGNANT = 0           # months_pregnant value when not pregnant
PREGNANCY_MONTHS = 9


@dataclass(frozen=True)
class Field:
    name: str
    dtype: type
    default: object
    label: str


PERSON_FIELDS: tuple[Field, ...] = (
    Field("key", np.int64, 0, "stable random-stream key (initial row, or derived from mother and birth order, or arrival)"),
    Field("pid", np.int32, 0, "the row the person got when made: a stable id (compactions drop and regroup rows)"),
    # demography
    Field("alive", np.bool_, False, "alive and resident in the region"),
    Field("age_months", np.int16, 0, "age in completed months"),
    Field("sex", np.int8, MALE, "MALE=0 / FEMALE=1"),
    Field("hukou", np.int8, HUKOU_LOCAL, "HUKOU_LOCAL=0 / HUKOU_NONLOCAL=1"),
    Field("education", np.int8, EDU_PRIMARY, "highest level completed, 0..3"),
    Field("district", np.int8, 0, "district index into the region pack's district list"),
    Field("household", np.int32, NO_HOUSEHOLD, "household id"),
    # family
    Field("partner", np.int32, NO_PARTNER, "spouse's person id, NO_PARTNER if not married"),
    Field("mother", np.int32, NO_MOTHER, "mother's person id if known (and, from age 3, if still a row after her death)"),
    Field("birth_order", np.int8, 1, "1 for a first child, 2 for a second, ...; 1 if unknown"),
    Field("ever_married", np.bool_, False, "has married at least once"),
    Field("searching", np.bool_, False, "in the marriage market this month"),
    Field("parity", np.int8, 0, "children ever born (women) / fathered in current and past unions (men)"),
    Field("months_since_last_birth", np.int16, NO_CHILD, "months since the youngest child was born, NO_CHILD if none"),
    Field("desired_children", np.int8, 0, "desired family size, drawn at union formation"),
    Field("fecund", np.bool_, True, "able to conceive (women); sterility is permanent"),
    Field("months_pregnant", np.int8, NOT_PREGNANT, "months since conception, 0 if not pregnant"),
    # work (issue 3 fills the decisions; the synthetic population sets them)
    Field("employed", np.bool_, False, "in paid work (a job held during leave counts)"),
    Field("wage", np.float32, 0.0, "monthly gross wage when working (earning capacity), yuan"),
    Field("leave_months_left", np.int16, 0, "months of job-protected leave left"),
    Field("childcare_mode", np.int8, NO_CARE_MODE, "CARE_* mode of a child under 3, NO_CARE_MODE otherwise"),
)

HOUSEHOLD_FIELDS: tuple[Field, ...] = (
    Field("hid", np.int32, 0, "the index the household got when made (its random-stream key); grows with the row"),
    Field("district", np.int8, 0, "district index"),
    Field("kind", np.int8, HOUSEHOLD_FAMILY, "HOUSEHOLD_FAMILY / HOUSEHOLD_COLLECTIVE"),
    Field("hukou", np.int8, HUKOU_LOCAL, "hukou of the household's reference person"),
    Field("n_members", np.int16, 0, "living members"),
    Field("income", np.float32, 0.0, "net monthly income after tax, with transfers, yuan (last month)"),
    Field("grandparents_nearby", np.int8, 0, "living grandparents of the household's children who live nearby or co-reside, 0..4"),
    Field("tenure", np.int8, TENURE_PRIVATE_RENT, "TENURE_* housing tenure"),
)


def allocate(fields: tuple[Field, ...], n: int) -> dict[str, np.ndarray]:
    """n rows of each field, filled with its default."""
    return {f.name: np.full(n, f.default, dtype=f.dtype) for f in fields}


def grow(arrays: dict[str, np.ndarray], fields: tuple[Field, ...], new_capacity: int) -> dict[str, np.ndarray]:
    """Copy of ``arrays`` with capacity ``new_capacity``; new rows hold defaults."""
    out = allocate(fields, new_capacity)
    for name, arr in arrays.items():
        out[name][: len(arr)] = arr
    return out


def bytes_per_row(fields: tuple[Field, ...]) -> int:
    return sum(np.dtype(f.dtype).itemsize for f in fields)

"""The clinical facts CP.PHAR.418 reads, as plain typed values with the FHIR references they rest on.

This module is the contract between fact extraction (``clinical.extract``) and the criteria tree
(``policy``). Three-valued truth is encoded in ``Fact.value``:

* ``True`` / a number / a date: the data shows it;
* ``False``: the data shows it is not so. For facts an EHR routinely holds as structured data
  (diagnoses, birth date, drug administrations and orders, coverage) absence is ``False``
  (docs/decisions.md "Three-valued criteria");
* ``None``: the data cannot settle it (seldom-structured facts, or a value that cannot be computed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Generic, NamedTuple, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Fact(Generic[T]):
    """A value (``None`` = unknown) with its evidence (``Type/id`` references) and a one-line reason.

    ``unread`` names the resources that could bear on the fact but that the reader could not read (a code
    in a system or a code it does not know, a fact stated only in text or in an element it does not read
    for it): "not read is not absent" (docs/decisions.md "What is not read"). A ``False`` with resources
    unread is what the resources read show, not a fact to decide on: the policy reads it as unknown
    (``settled``), and the reason says what could not be read.
    """

    value: T | None
    evidence: tuple[str, ...] = ()
    reason: str = ""
    unread: tuple[str, ...] = ()

    @property
    def settled(self) -> T | None:
        """The value a criterion may be decided on: ``None`` for a ``False`` with resources unread."""
        return None if self.value is False and self.unread else self.value


@dataclass(frozen=True)
class DoseTotal:
    """A cumulative dose in mg/m²: the part that could be computed plus the parts that could not.

    A dose that cannot be converted (an mg dose with no BSA, height or weight) is unknown, never zero
    (docs/facts.md), so a total is only fully known when ``unknown_parts == 0``; a known part that
    already reaches a threshold settles it all the same.
    """

    known_mg_m2: float = 0.0
    unknown_parts: int = 0
    evidence: tuple[str, ...] = ()
    unknown_evidence: tuple[str, ...] = ()
    reason: str = ""
    # Why each unknown part is unknown ("<ref>: dated after the order: not counted"), and each dose that
    # several records were merged into ("2 records of one dose merged (...)"): docs/facts.md "Record
    # integrity".
    unknown_reasons: tuple[str, ...] = ()
    merged: tuple[str, ...] = ()
    set_aside: tuple[str, ...] = ()  # orders not counted and why ("... is cancelled: not therapy")
    remarks: tuple[str, ...] = ()  # how counted doses were read ("6 dose(s) in mg/kg, converted ...")
    # Doses a range in an order's timing may add (countMax, boundsRange...), known in mg/m²: the total is
    # then anywhere from ``known_mg_m2`` to ``known_mg_m2 + possible_mg_m2``.
    possible_mg_m2: float = 0.0
    possible_parts: int = 0
    # The orders and plans whose doses to come took a planned total past the lifetime ceiling no regimen
    # plans beyond (``plausibility.plan_beyond_ceiling``): no plan to decide on, nor to end an approval by.
    past_ceiling: tuple[str, ...] = ()

    @property
    def value(self) -> float | None:
        """The total when every part is known and no range is left, else ``None``."""
        return self.known_mg_m2 if self.unknown_parts == 0 and self.possible_parts == 0 else None

    @property
    def at_most(self) -> float | None:
        """The largest the total can be: with every dose a range may add; ``None`` with unknown parts."""
        return self.known_mg_m2 + self.possible_mg_m2 if self.unknown_parts == 0 else None

    def reaches(self, threshold_mg_m2: float) -> bool | None:
        """``True`` if the known part alone reaches the threshold, ``False`` if the largest the total
        can be does not, ``None`` if unknown parts, or the doses a range may add, could still carry it
        over (a range that straddles the threshold)."""
        if self.known_mg_m2 >= threshold_mg_m2:
            return True
        most = self.at_most
        return False if most is not None and most < threshold_mg_m2 else None


class DoseLine(NamedTuple):
    """One administered or planned anthracycline dose as counted in a total (for the card's detail). A
    named tuple: one per dose, hundreds for a long history, built and read at tuple speed."""

    reference: str
    agent: str
    when: date | None
    mg_m2: float | None
    doxorubicin_equivalent_mg_m2: float | None
    bsa_m2: float | None = None
    bsa_source: str = ""
    note: str = ""


@dataclass(frozen=True)
class ExtravasationDay:
    """Dexrazoxane planned on one day of an extravasation course (I.B.4)."""

    day: int
    mg: float | None
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True)
class UnreadData:
    """A read the facts could not rest on: a search or a prefetch Bundle read only in part, or not at all
    (what it feeds is unknown: docs/facts.md "Record integrity"); what it left unknown, and what would let
    it be read."""

    key: str  # what was read, as the service names it: a prefetch key, else a resource type
    reason: str  # "CarePlan search incomplete: fhirServer could not provide it"
    left_unknown: tuple[str, ...]  # the facts it feeds, in words ("the planned doxorubicin total", ...)
    to_read_it: str  # what would let the service read it whole


@dataclass(frozen=True)
class ClinicalFacts:
    """Everything the policy reads about one dexrazoxane order."""

    order: str
    approval_start: date
    # Why the order's own date was set aside and the order read as of today ("" when it was not): one
    # written after today (docs/facts.md "An order written after today"), said with every age read on it.
    date_set_aside: str = ""

    age_years: Fact[int] = field(default_factory=lambda: Fact(None))
    line_of_business: Fact[str] = field(default_factory=lambda: Fact(None))
    coverage: Fact[str] = field(default_factory=lambda: Fact(None))  # "Coverage/<id>" used

    # Prescriber (I.A.2, I.B.2)
    prescriber_onc_or_hem: Fact[bool] = field(default_factory=lambda: Fact(None))
    prescriber_oncologist: Fact[bool] = field(default_factory=lambda: Fact(None))
    consult_onc_or_hem: Fact[bool] = field(default_factory=lambda: Fact(None))
    consult_oncologist: Fact[bool] = field(default_factory=lambda: Fact(None))

    # Doses (mg/m²)
    bsa_m2: Fact[float] = field(default_factory=lambda: Fact(None))
    cumulative_doxorubicin: DoseTotal = field(default_factory=DoseTotal)
    cumulative_anthracycline: DoseTotal = field(default_factory=DoseTotal)
    planned_doxorubicin: DoseTotal = field(default_factory=DoseTotal)
    planned_anthracycline: DoseTotal = field(default_factory=DoseTotal)
    dose_lines: tuple[DoseLine, ...] = ()
    last_planned_doxorubicin_date: Fact[date] = field(default_factory=lambda: Fact(None))
    concurrent_doxorubicin: Fact[bool] = field(default_factory=lambda: Fact(None))
    doxorubicin_dose_mg_m2: Fact[float] = field(default_factory=lambda: Fact(None))
    dexrazoxane_dose_mg_m2: Fact[float] = field(default_factory=lambda: Fact(None))
    dexrazoxane_dose_mg: Fact[float] = field(default_factory=lambda: Fact(None))
    dose_ratio: Fact[float] = field(default_factory=lambda: Fact(None))
    extravasation_course: tuple[ExtravasationDay, ...] = ()
    # What the order shows it is for (docs/decisions.md "Pathways"): its reason ("extravasation" /
    # "cardioprotection", None when it gives none), its shape, and its first day (the I.B approval start).
    order_purpose: Fact[str] = field(default_factory=lambda: Fact(None))
    extravasation_course_order: Fact[bool] = field(default_factory=lambda: Fact(None))
    course_first_day: Fact[date] = field(default_factory=lambda: Fact(None))
    # Age on the course's first day, the I.B approval start (docs/facts.md "Age": age on the approval start
    # date), when that day is not the order's date (else ``age_years`` is that age: this stays empty).
    age_on_course_start: Fact[int] = field(default_factory=lambda: Fact(None))
    prior_dexrazoxane_cardioprotection: Fact[bool] = field(default_factory=lambda: Fact(None))

    # Diagnoses (structured: absence is False)
    metastatic_breast_cancer: Fact[bool] = field(default_factory=lambda: Fact(None))
    acute_lymphoblastic_leukemia: Fact[bool] = field(default_factory=lambda: Fact(None))
    ph_positive: Fact[bool] = field(default_factory=lambda: Fact(None))  # None: no Ph status recorded
    relapsed_or_refractory: Fact[bool] = field(default_factory=lambda: Fact(None))
    aggressive_mature_b_cell_lymphoma: Fact[bool] = field(default_factory=lambda: Fact(None))
    hodgkin_lymphoma: Fact[bool] = field(default_factory=lambda: Fact(None))
    wilms_tumor: Fact[bool] = field(default_factory=lambda: Fact(None))
    neuroblastoma: Fact[bool] = field(default_factory=lambda: Fact(None))
    soft_tissue_sarcoma: Fact[bool] = field(default_factory=lambda: Fact(None))
    anthracycline_extravasation: Fact[bool] = field(default_factory=lambda: Fact(None))

    # Seldom structured: absence is None
    dasatinib_or_imatinib: Fact[bool] = field(default_factory=lambda: Fact(None))
    dfci_all_protocol: Fact[bool] = field(default_factory=lambda: Fact(None))  # DFCI 11-001 or 16-001
    cog_aall1331: Fact[bool] = field(default_factory=lambda: Fact(None))
    heart_radiation: Fact[bool] = field(default_factory=lambda: Fact(None))
    # II.A.3, from the cancer disease status the treating team records (clinical.disease_status)
    responding_to_therapy: Fact[bool] = field(default_factory=lambda: Fact(None))

    # Answers a clinician already gave in a completed QuestionnaireResponse to our template (docs/response.md
    # "Documentation template (DTR)"), keyed by criterion id, for criteria no other data can settle (e.g.
    # "II.A.3").
    documented: dict[str, Fact[bool]] = field(default_factory=dict)
    # Evidence attached to the answer of a criterion the payer must review (I.A.5.b, II.A.4.b: docs/facts.md
    # "Record integrity"), keyed by criterion id: what was received, never a settled criterion.
    submitted_evidence: dict[str, tuple[str, ...]] = field(default_factory=dict)

    # What could not be read, for the determination's notes (never PHI).
    problems: tuple[str, ...] = ()

    # Why no approve or deny can be given whatever the criteria say: the line of business was read only
    # in part (a Coverage not read can put the member outside the policy), docs/facts.md "Record integrity".
    undecidable: str = ""

    # The reads that left facts unknown (partial or not made), for the cards, the coverage-information
    # reason and the determination to name, with what would let them complete.
    unread: tuple[UnreadData, ...] = ()
    # Not plausible is not a fact (docs/facts.md "Plausibility"): whether the Patient is recorded as
    # deceased (no approval, whatever the criteria say), and every measurement or record set aside as
    # implausible, with why (each total, ratio and course sized through a BSA names them too).
    deceased: Fact[bool] = field(default_factory=lambda: Fact(False))
    set_aside: tuple[str, ...] = ()
    # The Patient sent is another patient than the one the hook names (clinical.other_patients): no
    # approval and no deny on a record that is not this patient's.
    patient_mismatch: Fact[bool] = field(default_factory=lambda: Fact(False))

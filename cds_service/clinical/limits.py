"""The bounds on the work one request can make the service do, each named once here with why it is that.

The record can be hostile or broken (a ``repeat.count`` of 1e18, a frequency of 1e8 a day, thousands of draft
orders): the readers never build a list, or run a loop, whose length the record chooses beyond these. What
a cap stops is never guessed at: the fact it feeds is unknown (pend, naming the cap), or, for the number of
orders in one request, the request is refused with a 400 that names it (``cds_service.errors``). None of
them is a policy number (those live in ``cds_service.thresholds``); docs/facts.md "Bounded work" lists them
for users.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Cap:
    value: int
    reason: str


PLANNED_DOSES_PER_ORDER = Cap(
    400,
    "doses one order (or one CarePlan activity) is read for, over all its dosage lines. A doxorubicin "
    "regimen reaches the lifetime limit of 450-550 mg/m² within about 30 weekly doses, and a daily dose "
    "for a whole year is 365: a schedule planning more is not one the service can count on, so its doses "
    "are an unknown part of the planned total (pend), never a list of that length",
)

PLANNED_DOSES_PER_READ = Cap(
    20_000,
    "doses planned together by all the orders in play of one read (the anthracycline and TKI orders of a "
    "request, or its dexrazoxane orders), or by all its CarePlan activities. "
    "Fifty orders of a full year of daily doses stay under it; a record holding more (thousands of "
    "active orders each at the per-order cap) has every planned total unknown, whatever the order of its "
    "resources, instead of millions of doses held in memory",
)

DEXRAZOXANE_ORDERS_PER_REQUEST = Cap(
    100,
    "dexrazoxane orders decided in one hook request (order-sign, order-select, order-dispatch). Every "
    "order is read against every other one signed with it (their doses on a shared day add up, "
    "CP.PHAR.418 I.A.5.a), so the work and the evidence grow with the square of their number; a whole "
    "regimen signed at once is a few dozen orders at most. A request with more is answered 400, naming "
    "the cap, before any data is fetched",
)

# A number read from the record larger than this, or a non-zero one smaller than its inverse, is not a
# clinical quantity (no dose, weight, height or BSA in any unit the service reads comes within six orders of
# magnitude): read as unreadable, so no product or quotient the service forms from it can overflow to
# infinity or vanish to zero.
LARGEST_MAGNITUDE = 1e12

MEASUREMENTS_COMPARED = Cap(
    8,
    "readings of a kind compared on each side of a body measurement when it is checked against the "
    'patient\'s others (docs/facts.md "Plausibility"): a median of up to sixteen neighbours is ample to '
    "tell one slip from a trend, and a daily weight over years stays linear in its readings",
)

CARE_PLAN_WORDS = Cap(
    20_000,
    "characters of one CarePlan's words (title, description, notes, activities) read for a drug it names "
    '(docs/facts.md "A care plan named but not read"): a plan\'s words are a few hundred; beyond the cap '
    "the rest is not read, and a drug named only there is not found",
)

RECORDS_SWEPT = Cap(
    1_000,
    "records no reader reads (an Encounter, a DiagnosticReport, an Observation of a code not read...) swept "
    'for what they name (docs/facts.md "Records no reader reads"): a hook sends a handful, a whole chart a '
    "few hundred; the records beyond it, in the order of their references, are not swept, and each fact they "
    "could bear on is unknown beside them, never not met",
)

ELEMENTS_SWEPT = Cap(
    5_000,
    "elements (JSON values) of one swept record walked for its codes, words and references: a pathology "
    "report or an encounter holds a few hundred; beyond it the rest of the record is not read, and it could "
    "bear on every fact the sweep reads",
)

WORDS_SWEPT = Cap(
    20_000,
    "characters of one swept record's words read for what they name (as ``CARE_PLAN_WORDS``): a report's "
    "conclusion and notes are a few thousand; beyond it the rest is not read, and the record could bear on "
    "every fact the sweep reads",
)

ATTACHMENT_WORDS = Cap(
    200_000,
    "characters of one swept record's attachments read as words when their data is text (a "
    "DocumentReference's treatment summary, a C-CDA document, a report's presentedForm: docs/facts.md \"A "
    "document's own words\"): a clinical note is a few thousand, a discharge summary or a C-CDA document "
    "tens of thousands; beyond it the rest is not read, and the record could bear on every fact the sweep "
    "reads",
)

ADMINISTRATION_WORDS = Cap(
    4_000,
    "characters of one administration's own words (its notes, its status reason's text) read for words that "
    'say the dose was not given (docs/facts.md "A dose its own words say was not given"): a nurse\'s note is '
    "a line or two; beyond the cap whether the rest says the dose was held is not known, so the dose is an "
    "unknown part, never counted on words not read",
)

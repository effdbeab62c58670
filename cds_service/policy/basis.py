"""What a determination rests on, as a digest: how order-dispatch tells whether anything that decides an
order has changed since the determination on record (docs/hooks.md "When a dispatched order is decided
again").

The decision is a pure function of the facts read from the record, the order and the coverage (policy.decide:
facts in, determination out), so "nothing that decides it has changed" is defined on the determination
itself, read the same way at every hook: its JSON (``policy.render``, docs/determination.md), grouped
into named parts,

- ``decision``: the decision, pathway, approval period, the criteria documentation is asked for, the
  off-label policies named, the evidence awaiting the payer's review, what the policy would decide if it
  applies (the line of business unknown);
- ``criteria``: every criterion's outcome with the references it rests on (its evidence), sorted;
- ``coverage``: the Coverage read and the line of business read from it;
- ``order``: what the dexrazoxane order itself says: its date (the approval start), its per-dose amount,
  its purpose, its course shape and days;
- ``doses``: every anthracycline dose counted (each with the record it comes from, its date, its mg/m² and
  the BSA used), the totals, the BSA, the concurrent doxorubicin and its per-dose amount, the ratio, the
  last planned doxorubicin date, prior dexrazoxane, the measurements and records set aside as implausible;
- ``patient``, ``diagnoses``, ``prescriber``, ``therapy``, ``documentation``: age and vital status; the
  diagnoses; who prescribes and who was consulted; TKIs, protocol enrollment, heart radiation; the
  clinician's answers and the evidence attached to them;
- ``other facts``: any fact not named above (a fact added later is never silently left out);

each part hashed (SHA-256 over its JSON with sorted keys), the parts hashed together into the digest.
A criterion's reason is not hashed (its wording is not a fact: the outcome and evidence beside it are).
Today's date enters only where the determination uses it: the approval start of an order without
``authoredOn``, and the day doses count by ("given by then"), both in the parts above.

Two readings of the same record decide the same way and have the same digest whatever hook read them and
whatever the resources' ``meta`` (a ``lastUpdated`` bumped by the EHR applying the coverage information, an
order's status moving from draft to active when it is signed): a change is a change of what the decision
reads. Old records without a stored basis are compared through the same function over their stored JSON.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

import orjson

# Bumped when the parts or what they hold change: a stored basis of another version is recomputed from
# the stored determination JSON instead of compared.
BASIS_VERSION = 2

_FACT_PARTS: dict[str, tuple[str, ...]] = {
    "coverage": ("coverage", "line_of_business", "line_of_business_reason"),
    "order": (
        "approval_start",
        "dexrazoxane_dose_mg_m2",
        "dexrazoxane_dose_mg",
        "order_purpose",
        "extravasation_course_order",
        "course_first_day",
        "extravasation_course",
    ),
    "doses": (
        "bsa_m2",
        "cumulative_doxorubicin_mg_m2",
        "cumulative_doxorubicin_known_mg_m2",
        "cumulative_doxorubicin_unknown_parts",
        "cumulative_anthracycline_mg_m2",
        "cumulative_anthracycline_known_mg_m2",
        "cumulative_anthracycline_unknown_parts",
        "planned_doxorubicin_mg_m2",
        "planned_doxorubicin_known_mg_m2",
        "planned_doxorubicin_unknown_parts",
        "planned_anthracycline_mg_m2",
        "planned_anthracycline_known_mg_m2",
        "planned_anthracycline_unknown_parts",
        "dose_lines",
        "doxorubicin_dose_mg_m2",
        "dose_ratio",
        "last_planned_doxorubicin_date",
        "concurrent_doxorubicin",
        "prior_dexrazoxane_cardioprotection",
        "set_aside",
    ),
    "patient": ("age_years", "deceased"),
    "diagnoses": (
        "metastatic_breast_cancer",
        "acute_lymphoblastic_leukemia",
        "ph_positive",
        "relapsed_or_refractory",
        "aggressive_mature_b_cell_lymphoma",
        "hodgkin_lymphoma",
        "wilms_tumor",
        "neuroblastoma",
        "soft_tissue_sarcoma",
        "anthracycline_extravasation",
    ),
    "prescriber": (
        "prescriber_onc_or_hem",
        "prescriber_oncologist",
        "consult_onc_or_hem",
        "consult_oncologist",
    ),
    "therapy": ("dasatinib_or_imatinib", "dfci_all_protocol", "cog_aall1331", "heart_radiation"),
    "documentation": ("documented", "submitted_evidence"),
}
# Facts written only when they apply, hashed in their part only then: a determination without them keeps the
# digest it always had (the upper end of a planned total whose order's timing gives a range).
_FACT_PARTS_WHEN_PRESENT: dict[str, tuple[str, ...]] = {
    "doses": ("planned_doxorubicin_up_to_mg_m2", "planned_anthracycline_up_to_mg_m2"),
    # a cancer disease status read for II.A.3 (clinical.disease_status), written only when one was
    "therapy": ("responding_to_therapy",),
}
_NAMED_FACTS = frozenset(
    name for parts in (_FACT_PARTS, _FACT_PARTS_WHEN_PRESENT) for names in parts.values() for name in names
)
OTHER_FACTS = "other facts"

# How a part is named on a card when it changed.
PART_WORDS: dict[str, str] = {
    "decision": "the decision",
    "criteria": "the records the criteria rest on",
    "coverage": "the coverage",
    "order": "the order",
    "doses": "the doses given or planned",
    "patient": "the patient's age",
    "diagnoses": "the diagnoses",
    "prescriber": "the prescriber or consultation",
    "therapy": "other therapy, protocol enrollment or radiation",
    "documentation": "the documentation answered",
    OTHER_FACTS: "other facts read from the record",
}


@dataclass(frozen=True)
class Basis:
    digest: str
    parts: dict[str, str]  # part name -> its digest

    def as_json(self) -> dict[str, Any]:
        return {"version": BASIS_VERSION, "digest": self.digest, "parts": dict(self.parts)}


def _hash(value: Any) -> str:
    return hashlib.sha256(orjson.dumps(value, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _criteria(document: Mapping[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    stack = [document.get("criteria"), *(document.get("related") or [])]
    while stack:
        node = stack.pop()
        if not isinstance(node, dict):
            continue
        found[str(node.get("id"))] = [node.get("outcome"), sorted(map(str, node.get("evidence") or []))]
        stack.extend(node.get("children") or [])
    return found


def parts_of(document: Mapping[str, Any]) -> dict[str, Any]:
    """The parts of a determination's JSON that decide it, by name (their values, unhashed)."""
    facts = document.get("facts") if isinstance(document.get("facts"), dict) else {}
    assert isinstance(facts, dict)
    parts: dict[str, Any] = {
        "decision": {
            "decision": document.get("decision"),
            "pathway": document.get("pathway"),
            "approval": document.get("approval"),
            "documentation": sorted(
                str(d.get("criterion")) for d in document.get("documentation") or [] if isinstance(d, dict)
            ),
            "off_label_policies": sorted(document.get("off_label_policies") or []),
            "evidence_under_review": sorted(document.get("evidence_under_review") or []),
            "if_policy_applies": document.get("if_policy_applies"),
        },
        "criteria": _criteria(document),
    }
    for part, names in _FACT_PARTS.items():
        parts[part] = {name: facts.get(name) for name in names}
    for part, names in _FACT_PARTS_WHEN_PRESENT.items():
        parts[part].update({name: facts[name] for name in names if name in facts})
    parts[OTHER_FACTS] = {name: value for name, value in facts.items() if name not in _NAMED_FACTS}
    return parts


def basis_of(document: Mapping[str, Any]) -> Basis:
    """The basis of a determination, from its determination JSON (``policy.render.determination_to_json``)."""
    hashed = {name: _hash(value) for name, value in parts_of(document).items()}
    return Basis(_hash(hashed), hashed)


def stored_basis(stored: Mapping[str, Any] | None, document: Callable[[], Mapping[str, Any]]) -> Basis:
    """A basis as stored with a determination, or computed from its stored JSON (``document()``, read only
    then) when none was stored (a row older than the basis) or one of another ``BASIS_VERSION``."""
    if (
        isinstance(stored, Mapping)
        and stored.get("version") == BASIS_VERSION
        and isinstance(stored.get("digest"), str)
        and isinstance(stored.get("parts"), Mapping)
    ):
        return Basis(str(stored["digest"]), {str(k): str(v) for k, v in stored["parts"].items()})
    return basis_of(document())


class Standing(StrEnum):
    """How a determination made at order-dispatch stands against the one on record for its order."""

    UNCHANGED = "unchanged"  # nothing that decides it changed: the assertion on record stands
    CHANGED = "changed"  # decided again: something that decides it changed
    NEW = "new"  # no determination on record for the order (never signed here, or past retention)
    UNKNOWN = "unknown"  # the record could not be read: decided now, not compared


@dataclass(frozen=True)
class Revision:
    standing: Standing
    recorded_on: date | None = None  # when the determination on record was made
    previous_decision: str | None = None
    changes: tuple[str, ...] = ()  # what changed, in plain words


# At most this many changes are named on a card; the rest are counted.
MAX_CHANGES_NAMED = 6


def _shown(value: Any) -> str:
    if value is None:
        return "unknown"
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return f"{len(value)} entries"
    if isinstance(value, dict):
        return f"{len(value)} answers" if value else "none"
    return str(value)


def _field_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> Iterator[str]:
    """Field by field, in the order the part lists them (the totals before their parts); a total's known
    part is not repeated beside the total itself."""
    names = list(dict.fromkeys([*after, *before]))
    for name in names:
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        total = name.replace("_known_mg_m2", "_mg_m2")
        if total != name and before.get(total) != after.get(total):
            continue
        words = name.replace("_mg_m2", " (mg/m²)").replace("_", " ")
        if isinstance(old, list) or isinstance(new, list):
            olds, news = old if isinstance(old, list) else [], new if isinstance(new, list) else []
            if len(olds) == len(news):
                yield f"{words}: changed"
            else:
                yield f"{words}: {len(olds)} → {len(news)}"
        else:
            yield f"{words}: {_shown(old)} → {_shown(new)}"


def changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[str, ...]:
    """What differs between two determinations' JSON, in plain words, part by part (the decision
    first); at most ``MAX_CHANGES_NAMED`` named."""
    old_parts, new_parts = parts_of(before), parts_of(after)
    found: list[str] = []
    old_decision, new_decision = old_parts["decision"], new_parts["decision"]
    if (old_decision["decision"], old_decision["pathway"]) != (
        new_decision["decision"],
        new_decision["pathway"],
    ):
        found.append(
            f"decision: {old_decision['decision']} ({old_decision['pathway'] or 'no pathway'}) → "
            f"{new_decision['decision']} ({new_decision['pathway'] or 'no pathway'})"
        )
    for part in PART_WORDS:
        if part in ("decision", "criteria") or _hash(old_parts[part]) == _hash(new_parts[part]):
            continue
        details = list(_field_changes(old_parts[part], new_parts[part]))
        found.append(f"{PART_WORDS[part]} ({'; '.join(details[:3])}{'; …' if len(details) > 3 else ''})")
    old_criteria, new_criteria = old_parts["criteria"], new_parts["criteria"]
    moved = sorted(
        c for c in set(old_criteria) | set(new_criteria) if old_criteria.get(c) != new_criteria.get(c)
    )
    if moved:
        shown = ", ".join(moved[:5]) + (", …" if len(moved) > 5 else "")
        found.append(f"{PART_WORDS['criteria']} ({shown})")
    if len(found) > MAX_CHANGES_NAMED:
        found = [*found[:MAX_CHANGES_NAMED], f"and {len(found) - MAX_CHANGES_NAMED} more"]
    return tuple(found)

"""Writes the fifteenth set of "Not plausible is not a fact" and "Not read is not absent" cases, for the
consultation and what a referral names (docs/facts.md "A consultation performed by someone the record shows
is not of its specialty", "A service names no diagnosis"): a referral to medical oncology performed by the
prescribing internist, by a cardiologist, by its own requester, by the patient, or by someone whose
specialty is not read; a referral to medical oncology and a chemotherapy procedure, which name no cancer.
`2.2-not-plausible-<decision>-<what>.json` and `2.2-not-read-<decision>-<what>.json` plus `.expect.json`,
each worked by hand from the rule and the policy.

Run from the repository root after `make_cases.py` (which keeps `2.2-*` files):
`.venv/bin/python fhir_fixtures/policy/make_not_plausible_cases_15.py`. Each case is a `make_cases.Case`
then an edit of the request JSON (`tweak`). Resources beyond make_cases': a ServiceRequest's ``performer``
(a Practitioner or PractitionerRole contained in it, the prescriber, the Patient) and ``requester``;
SNOMED CT 306241006 "Referral to medical oncology service" and 367336001 "Chemotherapy" (procedures, not
diagnoses); NUCC 207RC0000X Cardiovascular Disease (a specialty other than oncology).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from make_cases import EXTRAVASATION, NUCC, PATIENT, SNOMED, START, Case, days, expect, given, subject
from make_not_plausible_cases_3 import _append
from make_record_cases import RecordCase, resources, write_record_cases

Json = dict[str, Any]
M, N, U = "met", "not_met", "unknown"
LAST_DOX = "2027-01-30"
INTERNIST = {"specialty": "internal medicine", "oncology_referral": True}
# An adult with metastatic breast cancer given 240 mg/m2 (I.A.3.a not met), prescribed by an oncologist:
# denied, no qualifying diagnosis of I.A.3.b
BREAST_240 = {"administered": [given("doxorubicin", 4, 60)]}
BREAST_240_DENIED = {
    "criteria": {"I.A.3.a": N, "I.A.3.b.v": N, "I.A.3.b.vi": N},
    "off_label_policies": ["CP.CPA.09"],
}


def performed_by(performer: Json, *contained: Json, requester: Json | None = None) -> Callable[[Json], None]:
    """The referral to medical oncology (performerType NUCC 207RX0202X) names ``performer``."""

    def tweak(body: Json) -> None:
        (referral,) = resources(body, "serviceRequests")
        referral["performer"] = [performer]
        if contained:
            referral["contained"] = list(contained)
        if requester is not None:
            referral["requester"] = requester

    return tweak


def cardiologist() -> Json:
    return {
        "resourceType": "PractitionerRole",
        "id": "cardiology",
        "active": True,
        "specialty": [
            {"coding": [{"system": NUCC, "code": "207RC0000X", "display": "Cardiovascular Disease"}]}
        ],
    }


def colleague() -> Json:
    return {"resourceType": "Practitioner", "id": "colleague", "name": [{"family": "Adeyemi"}]}


def a_service(kind: str, code: Json, **more: Any) -> Callable[[Json], None]:
    """A ServiceRequest or a Procedure whose own code names what was asked or done."""

    def tweak(body: Json) -> None:
        record: Json = {
            "resourceType": kind,
            "id": "oncology-service",
            "status": "completed",
            "subject": subject(),
            "code": code,
            **more,
        }
        if kind == "ServiceRequest":
            record |= {"intent": "order", "authoredOn": days(-30).isoformat()}
        else:
            record["performedDateTime"] = days(-30).isoformat()
        _append(body, "serviceRequests" if kind == "ServiceRequest" else "procedures", record)

    return tweak


def both(*tweaks: Callable[[Json], None]) -> Callable[[Json], None]:
    def tweak(body: Json) -> None:
        for each in tweaks:
            each(body)

    return tweak


REFERRAL_TO_ONCOLOGY = {
    "coding": [{"system": SNOMED, "code": "306241006", "display": "Referral to medical oncology service"}]
}


def cases() -> list[RecordCase]:
    return [
        # The internist who prescribes is the performer of the referral "to medical oncology": the record
        # contradicts itself and names no oncologist (approved before on the performerType)
        RecordCase(
            Case(
                "2.2-not-plausible-pend-oncology-referral-performed-by-the-prescribing-internist",
                expect(
                    "pend",
                    criteria={"I.A.2": U},
                    documentation=["I.A.2"],
                    reasons={"I.A.2": ["Practitioner/prescriber, the prescriber", "contradicts itself"]},
                ),
                **INTERNIST,
            ),
            performed_by({"reference": "Practitioner/prescriber"}),
        ),
        # The same on the extravasation pathway (I.B.2, a consultation with an oncologist)
        RecordCase(
            Case(
                "2.2-not-plausible-pend-extravasation-oncology-referral-performed-by-the-prescriber",
                expect("pend", "I.B", criteria={"I.B.2": U}, documentation=["I.B.2"]),
                **{**EXTRAVASATION, **INTERNIST},
            ),
            performed_by({"reference": "Practitioner/prescriber"}),
        ),
        # Performed by a cardiologist: someone whose specialty is read as another (approved before)
        RecordCase(
            Case(
                "2.2-not-plausible-pend-oncology-referral-performed-by-a-cardiologist",
                expect(
                    "pend",
                    criteria={"I.A.2": U},
                    documentation=["I.A.2"],
                    reasons={"I.A.2": ["207RC0000X", "contradicts itself"]},
                ),
                **INTERNIST,
            ),
            performed_by({"reference": "#cardiology"}, cardiologist()),
        ),
        # A referral to its own requester, whose specialty is not read: a consultation is with someone else
        # (approved before)
        RecordCase(
            Case(
                "2.2-not-plausible-pend-oncology-referral-to-its-own-requester",
                expect(
                    "pend",
                    criteria={"I.A.2": U},
                    documentation=["I.A.2"],
                    reasons={"I.A.2": ["the referral's own requester"]},
                ),
                **INTERNIST,
            ),
            performed_by({"reference": "#colleague"}, colleague(), requester={"reference": "#colleague"}),
        ),
        # The patient named as the performer: no clinician (approved before)
        RecordCase(
            Case(
                "2.2-not-plausible-pend-oncology-referral-performed-by-the-patient",
                expect(
                    "pend",
                    criteria={"I.A.2": U},
                    documentation=["I.A.2"],
                    reasons={"I.A.2": ["no clinician"]},
                ),
                **INTERNIST,
            ),
            performed_by({"reference": f"Patient/{PATIENT}"}),
        ),
        # A colleague whose specialty is not read: nothing shows the performer is not an oncologist, the
        # performerType reads as before (approve)
        RecordCase(
            Case(
                "2.2-not-read-approve-oncology-referral-performed-by-a-colleague-whose-specialty-is-not-read",
                expect("approve", criteria={"I.A.2": M}, approval=(START, LAST_DOX)),
                **INTERNIST,
            ),
            performed_by({"reference": "#colleague"}, colleague()),
        ),
        # An adult with breast cancer and 240 mg/m2, referred to medical oncology: the referral names a
        # service, no cancer (pended before: "it could be neuroblastoma")
        RecordCase(
            Case(
                "2.2-not-read-deny-a-referral-to-medical-oncology-names-no-cancer",
                expect("deny", **BREAST_240_DENIED),
                **BREAST_240,
            ),
            a_service("ServiceRequest", REFERRAL_TO_ONCOLOGY),
        ),
        # The same referral by its code alone, and a chemotherapy procedure by its code alone: what was asked
        # or done names no diagnosis (pended before: a code not read with no words could be any cancer)
        RecordCase(
            Case(
                "2.2-not-read-deny-a-referral-and-a-procedure-coded-without-words-name-no-cancer",
                expect("deny", **BREAST_240_DENIED),
                **BREAST_240,
            ),
            both(
                a_service("ServiceRequest", {"coding": [{"system": SNOMED, "code": "306241006"}]}),
                a_service("Procedure", {"coding": [{"system": SNOMED, "code": "367336001"}]}),
            ),
        ),
        # A referral whose own words name a sarcoma: a service that names a cancer still bears on it (pend)
        RecordCase(
            Case(
                "2.2-not-read-pend-a-referral-whose-own-words-name-a-sarcoma",
                expect(
                    "pend",
                    criteria={"I.A.3.a": N, "I.A.3.b.vi": U},
                    reasons={"I.A.3.b.vi": ["ServiceRequest/oncology-service"]},
                ),
                **BREAST_240,
            ),
            a_service(
                "ServiceRequest",
                {**REFERRAL_TO_ONCOLOGY, "text": "Referral to sarcoma clinic for leiomyosarcoma of thigh"},
            ),
        ),
    ]


def main() -> None:
    write_record_cases(
        cases(), "2.2-", "cases of consultations and services not plausible or not read (fifteenth set)"
    )


if __name__ == "__main__":
    main()

from __future__ import annotations

from datetime import date
from typing import Any

from cds_service.clinical.codes import NUCC, SNOMED
from cds_service.clinical.facts import Fact
from cds_service.clinical.plausibility import Plausibility
from cds_service.clinical.prescriber import consultation_facts, prescriber_facts
from cds_service.fhir.pool import Resource
from tests.clinical.builders import DEXRAZOXANE, medication_request, patient, pool_of


def role(rid: str, practitioner: str, system: str, code: str) -> Resource:
    return {
        "resourceType": "PractitionerRole",
        "id": rid,
        "practitioner": {"reference": practitioner},
        "specialty": [{"coding": [{"system": system, "code": code}]}],
    }


def order(**extra: Any) -> Resource:
    return medication_request("dex", DEXRAZOXANE, (500, "mg/m2"), **extra)


PRACTITIONER = {"resourceType": "Practitioner", "id": "doc"}


def test_requester_practitioner_read_through_its_roles() -> None:
    dex = order(requester={"reference": "Practitioner/doc"})
    pool = pool_of(PRACTITIONER, role("r", "Practitioner/doc", NUCC, "207RX0202X"), dex)
    onc_or_hem, oncologist = prescriber_facts(dex, pool)
    assert (onc_or_hem.value, oncologist.value) == (True, True)
    assert "PractitionerRole/r" in oncologist.evidence


def test_hematologist_is_onc_or_hem_but_not_oncologist() -> None:
    dex = order(requester={"reference": "PractitionerRole/r"})
    pool = pool_of(PRACTITIONER, role("r", "Practitioner/doc", NUCC, "207RH0000X"), dex)
    onc_or_hem, oncologist = prescriber_facts(dex, pool)
    assert (onc_or_hem.value, oncologist.value) == (True, False)


def test_signing_user_when_the_order_names_no_requester() -> None:
    dex = order()
    pool = pool_of(
        PRACTITIONER, role("r", "Practitioner/doc", SNOMED, "310512001"), dex, user="Practitioner/doc"
    )
    assert prescriber_facts(dex, pool)[1].value is True


def test_qualification_code_and_no_specialty_recorded() -> None:
    qualified = {
        "resourceType": "Practitioner",
        "id": "doc",
        "qualification": [{"code": {"coding": [{"system": NUCC, "code": "2080P0207X"}]}}],
    }
    dex = order(requester={"reference": "Practitioner/doc"})
    assert prescriber_facts(dex, pool_of(qualified, dex))[1].value is True
    degree_only = {
        "resourceType": "Practitioner",
        "id": "doc",
        "qualification": [
            {"code": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0360", "code": "MD"}]}}
        ],
    }
    assert prescriber_facts(dex, pool_of(degree_only, dex))[0].value is None
    assert prescriber_facts(dex, pool_of(dex))[0].value is None


def test_other_specialty_is_not_an_oncologist() -> None:
    dex = order(requester={"reference": "Practitioner/doc"})
    pool = pool_of(PRACTITIONER, role("r", "Practitioner/doc", NUCC, "207R00000X"), dex)
    assert prescriber_facts(dex, pool)[0].value is False


def test_referral_to_oncology_by_performer_type_or_performer() -> None:
    by_type = {
        "resourceType": "ServiceRequest",
        "id": "ref",
        "status": "completed",
        "performerType": {"coding": [{"system": NUCC, "code": "207RX0202X"}]},
    }
    consult_onc_or_hem, consult_oncologist = consultation_facts(pool_of(by_type))
    assert (consult_onc_or_hem.value, consult_oncologist.value) == (True, True)
    by_performer = {
        "resourceType": "ServiceRequest",
        "id": "ref",
        "status": "active",
        "performer": [{"reference": "PractitionerRole/hem"}],
    }
    pool = pool_of(by_performer, role("hem", "Practitioner/x", NUCC, "207RH0000X"))
    assert [f.value for f in consultation_facts(pool)] == [True, None]
    revoked = dict(by_type, status="revoked")
    assert [f.value for f in consultation_facts(pool_of(revoked))] == [None, None]


def test_an_inactive_or_expired_role_grants_no_specialty() -> None:
    """The order is authored 2026-10-05: a role with active false, or a period that ended before it or
    starts after it, is not the prescriber's specialty on that date (unknown, not 'not an oncologist')."""
    dex = order(requester={"reference": "Practitioner/doc"})
    for change in (
        {"active": False},
        {"period": {"start": "2019-07-01", "end": "2026-06-30"}},
        {"period": {"start": "2026-11-01"}},
    ):
        stale = {**role("r", "Practitioner/doc", NUCC, "207RX0202X"), **change}
        onc_or_hem, oncologist = prescriber_facts(dex, pool_of(PRACTITIONER, stale, dex))
        assert (onc_or_hem.value, oncologist.value) == (None, None), change
        assert "PractitionerRole/r" not in oncologist.evidence
    current = {
        **role("r", "Practitioner/doc", NUCC, "207RX0202X"),
        "active": True,
        "period": {"start": "2019-07-01", "end": "2026-10-05"},
    }
    assert prescriber_facts(dex, pool_of(PRACTITIONER, current, dex))[1].value is True
    # the requester itself an expired role: its specialty does not count either
    by_role = order(requester={"reference": "PractitionerRole/r"})
    expired = {**role("r", "Practitioner/doc", NUCC, "207RX0202X"), "period": {"end": "2025-12-31"}}
    assert prescriber_facts(by_role, pool_of(PRACTITIONER, expired, by_role))[1].value is None
    # an expired oncology role beside a current internal-medicine one: not an oncologist
    internist = role("im", "Practitioner/doc", NUCC, "207R00000X")
    pool = pool_of(PRACTITIONER, internist, {**expired, "id": "old"}, dex)
    assert prescriber_facts(dex, pool)[1].value is False


def test_a_prohibited_or_merely_proposed_referral_is_no_consultation() -> None:
    referral = {
        "resourceType": "ServiceRequest",
        "id": "ref",
        "status": "active",
        "performerType": {"coding": [{"system": NUCC, "code": "207RX0202X"}]},
    }
    for change in ({"doNotPerform": True}, {"intent": "proposal"}):
        assert [f.value for f in consultation_facts(pool_of({**referral, **change}))] == [None, None], change


def test_a_consultation_is_about_this_therapy() -> None:
    """docs/facts.md "Record integrity": a referral counts when authored within the 12 months before the order
    or its period covers the order date; an older (or undated) one is named but leaves the consultation
    unknown."""
    on = date(2026, 10, 5)
    base = {
        "resourceType": "ServiceRequest",
        "id": "ref",
        "status": "completed",
        "performerType": {"coding": [{"system": NUCC, "code": "207RX0202X"}]},
    }

    def consult(**dates: Any) -> Fact[bool]:
        return consultation_facts(pool_of({**base, **dates}), on)[0]

    assert consult(authoredOn="2025-10-05").value is True  # 12 months to the day
    old = consult(authoredOn="2023-01-05")
    assert (old.value, old.evidence) == (None, ("ServiceRequest/ref",))
    assert old.reason.startswith("referral authored 2023-01-05, more than 12 months before the order")
    assert consult(authoredOn="2025-10-04").value is None
    covering = {"start": "2023-01-05", "end": "2027-01-05"}
    assert consult(authoredOn="2023-01-05", occurrencePeriod=covering).value is True
    assert consult(occurrencePeriod={"start": "2026-09-01"}).value is True  # open-ended period
    ended = consult(occurrencePeriod={"start": "2024-01-01", "end": "2024-06-30"})
    assert ended.value is None and "ended 2024-06-30" in ended.reason
    assert consult(occurrenceDateTime="2026-06-01").value is True  # only the consultation's own date
    assert consult(occurrenceDateTime="2024-06-01").value is None
    undated = consult()
    assert undated.value is None and "no date" in undated.reason
    # DSTU2 ReferralRequest: dateSent, fulfillmentTime
    dstu2 = {**base, "resourceType": "ReferralRequest", "dateSent": "2026-09-20"}
    assert consultation_facts(pool_of(dstu2), on)[0].value is True
    # a recent referral beside an old one counts
    recent = {**base, "id": "new", "authoredOn": "2026-09-01"}
    both = consultation_facts(pool_of({**base, "authoredOn": "2020-01-01"}, recent), on)[0]
    assert (both.value, both.evidence) == (True, ("ServiceRequest/new",))


def test_a_stu3_referral_names_its_recipient() -> None:
    referral = {
        "resourceType": "ReferralRequest",
        "id": "ref",
        "status": "active",
        "authoredOn": "2026-09-01",
        "recipient": [{"reference": "PractitionerRole/onc"}],
    }
    pool = pool_of(referral, role("onc", "Practitioner/x", NUCC, "207RX0202X"))
    assert [f.value for f in consultation_facts(pool, date(2026, 10, 5))] == [True, True]


def test_a_qualification_out_of_its_period_grants_no_specialty() -> None:
    lapsed = {
        "resourceType": "Practitioner",
        "id": "doc",
        "qualification": [
            {
                "code": {"coding": [{"system": NUCC, "code": "207RX0202X"}]},
                "period": {"start": "2010-07-01", "end": "2020-06-30"},
            }
        ],
    }
    dex = order(requester={"reference": "Practitioner/doc"})
    assert prescriber_facts(dex, pool_of(lapsed, dex), on=date(2026, 11, 28))[1].value is None
    assert prescriber_facts(dex, pool_of(lapsed, dex), on=date(2019, 11, 28))[1].value is True


def test_a_referral_dated_after_the_order_or_before_the_birth_is_no_consultation_for_it() -> None:
    """Not plausible is not a fact: a referral authored ten days after the order (or before the patient
    was born) cannot be the consultation the order was prescribed in; I.A.2 is unknown, its date named,
    never met. One authored the day of the order counts."""
    on = date(2026, 12, 6)
    for authored, said in (
        ("2026-12-16", "after the order of 2026-12-06"),
        ("1960-01-01", "before the birth"),
    ):
        referral = {
            "resourceType": "ServiceRequest",
            "id": "ref",
            "status": "active",
            "intent": "order",
            "authoredOn": authored,
            "performerType": {"coding": [{"system": NUCC, "code": "207RX0202X"}]},
        }
        pool = pool_of(patient("1965-03-01"), referral)
        fact = consultation_facts(pool, on, Plausibility.of(pool))[0]
        assert fact.value is None and said in fact.reason, authored
    same_day = {**referral, "authoredOn": "2026-12-06"}
    assert consultation_facts(pool_of(same_day), on)[0].value is True


def _referral(performer: str, **extra: Any) -> Resource:
    return {
        "resourceType": "ServiceRequest",
        "id": "ref",
        "status": "completed",
        "authoredOn": "2026-09-01",
        "performerType": {"coding": [{"system": NUCC, "code": "207RX0202X", "display": "Medical Oncology"}]},
        "performer": [{"reference": performer}],
        **extra,
    }


INTERNIST = role("im", "Practitioner/doc", NUCC, "207R00000X")


def test_a_referral_performed_by_the_prescribing_internist_is_no_oncology_consultation() -> None:
    """Its performerType says medical oncology, its performer is the prescriber, an internist: the record
    contradicts itself and names no oncologist, so the consultation is unknown, both named."""
    dex = order(requester={"reference": "Practitioner/doc"})
    pool = pool_of(PRACTITIONER, INTERNIST, _referral("Practitioner/doc"), dex)
    prescriber = pool.resolve({"reference": "Practitioner/doc"})
    for fact in consultation_facts(pool, date(2026, 10, 5), prescriber=prescriber):
        assert fact.value is None
        assert "ServiceRequest/ref" in fact.evidence
        assert "Practitioner/doc, the prescriber" in fact.reason
        assert "207R00000X" in fact.reason and "207RX0202X" in fact.reason
    # the prescriber's specialty not read: a consultation with the prescriber is still no consultation
    bare = pool_of(PRACTITIONER, _referral("Practitioner/doc"), dex)
    prescriber = bare.resolve({"reference": "Practitioner/doc"})
    assert [f.value for f in consultation_facts(bare, date(2026, 10, 5), prescriber=prescriber)] == [
        None,
        None,
    ]


def test_a_performer_read_as_another_specialty_or_no_clinician_contradicts_the_performer_type() -> None:
    cardiologist = role("card", "Practitioner/other", NUCC, "207RC0000X")
    pool = pool_of(cardiologist, _referral("PractitionerRole/card"))
    facts = consultation_facts(pool, date(2026, 10, 5))
    assert [f.value for f in facts] == [None, None]
    assert "207RC0000X" in facts[0].reason
    for kind in ("Patient", "RelatedPerson"):
        who = {"resourceType": kind, "id": "someone"}
        facts = consultation_facts(pool_of(who, _referral(f"{kind}/someone")), date(2026, 10, 5))
        assert [f.value for f in facts] == [None, None], kind
        assert "no clinician" in facts[0].reason
    # a hematologist performing a referral to medical oncology: a hematology consultation, no oncology one
    hematologist = role("hem", "Practitioner/other", NUCC, "207RH0000X")
    facts = consultation_facts(pool_of(hematologist, _referral("PractitionerRole/hem")), date(2026, 10, 5))
    assert [f.value for f in facts] == [True, None]


def test_a_referral_to_its_own_requester_is_no_consultation_by_its_performer_type() -> None:
    pool = pool_of(
        {"resourceType": "Practitioner", "id": "x"},
        _referral("Practitioner/x", requester={"reference": "Practitioner/x"}),
    )
    facts = consultation_facts(pool, date(2026, 10, 5))
    assert [f.value for f in facts] == [None, None]
    assert "the referral's own requester" in facts[0].reason


def test_a_performer_whose_specialty_is_not_read_keeps_the_performer_type() -> None:
    """Nothing shows the performer is not an oncologist: the performerType reads as before; a performer
    read as an oncologist meets it whoever else the referral names."""
    unread = pool_of({"resourceType": "Practitioner", "id": "x"}, _referral("Practitioner/x"))
    assert [f.value for f in consultation_facts(unread, date(2026, 10, 5))] == [True, True]
    organization = pool_of({"resourceType": "Organization", "id": "o"}, _referral("Organization/o"))
    assert [f.value for f in consultation_facts(organization, date(2026, 10, 5))] == [True, True]
    oncologist = role("onc", "Practitioner/y", NUCC, "207RX0202X")
    both = _referral("PractitionerRole/onc")
    both["performer"].append({"reference": "PractitionerRole/im"})
    pool = pool_of(oncologist, INTERNIST, both)
    assert [f.value for f in consultation_facts(pool, date(2026, 10, 5))] == [True, True]


def test_a_performers_specialty_in_words_alone_is_read_by_its_words() -> None:
    """A specialty recorded with no code read, in words naming another specialty, shows the performer is
    not of the referral's (as its code would: information lost never meets the consultation); words naming
    oncology show nothing against it."""

    def in_words(text: str) -> Resource:
        return {
            "resourceType": "PractitionerRole",
            "id": "by-words",
            "practitioner": {"reference": "Practitioner/other"},
            "specialty": [{"text": text}],
        }

    cardiology = pool_of(in_words("Cardiovascular disease"), _referral("PractitionerRole/by-words"))
    facts = consultation_facts(cardiology, date(2026, 10, 5))
    assert [f.value for f in facts] == [None, None]
    assert "recorded as 'cardiovascular disease'" in facts[0].reason
    oncology = pool_of(in_words("Medical oncology"), _referral("PractitionerRole/by-words"))
    assert [f.value for f in consultation_facts(oncology, date(2026, 10, 5))] == [True, True]
    hematology = pool_of(in_words("Hematology"), _referral("PractitionerRole/by-words"))
    assert [f.value for f in consultation_facts(hematology, date(2026, 10, 5))] == [True, None]

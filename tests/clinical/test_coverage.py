from __future__ import annotations

from datetime import date

from cds_service.clinical.coverage import line_of_business
from cds_service.fhir.pool import Resource
from tests.clinical.builders import DEXRAZOXANE, medication_request, pool_of

ORDER = medication_request("dex", DEXRAZOXANE, (500, "mg/m2"))


def coverage(rid: str, sopt: str | None, *, status: str = "active", plan: str | None = None) -> Resource:
    resource: Resource = {
        "resourceType": "Coverage",
        "id": rid,
        "status": status,
        "payor": [{"reference": "Organization/payer"}],
    }
    if sopt:
        resource["type"] = {"coding": [{"system": "https://nahdo.org/sopt", "code": sopt}]}
    if plan:
        resource["class"] = [{"type": {"coding": [{"code": "plan"}]}, "value": plan}]
    return resource


PAYER = {"resourceType": "Organization", "id": "payer", "identifier": [{"value": "PAYER-42"}]}


def test_sopt_first_digit() -> None:
    for code, expected in (("1", "medicare"), ("21", "medicaid"), ("51", "commercial"), ("6", "commercial")):
        lob, used = line_of_business(pool_of(coverage("c", code), ORDER), ORDER, {})
        assert (lob.value, used.value) == (expected, "Coverage/c")
    assert line_of_business(pool_of(coverage("c", "9"), ORDER), ORDER, {})[0].value is None


def test_the_configured_map_wins_plan_before_payer() -> None:
    pool = pool_of(PAYER, coverage("c", "51", plan="HIM-SILVER"), ORDER)
    assert line_of_business(pool, ORDER, {"HIM-SILVER": "marketplace"})[0].value == "marketplace"
    assert line_of_business(pool, ORDER, {"PAYER-42": "Medicaid"})[0].value == "medicaid"
    assert line_of_business(pool, ORDER, {"PAYER-42": "not a line"})[0].value == "commercial"


def test_only_active_coverage_and_the_orders_insurance_first() -> None:
    cancelled = coverage("old", "1", status="cancelled")
    assert line_of_business(pool_of(cancelled, ORDER), ORDER, {})[1].value is None
    named = medication_request(
        "dex", DEXRAZOXANE, (500, "mg/m2"), insurance=[{"reference": "Coverage/second"}]
    )
    pool = pool_of(coverage("first", "1"), coverage("second", "21"), named)
    assert line_of_business(pool, named, {})[0].value == "medicaid"


def test_the_policys_spelling_him_ichra_maps_to_marketplace() -> None:
    pool = pool_of(PAYER, coverage("c", "51", plan="SILVER-1"), ORDER)
    for spelling in ("HIM", "ichra", "HIM/ICHRA"):
        assert line_of_business(pool, ORDER, {"SILVER-1": spelling})[0].value == "marketplace", spelling


def test_the_coverage_in_force_first_in_order_of_benefits_is_used() -> None:
    """An expired Medicaid plan left 'active' is not the member's coverage today; a dual-eligible member
    with Medicare first is a Medicare member (outside the policy)."""
    expired = {**coverage("old", "21"), "period": {"start": "2020-01-01", "end": "2023-12-31"}}
    current = {**coverage("now", "51"), "period": {"start": "2024-01-01"}}
    lob, used = line_of_business(pool_of(expired, current, ORDER), ORDER, {}, date(2026, 11, 28))
    assert (lob.value, used.value) == ("commercial", "Coverage/now")
    medicaid = {**coverage("mcd", "21"), "order": 2}
    medicare = {**coverage("mcr", "1"), "order": 1}
    assert line_of_business(pool_of(medicaid, medicare, ORDER), ORDER, {})[0].value == "medicare"


def test_tricare_va_corrections_and_self_pay_are_named_not_unknown() -> None:
    for code, expected in (
        ("311", "other-government"),
        ("32", "other-government"),
        ("4", "other-government"),
        ("81", "self-pay"),
    ):
        assert line_of_business(pool_of(coverage("c", code), ORDER), ORDER, {})[0].value == expected


def test_coverages_that_do_not_say_their_order_are_chosen_alike_whatever_the_bundle_order() -> None:
    """Commercial and Medicare, neither saying which is primary: the line of business is unknown (the
    policy applies, naming every off-label policy), whatever order the Bundle lists them in."""
    commercial, medicare = coverage("a-commercial", "51"), coverage("b-medicare", "1")
    for listed in ((commercial, medicare), (medicare, commercial)):
        lob, used = line_of_business(pool_of(*listed, ORDER), ORDER, {})
        assert (lob.value, used.value) == (None, "Coverage/a-commercial")


def test_a_medicare_plan_that_says_it_is_secondary_does_not_outrank_an_unordered_commercial_plan() -> None:
    secondary_medicare = {**coverage("mcr", "1"), "order": 2}
    lob, _ = line_of_business(pool_of(coverage("com", "51"), secondary_medicare, ORDER), ORDER, {})
    assert lob.value == "commercial"


def test_state_chip_is_medicaid() -> None:
    assert line_of_business(pool_of(coverage("c", "361"), ORDER), ORDER, {})[0].value == "medicaid"


def test_two_unordered_coverages_both_outside_the_policy_stay_outside() -> None:
    lob, _ = line_of_business(pool_of(coverage("a", "1"), coverage("b", "311"), ORDER), ORDER, {})
    assert lob.value in ("medicare", "other-government")


def test_self_pay_beside_a_plan_is_no_competing_payer() -> None:
    lob, used = line_of_business(pool_of(coverage("a", "81"), coverage("b", "51"), ORDER), ORDER, {})
    assert (lob.value, used.value) == ("commercial", "Coverage/b")


def texted(rid: str = "c", **changes: object) -> Resource:
    """A Coverage whose type carries no SOPT code: only its own text can say the line of business."""
    return {**coverage(rid, None), "type": {"text": "Health plan"}, **changes}


def test_line_of_business_from_the_coverages_own_text_as_last_resort() -> None:
    """docs/facts.md "Record integrity": type.text, payor display and class name/value naming Medicare,
    Medicaid or a Marketplace plan decide when no mapping or SOPT code does; the reason says it was read from
    text."""
    cases = [
        (texted(type={"text": "Medicare Advantage HMO"}), "medicare"),
        (texted(payor=[{"display": "Sunshine Health Medicare Advantage PPO"}]), "medicare"),
        (texted(**{"class": [{"value": "MEDICAID"}]}), "medicaid"),
        (texted(**{"class": [{"name": "Medi-Cal Managed Care"}]}), "medicaid"),
        (texted(**{"class": [{"name": "Ambetter Silver (Health Insurance Marketplace)"}]}), "marketplace"),
        (
            texted(
                type={"coding": [{"system": "https://nahdo.org/sopt", "code": "9", "display": "MEDICAID"}]}
            ),
            "medicaid",
        ),
    ]
    for resource, expected in cases:
        lob, _used = line_of_business(pool_of(resource, ORDER), ORDER, {})
        assert lob.value == expected, resource
        assert lob.reason.startswith("line of business read from Coverage text"), lob.reason
    # the payer's own Organization name is its text too
    pool = pool_of({**PAYER, "name": "State Medicaid Agency"}, texted(), ORDER)
    assert line_of_business(pool, ORDER, {})[0].value == "medicaid"


def test_coverage_text_decides_nothing_a_code_or_the_map_already_decides() -> None:
    commercial = {**coverage("c", "51"), "payor": [{"display": "Medicare Supplement Plan F"}]}
    assert line_of_business(pool_of(commercial, ORDER), ORDER, {})[0].value == "commercial"
    mapped = {**texted(), "class": [{"value": "PLAN-7"}], "payor": [{"display": "Medicare"}]}
    assert line_of_business(pool_of(mapped, ORDER), ORDER, {"PLAN-7": "commercial"})[0].value == "commercial"


def test_text_naming_two_lines_or_none_leaves_it_unknown() -> None:
    dual = texted(type={"text": "Medicare-Medicaid Plan (MMP)"})
    lob = line_of_business(pool_of(dual, ORDER), ORDER, {})[0]
    assert lob.value is None and "more than one line of business" in lob.reason
    for text in ("Non-Medicaid commercial PPO", "Employer group PPO", "Exchanged card on file 2026"):
        assert line_of_business(pool_of(texted(type={"text": text}), ORDER), ORDER, {})[0].value is None, text


def test_dstu2_and_stu3_plan_texts_are_read_too() -> None:
    dstu2 = {
        **coverage("c", None),
        "type": {"system": "http://example.org/x", "code": "X", "display": "Medicaid HMO"},
    }
    assert line_of_business(pool_of(dstu2, ORDER), ORDER, {})[0].value == "medicaid"
    stu3 = {**texted(), "grouping": {"plan": "P-1", "planDisplay": "Medicare Advantage Gold"}}
    assert line_of_business(pool_of(stu3, ORDER), ORDER, {})[0].value == "medicare"
    issuer = {**coverage("c", None), "payor": [], "issuer": {"display": "Marketplace Silver Plan"}}
    assert line_of_business(pool_of(issuer, ORDER), ORDER, {})[0].value == "marketplace"


def _typed(coding: dict[str, str], **fields: object) -> Resource:
    return {"resourceType": "Coverage", "id": "c", "status": "active", "type": {"coding": [coding]}, **fields}


def test_self_pay_in_every_standard_code_system_is_outside_the_policy() -> None:
    """Line of business unknown never approves or denies; self-pay is not unknown: Coverage SelfPay Codes
    (canonical URI, STU3 URI, both OIDs), v3 ActCode PAY (canonical, STU3, OID), SOPT 8*."""
    for system, code in (
        ("http://terminology.hl7.org/CodeSystem/coverage-selfpay", "pay"),
        ("http://terminology.hl7.org/CodeSystem/coverage-selfpay", "payconc"),
        ("http://hl7.org/fhir/coverage-selfpay", "pay"),
        ("urn:oid:2.16.840.1.113883.4.642.1.1148", "pay"),
        ("urn:oid:2.16.840.1.113883.4.642.1.526", "pay"),
        ("http://terminology.hl7.org/CodeSystem/v3-ActCode", "PAY"),
        ("http://hl7.org/fhir/v3/ActCode", "PAY"),
        ("urn:oid:2.16.840.1.113883.5.4", "PAY"),
        ("https://nahdo.org/sopt", "81"),
    ):
        cover = _typed({"system": system, "code": code})
        lob, _ = line_of_business(pool_of(cover, ORDER), ORDER, {})
        assert lob.value == "self-pay", (system, code)
    other_act_code = _typed(
        {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "PUBLICPOL"}
    )
    assert line_of_business(pool_of(other_act_code, ORDER), ORDER, {})[0].value is None


def test_the_payer_named_centers_for_medicare_and_medicaid_services_is_medicare() -> None:
    for payer in (
        "Centers for Medicare & Medicaid Services",
        "CENTERS FOR MEDICARE AND MEDICAID SERVICES",
        "CMS",
    ):
        cover = {"resourceType": "Coverage", "id": "c", "status": "active", "payor": [{"display": payer}]}
        lob, _ = line_of_business(pool_of(cover, ORDER), ORDER, {})
        assert lob.value == "medicare", payer
        assert "read from Coverage text" in lob.reason


def test_the_coverage_type_and_plan_outweigh_the_payers_name() -> None:
    cms = [{"display": "Centers for Medicare & Medicaid Services"}]
    for text, expected in (
        ("Medicare Part B", "medicare"),
        ("Original Medicare", "medicare"),
        ("Medicare Advantage HMO", "medicare"),
        ("Medicaid managed care", "medicaid"),
    ):
        cover = {
            "resourceType": "Coverage",
            "id": "c",
            "status": "active",
            "type": {"text": text},
            "payor": cms,
        }
        assert line_of_business(pool_of(cover, ORDER), ORDER, {})[0].value == expected, text
    plan = {
        "resourceType": "Coverage",
        "id": "c",
        "status": "active",
        "class": [{"type": {"text": "plan"}, "value": "State Medicaid"}],
        "payor": [{"display": "Medicare Advantage Holdings Inc"}],
    }
    assert line_of_business(pool_of(plan, ORDER), ORDER, {})[0].value == "medicaid"


def test_a_type_code_and_a_plan_text_naming_different_lines_leave_the_line_unknown() -> None:
    """Not plausible is not a fact: SOPT 5 (private insurance) beside a plan named "Medicare Advantage"
    names two lines of business, so none (the order pends for the member's coverage)."""
    humana = {
        **coverage("c", "5"),
        "class": [{"type": {"text": "plan"}, "name": "Humana Gold Plus H5216-219 (HMO) Medicare Advantage"}],
    }
    lob, used = line_of_business(pool_of(humana, ORDER), ORDER, {})
    assert (lob.value, used.value) == (None, "Coverage/c")
    assert lob.reason == (
        "the Coverage names more than one line of business: Coverage.type SOPT 5 (commercial) but medicare "
        "(class.name 'Humana Gold Plus H5216-219 (HMO) Medicare Advantage')"
    )
    # the converse, and a type text beside the code
    medicare_code = {**coverage("c", "1"), "class": [{"name": "State Medicaid managed care"}]}
    assert line_of_business(pool_of(medicare_code, ORDER), ORDER, {})[0].value is None
    typed = {**coverage("c", "21"), "type": {**coverage("c", "21")["type"], "text": "Medicare Part B"}}
    assert line_of_business(pool_of(typed, ORDER), ORDER, {})[0].value is None


def test_texts_that_agree_with_the_code_or_only_refine_it_are_no_conflict() -> None:
    agree = {**coverage("c", "1"), "class": [{"name": "Original Medicare Part B"}]}
    assert line_of_business(pool_of(agree, ORDER), ORDER, {})[0].value == "medicare"
    # SOPT cannot tell a marketplace plan from other private insurance: the code stands
    exchange = {**coverage("c", "51"), "class": [{"name": "Ambetter Silver (Health Insurance Marketplace)"}]}
    assert line_of_business(pool_of(exchange, ORDER), ORDER, {})[0].value == "commercial"
    # the payer's name is outweighed by the type code, as by the plan text
    paid = {**coverage("c", "21"), "payor": [{"display": "Centers for Medicare & Medicaid Services"}]}
    assert line_of_business(pool_of(paid, ORDER), ORDER, {})[0].value == "medicaid"
    # two lines both outside the policy: outside it either way
    tricare = {**coverage("c", "311"), "class": [{"name": "TRICARE for Life (with Medicare)"}]}
    assert line_of_business(pool_of(tricare, ORDER), ORDER, {})[0].value == "other-government"


def test_self_pay_written_only_in_words_is_outside_the_policy() -> None:
    for text in ("Self Pay", "self-pay", "SELF-PAYMENT", "Selfpay"):
        lob, _ = line_of_business(pool_of(texted(type={"text": text}), ORDER), ORDER, {})
        assert lob.value == "self-pay", text
    payer = texted(payor=[{"display": "Self Pay"}])
    assert line_of_business(pool_of(payer, ORDER), ORDER, {})[0].value == "self-pay"
    assert line_of_business(pool_of(texted(type={"text": "Non-self-pay"}), ORDER), ORDER, {})[0].value is None


def test_a_coverage_later_in_order_of_benefits_is_named_as_set_aside() -> None:
    """A dual-eligible member: Medicare first decides (outside the policy), the Medicaid behind it is
    named, never dropped silently."""
    medicare, medicaid = {**coverage("mcr", "111"), "order": 1}, {**coverage("mcd", "21"), "order": 2}
    lob, used = line_of_business(pool_of(medicaid, medicare, ORDER), ORDER, {})
    assert (lob.value, used.value) == ("medicare", "Coverage/mcr")
    assert lob.reason.endswith(
        "Coverage/mcd (medicaid, later in order of benefits) set aside: the Coverage first in order of "
        "benefits decides whether the policy applies (Medicaid pays last)"
    )


def test_medicaid_first_before_medicare_contradicts_the_payer_of_last_resort() -> None:
    medicaid, medicare = {**coverage("mcd", "21"), "order": 1}, {**coverage("mcr", "1"), "order": 2}
    lob, _ = line_of_business(pool_of(medicaid, medicare, ORDER), ORDER, {})
    assert (lob.value, lob.evidence) == (None, ("Coverage/mcd", "Coverage/mcr"))
    assert "Medicaid pays last (payer of last resort)" in lob.reason
    # Medicaid first before a commercial plan: both within the policy, the first decides
    commercial = {**coverage("com", "51"), "order": 2}
    assert line_of_business(pool_of(medicaid, commercial, ORDER), ORDER, {})[0].value == "medicaid"
    # the order naming the Coverage it bills settles which one
    named = medication_request("dex", DEXRAZOXANE, (500, "mg/m2"), insurance=[{"reference": "Coverage/mcd"}])
    assert line_of_business(pool_of(medicaid, medicare, named), named, {})[0].value == "medicaid"


def test_a_coverage_period_that_ends_before_it_starts_leaves_the_line_of_business_unknown() -> None:
    """Not in force and in force are both unreadable from a period that contradicts itself: the Coverage is
    not dropped (another plan would then decide alone), and its line of business is unknown, named."""
    backwards = {**coverage("c", "51"), "period": {"start": "2026-01-01", "end": "2025-01-01"}}
    lob, used = line_of_business(pool_of(backwards, ORDER), ORDER, {}, on=date(2026, 11, 28))
    assert (lob.value, used.value) == (None, "Coverage/c")
    assert "period ends before it starts" in lob.reason
    beside = line_of_business(
        pool_of(backwards, coverage("d", "21"), ORDER), ORDER, {}, on=date(2026, 11, 28)
    )
    assert beside[0].value is None

from __future__ import annotations

from cds_service.fhir.pool import ResourcePool
from cds_service.fhir.references import missing_references, queries_for, roles_wanted, target_of

BASE = "https://ehr.example.org/fhir/"


def owns(url: str) -> bool:
    return url.startswith(BASE)


def administration(n: int, medication: str) -> dict[str, object]:
    return {
        "resourceType": "MedicationAdministration",
        "id": f"ma-{n}",
        "medicationReference": {"reference": medication},
    }


def test_targets_are_relative_references_or_urls_on_the_server() -> None:
    assert target_of("Medication/m1", owns) == ("Medication", "m1")
    assert target_of(f"{BASE}Medication/m1/_history/2", owns) == ("Medication", "m1")
    assert target_of("https://other.example.org/fhir/Medication/m1", owns) is None
    assert target_of("#m1", owns) is None
    assert target_of("urn:uuid:5", owns) is None


def test_only_unresolvable_references_are_wanted() -> None:
    pool = ResourcePool(user_reference="Practitioner/u1")
    pool.add_draft_orders(
        {
            "resourceType": "Bundle",
            "entry": [
                {
                    "resource": {
                        "resourceType": "MedicationRequest",
                        "id": "draft",
                        "medicationReference": {"reference": "#inline"},
                        "contained": [{"resourceType": "Medication", "id": "inline"}],
                        "requester": {"reference": "PractitionerRole/r1"},
                    }
                }
            ],
        }
    )
    pool.add({"resourceType": "Medication", "id": "known"})
    pool.add(administration(1, "Medication/known"))
    pool.add(administration(2, "Medication/unknown"))
    pool.add(administration(3, "Medication/unknown"))
    pool.add({"resourceType": "ResearchSubject", "id": "rs", "study": {"reference": "ResearchStudy/s1"}})
    wanted = missing_references(pool, pool.draft_orders, owns)
    assert wanted == {
        "Medication": {"unknown"},
        "ResearchStudy": {"s1"},
        "PractitionerRole": {"r1"},
        "Practitioner": {"u1"},
    }
    assert missing_references(pool, pool.draft_orders, owns, draft_only=True) == {}


def test_a_role_in_the_pool_leads_to_its_practitioner_and_a_bare_practitioner_to_its_roles() -> None:
    pool = ResourcePool(user_reference="Practitioner/u1")
    pool.add(
        {"resourceType": "PractitionerRole", "id": "r1", "practitioner": {"reference": "Practitioner/p9"}}
    )
    order = {
        "resourceType": "MedicationRequest",
        "id": "o",
        "requester": {"reference": "PractitionerRole/r1"},
    }
    assert missing_references(pool, [order], owns) == {"Practitioner": {"p9", "u1"}}
    assert roles_wanted(pool, [order]) == {"u1"}


def test_few_ids_are_read_and_many_are_searched_in_chunks() -> None:
    few = queries_for({"Medication": {"b", "a"}})
    assert few == [("Medication by id", "Medication/a"), ("Medication by id", "Medication/b")]
    many = queries_for({"Medication": {f"m{n:03}" for n in range(45)}})
    assert [label for label, _ in many] == ["Medication by id", "Medication by id"]
    assert many[0][1].startswith("Medication?_id=m000,m001,")
    assert many[0][1].count(",") == 39 and many[1][1].count(",") == 4

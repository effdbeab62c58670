from __future__ import annotations

from cds_service.clinical.codes import ATC, RXNORM
from cds_service.clinical.orders import dexrazoxane_orders
from cds_service.fhir.pool import ResourcePool, reference_of


def test_only_dexrazoxane_medication_orders_among_the_drafts() -> None:
    pool = ResourcePool()
    pool.add_draft_orders(
        {
            "resourceType": "Bundle",
            "entry": [
                {
                    "resource": {
                        "resourceType": "MedicationRequest",
                        "id": "dex",
                        "status": "draft",
                        "medicationCodeableConcept": {"coding": [{"system": ATC, "code": "V03AF02"}]},
                    }
                },
                {
                    "resource": {
                        "resourceType": "MedicationRequest",
                        "id": "dox",
                        "status": "draft",
                        "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": "3639"}]},
                    }
                },
                {
                    "resource": {
                        "resourceType": "MedicationOrder",
                        "id": "dstu2",
                        "status": "draft",
                        "medicationCodeableConcept": {"text": "dexrazoxane 500 mg"},
                    }
                },
                {
                    "resource": {
                        "resourceType": "ServiceRequest",
                        "id": "not-a-drug",
                        "code": {"text": "dexrazoxane infusion nursing"},
                    }
                },
                {
                    "resource": {
                        "resourceType": "MedicationRequest",
                        "id": "by-ref",
                        "contained": [
                            {
                                "resourceType": "Medication",
                                "id": "m",
                                "code": {"coding": [{"system": RXNORM, "code": "1736585"}]},
                            }
                        ],
                        "medicationReference": {"reference": "#m"},
                    }
                },
            ],
        }
    )
    assert sorted(reference_of(o) for o in dexrazoxane_orders(pool)) == [
        "MedicationOrder/dstu2",
        "MedicationRequest/by-ref",
        "MedicationRequest/dex",
    ]


def test_dexrazoxane_outside_the_draft_orders_is_not_an_order_to_decide() -> None:
    pool = ResourcePool()
    pool.add(
        {
            "resourceType": "MedicationRequest",
            "id": "old",
            "medicationCodeableConcept": {"text": "dexrazoxane"},
        }
    )
    assert dexrazoxane_orders(pool) == []

from __future__ import annotations

from cds_service.response.assertion_ids import assertion_scope, coverage_assertion_id, satisfied_pa_id
from tests.response.determinations import draft_order, hook_request


def test_the_same_order_and_coverage_get_the_same_ids_every_time() -> None:
    scope = assertion_scope(hook_request(draft_order()))
    assert coverage_assertion_id("MedicationRequest/1", "Coverage/a", scope=scope) == coverage_assertion_id(
        "MedicationRequest/1", "Coverage/a", scope=scope
    )
    assert satisfied_pa_id("MedicationRequest/1", "Coverage/a", scope=scope) == satisfied_pa_id(
        "MedicationRequest/1", "Coverage/a", scope=scope
    )


def test_ids_differ_per_coverage_order_and_patient() -> None:
    ids = {
        coverage_assertion_id("MedicationRequest/1", "Coverage/a", scope="https://ehr|p1"),
        coverage_assertion_id("MedicationRequest/1", "Coverage/b", scope="https://ehr|p1"),
        coverage_assertion_id("MedicationRequest/2", "Coverage/a", scope="https://ehr|p1"),
        coverage_assertion_id("MedicationRequest/1", "Coverage/a", scope="https://ehr|p2"),
        coverage_assertion_id("MedicationRequest/1", "Coverage/a", scope="https://other|p1"),
    }
    assert len(ids) == 5


def test_the_pa_id_fits_the_x12_prior_authorization_segment_and_differs_from_the_assertion_id() -> None:
    pa_id = satisfied_pa_id("MedicationRequest/1", "Coverage/a", scope="s")
    assert len(pa_id) <= 50
    assert pa_id != coverage_assertion_id("MedicationRequest/1", "Coverage/a", scope="s")
    assert pa_id != satisfied_pa_id("MedicationRequest/1", "Coverage/b", scope="s")

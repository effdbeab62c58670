from __future__ import annotations

from cds_service.assertion_ids import (
    assertion_key,
    assertion_scope,
    coverage_assertion_id,
    satisfied_pa_id,
)
from cds_service.settings import Settings

KEY = b"test-secret"


def test_the_same_order_and_coverage_get_the_same_ids_every_time() -> None:
    scope = assertion_scope("pat-1", "https://ehr.example.org/fhir")
    assert coverage_assertion_id(
        "MedicationRequest/1", "Coverage/a", scope=scope, key=KEY
    ) == coverage_assertion_id("MedicationRequest/1", "Coverage/a", scope=scope, key=KEY)
    assert satisfied_pa_id("MedicationRequest/1", "Coverage/a", scope=scope, key=KEY) == satisfied_pa_id(
        "MedicationRequest/1", "Coverage/a", scope=scope, key=KEY
    )


def test_ids_differ_per_coverage_order_and_patient() -> None:
    ids = {
        coverage_assertion_id("MedicationRequest/1", "Coverage/a", scope="https://ehr|p1", key=KEY),
        coverage_assertion_id("MedicationRequest/1", "Coverage/b", scope="https://ehr|p1", key=KEY),
        coverage_assertion_id("MedicationRequest/2", "Coverage/a", scope="https://ehr|p1", key=KEY),
        coverage_assertion_id("MedicationRequest/1", "Coverage/a", scope="https://ehr|p2", key=KEY),
        coverage_assertion_id("MedicationRequest/1", "Coverage/a", scope="https://other|p1", key=KEY),
    }
    assert len(ids) == 5


def test_the_pa_id_fits_the_x12_prior_authorization_segment_and_differs_from_the_assertion_id() -> None:
    pa_id = satisfied_pa_id("MedicationRequest/1", "Coverage/a", scope="s", key=KEY)
    assert len(pa_id) <= 50
    assert pa_id != coverage_assertion_id("MedicationRequest/1", "Coverage/a", scope="s", key=KEY)
    assert pa_id != satisfied_pa_id("MedicationRequest/1", "Coverage/b", scope="s", key=KEY)


def test_the_ids_cannot_be_computed_without_the_server_secret() -> None:
    # The assertion id is the key to a pre-filled QuestionnaireResponse: anyone knowing the public
    # identifiers (FHIR server, patient, order, coverage) could compute a name-based UUID offline.
    import uuid

    scope = "https://ehr|p1"
    public = uuid.uuid5(uuid.NAMESPACE_URL, "urn:cp-phar-418:coverage-assertion-id")
    offline = str(uuid.uuid5(public, f"{scope}|MedicationRequest/1|Coverage/a"))
    with_key = coverage_assertion_id("MedicationRequest/1", "Coverage/a", scope=scope, key=KEY)
    assert with_key != offline
    assert with_key != coverage_assertion_id("MedicationRequest/1", "Coverage/a", scope=scope, key=b"other")
    assert satisfied_pa_id("MedicationRequest/1", "Coverage/a", scope=scope, key=KEY) != satisfied_pa_id(
        "MedicationRequest/1", "Coverage/a", scope=scope, key=b"other"
    )


def test_the_key_is_the_configured_secret_else_one_random_key_per_process() -> None:
    assert assertion_key(Settings(assertion_secret="s3cret")) == b"s3cret"
    assert "s3cret" not in repr(Settings(assertion_secret="s3cret"))
    unset = assertion_key(Settings(assertion_secret=None))
    assert len(unset) >= 32 and unset == assertion_key(Settings(assertion_secret=None))


def test_spellings_of_the_same_fhir_server_give_the_same_ids() -> None:
    def ids(fhir_server: str) -> tuple[str, str]:
        scope = assertion_scope("pat-1", fhir_server)
        return (
            coverage_assertion_id("MedicationRequest/1", "Coverage/a", scope=scope, key=KEY),
            satisfied_pa_id("MedicationRequest/1", "Coverage/a", scope=scope, key=KEY),
        )

    same = {
        ids("https://ehr.example.org/fhir"),
        ids("https://ehr.example.org/fhir/"),
        ids("HTTPS://EHR.Example.org/fhir"),
    }
    assert len(same) == 1
    assert ids("https://ehr.example.org/FHIR") not in same  # the path is case-sensitive
    assert ids("https://other.example.org/fhir") not in same


def test_ids_are_bound_to_the_calling_client() -> None:
    server = "https://ehr.example.org/fhir"
    one = coverage_assertion_id(
        "MedicationRequest/1",
        "Coverage/a",
        scope=assertion_scope("pat-1", server, "https://ehr-one"),
        key=KEY,
    )
    two = coverage_assertion_id(
        "MedicationRequest/1",
        "Coverage/a",
        scope=assertion_scope("pat-1", server, "https://ehr-two"),
        key=KEY,
    )
    assert one != two


def test_a_fhir_server_that_is_not_a_url_still_gives_a_scope() -> None:
    assert assertion_scope("pat-1", "http://[::1").endswith("|http://[::1|pat-1")

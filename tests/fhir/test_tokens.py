from __future__ import annotations

from cds_service.fhir.prefetch_templates import PREFETCH_TEMPLATES
from cds_service.fhir.tokens import render, token_values


def test_context_and_user_tokens_come_from_the_context() -> None:
    values = token_values({"userId": "Practitioner/abc", "patientId": "p-1", "draftOrders": {"x": 1}})
    assert values == {
        "context.userId": "Practitioner/abc",
        "context.patientId": "p-1",
        "userPractitionerId": "abc",
    }


def test_a_practitioner_role_user_fills_only_the_role_token() -> None:
    values = token_values({"userId": "PractitionerRole/r9", "patientId": "p-1"})
    assert values["userPractitionerRoleId"] == "r9"
    assert render(PREFETCH_TEMPLATES["practitioner"], values) is None
    assert render(PREFETCH_TEMPLATES["practitionerRoles"], values) is None
    assert render(PREFETCH_TEMPLATES["patient"], values) == "Patient/p-1"


def test_every_advertised_template_renders_for_a_practitioner_user() -> None:
    values = token_values({"userId": "Practitioner/abc", "patientId": "p-1"})
    rendered = {key: render(template, values) for key, template in PREFETCH_TEMPLATES.items()}
    assert rendered["practitionerRoles"] == "PractitionerRole?practitioner=abc"
    assert rendered["coverage"] == "Coverage?patient=p-1&status=active"
    assert rendered["medicationRequests"] == "MedicationRequest?patient=p-1&status=active,on-hold"
    assert all(query is not None and "{{" not in query for query in rendered.values())


def test_a_context_value_that_is_not_a_fhir_id_never_reaches_a_query() -> None:
    values = token_values({"userId": "Practitioner/abc", "patientId": "p1&_include=*"})
    assert "context.patientId" not in values
    assert render("Patient/{{context.patientId}}", values) is None


def test_tokens_tolerate_spaces_inside_the_braces_and_unknown_tokens_block_the_template() -> None:
    values = token_values({"userId": "Practitioner/abc", "patientId": "p-1"})
    assert render("Patient/{{ context.patientId }}", values) == "Patient/p-1"
    assert render("Encounter/{{context.encounterId}}", values) is None


def test_dot_segments_are_not_ids() -> None:
    assert "context.patientId" not in token_values({"userId": "Practitioner/abc", "patientId": ".."})
    assert "userPractitionerId" not in token_values({"userId": "Practitioner/..", "patientId": "p"})
    assert token_values({"userId": "Practitioner/a_b~1", "patientId": ".p."})["context.patientId"] == ".p."

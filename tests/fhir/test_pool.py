from __future__ import annotations

from cds_service.fhir.pool import ResourcePool, reference_of


def test_a_bundle_without_type_and_a_dstu2_order_are_indexed_as_draft_orders() -> None:
    pool = ResourcePool()
    pool.add_draft_orders(
        {
            "resourceType": "Bundle",
            "entry": [{"resource": {"resourceType": "MedicationOrder", "id": "order-123"}}],
        }
    )
    assert [reference_of(r) for r in pool.draft_orders] == ["MedicationOrder/order-123"]
    assert pool.resolve("MedicationOrder/order-123") is pool.draft_orders[0]


def test_one_unreadable_entry_is_noted_and_the_good_ones_kept() -> None:
    pool = ResourcePool()
    pool.add(
        {
            "resourceType": "Bundle",
            "entry": [
                {"resource": {"resourceType": "Condition", "id": "c1"}},
                "garbage",
                {"resource": {"id": "no-type"}},
                {"fullUrl": "urn:uuid:x"},
                {"resource": {"resourceType": "Condition", "id": "c2", "unknownElement": {"x": 1}}},
            ],
        },
        source="prefetch.conditions",
    )
    assert [c["id"] for c in pool.of_type("Condition")] == ["c1", "c2"]
    assert pool.problems == [
        "prefetch.conditions.entry[1]: no resource, ignored",
        "prefetch.conditions.entry[2]: not a FHIR resource, ignored",
        "prefetch.conditions.entry[3]: no resource, ignored",
    ]


def test_an_entry_object_where_a_list_belongs_is_read_as_one_entry() -> None:
    pool = ResourcePool()
    pool.add({"resourceType": "Bundle", "entry": {"resource": {"resourceType": "Patient", "id": "p"}}})
    assert pool.get("Patient", "p") is not None
    assert pool.problems == []


def test_a_numeric_id_still_resolves() -> None:
    pool = ResourcePool()
    pool.add({"resourceType": "Practitioner", "id": 123})
    assert pool.resolve({"reference": "Practitioner/123"}) is not None


def test_contained_resources_resolve_from_a_list_or_a_lone_object() -> None:
    pool = ResourcePool()
    medication = {"resourceType": "Medication", "id": "m"}
    as_list = {"resourceType": "MedicationRequest", "contained": [medication]}
    as_object = {"resourceType": "MedicationRequest", "contained": medication}
    assert pool.resolve({"reference": "#m"}, within=as_list) is medication
    assert pool.resolve({"reference": "#m"}, within=as_object) is medication


def test_absolute_urls_and_full_urls_resolve() -> None:
    pool = ResourcePool()
    pool.add(
        {
            "resourceType": "Bundle",
            "entry": [{"fullUrl": "urn:uuid:1", "resource": {"resourceType": "Medication", "id": "m1"}}],
        }
    )
    assert pool.resolve("urn:uuid:1") is not None
    assert pool.resolve("https://ehr.example.org/fhir/Medication/m1/_history/3") is not None


def test_draft_orders_keep_the_order_the_ehr_sent() -> None:
    pool = ResourcePool()
    pool.add_draft_orders(
        {
            "resourceType": "Bundle",
            "entry": [
                {"resource": {"resourceType": "MedicationRequest", "id": "b"}},
                {"resource": {"resourceType": "NutritionOrder", "id": "n"}},
                {"resource": {"resourceType": "MedicationRequest", "id": "a"}},
            ],
        }
    )
    assert [r["id"] for r in pool.draft_orders] == ["b", "n", "a"]


def test_a_copy_of_a_draft_order_in_the_prefetch_does_not_replace_it() -> None:
    pool = ResourcePool()
    draft = {"resourceType": "MedicationRequest", "id": "dox", "status": "draft"}
    pool.add_draft_orders({"resourceType": "Bundle", "entry": [{"resource": draft}]})
    pool.add({"resourceType": "MedicationRequest", "id": "dox", "status": "active"}, source="prefetch.x")
    assert pool.get("MedicationRequest", "dox") is draft
    assert pool.draft_orders == [draft]


def test_the_same_draft_order_sent_twice_is_one_order() -> None:
    pool = ResourcePool()
    first = {"resourceType": "MedicationRequest", "id": "dex", "status": "draft"}
    second = {"resourceType": "MedicationRequest", "id": "dex", "status": "draft", "note": [{"text": "copy"}]}
    pool.add_draft_orders({"resourceType": "Bundle", "entry": [{"resource": first}, {"resource": second}]})
    assert pool.draft_orders == [first]
    assert pool.get("MedicationRequest", "dex") is first
    assert pool.problems == ["context.draftOrders: MedicationRequest sent twice, the first copy used"]


def test_every_distinct_copy_of_a_resource_is_kept_the_last_one_read() -> None:
    pool = ResourcePool()
    first = {"resourceType": "Patient", "id": "p", "birthDate": "1972-03-14", "meta": {"versionId": "3"}}
    second = {"resourceType": "Patient", "id": "p", "birthDate": "2012-03-14", "meta": {"versionId": "4"}}
    pool.add({"resourceType": "Bundle", "entry": [{"resource": first}, {"resource": second}]})
    pool.add(dict(second))  # the same copy again, under another key: not another copy
    assert pool.get("Patient", "p") == second
    assert pool.copies("Patient", "p") == [first, second]
    assert pool.copies("Patient", "q") == []
    lone = ResourcePool()
    lone.add(first)
    assert lone.copies("Patient", "p") == [first]


def test_copies_of_the_patient_are_kept_once_each_and_others_are_replaced() -> None:
    """Sent as A, B, A: two distinct copies, the last one last; a re-sent Condition keeps no copies."""
    pool = ResourcePool()
    first = {"resourceType": "Patient", "id": "p", "birthDate": "1970-05-01"}
    second = {"resourceType": "Patient", "id": "p", "birthDate": "2010-05-01"}
    for copy in (first, second, dict(first)):
        pool.add(copy)
    assert pool.copies("Patient", "p") == [second, first]
    pool.add({"resourceType": "Condition", "id": "c", "code": {"text": "a"}})
    pool.add({"resourceType": "Condition", "id": "c", "code": {"text": "b"}})
    assert pool.copies("Condition", "c") == [{"resourceType": "Condition", "id": "c", "code": {"text": "b"}}]

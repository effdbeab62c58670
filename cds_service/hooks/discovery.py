"""The CDS Hooks discovery document (CDS Hooks 2.0 §Discovery; docs/hooks.md, docs/prefetch.md).

Three services, one per moment of a dexrazoxane order's life, all deciding with the same reading of the
record and the same policy tree:

- ``order-select`` (CDS Hooks hook library, order-select 1.0): provisional guidance while the order is
  chosen;
- ``order-sign`` (order-sign 1.0): the determination, with Da Vinci CRD coverage information;
- ``order-dispatch`` (order-dispatch 1.0: ``dispatchedOrders``, ``performer``, ``fulfillmentTasks``): the
  coverage information of the signed order sent to the pharmacy or clinic that gives it.

Empty optionals are omitted (CDS Hooks 2.0 JSON rules: "If a JSON attribute is defined as OPTIONAL, and
does not have a value, implementers MUST omit it").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cds_service.fhir.prefetch_templates import DISPATCH_PREFETCH_TEMPLATES, PREFETCH_TEMPLATES
from cds_service.response.configuration import CONFIGURATION_OPTIONS

ORDER_SELECT = "order-select"
ORDER_SIGN = "order-sign"
ORDER_DISPATCH = "order-dispatch"

SERVICE_ID = "dexrazoxane-order-sign"
HOOK = ORDER_SIGN
SELECT_SERVICE_ID = "dexrazoxane-order-select"
DISPATCH_SERVICE_ID = "dexrazoxane-order-dispatch"

# Da Vinci CRD versions this service answers (CRD 2.2 §dev-1, "Configuration options"). Without
# `davinci-crd.requestedVersion` the response keeps to what CRD 2.0.1 and 2.2 both accept (docs/response.md),
# which is valid 2.2; "2.0" itself cannot be listed, as the CRD 2.2 pattern ^[1-9]\d*\.[1-9]\d*$ rejects it,
# and CRD 2.0.x clients do not read this extension.
CRD_VERSIONS: tuple[str, ...] = ("2.2",)

TITLE = "Dexrazoxane coverage requirements (CP.PHAR.418)"
DESCRIPTION = (
    "Decides payer coverage of dexrazoxane orders under clinical policy CP.PHAR.418 when they are signed: "
    "approve, deny, or pend for documentation, with Da Vinci CRD coverage information on the order, "
    "cards that list each policy criterion with its evidence, and a DTR questionnaire for what the "
    "record cannot settle."
)
USAGE_REQUIREMENTS = (
    "Send the draft dexrazoxane MedicationRequest(s) in context.draftOrders and fill the prefetch, or give "
    "fhirServer with fhirAuthorization so the service can read what the prefetch lacks (patient, coverage, "
    "prescriber, anthracycline orders and administrations, diagnoses, height/weight/BSA, radiation). "
    "When data the decision needs can be got from neither, the call answers 412."
)


@dataclass(frozen=True)
class Service:
    id: str
    hook: str
    title: str
    description: str
    usage_requirements: str
    prefetch: Mapping[str, str]


SIGN = Service(SERVICE_ID, ORDER_SIGN, TITLE, DESCRIPTION, USAGE_REQUIREMENTS, PREFETCH_TEMPLATES)
SELECT = Service(
    SELECT_SERVICE_ID,
    ORDER_SELECT,
    "Dexrazoxane coverage guidance while ordering (CP.PHAR.418, provisional)",
    "Provisional guidance on the selected dexrazoxane orders, before they are signed: the likely "
    "CP.PHAR.418 decision, what the record already shows (cumulative doxorubicin, the pathway) and the "
    "documentation that will be asked for, in one short card. No coverage information and no "
    "questionnaire: the order may still change, and is decided when it is signed.",
    "Send context.selections naming the dexrazoxane order(s) among context.draftOrders, and the prefetch "
    "or fhirServer with fhirAuthorization as for the order-sign service. A selected order without a dose "
    "yet is checked on its dose at signing.",
    PREFETCH_TEMPLATES,
)
DISPATCH = Service(
    DISPATCH_SERVICE_ID,
    ORDER_DISPATCH,
    "Dexrazoxane coverage information at dispatch (CP.PHAR.418)",
    "Coverage information on each signed dexrazoxane order sent to the pharmacy or clinic that will give "
    "it: the assertion made at signing when nothing that decided it has changed, else a new "
    "determination, with a card saying what changed.",
    "Send context.dispatchedOrders as MedicationRequest references; the orders come from the "
    "medicationRequests prefetch or are read from fhirServer (with fhirAuthorization). An order that can "
    "be read from neither answers 412.",
    DISPATCH_PREFETCH_TEMPLATES,
)
SERVICES: tuple[Service, ...] = (SIGN, SELECT, DISPATCH)
SERVICE_BY_ID: dict[str, Service] = {service.id: service for service in SERVICES}
HOOKS: tuple[str, ...] = tuple(service.hook for service in SERVICES)


def service_definition(service: Service = SIGN) -> dict[str, Any]:
    definition: dict[str, Any] = {
        "hook": service.hook,
        "id": service.id,
        "title": service.title,
        "description": service.description,
        "usageRequirements": service.usage_requirements,
    }
    if service.prefetch:
        definition["prefetch"] = dict(service.prefetch)
    extension: dict[str, Any] = {"davinci-crd.version": list(CRD_VERSIONS)}
    if CONFIGURATION_OPTIONS:
        extension["davinci-crd.configuration-options"] = list(CONFIGURATION_OPTIONS)
    definition["extension"] = extension
    return definition


def discovery_document() -> dict[str, Any]:
    return {"services": [service_definition(service) for service in SERVICES]}

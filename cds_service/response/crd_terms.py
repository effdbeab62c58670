"""Da Vinci CRD identifiers this service emits, each with its source.

Sources: Da Vinci CRD 2.2 and 2.0.1 (extension and sub-extension urls, card-type coding systems per version;
the 2.0.1 / 2.2 safe intersection: docs/response.md "Coverage information"); CMS HCPCS.
"""

from __future__ import annotations

from enum import StrEnum

# IG input/fsh/extensions/CoverageInformation.fsh (canonical base from sushi-config.yaml).
COVERAGE_INFORMATION_URL = "http://hl7.org/fhir/us/davinci-crd/StructureDefinition/ext-coverage-information"

# HCPCS Level II J1190 "Injection, dexrazoxane hydrochloride, per 250 mg" (policy "Coding Implications";
# system URI as aliased in the CRD IG input/fsh/aliases.fsh).
HCPCS_SYSTEM = "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"
DEXRAZOXANE_BILLING_CODE: dict[str, str] = {
    "system": HCPCS_SYSTEM,
    "code": "J1190",
    "display": "Injection, dexrazoxane hydrochloride, per 250 mg",
}


class CrdVersion(StrEnum):
    """What the response is shaped for: the 2.0.1 / 2.2 intersection unless the client asks for 2.2."""

    SAFE = "2.0"  # what the Inferno kit (pinned to CRD 2.0.1) and CRD 2.2 both accept
    V2_2 = "2.2"


# Card topic systems: CRD 2.0.1/2.1 used the IG's temp code system, 2.2 the THO cdshooks-card-type system
# (CRD 2.0.1 and 2.2 cards.md). The codes are the same in both.
CARD_TYPE_SYSTEM: dict[CrdVersion, str] = {
    CrdVersion.SAFE: "http://hl7.org/fhir/us/davinci-crd/CodeSystem/temp",
    CrdVersion.V2_2: "http://terminology.hl7.org/CodeSystem/cdshooks-card-type",
}


class CardType(StrEnum):
    """The CRD card types this service emits (codes of the CRD cardType value set)."""

    COVERAGE_INFO = "coverage-info"
    GUIDELINE = "guideline"
    THERAPY_ALTERNATIVES_REQ = "therapy-alternatives-req"


CARD_TYPE_DISPLAY: dict[CardType, str] = {
    CardType.COVERAGE_INFO: "Coverage Information",
    CardType.GUIDELINE: "Guideline",
    CardType.THERAPY_ALTERNATIVES_REQ: "Required Therapy Alternatives",
}


def card_topic(card_type: CardType, version: CrdVersion) -> dict[str, str]:
    return {
        "system": CARD_TYPE_SYSTEM[version],
        "code": card_type.value,
        "display": CARD_TYPE_DISPLAY[card_type],
    }

"""Da Vinci CRD configuration options: offered in discovery, read from each request.

CRD deviations.md: discovery lists `davinci-crd.configuration-options` (§dev-4), one boolean per card type
supported (§dev-5); the request sends `davinci-crd.configuration` as one object (§dev-12); the service obeys
what it supports (§dev-14), ignores unknown options (§dev-17) and handles nonsense gracefully (§dev-6):
a value of the wrong type falls back to the option's default. `coverage-info: false` suppresses the
coverage-information system action (§resp-28) and the coverage-info cards with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cds_service.response.crd_terms import CardType, CrdVersion

CONFIGURATION_KEY = "davinci-crd.configuration"
REQUESTED_VERSION_KEY = "davinci-crd.requestedVersion"
MAX_CARDS_DEFAULT = 10
UNSOLICITED_DETERM = "unsolicited-determ"  # CRD §found-35

CONFIGURATION_OPTIONS: list[dict[str, Any]] = [
    {
        "code": CardType.COVERAGE_INFO.value,
        "type": "boolean",
        "name": "Coverage Information",
        "description": "Whether dexrazoxane is covered under CP.PHAR.418, needs prior authorization or "
        "documentation: the coverage-information system action and the card explaining it",
        "default": True,
    },
    {
        "code": CardType.GUIDELINE.value,
        "type": "boolean",
        "name": "Guidelines",
        "description": "A link to the payer's dexrazoxane clinical policy CP.PHAR.418",
        "default": True,
    },
    {
        "code": CardType.THERAPY_ALTERNATIVES_REQ.value,
        "type": "boolean",
        "name": "Required Therapy Alternatives",
        "description": "A proposed dose within the policy's limits when the ordered dose exceeds them",
        "default": True,
    },
    {
        "code": UNSOLICITED_DETERM,
        "type": "boolean",
        "name": "Unsolicited determinations",
        "description": "Whether an order that meets CP.PHAR.418 is answered with a prior authorization "
        "already satisfied (a satisfied-pa-id); false: the criteria met are reported and the prior "
        "authorization request must still be submitted",
        "default": True,
    },
    {
        "code": "max-cards",
        "type": "integer",
        "name": "Maximum cards",
        "description": "The maximum number of cards returned; the coverage cards come first",
        "default": MAX_CARDS_DEFAULT,
    },
]


@dataclass(frozen=True)
class ResponseOptions:
    """What one request asked of the response."""

    version: CrdVersion = CrdVersion.SAFE
    max_cards: int = MAX_CARDS_DEFAULT
    card_types: frozenset[CardType] = frozenset(CardType)
    # CRD §found-35: false, the client does not want PA-satisfied determinations it did not request.
    unsolicited_determ: bool = True

    def wants(self, card_type: CardType) -> bool:
        return card_type in self.card_types

    @property
    def coverage_info(self) -> bool:
        return self.wants(CardType.COVERAGE_INFO)


def _boolean(config: dict[str, Any], code: str) -> bool:
    value = config.get(code)
    return value if isinstance(value, bool) else True


def _max_cards(config: dict[str, Any]) -> int:
    value = config.get("max-cards")
    # JSON true is a Python int: a boolean is not a count.
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return MAX_CARDS_DEFAULT


def _version(requested: Any) -> CrdVersion:
    # "2.2" per CRD 2.2's major.minor pattern (deviations.md); a patch level ("2.2.1") is the same version.
    if isinstance(requested, float):
        requested = str(requested)  # a JSON number 2.2 where a string is due: the intent is plain
    if isinstance(requested, str) and requested.strip().split(".")[:2] == ["2", "2"]:
        return CrdVersion.V2_2
    return CrdVersion.SAFE


def response_options(extension: Any) -> ResponseOptions:
    """The options a request's ``extension`` (as sent: anything JSON) asks for."""
    extension = extension if isinstance(extension, dict) else {}
    raw = extension.get(CONFIGURATION_KEY)
    config: dict[str, Any] = raw if isinstance(raw, dict) else {}
    return ResponseOptions(
        version=_version(extension.get(REQUESTED_VERSION_KEY)),
        max_cards=_max_cards(config),
        card_types=frozenset(card_type for card_type in CardType if _boolean(config, card_type.value)),
        unsolicited_determ=_boolean(config, UNSOLICITED_DETERM),
    )

"""What the service reads from an EHR, and so what the EHR must prefetch or grant, derived from the lists
the data layer itself reads (``prefetch_templates``, ``supplementary_queries``, ``required_keys``,
``references``): every prefetch key with its query, and every resource type with how it is read and the
SMART scopes the ``fhirAuthorization`` token needs for it.

CDS Hooks 2.0 ``fhirAuthorization.scope`` carries SMART App Launch scopes (CDS Hooks 2.0
"fhirAuthorization"); the 3.0 ballot moves to SMART v2. Both spellings are given: v1 ``patient/X.read``, v2
``patient/X.rs`` narrowed to the interactions used (``r`` read by id, ``s`` search). Resources outside the
patient compartment (Practitioner, PractitionerRole, Medication, ResearchStudy) are granted by some servers
only through user-level scopes: the user-level spelling is given beside them.

docs/integration.md holds ``access_markdown()`` word for word (tests/fhir/test_access.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from cds_service.fhir.pool import MEDICATION_ORDER_TYPES
from cds_service.fhir.prefetch_templates import PREFETCH_TEMPLATES
from cds_service.fhir.references import MEDICATION_BEARING, PRESCRIBER_TYPES
from cds_service.fhir.required_keys import REQUIRED_KEYS
from cds_service.fhir.supplementary_queries import SUPPLEMENTARY_QUERIES

# Resource types in the Patient compartment (FHIR R4 compartmentdefinition-patient; DSTU2's MedicationOrder
# too) among those read; the others are shared resources a patient's data names.
PATIENT_COMPARTMENT = frozenset(
    {
        "Patient",
        "MedicationOrder",
        "Coverage",
        "MedicationAdministration",
        "MedicationRequest",
        "MedicationStatement",
        "Condition",
        "Observation",
        "Procedure",
        "ServiceRequest",
        "ResearchSubject",
        "CarePlan",
        "QuestionnaireResponse",
    }
)

# Read by reference, never under a key of their own (``references``): the drug a medicationReference
# names, the study a ResearchSubject names (also asked by _include), the prescriber and signing user, and
# a Practitioner's roles; and the DSTU2 spelling of a keyed search.
# (type, interactions, why, the prefetch keys that carry it when not any key)
REFERENCE_READS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("Medication", "rs", f"the Medication a {', '.join(MEDICATION_BEARING)} names", ()),
    ("ResearchStudy", "rs", "the study a ResearchSubject names (asked by _include, else by id)", ()),
    *((rtype, "rs", "the order's requester and the signing user", ()) for rtype in PRESCRIBER_TYPES),
    # DSTU2 has MedicationOrder where R4 has MedicationRequest (fhir.gather reads the one the draft uses).
    ("MedicationOrder", "s", "DSTU2: for a MedicationOrder draft", ("medicationRequests",)),
    # order-dispatch names its orders by reference: read by id when the prefetch does not carry them.
    *(
        (rtype, "r", "order-dispatch: a dispatched order the prefetch lacks", ("medicationRequests",))
        for rtype in MEDICATION_ORDER_TYPES
    ),
)


@dataclass(frozen=True)
class KeyRead:
    key: str
    query: str
    resource_type: str
    advertised: bool  # in discovery's prefetch; the others are read beside it, and used when prefetched
    required: bool  # a dexrazoxane order is answered 412 when it is in neither place


def _type_of(query: str) -> str:
    return query.split("?", 1)[0].split("/", 1)[0]


KEY_READS: tuple[KeyRead, ...] = tuple(
    KeyRead(key, query, _type_of(query), key in PREFETCH_TEMPLATES, key in REQUIRED_KEYS)
    for key, query in {**PREFETCH_TEMPLATES, **SUPPLEMENTARY_QUERIES}.items()
)


@dataclass(frozen=True)
class TypeAccess:
    resource_type: str
    interactions: str  # "r" read by id, "s" search, "rs" both (SMART v2 letters)
    keys: tuple[str, ...]  # the prefetch keys that carry it
    by_reference: str  # when it is also read because other data names it

    @property
    def v1(self) -> str:
        return f"patient/{self.resource_type}.read"

    @property
    def v2(self) -> str:
        return f"patient/{self.resource_type}.{self.interactions}"

    @property
    def user_level(self) -> str:
        """The user-level spelling a server may ask for instead (outside the patient compartment)."""
        if self.resource_type in PATIENT_COMPARTMENT:
            return ""
        return f"user/{self.resource_type}.read, user/{self.resource_type}.{self.interactions}"


def _letters(found: set[str]) -> str:
    return "".join(letter for letter in "rs" if letter in found)


def type_access() -> list[TypeAccess]:
    """Every resource type read, in the order first met: by key, then by reference."""
    interactions: dict[str, set[str]] = {}
    keys: dict[str, list[str]] = {}
    referenced: dict[str, str] = {}
    for read in KEY_READS:
        interactions.setdefault(read.resource_type, set()).add("s" if "?" in read.query else "r")
        keys.setdefault(read.resource_type, []).append(read.key)
    for rtype, letters, why, carried_by in REFERENCE_READS:
        interactions.setdefault(rtype, set()).update(letters)
        known = keys.setdefault(rtype, [])
        known.extend(key for key in carried_by if key not in known)
        referenced[rtype] = f"{referenced[rtype]}; {why}" if rtype in referenced else why
    return [
        TypeAccess(rtype, _letters(interactions[rtype]), tuple(keys[rtype]), referenced.get(rtype, ""))
        for rtype in interactions
    ]


def scope_string() -> str:
    """Every v1 scope the service's reads need, as one ``scope`` value."""
    return " ".join(access.v1 for access in type_access())


def _code(text: str) -> str:
    return f"`{text.replace('|', chr(92) + '|')}`"


def access_markdown() -> str:
    """The tables of docs/integration.md ("What the EHR must grant")."""
    lines = [
        "| prefetch key | query (CDS Hooks 2.0 tokens) | advertised in discovery | when not prefetched |",
        "|---|---|---|---|",
    ]
    for key_read in KEY_READS:
        absent = (
            "required: 412 unless `fhirServer` answers" if key_read.required else "read from `fhirServer`"
        )
        advertised = "yes" if key_read.advertised else "no (used when prefetched under this key)"
        lines.append(f"| `{key_read.key}` | {_code(key_read.query)} | {advertised} | {absent} |")
    lines += [
        "",
        "| resource type | read | prefetch keys carrying it | SMART v1 scope | SMART v2 scope "
        "| user-level, where a server asks |",
        "|---|---|---|---|---|---|",
    ]
    how = {"r": "by id", "s": "search", "rs": "by id and search"}
    for access in type_access():
        read = how[access.interactions] + (f"; {access.by_reference}" if access.by_reference else "")
        carried = ", ".join(f"`{key}`" for key in access.keys) or "any key (e.g. beside what names it)"
        user = _code(access.user_level) if access.user_level else ""
        lines.append(
            f"| {access.resource_type} | {read} | {carried} | `{access.v1}` | `{access.v2}` | {user} |"
        )
    lines += ["", "All v1 scopes in one `scope` value:", "", "```text", scope_string(), "```"]
    return "\n".join(lines) + "\n"

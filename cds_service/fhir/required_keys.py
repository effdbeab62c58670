"""The prefetch keys without which a dexrazoxane order is not decided: 412 when in neither place.

docs/decisions.md: facts an EHR routinely holds as structured data decide when absent (a qualifying diagnosis
or a doxorubicin order that is not there makes its criterion ``not_met``). If the data holding them
could not be read at all, "not there" would be a fiction and the service would deny wrongly, so CDS
Hooks 2.0 asks for 412 Precondition Failed instead (CDS Hooks 2.0, "Prefetch"):

* ``conditions``: the diagnoses every pathway starts from (I.A.1, I.B, II.A);
* ``medicationAdministrations``: cumulative doses, prior dexrazoxane (pathway II.A);
* ``medicationRequests``: concurrent doxorubicin, planned doses;
* ``patient``: the birth date (pediatric criteria) and the subject every other resource is about.

Not required, because their absence makes criteria ``unknown`` (a pend), never a wrong deny:
``coverage`` (line of business unknown; a deny then names all three off-label policies), ``observations``
(no BSA, so mg doses are unknown), ``practitioner``/``practitionerRoles`` (no specialty), ``procedures``
(radiation), and every supplementary query. A ``null`` prefetch value satisfies a required key: the
client says there is no such data, which is an answer.
"""

from __future__ import annotations

REQUIRED_KEYS: tuple[str, ...] = ("patient", "conditions", "medicationAdministrations", "medicationRequests")

# The resource types those keys hold. A partial read of one (a search that could not be paged whole, a
# prefetch Bundle short of its total, under any key) is a 412 naming the key, not a pend: these types
# feed pathway selection (prior dexrazoxane → II.A, an extravasation Condition → I.B) and the criteria
# whose absence reads as not_met, so a partial read of them cannot even pick the criteria to pend on,
# and docs/prefetch.md "Partial reads" gives "a 412 when the key is required" (CDS Hooks 2.0 S2 L282: the data
# needed could not be had). Partial reads of every other key pend (``clinical.partial_reads``).
REQUIRED_TYPES: dict[str, str] = {
    "Patient": "patient",
    "Condition": "conditions",
    "MedicationAdministration": "medicationAdministrations",
    "MedicationRequest": "medicationRequests",
    "MedicationOrder": "medicationRequests",
}

from __future__ import annotations

from datetime import date, datetime

from cds_service.clinical import vesicants
from tests.clinical.builders import DOXORUBICIN, administration, pool_of

ONSET = date(2026, 10, 3)
ATC = "http://www.whocc.no/atc"


def drug(code: str, text: str) -> dict[str, object]:
    return {"coding": [{"system": ATC, "code": code}], "text": text}


def test_given_at_the_onset_is_the_onset_day_or_the_day_before() -> None:
    on_day = administration("a", DOXORUBICIN, "2026-10-03T10:00:00Z", (60, "mg/m2"))
    day_before = administration("b", drug("L01CA02", "Vincristine"), "2026-10-02", (1.4, "mg/m2"))
    two_days = administration("c", drug("L01DB03", "Epirubicin"), "2026-10-01", (90, "mg/m2"))
    after = administration("d", drug("L01DB02", "Daunorubicin"), "2026-10-04", (45, "mg/m2"))
    found = vesicants.given_at_onset(pool_of(on_day, day_before, two_days, after), ONSET)
    assert found.anthracyclines == {"doxorubicin": "MedicationAdministration/a"}
    assert found.others == {"vincristine": "MedicationAdministration/b"}


def test_mitoxantrone_and_vesicants_known_only_by_atc_are_other_vesicants() -> None:
    mitoxantrone = administration("m", drug("L01DB07", "Novantrone"), "2026-10-03", (12, "mg/m2"))
    vinorelbine = administration("v", {"coding": [{"system": ATC, "code": "L01CA04"}]}, "2026-10-03", None)
    found = vesicants.given_at_onset(pool_of(mitoxantrone, vinorelbine), ONSET)
    assert not found.anthracyclines
    assert set(found.others) == {"mitoxantrone", "ATC L01CA04"}


def test_a_drug_neither_anthracycline_nor_vesicant_is_not_named() -> None:
    ondansetron = administration("o", {"text": "Ondansetron 8 mg"}, "2026-10-03", (8, "mg"))
    not_done = administration("x", DOXORUBICIN, "2026-10-03", (60, "mg/m2"), status="not-done")
    assert not vesicants.given_at_onset(pool_of(ondansetron, not_done), ONSET).found


def test_the_record_names_the_drug_in_text_notes_or_evidence() -> None:
    record = {
        "resourceType": "Condition",
        "id": "x",
        "note": [{"text": "Idarubicin infiltration at the PICC site"}],
        "evidence": [{"code": [{"text": "Adriamycin extravasation"}]}],
    }
    named = vesicants.named_by_record(record, "extravasation of vesicant", "Condition/x", pool_of(record))
    assert set(named.anthracyclines) == {"idarubicin", "adriamycin"}
    assert not named.others


def test_with_the_onsets_time_a_dose_started_after_it_is_not_given_at_it() -> None:
    at = datetime.fromisoformat("2026-10-03T08:30:00-05:00")
    before = administration("a", DOXORUBICIN, "2026-10-03T07:00:00-05:00", (60, "mg/m2"))
    after = administration("b", DOXORUBICIN, "2026-10-03T13:00:00-05:00", (60, "mg/m2"))
    vinca = administration("v", drug("L01CA02", "Vincristine"), "2026-10-03T09:00:00-05:00", (1.4, "mg/m2"))
    found = vesicants.given_at_onset(pool_of(before, after, vinca), ONSET, at)
    assert found.anthracyclines == {"doxorubicin": "MedicationAdministration/a"}
    assert not found.others
    assert found.started_after == {"MedicationAdministration/b": "2026-10-03T13:00:00-05:00"}
    # without the onset's time, the day window alone
    assert set(vesicants.given_at_onset(pool_of(before, after, vinca), ONSET).others) == {"vincristine"}


def test_the_onsets_time_is_read_from_its_date_time_or_period_start() -> None:
    assert vesicants.onset_moment({"onsetDateTime": "2026-10-03T08:30:00Z"}) == datetime.fromisoformat(
        "2026-10-03T08:30:00+00:00"
    )
    assert vesicants.onset_moment({"onsetPeriod": {"start": "2026-10-03T08:30:00"}}) == datetime(
        2026, 10, 3, 8, 30
    )
    assert vesicants.onset_moment({"onsetDateTime": "2026-10-03"}) is None
    assert vesicants.onset_moment(None) is None


def test_a_dose_with_no_date_is_named_apart_never_as_given_at_the_onset() -> None:
    """No date (none written, or one that cannot be read): it could have been given at the onset, so it is
    named apart (to unsettle what the dated doses say, never to settle it)."""
    dated = administration("a", DOXORUBICIN, "2026-10-03T10:00:00Z", (60, "mg/m2"))
    no_date = administration("b", drug("L01CA02", "Vincristine"), "", (1.4, "mg/m2"))
    del no_date["effectiveDateTime"]
    unreadable = administration("c", drug("L01DB03", "Epirubicin"), "2026-13-45", (90, "mg/m2"))
    found = vesicants.given_at_onset(pool_of(dated, no_date, unreadable), ONSET)
    assert found.anthracyclines == {"doxorubicin": "MedicationAdministration/a"}
    assert not found.others
    assert found.undated_others == {"vincristine": "MedicationAdministration/b"}
    assert found.undated_anthracyclines == {"epirubicin": "MedicationAdministration/c"}

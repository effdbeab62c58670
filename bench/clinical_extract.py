"""Time fact extraction alone for one dexrazoxane order of a patient with N anthracycline administrations.

Run: .venv/bin/python bench/clinical_extract.py [--runs N] [--administrations N] [--records-not-read N]

Builds the pool once (half the doses in mg, converted through height and weight charted every 21 days,
plus active and draft orders, and ``--records-not-read`` records no reader reads: encounters, pathology
reports and flowsheet rows the sweep of clinical.records_not_read walks), then times ``extract_facts``
only. Prints figures; compare medians.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cds_service.clinical.codes import ICD10CM, LOINC
from cds_service.clinical.extract import extract_facts
from cds_service.clinical.orders import dexrazoxane_orders
from cds_service.fhir.pool import ResourcePool
from tests.clinical.builders import (
    DEXRAZOXANE,
    DOXORUBICIN,
    EPIRUBICIN,
    administration,
    condition,
    height,
    medication_request,
    patient,
    pool_of,
    timing,
    weight,
)

START = date(2026, 10, 5)


def records_not_read(count: int) -> list[dict[str, object]]:
    """Records of the kinds EHRs send beside the prefetch: an oncology visit with its reason, a pathology
    report, a flowsheet row under a local code (each names a cancer, a drug or a specialty)."""
    found: list[dict[str, object]] = []
    for i in range(count):
        day = (START - timedelta(days=7 * (i + 1))).isoformat()
        kind = i % 3
        if kind == 0:
            found.append(
                {
                    "resourceType": "Encounter",
                    "id": f"enc{i}",
                    "status": "finished",
                    "type": [{"text": "Oncology clinic visit"}],
                    "period": {"start": day},
                    "reasonCode": [
                        {"coding": [{"system": ICD10CM, "code": "C50.911"}], "text": "Breast cancer, right"}
                    ],
                    "participant": [
                        {"individual": {"reference": "Practitioner/onc", "display": "A. Oncologist"}}
                    ],
                }
            )
        elif kind == 1:
            found.append(
                {
                    "resourceType": "DiagnosticReport",
                    "id": f"dr{i}",
                    "status": "final",
                    "code": {"coding": [{"system": LOINC, "code": "11529-5"}], "text": "Surgical pathology"},
                    "effectiveDateTime": day,
                    "conclusion": "Invasive ductal carcinoma, grade 2, margins negative. " * 4,
                }
            )
        else:
            found.append(
                {
                    "resourceType": "Observation",
                    "id": f"fs{i}",
                    "status": "final",
                    "code": {"coding": [{"system": "urn:oid:1.2.3", "code": "3040"}], "text": "LVEF (echo)"},
                    "effectiveDateTime": day,
                    "valueQuantity": {"value": 60, "unit": "%"},
                    "note": [{"text": "Stable after doxorubicin cycle"}],
                }
            )
    return found


def build(count: int, unread: int = 0) -> ResourcePool:
    resources = [patient(), condition("b", "C50.911"), condition("m", "C79.51"), *records_not_read(unread)]
    for i in range(count):
        day = START - timedelta(days=3 * (count - i))
        drug = EPIRUBICIN if i % 5 == 0 else DOXORUBICIN
        dose = (90.0, "mg") if i % 2 else (50.0, "mg/m2")
        resources.append(administration(f"a{i}", drug, day.isoformat(), dose))
        if i % 7 == 0:
            resources.append(height(f"h{i}", day.isoformat(), 162))
            resources.append(weight(f"w{i}", day.isoformat(), 72))
    active = medication_request(
        "dox-active",
        DOXORUBICIN,
        (50, "mg/m2"),
        status="active",
        timing_=timing(count=6, period=21, start="2026-09-01"),
    )
    drafts = [
        medication_request(
            "dex", DEXRAZOXANE, (500, "mg/m2"), timing_=timing(count=4, period=21, start="2026-10-05")
        ),
        medication_request(
            "dox", DOXORUBICIN, (90, "mg"), timing_=timing(count=4, period=21, start="2026-10-05")
        ),
    ]
    return pool_of(*resources, active, drafts=drafts)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--administrations", type=int, default=500)
    parser.add_argument("--records-not-read", type=int, default=0)
    args = parser.parse_args()
    pool = build(args.administrations, args.records_not_read)
    order = dexrazoxane_orders(pool)[0]
    timings = []
    for _ in range(args.runs):
        began = time.perf_counter()
        extract_facts(pool, order, today=START, line_of_business_map={})
        timings.append((time.perf_counter() - began) * 1000)
    timings.sort()
    print(
        f"extract_facts, {args.administrations} administrations, {args.records_not_read} records not read, "
        f"{args.runs} runs: "
        f"median {statistics.median(timings):.2f} ms, p90 {timings[int(0.9 * len(timings))]:.2f} ms, "
        f"min {timings[0]:.2f} ms"
    )


if __name__ == "__main__":
    main()

"""The benchmarks' synthetic patient (``bench.gather_decide.big_request``) goes the path it was built for:
two doses in three charted in mg/m² and counted as charted, one in three in mg with no weight near it (an
unknown part, the BSA search's path), so the figures measure that mix and not a shortcut a later rule took
(once, the rule that sets aside doses given before their order was written set aside all of them)."""

from __future__ import annotations

from bench.gather_decide import TODAY, big_request
from tests.policy.offline import decide


async def test_the_bench_patient_s_doses_are_read_as_built() -> None:
    (summary,) = await decide(big_request(60), TODAY)
    lines = {line["reference"]: line for line in summary["facts"]["dose_lines"]}
    assert len(lines) == 60
    for n in range(60):
        line = lines[f"MedicationAdministration/ma-bench-{n}"]
        if n % 3:
            assert (line["mg_m2"], line["note"]) == (10.0, None), line
        else:
            assert line["mg_m2"] is None and line["note"].startswith("mg dose: weight charted"), line

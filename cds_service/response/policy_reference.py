"""The policy the cards cite: CP.PHAR.418 (policy/CP.PHAR.418-dexrazoxane.md)."""

from __future__ import annotations

POLICY_ID = "CP.PHAR.418"
POLICY_TITLE = "Clinical Policy: Dexrazoxane (CP.PHAR.418)"
# Centene publishes its clinical policies as PDFs named by reference number in its public policy library.
POLICY_URL = "https://www.centene.com/content/dam/centene/policies/clinical-policies/CP.PHAR.418.pdf"

# I.B.4: dexrazoxane for anthracycline extravasation "does not exceed 2,000 mg per day on days 1 and 2, and
# 1,000 mg on day 3"; I.A.5.a / II.A.4.a: "does not exceed 10 times the dose of doxorubicin".
EXTRAVASATION_DAILY_CAP_MG: dict[int, float] = {1: 2000.0, 2: 2000.0, 3: 1000.0}
MAX_DEXRAZOXANE_TO_DOXORUBICIN_RATIO = 10.0

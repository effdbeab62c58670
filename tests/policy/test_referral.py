from __future__ import annotations

from cds_service.policy.referral import off_label_policies


def test_off_label_policy_by_line_of_business() -> None:
    assert off_label_policies("commercial") == ("CP.CPA.09",)
    assert off_label_policies("marketplace") == ("HIM.PA.154",)
    assert off_label_policies("medicaid") == ("CP.PMN.53",)


def test_all_three_when_the_line_of_business_is_unknown() -> None:
    assert off_label_policies(None) == ("CP.CPA.09", "HIM.PA.154", "CP.PMN.53")

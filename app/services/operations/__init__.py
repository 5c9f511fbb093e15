"""Operations (issue 20 items 4–5): readiness of the node (``health``), the maintenance notice (``maintenance``,
HCM-4.2) and the security assessment report (``security_report``, HCM-11.6)."""

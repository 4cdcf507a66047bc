"""The awards service: nominations, eligibility screening, public notice, council vote,
decisions."""

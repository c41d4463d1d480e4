"""Limits on what a user may ask for, declared once: every front end and the model check against these."""

from __future__ import annotations

import numbers

MAX_DAYS = 3650  # ten years of days: far beyond any campaign, small enough to refuse a typo at once
MAX_SEED = 2**63 - 1  # seeds are non-negative 64-bit integers (numpy.random.SeedSequence entropy)


def seed_problem(value: object) -> str | None:
    """Why ``value`` is not a valid seed, or None when it is one."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        return f"seed must be a whole number between 0 and 2**63-1, got {value!r}"
    if not 0 <= int(value) <= MAX_SEED:
        return f"seed must be between 0 and 2**63-1, got {int(value)}"
    return None


def days_problem(value: object) -> str | None:
    """Why ``value`` is not a valid number of days, or None when it is one."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        return f"days must be a whole number between 1 and {MAX_DAYS}, got {value!r}"
    if not 1 <= int(value) <= MAX_DAYS:
        return f"days must be between 1 and {MAX_DAYS}, got {int(value)}"
    return None

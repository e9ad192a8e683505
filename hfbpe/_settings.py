"""Numbers read from the environment (HFBPE_HUB_TIMEOUT, HFBPE_HUB_RETRIES, HFBPE_DASK_TIMEOUT),
with an error that names the setting when one is not what it should be."""

from __future__ import annotations

import os


def env_number(name: str, default: float, *, whole: bool = False, zero_ok: bool = False) -> float:
    """The number in environment variable `name`, or `default` when it is unset or empty.
    whole: an int is expected; zero_ok: 0 is allowed (else it must be positive)."""
    text = os.environ.get(name, "")
    try:
        value = (int(text) if whole else float(text)) if text else default
    except ValueError:
        value = -1
    if not (value >= 0 if zero_ok else value > 0):
        expected = "a whole number, 0 or more" if whole and zero_ok else "a positive number of seconds"
        raise ValueError(f"{name}={text!r}: expected {expected}")
    return value

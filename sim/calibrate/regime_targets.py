"""Checking the targets of the war's other regimes in a calibration file (sim.calibrate.spec):

- ``taken_within``: days until ``by`` takes ``place`` (a siege's or a collapse's duration) in ``range``;
- ``weekly_mean``: a daily column summed per week over ``days`` (whole weeks) in ``range``;
- ``ratio``: a column's daily mean over the ``last`` window over its mean over the ``first`` in ``range``.
"""

from __future__ import annotations

from typing import Any

from sim.errors import did_you_mean
from sim.scenario import limits

REGIME_KINDS = ("taken_within", "weekly_mean", "ratio")


def regime_fields(c, kind: str, f: dict, path: str, scenario, kw: dict[str, Any]) -> None:
    """Check a regime target's keys into ``kw`` (errors go to the checker ``c``, with their lines)."""
    from sim.calibrate.spec import _column, _positive, _range

    if kind == "taken_within":
        from sim.model.places import named_places
        from sim.scenario.schema import FACTIONS

        names = list(named_places(scenario))
        if f["place"].value not in names:
            c.err(f"no named place {f['place'].value!r} in that scenario (its objectives and record places)",
                  f["place"], f"{path}.place", did_you_mean(f["place"].value, names))
        kw["place"], kw["by"] = f["place"].value, f["by"].value
        if kw["by"] not in FACTIONS or kw["by"] == "ISIS":
            c.err(f"by is the faction that takes the place ({', '.join(FACTIONS[:-1])})", f["by"],
                  f"{path}.by", did_you_mean(kw["by"], FACTIONS))
        kw["range"] = _range(c, f["range"], f"{path}.range")
        return
    kw["column"] = f["column"].value
    _column(c, scenario, f["column"], f"{path}.column")
    kw["range"] = _range(c, f["range"], f"{path}.range")
    kw["scale"] = _positive(c, f.get("scale"), f"{path}.scale",
                            (kw["range"][1] - kw["range"][0]) if kw["range"] else 1.0)
    for key in ("days",) if kind == "weekly_mean" else ("first", "last"):
        window = _window(c, f[key], f"{path}.{key}")
        if kind == "weekly_mean" and window is not None and (window[1] - window[0] + 1) % 7:
            c.err("days must cover whole weeks ([first, last] with last - first + 1 a multiple of 7)",
                  f[key], f"{path}.{key}")
        kw[key] = window


def _window(c, node, path: str) -> tuple[int, int] | None:
    days = [c.integer(x, path, 0, limits.MAX_DAYS, None) for x in node.value] if node.is_list else []
    if len(days) != 2 or None in days or days[0] > days[1]:
        c.err("a window of days is [first, last] with first <= last", node, path)
        return None
    return days[0], days[1]

"""The scenario's ``record:``: dated events from the public record, each tied to an observable.

An entry names what happened (``what``), when (``date``), who says so (``source``, the page's
address, and ``quote``, what it says; ``partisan: true`` when the source takes a side) and exactly
one observable the model reports:

- ``place_taken: {place, by, nth}``: the ``nth`` time (default 1) faction ``by`` takes the place;
- ``place_lost: {place, by, nth}``: the ``nth`` time ``by`` loses the place to ISIS;
- ``pocket_reduced: {pocket, share}``: the pocket's ISIS-held area first falls by ``share``
  (1 = cleared);
- ``isis_fighters: {below}``: ISIS fighters in the theater first fall below ``below``.

The cut-off rule of the project's reference (``shared/reference/record.yaml``) is enforced here:
no outcome after 30 April 2018 may be written into a scenario.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

from sim.scenario.model import KINDS, RecordEvent

if TYPE_CHECKING:
    from sim.scenario.resolve import _Resolver

CUTOFF = dt.date(2018, 4, 30)  # the last date an outcome may carry (shared/reference/record.yaml)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _DATE.match(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def resolve_record(r: _Resolver, start: dt.date | None) -> tuple[RecordEvent, ...]:
    """The resolved record; every problem goes to ``r.errors`` with its line."""
    out = []
    seen: dict[str, int] = {}
    for i, entry in enumerate(r.shape.record):
        path = ("record", i)
        if entry.id in seen:
            r.fail(f"id {entry.id!r} is used twice (first by record entry {seen[entry.id]})", (*path, "id"))
            continue
        seen[entry.id] = i
        date = _date(entry.date)
        if date is None:
            r.fail(f"must be a date written YYYY-MM-DD, got {entry.date!r:.40}", (*path, "date"))
            continue
        if date > CUTOFF:
            r.fail(f"{date} is after the record's cut-off (30 April 2018): outcomes after it may not "
                   "be used anywhere (shared/reference/record.yaml)", (*path, "date"))
            continue
        if start is not None and date < start:
            r.fail(f"{date} is before the scenario starts ({start}): the model cannot be held to it",
                   (*path, "date"))
            continue
        kinds = [k for k in KINDS if getattr(entry, k) is not None]
        if len(kinds) != 1:
            extra = f", not {' and '.join(kinds)}" if kinds else ""
            r.fail(f"give exactly one of {', '.join(KINDS)}{extra}", path)
            continue
        kind = kinds[0]
        fields = _observable(r, kind, getattr(entry, kind), (*path, kind))
        if fields is None or start is None:
            continue
        out.append(RecordEvent(
            id=entry.id, date=date, day=(date - start).days, what=entry.what, kind=kind,
            source=entry.source, quote=entry.quote, partisan=entry.partisan,
            quote_source=entry.quote_source, note=entry.note, **fields))
    return tuple(out)


def _observable(r: _Resolver, kind: str, spec: Any, path: tuple) -> dict[str, Any] | None:
    from sim.errors import did_you_mean

    if kind in ("place_taken", "place_lost"):
        if kind == "place_lost" and spec.by == "ISIS":
            r.fail("`by` names the faction that loses the place to ISIS, not ISIS", (*path, "by"))
            return None
        at = r.place(spec.place, (*path, "place"), in_grid=True)
        if at is None:
            return None
        name, lon, lat = at
        if name is None:
            r.fail("must be a place name from the gazetteer (a named place is what the record dates)",
                   (*path, "place"))
            return None
        return {"place": name, "lon": lon, "lat": lat, "by": spec.by, "nth": spec.nth}
    if kind == "pocket_reduced":
        if spec.pocket not in r.shape.pockets:
            r.fail(f"unknown pocket {spec.pocket!r} (the scenario's pockets: "
                   f"{', '.join(r.shape.pockets) or 'none'})", (*path, "pocket"),
                   did_you_mean(spec.pocket, r.shape.pockets))
            return None
        return {"pocket": spec.pocket, "share": spec.share}
    return {"below": spec.below}


__all__ = ["CUTOFF", "KINDS", "RecordEvent", "resolve_record"]

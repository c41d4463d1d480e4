"""The model against the record: for each ``record:`` entry, the day the model shows the same thing.

``model_day`` is None when the model has not shown it by the run's last day; ``error_days`` is
``model_day - record_day`` (positive: the model is late).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.model.places import HOLDER, control_code

if TYPE_CHECKING:
    from sim.scenario.model import RecordEvent


def _nth(changes: list[dict], n: int, match) -> int | None:
    hits = [c["day"] for c in changes if match(c)]
    return hits[n - 1] if len(hits) >= n else None


def model_day(event: RecordEvent, places: dict[str, dict], rows: list[dict]) -> int | None:
    """The first day (or the ``nth`` change of hands) on which the model shows ``event``."""
    if event.kind in ("place_taken", "place_lost"):
        changes = places[event.place]["changes"]
        who = HOLDER[control_code(event.by)]
        if event.kind == "place_taken":
            return _nth(changes, event.nth, lambda c: c["to"] == who)
        return _nth(changes, event.nth, lambda c: c["from"] == who and c["to"] == "ISIS")
    if event.kind == "pocket_reduced":
        key = f"{event.pocket}_km2"
        initial = rows[0][key]
        limit = (1.0 - event.share) * initial
        return next((r["day"] for r in rows if r[key] <= limit + 1e-9), None) if initial > 0 else None
    return next((r["day"] for r in rows if r["isis_fighters"] < event.below), None)


def compare(record, places: dict[str, dict], rows: list[dict]) -> list[dict]:
    """One dict per record entry: ``{id, what, date, record_day, model_day, error_days, source, ...}``."""
    out = []
    for event in record:
        day = model_day(event, places, rows)
        entry = {
            "id": event.id,
            "what": event.what,
            "date": event.date.isoformat(),
            "record_day": event.day,
            "model_day": day,
            "error_days": None if day is None else day - event.day,
            "source": event.source,
            "quote": event.quote,
            "partisan": event.partisan,
            "observable": event.observable(),
            "label": event.label(),
            "kind": event.kind,
        }
        if event.kind == "isis_fighters":
            at = next((r for r in rows if r["day"] == event.day), None)
            entry["model_value_on_date"] = None if at is None else at["isis_fighters"]
        out.append(entry)
    return out


__all__ = ["compare", "model_day"]

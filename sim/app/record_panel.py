"""The classroom page's record: the record's dates marked on the charts, and a "What happened" panel.

Self-contained pieces the page wires in: ``marker_days`` and ``with_markers`` put a dotted line at
each record date on every chart (ECharts ``markLine``, sent once with the options, so a day of play
still sends only its points); ``panel_rows`` and :func:`RecordPanel` list each event with its date,
quote and source beside the day each side's model showed it, so the instructor can ask "the model
says day 40, the record says day 54 -- why?".
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import solara

from sim.model.comparison import model_day

MARKER_COLOR = "#6B6B6B"


def marker_days(scenario) -> dict[int, str]:
    """Day -> label of the scenario's record events (events of one day joined)."""
    days: dict[int, list[str]] = {}
    for event in scenario.record:
        days.setdefault(event.day, []).append(event.label())
    return {day: " / ".join(labels) for day, labels in sorted(days.items())}


def with_markers(options: list[dict], markers: dict[int, str]) -> list[dict]:
    """Chart options (sim.app.charts) with a dotted vertical line at each marker day on every chart."""
    if not markers:
        return options
    out = copy.deepcopy(options)
    line = {"silent": True, "symbol": "none", "animation": False,
            "lineStyle": {"type": "dotted", "color": MARKER_COLOR, "width": 1.5},
            "label": {"show": True, "position": "insideEndTop", "fontSize": 11, "color": MARKER_COLOR,
                      "formatter": "{b}"},
            "data": [{"xAxis": day, "name": label} for day, label in markers.items()]}
    for chart in out:
        if chart.get("series"):
            chart["series"][0]["markLine"] = line
    return out


def panel_rows(scenario, sides: Sequence, finished: bool, day: int) -> list[dict]:
    """One row per record event: the record's date and day, its source, and each side's model day so
    far (``sides`` are sim.app.state.Side: ``key``, ``model``, ``rows``)."""
    rows = []
    for event in scenario.record:
        row = {"id": event.id, "date": event.date.isoformat(), "record_day": event.day, "what": event.what,
               "observable": event.observable(), "quote": event.quote, "source": event.source,
               "partisan": event.partisan, "model": {}}
        for side in sides:
            shown = model_day(event, side.model.places.summary(), side.rows)
            row["model"][side.key] = (f"day {shown}" if shown is not None
                                      else f"not by day {day}" if finished else f"not yet (day {day})")
        rows.append(row)
    return rows


@solara.component
def RecordPanel(classroom, finished: bool):
    """'What happened': the record beside the model (shown when the scenario has a record)."""
    if classroom is None or not classroom.scenario.record:
        return
    rows = panel_rows(classroom.scenario, classroom.sides, finished, classroom.day)
    keys = [s.key for s in classroom.sides]
    with solara.Card("What happened: the record beside the model", classes=["bs-record"]):
        solara.Text("Dotted lines on the charts mark these dates. The model's days are read when the run "
                    "ends or the page is reset; press Reset after a run to read them again.",
                    classes=["bs-small"])
        with solara.Div(classes=["bs-record-rows"]):
            for r in rows:
                model = ", ".join(f"{k}: {r['model'][k]}" for k in keys)
                partisan = " (partisan source)" if r["partisan"] else ""
                with solara.Div(classes=["bs-record-row"], style={"margin": "8px 0"}):
                    solara.Text(f"{r['date']} (day {r['record_day']}): {r['what']}. Model: {model}",
                                style={"font-weight": "bold"})
                    solara.Text(f"“{r['quote']}” {r['source']}{partisan}", classes=["bs-small"])


__all__ = ["RecordPanel", "marker_days", "panel_rows", "with_markers"]

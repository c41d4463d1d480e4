"""The outcomes a sweep can record: a fixed list of named extractors over a run's summary.

A fixed list (rather than arbitrary expressions) keeps experiment files checkable before anything
runs, and gives every column in a results table one documented meaning.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from sim.factions import GROUND_FACTIONS

POCKET_STATS = {
    "final_km2": "area held on the last day (km2)",
    "mean_km2": "mean area held over the run (km2): lower means the pocket shrank sooner",
    "reduction_pct": "share of the initial area taken by the last day (%)",
    "days_to_50pct": "day the area first fell to half (run length + 1 if never)",
    "days_to_90pct": "day the area first fell to a tenth (run length + 1 if never)",
    "days_to_clear": "day the pocket was cleared (run length + 1 if never)",
}
GLOBAL = {
    "pockets_final_km2": "area of all named pockets on the last day (km2)",
    "pockets_mean_km2": "mean area of all named pockets over the run (km2)",
    "pockets_reduction_pct": "share of the named pockets' initial area taken by the last day (%)",
    "isis_fighters_final": "ISIS fighters left on the last day",
    "isis_area_final_km2": "all ISIS-held area on the last day (km2)",
    "raids": "ISIS raids (total)",
    "raids_into_iraq": "ISIS raids across the border into Iraq (total)",
    "incidents": "incidents between rival anti-ISIS forces (total)",
    "strikes": "air strikes (total)",
    "civilian_harm": "civilian-harm index (total)",
    "losses_total": "anti-ISIS ground losses, all factions",
}
FACTION_LOSSES = {f"losses_{f}": f"ground losses of {f}" for f in GROUND_FACTIONS}

# Counts of events: a design point whose replications all count the same gets the exact Poisson
# interval (sim.report.intervals), since its sample says nothing about the spread.
COUNTS = ("raids", "raids_into_iraq", "incidents", "strikes")

# Which outcome the report ranks channels by, best first, when the experiment records it.
POCKET_PRIORITY = ("pockets_reduction_pct", "pockets_mean_km2", "pockets_final_km2")


def record_outcome(event_id: str) -> str:
    """The outcome holding the model's day for a record entry (summary.json's ``record``)."""
    return f"record_{event_id}_day"


def available(pockets: Iterable[str], record: Iterable[str] = ()) -> dict[str, str]:
    """Every outcome name for a scenario with these pockets and record entries, with its meaning."""
    names = {f"{p}_{stat}": f"{p}: {text}" for p in pockets for stat, text in POCKET_STATS.items()}
    days = {record_outcome(r): f"record {r}: the model's day for it (run length + 1 if never)"
            for r in record}
    return {**names, **GLOBAL, **FACTION_LOSSES, **days}


def default_outcomes(pockets: Iterable[str], record: Iterable[str] = ()) -> list[str]:
    """What a sweep records when the experiment file lists no outcomes."""
    per_pocket = [f"{p}_{s}" for p in pockets for s in ("final_km2", "mean_km2", "days_to_50pct")]
    return [*per_pocket, "pockets_reduction_pct", "isis_fighters_final", "raids_into_iraq", "incidents",
            "strikes", "civilian_harm", "losses_total", *map(record_outcome, record)]


def is_count(name: str) -> bool:
    """True for outcomes that count events in a run (raids, incidents, strikes)."""
    return name in COUNTS


def is_pocket_outcome(name: str, pockets: Iterable[str]) -> bool:
    """True for outcomes that measure pocket area or its reduction (used to rank channels)."""
    return name.startswith("pockets_") or any(name.startswith(f"{p}_") for p in pockets)


def _num(value) -> float:
    return math.nan if value is None else float(value)


def extract(names: Iterable[str], summary: Mapping) -> dict[str, float]:
    """The requested outcomes of one run, as floats (NaN where undefined)."""
    pockets = summary["pockets"]
    censored = summary["days"] + 1
    values: dict[str, float] = {}
    for name in names:
        if name in GLOBAL or name in FACTION_LOSSES:
            values[name] = _global(name, summary)
            continue
        if name.startswith("record_") and name.endswith("_day"):
            entry = next(e for e in summary["record"] if record_outcome(e["id"]) == name)
            values[name] = float(censored if entry["model_day"] is None else entry["model_day"])
            continue
        pocket, stat = _split(name, pockets)
        value = pockets[pocket][stat]
        if stat.startswith("days_to_") and value is None:
            value = censored
        values[name] = _num(value)
    return values


def _split(name: str, pockets: Mapping) -> tuple[str, str]:
    for pocket in pockets:
        stat = name[len(pocket) + 1:]
        if name.startswith(f"{pocket}_") and stat in POCKET_STATS:
            return pocket, stat
    raise KeyError(f"unknown outcome {name!r}")


def _global(name: str, summary: Mapping) -> float:
    pockets = summary["pockets"].values()
    if name == "pockets_final_km2":
        return math.fsum(p["final_km2"] for p in pockets)
    if name == "pockets_mean_km2":
        return math.fsum(p["mean_km2"] for p in pockets)
    if name == "pockets_reduction_pct":
        initial = math.fsum(p["initial_km2"] for p in pockets)
        final = math.fsum(p["final_km2"] for p in pockets)
        return round(100.0 * (1.0 - final / initial), 6) if initial > 0 else math.nan
    if name.startswith("losses_") and name != "losses_total":
        return _num(summary["losses"].get(name.removeprefix("losses_")))
    return _num(summary[name])

"""What is recorded: one row a day (the timeseries) and the run's summary."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from mesa import DataCollector

from sim import __version__
from sim.factions import AIR_WINGS, GROUND_FACTIONS
from sim.model.comparison import compare

if TYPE_CHECKING:
    from sim.model import BorderModel

# Events counted per day (the daily columns); totals go into the summary.
DAILY_COUNTERS = (
    "raids",
    "raids_into_iraq",
    "incidents",
    "ground_incidents",
    "air_incidents",
    "strikes",
    "strikes_in_iraq",
    "strikes_in_syria",
    "strikes_coalition",
    "strikes_iraqi",
    "strikes_russian",
    # each air force's strikes by the country its target stood in (001 splits the coalition's week)
    *(f"strikes_{wing}_in_{country}" for wing in AIR_WINGS for country in ("iraq", "syria")),
    "civilian_harm",
    "arrests",
    "isis_killed_by_air",
    "isis_killed_in_combat",
    "engagements",
    "counterattacks",
    "detections",
)


def regime_counters(scenario) -> tuple[str, ...]:
    """The day's counters of the garrison and insurgency rules, when the scenario states their facts."""
    out: tuple[str, ...] = ()
    if any(f.garrison is not None for f in scenario.forces):
        out += ("surrendered",)
    if any(f.insurgent for f in scenario.forces):
        out += ("recruited", "infiltrated")
    return out


class RowCollector(DataCollector):
    """Mesa's DataCollector fed with the day's row: one model reporter per column (``row[key]``), so
    ``get_model_vars_dataframe()`` and ``mesa.batch_run`` read it as any Mesa model's; ``collect``
    appends the row's values directly instead of calling one reporter and deep-copying its value per
    column (the values are numbers and strings, which a copy would leave as they are)."""

    def __init__(self, columns: list[str]):
        super().__init__(model_reporters={key: (lambda m, key=key: m.row[key]) for key in columns})
        self._columns = tuple(columns)

    def collect(self, model) -> None:
        if hasattr(self, "_collection_steps"):  # what DataCollector.collect keeps beside the values
            self._collection_steps.append(model.time)
        row, model_vars = model.row, self.model_vars
        for key in self._columns:
            model_vars[key].append(row[key])


def _counted(model: BorderModel) -> tuple[str, ...]:
    """The day's counters of ``model``'s scenario (``DAILY_COUNTERS`` and ``regime_counters``), kept
    on the model while its scenario stays the same object."""
    spec, counted = getattr(model, "_counted", (None, ()))
    if spec is not model.scenario:
        counted = (*DAILY_COUNTERS, *regime_counters(model.scenario))
        model._counted = model.scenario, counted
    return counted


def _r(x: float) -> float:
    """Round for output: six decimals keeps files short and byte-stable."""
    return round(float(x), 6)


def daily_row(model: BorderModel) -> dict:
    row: dict = {"day": model.steps, "date": model.date.isoformat()}
    cells = model.isis_cells()
    row["isis_fighters"] = _r(sum(c.strength for c in cells))
    row["isis_cells"] = len(cells)
    row["isis_area_km2"] = _r(model.isis_km2)
    for i, name in enumerate(model.pocket_names):
        row[f"{name}_km2"] = _r(model.pocket_km2[i])
        row[f"{name}_fighters"] = _r(model.pocket_fighters[i])
    row["other_km2"] = _r(model.pocket_km2[-1])
    row["other_fighters"] = _r(model.pocket_fighters[-1])
    row["isis_cohesion"] = _r(sum(c.cohesion for c in cells) / len(cells)) if cells else 0.0
    today = model.today
    for key in _counted(model):  # the regime's counters only when the scenario states its facts
        row[key] = _r(today.get(key, 0))
    row["civilian_harm_total"] = _r(model.totals.get("civilian_harm", 0))  # totals include today
    strength = dict.fromkeys(GROUND_FACTIONS, 0)  # each faction's units summed in unit order
    for unit in model.ground_units():
        strength[unit.faction] += unit.strength
    for faction in GROUND_FACTIONS:
        row[f"strength_{faction}"] = _r(strength[faction])
    return row


def _first_day(days: list[int], areas: list[float], threshold: float) -> int | None:
    for day, area in zip(days, areas, strict=True):
        if area <= threshold:
            return day
    return None


def summarize(model: BorderModel, rows: list[dict]) -> dict:
    """The run's summary: pocket milestones, ISIS strength, totals of events, losses."""
    days = [r["day"] for r in rows]
    pockets = {}
    for name in model.pocket_names:
        areas = [r[f"{name}_km2"] for r in rows]
        initial = areas[0]
        pockets[name] = {
            "label": model.scenario.pockets[name].label,
            "initial_km2": initial,
            "final_km2": areas[-1],
            "mean_km2": _r(sum(areas) / len(areas)),
            "reduction_pct": _r(100.0 * (1 - areas[-1] / initial)) if initial > 0 else None,
            "days_to_50pct": _first_day(days, areas, 0.5 * initial) if initial > 0 else None,
            "days_to_90pct": _first_day(days, areas, 0.1 * initial) if initial > 0 else None,
            "days_to_clear": _first_day(days, areas, 0.0) if initial > 0 else None,
        }
    counted = (*DAILY_COUNTERS, *regime_counters(model.scenario))
    totals = {key: _r(sum(r[key] for r in rows)) for key in counted}
    losses = {f: _r(model.losses.get(f, 0.0)) for f in GROUND_FACTIONS}
    places = model.places.summary()
    return {
        "scenario": model.scenario.name,
        "title": model.scenario.title,
        "seed": model.seed,
        "days": model.steps,
        "start_date": model.scenario.start_date.isoformat(),
        "end_date": model.date.isoformat(),
        "channels": model.scenario.channels.as_dict(),
        "pockets": pockets,
        "isis_area_initial_km2": rows[0]["isis_area_km2"],
        "isis_area_final_km2": rows[-1]["isis_area_km2"],
        "isis_fighters_initial": rows[0]["isis_fighters"],
        "isis_fighters_final": rows[-1]["isis_fighters"],
        "raids": totals["raids"],
        "raids_into_iraq": totals["raids_into_iraq"],
        "incidents": totals["incidents"],
        "strikes": totals["strikes"],
        "civilian_harm": totals["civilian_harm"],
        "totals": totals,
        "losses": losses,
        "losses_total": _r(math.fsum(losses.values())),
        "places": places,
        "record": compare(model.scenario.record, places, rows),
        "version": __version__,
        "config_hash": model.scenario.config_hash(),
    }

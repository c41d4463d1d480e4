"""Initial placement of the scenario's forces and air wings on the grid."""

from __future__ import annotations

import functools
import math
from typing import TYPE_CHECKING

import numpy as np

from sim.factions import ISIS
from sim.model.agents import AirWing, GroundUnit, IsisCell
from sim.model.space.distances import km_from_lonlat

if TYPE_CHECKING:
    from sim.model import BorderModel


def place_forces(model: BorderModel, rng: np.random.Generator) -> None:
    """Split each force entry into ``units`` agents scattered uniformly within ``spread_km``."""
    t = model.theater
    for force in model.scenario.forces:
        cx, cy = t.cell_of(force.lon, force.lat)
        share = force.fighters / force.units
        objective = _objective_cell(t, force)
        stages = tuple((_objective_cell(t, s), s.objective_pocket, s.advance_day) for s in force.stages)
        for k in range(force.units):
            cell = model.grid[_scatter(model, cx, cy, force.spread_km, rng)]
            label = f"{force.label} {k + 1}" if force.units > 1 else force.label
            if force.faction == ISIS:
                isis = IsisCell(
                    model,
                    cell,
                    strength=share,
                    concealment=model.params.isis_concealment,
                    label=label,
                )
                if force.garrison is not None:  # a garrison's stated facts (sim.model.phases.garrison)
                    isis.garrison, isis.garrison_strength = force.garrison, share
                if force.insurgent:  # hidden from the start: holds no ground (sim.model.phases.insurgency)
                    isis.insurgent = isis.dispersed = True
            else:
                unit = GroundUnit(
                    model,
                    cell,
                    faction=force.faction,
                    strength=share,
                    label=label,
                    objective=objective,
                    objective_pocket=force.objective_pocket,
                    stages=stages,
                )
                unit.halted_until = force.advance_day  # holds until its operation starts


def _objective_cell(t, spec) -> tuple[int, int] | None:
    """The grid cell of a force's (or stage's) objective point, None without one or off the grid."""
    if spec.objective_lon is None or not t.contains(spec.objective_lon, spec.objective_lat):
        return None
    return t.cell_of(spec.objective_lon, spec.objective_lat)


def _scatter(
    model: BorderModel, cx: int, cy: int, spread_km: float, rng: np.random.Generator
) -> tuple[int, int]:
    """A cell uniformly distributed over the disk of radius ``spread_km`` around (cx, cy)."""
    t = model.theater
    angle = rng.uniform(0.0, 2.0 * math.pi)
    radius = spread_km * math.sqrt(rng.uniform())
    x = cx + round(radius * math.cos(angle) / float(t.km_per_cell_x[cy]))
    y = cy + round(radius * math.sin(angle) / float(t.km_per_cell_y))
    return int(np.clip(x, 0, t.width - 1)), int(np.clip(y, 0, t.height - 1))


@functools.lru_cache(maxsize=64)
def km_from_bases(theater, bases: tuple[tuple[float, float], ...]) -> np.ndarray:
    """Km from every cell to the nearest of ``bases`` ((lon, lat) pairs): read-only, and kept per theater
    and bases, so the models of a process share one field per air force instead of one each."""
    km = np.min([km_from_lonlat(theater, lon, lat) for lon, lat in bases], axis=0)
    km.flags.writeable = False
    return km


def place_air_wings(model: BorderModel) -> None:
    """One AirWing per `air:` entry, at its first base (clipped to the grid if the base lies outside)."""
    t = model.theater
    for name, spec in model.scenario.air.items():
        if not spec.bases:
            continue
        base_km = km_from_bases(t, tuple((b.lon, b.lat) for b in spec.bases))
        first = spec.bases[0]
        x = int(np.clip(np.searchsorted(t.lon_centers, first.lon), 0, t.width - 1))
        y = int(np.clip(np.searchsorted(t.lat_centers, first.lat), 0, t.height - 1))
        AirWing(
            model,
            model.grid[(x, y)],
            wing=name,
            sorties_per_day=spec.sorties_per_day,
            base_km=base_km,
        )

"""Phase 5 of the day: ISIS cells, feeling the pressure of the units that just moved, disperse,
reinforce a pressed neighbour or raid (``IsisCell.act``).

The phase hands every cell the day's ``IsisPicture`` (sim.model.day), computed for all cells at once:

- pressure on a cell is the effective strength (strength x readiness) of the non-halted enemy units
  within twice ``contact_km``;
- a quiet cell reinforces the nearest other pressed cell within ``reinforce_range_km``, as the cells
  stood when the phase began (reinforcements head for what was seen that morning);
- a cell raids the nearest Iraqi unit within ``raid_range_km`` if there is one (raids go into Iraq),
  else the nearest unit. Ground units stand still during the phase, so the raid target depends on
  the cell's position alone: known for every cell's start, found (then kept) for a cell that moved.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from sim.factions import CAMP_IRAQ
from sim.model.agents import GroundUnit, IsisCell
from sim.model.day import IsisPicture
from sim.model.space.distances import pairs_within, pairwise_km, xy

if TYPE_CHECKING:
    from sim.model import BorderModel


def pressure(model: BorderModel, cells: list[IsisCell]) -> dict[IsisCell, float]:
    """Per cell, the effective strength of the non-halted ground units within twice ``contact_km``."""
    units = model.ground_units()
    return pressure_at(model, cells, *xy(cells), units, *xy(units))


def pressure_at(model: BorderModel, cells: list[IsisCell], cx: np.ndarray, cy: np.ndarray,
                units: list[GroundUnit], ux: np.ndarray, uy: np.ndarray,
                km: np.ndarray | None = None) -> dict[IsisCell, float]:
    """``pressure`` with the cells' and units' coordinates (and, if the caller has it, the matrix
    ``pairwise_km`` of cells by units) already at hand."""
    moving = np.array([not u.halted for u in units], dtype=bool)
    if not cells or not moving.any():
        return dict.fromkeys(cells, 0.0)
    units = [u for u, m in zip(units, moving.tolist(), strict=True) if m]
    i, j, _ = pairs_within(model.theater, cx, cy, ux[moving], uy[moving], 2 * model.params.contact_km,
                           km=None if km is None else km[:, moving])
    eff = np.array([u.strength * u.readiness for u in units])
    return dict(zip(cells, np.bincount(i, weights=eff[j], minlength=len(cells)).tolist(), strict=True))


def reinforcement_targets(model: BorderModel, cells: list[IsisCell], cx: np.ndarray, cy: np.ndarray,
                          pressure: Mapping[IsisCell, float]) -> dict[IsisCell, IsisCell | None]:
    rows = [k for k, c in enumerate(cells) if pressure.get(c, 0.0) > 0 and c.strength > 0]
    targets: dict[IsisCell, IsisCell | None] = dict.fromkeys(cells)
    if not rows:
        return targets
    pressed = [cells[k] for k in rows]
    km = pairwise_km(model.theater, cx, cy, cx[rows], cy[rows])
    km[rows, np.arange(len(pressed))] = np.inf  # a cell does not reinforce itself
    nearest, closest = np.argmin(km, axis=1).tolist(), km.min(axis=1).tolist()
    for cell, k, d in zip(cells, nearest, closest, strict=True):
        targets[cell] = pressed[k] if d <= model.params.reinforce_range_km else None
    return targets


def isis_picture(model: BorderModel) -> IsisPicture:
    cells = model.isis_cells()
    cx, cy = xy(cells)
    units = model.ground_units()
    ux, uy = xy(units)
    km = pairwise_km(model.theater, cx, cy, ux, uy)  # once for the pressure and the raids (which read
    # every pair anyway)
    felt = pressure_at(model, cells, cx, cy, units, ux, uy, km)
    picture = IsisPicture(model.theater, model.params.raid_range_km, felt,
                          reinforcement_targets(model, cells, cx, cy, felt), units, ux, uy,
                          np.array([u.camp == CAMP_IRAQ for u in units], dtype=bool), model.areas)
    picture._raids.update(picture.raid_targets(cx, cy, km))
    return picture


def isis_act(model: BorderModel) -> None:
    if IsisCell in model.agents_by_type:
        model.agents_by_type[IsisCell].shuffle_do("act", isis_picture(model))

"""Phase 5 of the day: ISIS cells, feeling the pressure of the units that just moved, disperse,
reinforce a pressed neighbour or raid (``IsisCell.act``).

The phase hands every cell the day's ``IsisPicture``, computed for all cells at once:

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
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from sim.factions import CAMP_IRAQ
from sim.model.agents import IsisCell
from sim.model.space.distances import nearest_within, pairs_within, pairwise_km, xy

if TYPE_CHECKING:
    from sim.geography import Theater
    from sim.model import BorderModel
    from sim.model.agents import GroundUnit
    from sim.model.phases.areas import Areas


@dataclass(frozen=True)
class IsisPicture:
    theater: Theater
    raid_range_km: float
    pressure: Mapping[IsisCell, float]
    reinforcement: Mapping[IsisCell, IsisCell | None]
    units: list[GroundUnit]  # ground units, standing still during the phase
    ux: np.ndarray
    uy: np.ndarray
    is_iraqi: np.ndarray
    areas: Areas
    _raids: dict = field(default_factory=dict, compare=False, repr=False)

    def raid_target(self, here: tuple[int, int]) -> GroundUnit | None:
        if here not in self._raids:  # the cell moved today
            self._raids.update(self.raid_targets(np.array([here[0]]), np.array([here[1]])))
        return self._raids[here]

    def raid_targets(self, cx: np.ndarray, cy: np.ndarray) -> dict[tuple[int, int], GroundUnit | None]:
        """The raid target of a cell standing at each (cx, cy), by coordinate."""
        cells = list(zip(cx.tolist(), cy.tolist(), strict=True))
        if not self.units:
            return dict.fromkeys(cells)
        nearest = nearest_within(self.theater, cx, cy, self.ux, self.uy, self.raid_range_km, self.is_iraqi)
        return dict(zip(cells, (self.units[k] if k >= 0 else None for k in nearest.tolist()), strict=True))


def pressure(model: BorderModel, cells: list[IsisCell]) -> dict[IsisCell, float]:
    units = [u for u in model.ground_units() if not u.halted]
    if not cells or not units:
        return dict.fromkeys(cells, 0.0)
    i, j, _ = pairs_within(model.theater, *xy(cells), *xy(units), 2 * model.params.contact_km)
    eff = np.array([u.strength * u.readiness for u in units])
    return dict(zip(cells, np.bincount(i, weights=eff[j], minlength=len(cells)).tolist(), strict=True))


def reinforcement_targets(model: BorderModel, cells: list[IsisCell],
                          pressure: Mapping[IsisCell, float]) -> dict[IsisCell, IsisCell | None]:
    pressed = [c for c in cells if pressure.get(c, 0.0) > 0 and c.strength > 0]
    targets: dict[IsisCell, IsisCell | None] = dict.fromkeys(cells)
    if not pressed:
        return targets
    km = pairwise_km(model.theater, *xy(cells), *xy(pressed))
    row = {c: k for k, c in enumerate(cells)}
    km[[row[c] for c in pressed], np.arange(len(pressed))] = np.inf  # a cell does not reinforce itself
    nearest, closest = np.argmin(km, axis=1).tolist(), km.min(axis=1).tolist()
    for cell, k, d in zip(cells, nearest, closest, strict=True):
        targets[cell] = pressed[k] if d <= model.params.reinforce_range_km else None
    return targets


def isis_picture(model: BorderModel) -> IsisPicture:
    cells = model.isis_cells()
    felt = pressure(model, cells)
    units = model.ground_units()
    ux, uy = xy(units)
    picture = IsisPicture(model.theater, model.params.raid_range_km, felt,
                          reinforcement_targets(model, cells, felt), units, ux, uy,
                          np.array([u.camp == CAMP_IRAQ for u in units], dtype=bool), model.areas)
    picture._raids.update(picture.raid_targets(*xy(cells)))
    return picture


def isis_act(model: BorderModel) -> None:
    if IsisCell in model.agents_by_type:
        model.agents_by_type[IsisCell].shuffle_do("act", isis_picture(model))

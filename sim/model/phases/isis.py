"""What the ISIS cells read during their phase, computed for all cells at once each day.

Pressure on a cell is the effective strength (strength x readiness) of the non-halted enemy units
within twice ``contact_km``. A quiet cell reinforces the nearest other pressed cell within
``reinforce_range_km``, as the cells stood when the phase began (reinforcements head for what was
seen that morning). A cell raids the nearest Iraqi unit within ``raid_range_km`` if there is one
(raids go into Iraq), else the nearest unit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.model.space.distances import nearest_within, xy

if TYPE_CHECKING:
    from sim.model import BorderModel
    from sim.model.agents import GroundUnit, IsisCell


def pressure(model: BorderModel) -> dict[IsisCell, float]:
    cells = model.isis_cells()
    units = [u for u in model.ground_units() if not u.halted]
    if not cells or not units:
        return dict.fromkeys(cells, 0.0)
    i, j, _ = model.pairs_within(*xy(cells), *xy(units), 2 * model.params.contact_km)
    eff = np.array([u.strength * u.readiness for u in units])
    return dict(zip(cells, np.bincount(i, weights=eff[j], minlength=len(cells)).tolist(), strict=True))


def reinforcement_targets(model: BorderModel) -> dict[IsisCell, IsisCell | None]:
    cells = model.isis_cells()
    pressed = [c for c in cells if model.pressure.get(c, 0.0) > 0 and c.strength > 0]
    targets: dict[IsisCell, IsisCell | None] = dict.fromkeys(cells)
    if not pressed:
        return targets
    km = model.pairwise_km(*xy(cells), *xy(pressed))
    row = {c: k for k, c in enumerate(cells)}
    km[[row[c] for c in pressed], np.arange(len(pressed))] = np.inf  # a cell does not reinforce itself
    nearest, closest = np.argmin(km, axis=1).tolist(), km.min(axis=1).tolist()
    for cell, k, d in zip(cells, nearest, closest, strict=True):
        targets[cell] = pressed[k] if d <= model.params.reinforce_range_km else None
    return targets


def raid_targets(
    model: BorderModel, cx: np.ndarray, cy: np.ndarray
) -> dict[tuple[int, int], GroundUnit | None]:
    """The raid target of a cell standing at each (cx, cy), by coordinate."""
    units, ux, uy, is_iraqi = model.ground_units_now()
    cells = list(zip(cx.tolist(), cy.tolist(), strict=True))
    if not units:
        return dict.fromkeys(cells)
    nearest = nearest_within(model.theater, cx, cy, ux, uy, model.params.raid_range_km, is_iraqi)
    return dict(zip(cells, (units[k] if k >= 0 else None for k in nearest.tolist()), strict=True))

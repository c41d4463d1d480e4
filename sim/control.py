"""Control of ground follows presence.

Each anti-ISIS unit takes over the cells within ``control_radius_km`` that are ISIS-held or
unheld, unless an ISIS cell stands on or next to them (ISIS presence = the cells of ISIS agents,
dilated by one cell). Each ISIS cell holds the cell it stands on unless an enemy unit stands there
too. Cells held by the other anti-ISIS camps are never taken over.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy import ndimage

from sim.factions import CONTROL_ISIS, CONTROL_NONE, GROUND_FACTIONS
from sim.geography import COUNTRY_OTHER

if TYPE_CHECKING:
    from sim.model import BorderModel

_NEIGHBOURHOOD = np.ones((3, 3), dtype=bool)


def update_control(model: BorderModel) -> None:
    t, control = model.theater, model.control
    cells = model.isis_cells()
    presence = np.zeros(control.shape, dtype=bool)
    for cell in cells:
        presence[cell.cell.coordinate] = True
    presence = ndimage.binary_dilation(presence, structure=_NEIGHBOURHOOD)
    land = t.country != COUNTRY_OTHER
    radius = model.params.control_radius_km
    occupied = set()
    for unit in model.ground_units():
        if unit.strength <= 0:
            continue
        x, y = unit.cell.coordinate
        occupied.add((x, y))
        if unit.halted:
            continue
        xs, ys, disk = t.disk(x, y, radius)
        window = control[xs, ys]  # a view: writes go to the control layer
        takeable = (window == CONTROL_ISIS) | (window == CONTROL_NONE)
        window[disk & takeable & ~presence[xs, ys] & land[xs, ys]] = GROUND_FACTIONS[
            unit.faction
        ].control
    for cell in cells:
        if cell.cell.coordinate not in occupied:
            control[cell.cell.coordinate] = CONTROL_ISIS

"""Phase 4 of the day: ground units advance (``GroundUnit.advance``), each choosing its own target.

The phase hands every unit the day's ``GroundPicture`` (sim.model.day): where the ISIS cells stood
when the phase began, which ground ISIS holds, and where each faction may operate. Whether a cell is
in contact with ISIS depends on the cell alone while the ISIS cells stand still, so it is known for
every unit's start cell at once and found (then kept) for each cell a unit steps into.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.factions import CONTROL_ISIS
from sim.model.agents import GroundUnit
from sim.model.day import GroundPicture
from sim.model.space.distances import pairs_within, xy

if TYPE_CHECKING:
    from sim.model import BorderModel


def ground_picture(model: BorderModel) -> GroundPicture:
    ix, iy = xy(model.isis_cells())
    picture = GroundPicture(
        model.theater, model.params.contact_km, ix, iy, np.nonzero(model.control == CONTROL_ISIS),
        model.areas.operating, dict(zip(model.pocket_names, model.pocket_masks, strict=True)),
    )
    units = model.ground_units()
    ux, uy = xy(units)
    near = np.zeros(len(units), dtype=bool)
    near[pairs_within(model.theater, ux, uy, ix, iy, model.params.contact_km)[0]] = True
    picture._contact.update(zip(zip(ux.tolist(), uy.tolist(), strict=True), near.tolist(), strict=True))
    return picture


def move_ground_forces(model: BorderModel) -> None:
    model.agents_by_type[GroundUnit].shuffle_do("advance", ground_picture(model))

"""Phase 4 of the day: ground units advance (``GroundUnit.advance``), each choosing its own target.

The phase hands every unit the day's ``GroundPicture`` (sim.model.day): where the ISIS cells stood
when the phase began, which ground ISIS holds, and where each faction may operate. Whether a cell is
in contact with ISIS depends on the cell alone while the ISIS cells stand still, so the cells within
``contact_km`` of an ISIS cell are marked once for the phase.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.factions import CONTROL_ISIS
from sim.model.agents import GroundUnit
from sim.model.day import GroundPicture
from sim.model.space.distances import near_any, xy

if TYPE_CHECKING:
    from sim.model import BorderModel


def ground_picture(model: BorderModel) -> GroundPicture:
    return GroundPicture(
        model.theater, near_any(model.theater, *xy(model.isis_cells()), model.params.contact_km),
        np.nonzero(model.control == CONTROL_ISIS), model.areas.operating,
        dict(zip(model.pocket_names, model.pocket_masks, strict=True)), xy(model.ground_units()),
    )


def move_ground_forces(model: BorderModel) -> None:
    model.agents_by_type[GroundUnit].shuffle_do("advance", ground_picture(model))

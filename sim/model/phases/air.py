"""Phase 3 of the day: air wings fly their sorties (``AirWing.fly``) against what their camp saw.

The phase hands each wing the day's ``AirPicture`` (sim.model.day): the sightings and the strike
zones, as they stood when the phase began, and the friction rule for a strike near the rival camp;
each wing then picks and strikes its targets itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.model.day import AirPicture
from sim.model.phases.friction import AirFriction

if TYPE_CHECKING:
    from sim.model import BorderModel


def fly_air_missions(model: BorderModel) -> None:
    wings = model.air_wings()
    if wings:
        wings.shuffle_do("fly", AirPicture(model.sightings, model.areas.strike, AirFriction()))

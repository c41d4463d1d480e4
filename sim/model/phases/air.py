"""Phase 3 of the day: air wings fly their sorties (``AirWing.fly``) against what their camp saw.

The phase hands each wing the day's ``AirPicture``: the sightings and the strike zones, as they
stood when the phase began; each wing then picks and strikes its targets itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sim.factions import CAMPS

if TYPE_CHECKING:
    from collections.abc import Mapping

    import numpy as np

    from sim.model import BorderModel
    from sim.model.agents import IsisCell
    from sim.model.phases.intel import Sightings


@dataclass(frozen=True)
class AirPicture:
    sightings: Sightings
    zones: Mapping[str, np.ndarray]

    def targets(self, wing: str, camp: str) -> list[IsisCell]:
        """Cells ``camp`` has seen, inside ``wing``'s strike zone, with at least one fighter."""
        j = CAMPS.index(camp)
        zone = self.zones[wing]
        return [c for c, seen in self.sightings.seen.items()
                if seen[j] and zone[c.cell.coordinate] and c.strength >= 1.0]


def fly_air_missions(model: BorderModel) -> None:
    wings = model.air_wings()
    if wings:
        wings.shuffle_do("fly", AirPicture(model.sightings, model.areas.strike))

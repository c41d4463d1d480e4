"""Coordination between the Iraqi Security Forces and the SDF (000_8cc010e97ee6cc1c.txt).

Open: the Iraqi Air Force may strike ISIS on the SDF side of Syria (the Dashisha strikes), the
ISF holds its side of the border so cells in Syria cannot slip into Iraq and their cross-border
raids are blunted, and the two camps pool their intelligence.
"""

from __future__ import annotations

from sim.channels.base import Channel
from sim.factions import CAMP_IRAQ, CAMP_SDF
from sim.geography import COUNTRY_IRAQ, COUNTRY_SYRIA
from sim.model.space.zones import iraq, sdf_side


class IsfSdfCoordination(Channel):
    name = "isf_sdf_coordination"
    label = "ISF–SDF coordination"
    article = "000_8cc010e97ee6cc1c.txt"
    summary = "Iraqi strikes on the SDF side of Syria; border held; shared intelligence"

    def shared_intelligence(self):
        return ((CAMP_IRAQ, CAMP_SDF),) if self.active else ()

    def widen_strike_zone(self, model, wing):
        return sdf_side(model) if self.active and wing == "iraqi" else None

    def isis_barrier(self, model):
        return iraq(model) if self.active else None

    def raid_factor(self, model, cell, target):
        if not self.active:
            return 1.0
        country = model.theater.country
        across = (
            country[cell.pos] == COUNTRY_SYRIA
            and country[target.pos] == COUNTRY_IRAQ
        )
        return model.params.border_seal_raid_factor if across else 1.0

"""Direct coordination between Damascus and Baghdad (000_8cc010e97ee6cc1c.txt, 002_61d1b93907d89329.txt).

Open: the Iraqi Air Force may strike ISIS near SAA-held ground in Syria (the strike around Albu
Kamal that killed 36 ISIS militants), with targets passed between the two governments.
"""

from __future__ import annotations

from sim.channels.base import Channel
from sim.factions import CAMP_IRAQ, CAMP_SAA
from sim.model.space.zones import saa_side


class DamascusBaghdad(Channel):
    name = "damascus_baghdad"
    label = "Damascus–Baghdad coordination"
    article = "000_8cc010e97ee6cc1c.txt"
    summary = "Iraqi strikes on ISIS near SAA-held ground, with shared targeting"

    def shared_intelligence(self):
        return ((CAMP_IRAQ, CAMP_SAA),) if self.active else ()

    def widen_strike_zone(self, model, wing):
        return saa_side(model) if self.active and wing == "iraqi" else None

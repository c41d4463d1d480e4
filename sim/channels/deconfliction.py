"""US-Russia deconfliction line (003_e3f1c5d059373657.txt).

Open: the tacit dividing line holds (the SDF north/east of the Euphrates, the SAA south/west) and
incidents between the rival camps are rare. Closed: no line, incidents as likely as the meeting
of forces makes them, and air wings hold back strikes close to the rival camp's ground forces.
"""

from __future__ import annotations

from sim.channels.base import Channel
from sim.factions import AIR_WINGS, RIVAL_OF
from sim.model.space.zones import near_units


class Deconfliction(Channel):
    name = "deconfliction"
    label = "US–Russia deconfliction line"
    article = "003_e3f1c5d059373657.txt"
    summary = "US-Russia line: SDF north/east and SAA south/west of the Euphrates; rare incidents"

    def narrow_operating_area(self, model, faction):
        if not self.active:
            return None
        side = model.theater.euphrates_side
        if faction == "SDF":
            return side < 0
        if faction == "SAA":
            return side > 0
        return None

    def narrow_strike_zone(self, model, wing):
        rival = RIVAL_OF.get(AIR_WINGS[wing].camp)
        if self.active or rival is None:
            return None
        return near_units(model, model.units_of_camp(rival), model.params.strike_standoff_km)

    def incident_factor(self, model):
        return model.params.incident_factor_with_line if self.active else 1.0

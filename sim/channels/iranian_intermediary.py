"""Iran as intermediary between the Iraqi and Syrian armies (002_61d1b93907d89329.txt).

Open: the two armies push toward a shared objective at the same time (a pincer bonus when an ISIS
cell is attacked from both camps), the PMF may operate in Syria beside the SAA (Hashd al-Sha'abi
with the Syrian special forces near Mohassan), and the two camps pool their intelligence.
"""

from __future__ import annotations

import numpy as np

from sim.channels.base import Channel
from sim.factions import CAMP_IRAQ, CAMP_SAA
from sim.model.space.distances import xy
from sim.model.space.zones import saa_side

_SYNCHRONISED = ("ISF", "PMF", "SAA")


class IranianIntermediary(Channel):
    name = "iranian_intermediary"
    label = "Iran as intermediary"
    article = "002_61d1b93907d89329.txt"
    summary = "Iraqi and Syrian offensives synchronised; PMF in Syria; shared intelligence"

    def __init__(self, active: bool):
        super().__init__(active)
        self.objective: tuple[int, int] | None = None

    def on_day(self, model):
        """Pick the ISIS cell both armies can reach soonest: min over cells of the farther one."""
        self.objective = None
        if not self.active:
            return
        iraqi, syrian = model.units_of_camp(CAMP_IRAQ), model.units_of_camp(CAMP_SAA)
        cells = model.isis_cells()
        if not iraqi or not syrian or not cells:
            return
        cx, cy = xy(cells)
        d_iraq = model.pairwise_km(cx, cy, *xy(iraqi)).min(axis=1)
        d_syria = model.pairwise_km(cx, cy, *xy(syrian)).min(axis=1)
        best = int(np.argmin(np.maximum(d_iraq, d_syria)))
        self.objective = (int(cx[best]), int(cy[best]))

    def shared_intelligence(self):
        return ((CAMP_IRAQ, CAMP_SAA),) if self.active else ()

    def widen_operating_area(self, model, faction):
        return saa_side(model) if self.active and faction == "PMF" else None

    def ground_target(self, model, unit):
        if self.objective is None or unit.faction not in _SYNCHRONISED:
            return None
        ox, oy = self.objective
        x, y = unit.pos
        km = model.pairwise_km(np.array([x]), np.array([y]), np.array([ox]), np.array([oy]))
        return self.objective if km[0, 0] <= model.params.sync_radius_km else None

    def area_fire_factor(self, model, attackers):
        camps = {u.camp for u in attackers}
        both = CAMP_IRAQ in camps and CAMP_SAA in camps
        return model.params.pincer_bonus if self.active and both else 1.0

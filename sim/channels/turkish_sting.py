"""The Turkish sting operation that arrested five high-ranking ISIS militants (000_8cc010e97ee6cc1c.txt).

Open: on ``params.sting_day`` the leaders are arrested and every ISIS cell loses
``sting_leaders_arrested * cohesion_loss_per_leader`` of its cohesion (command). Cohesion scales
raids, reinforcement between cells and ISIS aimed fire, and recovers only slowly
(``cohesion_recovery`` a day), so the effect lasts for a period.
"""

from __future__ import annotations

from sim.channels.base import Channel


class TurkishSting(Channel):
    name = "turkish_sting"
    label = "Turkish sting (arrests)"
    article = "000_8cc010e97ee6cc1c.txt"
    summary = "Arrest of ISIS leaders: cohesion drops, fewer raids and less reinforcement"

    def on_day(self, model):
        p = model.params
        if not self.active or model.steps != round(p.sting_day):
            return
        loss = p.sting_leaders_arrested * p.cohesion_loss_per_leader
        for cell in model.isis_cells():
            cell.cohesion = max(0.0, cell.cohesion - loss)
        model.today["arrests"] += p.sting_leaders_arrested

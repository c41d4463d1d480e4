"""US-led coalition support to Iraq (001_7ee1bc880b577988.txt, 004_f5339ab803bf009a.txt).

Open: coalition aircraft strike ISIS in Iraq with the consent of the Iraqi government (001: six of
nine strikes in a week were in Iraq). Closed: no coalition strikes in Iraq, and the Iraqi Air
Force flies fewer sorties after the coalition technicians left Balad (004), but it keeps flying.
"""

from __future__ import annotations

from sim.channels.base import Channel
from sim.model.space.zones import iraq


class CoalitionSupport(Channel):
    name = "coalition_support"
    label = "Coalition support"
    article = "001_7ee1bc880b577988.txt"
    summary = "Coalition strikes in Iraq; full Iraqi sortie rate"

    def widen_strike_zone(self, model, wing):
        return iraq(model) if self.active and wing == "coalition" else None

    def sortie_factor(self, model, wing):
        if wing == "iraqi" and not self.active:
            return model.params.iraqi_sorties_without_coalition
        return 1.0

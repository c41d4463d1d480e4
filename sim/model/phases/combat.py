"""Phase 5 of the day: ground combat between anti-ISIS units and ISIS cells.

Each non-halted unit engages its nearest ISIS cell within ``contact_km`` that holds ground (the
kind that holds it up, phases/ground.py), else its nearest dispersed cell in range; all attackers
of a cell fight it together for one day under Deitchman's mixed law
(``sim.model.laws.lanchester.mixed_law``), with the area-fire coefficient modified by concealment,
detection, urban terrain and the channels.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import TYPE_CHECKING

import numpy as np

from sim.geography import TERRAIN_URBAN
from sim.model.day import on_prepared_ground
from sim.model.laws import lanchester
from sim.model.phases.garrison import engaged_cap
from sim.model.space.distances import nearest_within, xy

if TYPE_CHECKING:
    from sim.model import BorderModel
    from sim.model.agents import GroundUnit, IsisCell


def fight_engagements(model: BorderModel) -> None:
    """Pair units with cells, fight each cell's engagement, remove cells left under one fighter."""
    cells = model.isis_cells()
    units = [u for u in model.ground_units() if not u.halted and u.strength > 0]
    if not cells or not units:
        return
    nearest = pair_with_cells(model, units, cells)
    attackers: dict[int, list[GroundUnit]] = defaultdict(list)  # by cell, in unit order
    for unit, n in zip(units, nearest.tolist(), strict=True):
        if n >= 0:
            attackers[n].append(unit)
    for j, cell in enumerate(cells):
        if j in attackers:
            model.engage(cell, attackers[j])
    for cell in model.isis_cells():
        if cell.strength < 1.0:
            model.today["isis_killed_in_combat"] += cell.strength
            cell.strength = 0.0
            cell.remove()


def pair_with_cells(model: BorderModel, units: list[GroundUnit], cells: list[IsisCell]) -> np.ndarray:
    """The index in ``cells`` each unit engages, -1 for none: its nearest cell within ``contact_km``
    that holds ground, else its nearest dispersed cell within it. A column fights the position that
    holds it up, not a remnant hiding beside its road."""
    holding = np.array([not c.dispersed for c in cells], dtype=bool)
    return nearest_within(model.theater, *xy(units), *xy(cells), model.params.contact_km, preferred=holding)


def engage(model: BorderModel, cell: IsisCell, attackers: list[GroundUnit]) -> None:
    """One day of the mixed law; the attackers' loss is shared by their effective strengths.

    At most ``max_engaged_fighters`` of the attackers' effective strength fight (force to space);
    a cell on prepared ground divides their area fire by ``prepared_defense_factor``; a dispersed
    cell, withdrawing, is under fire for ``withdrawal_exposure`` of the day only.
    """
    p = model.params
    eff = np.array([u.strength * u.readiness for u in attackers])
    total = float(eff.sum())
    x0 = min(total, p.max_engaged_fighters)
    if cell.garrison is not None:  # a last stand is fought house to house (phases/garrison.py)
        x0 = min(x0, engaged_cap(model, cell))
    detected = any(model.sightings.by(cell, u.camp) for u in attackers)
    a = lanchester.area_fire_coefficient(
        p.area_fire,
        cell.concealment,
        urban=model.theater.terrain[cell.pos] == TERRAIN_URBAN,
        urban_defense_factor=p.urban_defense_factor,
        detected=detected,
        detected_bonus=p.detected_fire_bonus,
        channel_factor=math.prod(
            c.area_fire_factor(model, attackers) for c in model.channels_with("area_fire_factor")
        ),
        prepared=on_prepared_ground(model, cell),
        prepared_defense_factor=p.prepared_defense_factor,
    )
    b = p.isis_aimed_fire * (0.5 + 0.5 * cell.cohesion)
    out = lanchester.mixed_law(x0, cell.strength, a, b, p.withdrawal_exposure if cell.dispersed else 1.0)
    for unit, share in zip(attackers, eff / total, strict=True):
        lost = (x0 - out.attacker) * share
        unit.take_losses(lost)
        model.losses[unit.faction] += lost
    model.today["isis_killed_in_combat"] += cell.strength - out.defender
    model.today["engagements"] += 1
    cell.strength = out.defender

"""Friction between the rival anti-ISIS camps: ground clashes and air incidents (003).

Each day every pair of SDF-camp and SAA-camp units closer than ``incident_range_km`` clashes with
probability 1 - exp(-incident_rate * F), F the product of the channels' incident factors (the
deconfliction line makes F small). A clash is fought by the square law for
``clash_duration_days``; afterwards both camps pause operations within ``incident_range_km`` for
``halt_days``. A strike close to the rival camp's ground forces risks an air incident (as the
June 2017 shoot-downs) with its own hazard, 1 - exp(-air_incident_rate * F); it grounds the wing
for ``halt_days``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim.factions import CAMP_SAA, CAMP_SDF, RIVAL_OF
from sim.model.laws.lanchester import square_law
from sim.model.space.distances import xy

if TYPE_CHECKING:
    from sim.model import BorderModel
    from sim.model.agents import AirWing, GroundUnit, IsisCell



def incident_probability(model: BorderModel, rate: float) -> float:
    """1 - exp(-rate * F): ``rate`` is ``incident_rate`` (ground clashes) or ``air_incident_rate``."""
    hazard = rate * math.prod(c.incident_factor(model) for c in model.channels_with("incident_factor"))
    return -math.expm1(-hazard)


def resolve_incidents(model: BorderModel, rng: np.random.Generator) -> None:
    """Draw a clash for every close rival pair (in a fixed order); a unit clashes once a day."""
    p = model.params
    sdf = [u for u in model.units_of_camp(CAMP_SDF) if not u.halted]
    saa = [u for u in model.units_of_camp(CAMP_SAA) if not u.halted]
    if not sdf or not saa:
        return
    close_i, close_j, _ = model.pairs_within(*xy(sdf), *xy(saa), p.incident_range_km)
    if close_i.size == 0:
        return
    prob = incident_probability(model, p.incident_rate)
    draws = rng.random(len(close_i))
    busy: set[int] = set()
    for i, j, draw in zip(close_i.tolist(), close_j.tolist(), draws, strict=True):
        a, b = sdf[i], saa[j]
        if draw >= prob or id(a) in busy or id(b) in busy:
            continue
        busy.update((id(a), id(b)))
        _clash(model, a, b)


def _clash(model: BorderModel, a: GroundUnit, b: GroundUnit) -> None:
    p = model.params
    ea, eb = a.strength * a.readiness, b.strength * b.readiness
    out = square_law(ea, eb, p.aimed_fire, p.aimed_fire, p.clash_duration_days)
    for unit, lost in ((a, ea - out.attacker), (b, eb - out.defender)):
        unit.take_losses(lost)
        model.losses[unit.faction] += lost
    model.today["incidents"] += 1
    model.today["ground_incidents"] += 1
    _halt_nearby(model, [a, b])


def _halt_nearby(model: BorderModel, around: list[GroundUnit]) -> None:
    """Both camps pause within incident range of the incident."""
    p = model.params
    until = model.steps + math.ceil(p.halt_days)
    units = model.units_of_camp(CAMP_SDF) + model.units_of_camp(CAMP_SAA)
    km = model.pairwise_km(*xy(units), *xy(around)).min(axis=1)
    for unit, d in zip(units, km, strict=True):
        if d <= p.incident_range_km:
            unit.halted_until = max(unit.halted_until, until)


def near_rival(model: BorderModel, camp: str, here: tuple[int, int]) -> bool:
    """A unit of ``camp``'s rival (with fighters) within ``incident_range_km`` of cell ``here``."""
    rival = RIVAL_OF.get(camp)
    if rival is None:
        return False
    units = model.units_of_camp(rival)
    if not units:
        return False
    km = model.pairwise_km(np.array([here[0]]), np.array([here[1]]), *xy(units))[0]
    return not km.min() > model.params.incident_range_km


class AirFriction:
    """The air-incident rule for one day's air phase (``air_incident``), remembering which struck
    cells lie near the rival camp: ground units stand still while the wings fly."""

    def __init__(self) -> None:
        self._near: dict[tuple[str, tuple[int, int]], bool] = {}

    def __call__(self, model: BorderModel, wing: AirWing, target: IsisCell, rng: np.random.Generator) -> bool:
        key = (wing.camp, target.pos)
        if key not in self._near:
            self._near[key] = near_rival(model, *key)
        return self._near[key] and _incident(model, wing, rng)


def air_incident(
    model: BorderModel, wing: AirWing, target: IsisCell, rng: np.random.Generator
) -> bool:
    """A strike near the rival camp's ground forces may end in an incident; True if it did."""
    return near_rival(model, wing.camp, target.pos) and _incident(model, wing, rng)


def _incident(model: BorderModel, wing: AirWing, rng: np.random.Generator) -> bool:
    if rng.random() >= incident_probability(model, model.params.air_incident_rate):
        return False
    wing.grounded_until = model.steps + math.ceil(model.params.halt_days)
    model.today["incidents"] += 1
    model.today["air_incidents"] += 1
    return True

"""The insurgency: ISIS cells that hold no town hide, regrow and attack at a tempo the pressure sets.

After the towns fell (Iraq, December 2017 - April 2018) ISIS went to ground "near Hawija and in the
Hamreen mountains" and in the Anbar desert valleys, fighters kept coming from Syria, and the media
counted 60-70 violent incidents a week for months (shared/reference/record.yaml, insurgency_2018).
These rules act on the cells of forces a scenario states as ``insurgent: true`` (with its source),
once a day after the other ISIS decisions; every other cell is left to ``IsisCell.act``:

- **Hidden**: an insurgent cell starts dispersed and never regroups to hold ground (it holds no
  town, so no unit is sent against ground it holds); it fights when a unit comes within contact
  and is struck when found, like any cell.
- **Cover**: the cells of the scenario's ``hideouts:`` (hills and wadis the theater's layers do not
  show, each with its source), and the river valleys and built-up ground's rural edges where people
  live (a cell with people that is not itself urban) give cover: there a cell's concealment grows by
  ``concealment_gain_dispersed`` a day toward ``hideout_concealment``.
- **Regeneration**: a cell in cover gains ``recruit_rate`` x cohesion recruits a day per thousand
  people in its 5 km cell and the eight around it (the theater's population layer, from the
  gazetteer); the scenario's ``infiltration:`` adds Poisson(fighters_per_week / 7) fighters a day
  to the insurgent cell nearest its crossing point.
- **Tempo**: a cell of S fighters under pressure P (the enemy strength within twice ``contact_km``,
  as for dispersal) makes Poisson(``insurgent_attack_rate`` x S x cohesion / (1 + P / (
  ``attack_suppression_ratio`` x S))) attacks a day: a hunted cell lies low. Each attack is a raid
  on the nearest Iraqi unit within ``raid_range_km`` (else the nearest unit), costs it
  min(Poisson(``raid_damage``), strength) and counts in ``raids`` as a raid does; a cell that
  attacked loses a tenth of its concealment, once a day.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import numpy as np
from scipy.ndimage import uniform_filter

from sim.factions import CAMP_IRAQ
from sim.geography import TERRAIN_URBAN, TERRAIN_VALLEY
from sim.model.phases.isis import pressure_at
from sim.model.space.distances import km_from, nearest_within, xy

if TYPE_CHECKING:
    from sim.model import BorderModel
    from sim.model.agents import IsisCell


@functools.lru_cache(maxsize=16)
def people_nearby(theater) -> np.ndarray:
    """Thousands of people in each cell and its 8 neighbours (read-only; one field per theater, shared
    by the models of a process)."""
    people = uniform_filter(np.asarray(theater.population, dtype=float), size=3, mode="constant") * 9.0
    people.flags.writeable = False
    return people


class Insurgency:
    """The static ground of an insurgency (cover, people nearby), built once per model."""

    def __init__(self, model: BorderModel):
        t = model.theater
        cover = (t.terrain == TERRAIN_VALLEY) | ((t.population > 0) & (t.terrain != TERRAIN_URBAN))
        for hideout in model.scenario.hideouts.values():
            cover |= t.polygon_mask(np.asarray(hideout.polygon))
        self.cover = cover & t.land
        self.people = people_nearby(t)
        spec = model.scenario.infiltration
        self.entry = t.cell_of(spec.lon, spec.lat) if spec is not None else None
        self.per_day = spec.fighters_per_week / 7.0 if spec is not None else 0.0


def insurgency_act(model: BorderModel) -> None:
    """Today's hiding, regrowth and attacks of the insurgent cells (none: nothing happens, nothing drawn)."""
    cells = [c for c in model.isis_cells() if c.insurgent and c.strength > 0]
    if not cells:
        return
    p, ground, rng = model.params, model.insurgency, model.streams["insurgency"]
    cx, cy = xy(cells)
    units = [u for u in model.ground_units() if u.strength > 0]
    everyone = model.ground_units()  # pressure as the ISIS phase measures it (sim.model.phases.isis)
    felt = pressure_at(model, cells, cx, cy, everyone, *xy(everyone))
    targets = np.full(len(cells), -1)
    if units:
        iraqi = np.array([u.camp == CAMP_IRAQ for u in units], dtype=bool)
        targets = nearest_within(model.theater, cx, cy, *xy(units), p.raid_range_km, iraqi)
    in_cover = ground.cover[cx, cy]
    for k, cell in enumerate(cells):
        if in_cover[k]:
            grown = min(p.hideout_concealment, cell.concealment + p.concealment_gain_dispersed)
            cell.concealment = max(cell.concealment, grown)
            gained = p.recruit_rate * cell.cohesion * float(ground.people[cx[k], cy[k]])
            cell.strength += gained
            model.today["recruited"] += gained
        rate = attack_rate(p, cell.strength, cell.cohesion, felt[cell])
        attacks = int(rng.poisson(rate)) if rate > 0 and targets[k] >= 0 else 0
        for _ in range(attacks):
            cell.hit(units[int(targets[k])], rng)  # as a raid (IsisCell.hit)
        if attacks:
            cell.concealment *= 0.9  # attacking exposes the cell
    if ground.per_day > 0:
        infiltrate(model, cells, ground, rng)


def attack_rate(p, strength: float, cohesion: float, pressure: float) -> float:
    """Expected attacks a day of an insurgent cell: rate x S x cohesion / (1 + P / (ratio x S))."""
    if strength <= 0:
        return 0.0
    suppression = 1.0 + pressure / (p.attack_suppression_ratio * strength)
    return p.insurgent_attack_rate * strength * cohesion / suppression


def infiltrate(model: BorderModel, cells: list[IsisCell], ground: Insurgency,
               rng: np.random.Generator) -> None:
    """Today's fighters from Syria join the insurgent cell nearest the crossing point."""
    arrived = float(rng.poisson(ground.per_day))
    if arrived <= 0:
        return
    km = km_from(model.theater, *ground.entry, *xy(cells))
    cells[int(np.argmin(km))].strength += arrived
    model.today["infiltrated"] += arrived


__all__ = ["Insurgency", "attack_rate", "infiltrate", "insurgency_act"]

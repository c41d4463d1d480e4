"""The agents: anti-ISIS ground units, ISIS cells and air wings (Mesa CellAgents).

Agents decide; each phase computes the day's picture they read (sim.model.day: sightings,
pressure, targets, areas) with numpy once, and hands it to them, so per-agent Python stays small.
"""

from __future__ import annotations

import math
from collections import deque
from typing import TYPE_CHECKING

import numpy as np
from mesa.discrete_space import CellAgent

from sim.factions import AIR_WINGS, CONTROL_ISIS, GROUND_FACTIONS
from sim.geography import COUNTRY_IRAQ, COUNTRY_SYRIA, TERRAIN_DESERT
from sim.model.day import on_prepared_ground
from sim.model.space.walk import best_step

if TYPE_CHECKING:
    from sim.model import BorderModel
    from sim.model.day import AirPicture, GroundPicture, IsisPicture

class PlacedAgent(CellAgent):
    """A Mesa CellAgent whose ``pos`` is its cell's coordinate (None once removed), kept as the cell
    changes: the phases read every agent's coordinate several times a day, as one attribute."""

    @property
    def cell(self):
        return self._mesa_cell

    @cell.setter
    def cell(self, cell) -> None:
        CellAgent.cell.fset(self, cell)
        self.pos = None if cell is None else cell.coordinate


class GroundUnit(PlacedAgent):
    """An ISF, PMF, SDF or SAA formation; its faction record says which camp it serves."""

    def __init__(
        self,
        model: BorderModel,
        cell,
        *,
        faction: str,
        strength: float,
        label: str,
        objective: tuple[int, int] | None = None,
        objective_pocket: str | None = None,
        stages: tuple = (),
    ):
        super().__init__(model)
        self.cell = cell
        self.faction = faction
        self.camp = GROUND_FACTIONS[faction].camp
        self.strength = float(strength)
        self.initial_strength = float(strength)
        self.readiness = 1.0
        self.posture = "holding"
        self.objective = objective
        self.objective_pocket = objective_pocket
        self.stages = deque(stages)  # (objective cell, pocket, start day) of the operation's later stages
        self.halted_until = -1
        self.move_credit_km = 0.0
        self.trail: deque[tuple[int, int]] = deque(maxlen=12)  # recent cells, to walk around obstacles
        self.label = label

    @property
    def halted(self) -> bool:
        return self.halted_until > self.model.steps

    def advance(self, picture: GroundPicture) -> None:
        """Hold when halted or in contact (a cell holding ground within ``contact_km``), otherwise move
        toward today's target.

        Movement is paid in km of credit (advance_km_per_day * readiness a day); unspent credit
        carries over while advancing, so a slow crossing (a river) takes several days.
        """
        model = self.model
        if self.halted or picture.in_contact(self.pos):
            self.posture = "halted" if self.halted else "engaged"
            self.move_credit_km = 0.0
            return
        target = self.choose_target(picture)
        if target is None:
            self.posture = "holding"
            self.move_credit_km = 0.0
            return
        self.posture = "advancing"
        p = model.params
        self.move_credit_km += p.advance_km_per_day * self.readiness
        area = picture.operating[self.faction]
        here = start = self.pos
        while True:  # walk by coordinate; the unit enters its Mesa cell once, where the day's walk ends
            step = best_step(model, here, target, area, p, avoid=self.trail)
            if step is None or step[1] > self.move_credit_km:
                break
            self.move_credit_km -= step[1]
            self.trail.append(here)
            here = step[0]
            if picture.in_contact(here):
                break
        if here != start:
            self.cell = model.grid[here]

    def choose_target(self, picture: GroundPicture) -> tuple[int, int] | None:
        """A channel's shared objective, else the unit's own objective, else the nearest ISIS ground."""
        model = self.model
        for channel in model.channels_with("ground_target"):
            target = channel.ground_target(model, self)
            if target is not None:
                return target
        x, y = self.pos
        if self.objective is not None:
            km = model.theater.km_between(x, y, *self.objective)
            if km > model.params.control_radius_km or model.control[self.objective] == CONTROL_ISIS:
                return self.objective  # reached when near it and no longer ISIS-held
            self.objective = None
        if self.objective_pocket is not None:
            target = picture.nearest_isis_ground(x, y, self.faction, self.objective_pocket)
            if target is not None:
                return target
            self.objective_pocket = None
        if self.stages:  # this stage's objective is reached: wait for the next stage's start
            self.objective, self.objective_pocket, start = self.stages.popleft()
            if start > model.steps:
                self.halted_until = start
                return None
            return self.choose_target(picture)
        return picture.nearest_isis_ground(x, y, self.faction)

    def take_losses(self, lost: float) -> None:
        """Lose fighters; readiness falls with the share of strength lost."""
        if lost <= 0 or self.strength <= 0:
            return
        share = min(lost / self.strength, 1.0)
        self.strength = max(self.strength - lost, 0.0)
        self.readiness = max(
            0.1, self.readiness - self.model.params.readiness_loss_per_casualty_share * share
        )

    def recover(self) -> None:
        self.readiness += (1.0 - self.readiness) * self.model.params.readiness_recovery


class IsisCell(PlacedAgent):
    """An ISIS cell: fighters, concealment (how hard it is to find) and cohesion (command).

    A dispersed cell hides in the desert and holds no ground until it has been left alone for
    ``regroup_days``; only then does it claim the cell it stands on again.
    """

    # What the scenario states about the cell's force (set at placement; sim.model.phases.garrison and
    # sim.model.phases.insurgency read them): a garrison's facts, or an insurgency's hidden cell.
    garrison = None
    garrison_strength = 0.0
    garrison_broken = False
    insurgent = False

    def __init__(self, model: BorderModel, cell, *, strength: float, concealment: float, label: str):
        super().__init__(model)
        self.cell = cell
        self.strength = float(strength)
        self.concealment = float(concealment)
        self.cohesion = 1.0
        self.dispersed = False
        self.quiet_days = 0
        self.label = label

    def stands(self) -> bool:
        """A cell of a garrison ordered to stand (or forbidden to leave), as its scenario states."""
        return self.garrison is not None and self.garrison.order_to_stand

    def act(self, picture: IsisPicture) -> None:
        """Disperse when pressed, otherwise reinforce a pressed neighbour; raid either way."""
        model, p = self.model, self.model.params
        rng = model.streams["isis"]
        pressure = picture.pressure.get(self, 0.0)
        self.quiet_days = self.quiet_days + 1 if pressure == 0.0 else 0
        if self.dispersed and self.quiet_days >= p.regroup_days and not self.insurgent:
            self.dispersed = False  # regrouped: holds ground again
        held = on_prepared_ground(model, self)  # defenders of prepared ground hold on (docs/odd.md)
        chance = p.disperse_probability * (p.prepared_disperse_factor if held else 1.0)
        if self.stands():  # a garrison ordered to stand does not disperse (sim.model.phases.garrison)
            chance = 0.0
        if pressure > p.disperse_pressure_ratio * self.strength and rng.random() < chance:
            self.disperse(picture)
        elif pressure == 0.0:
            self.reinforce_neighbour(picture)
        if self.dispersed and model.theater.terrain[self.pos] == TERRAIN_DESERT:
            self.concealment = min(0.95, self.concealment + p.concealment_gain_dispersed)
        if not self.insurgent:  # insurgent cells attack in sim/model/phases/insurgency.py
            self.raid(picture)
        self.cohesion += (1.0 - self.cohesion) * p.cohesion_recovery

    def disperse(self, picture: IsisPicture) -> None:
        """Slip away from the nearest enemies into open desert, as far as a day's move allows."""
        model, p = self.model, self.model.params
        away = self._escape_target(picture)
        if away is None:
            return
        start = self.pos
        budget = p.isis_move_km_per_day
        allowed = picture.areas.isis_allowed(start)
        here = start
        while budget > 0:
            step = best_step(model, here, away, allowed, p, contested=False)
            if step is None or step[1] > budget:
                break
            budget -= step[1]
            here = step[0]
        if here != start:
            self.cell = model.grid[here]
        # a cell with no way out (encircled, or the way blocked) fights where it stands
        self.dispersed = self.dispersed or here != start

    def reinforce_neighbour(self, picture: IsisPicture) -> None:
        """Send part of a quiet cell's fighters to the nearest pressed cell; needs cohesion."""
        model, p = self.model, self.model.params
        other = picture.reinforcement.get(self)
        if other is None:
            return
        sent = p.reinforce_rate * self.cohesion * self.strength
        self.strength -= sent
        other.strength += sent
        model.today["reinforced"] += sent

    def raid(self, picture: IsisPicture) -> None:
        """Raid the nearest enemy unit within range; hazard raid_rate * cohesion * channel factors."""
        model, p = self.model, self.model.params
        target = picture.raid_target(self.pos)
        if target is None:
            return
        hooked = model.channels_with("raid_factor")
        hazard = p.raid_rate * self.cohesion
        if hooked:  # (math.prod of no factor is 1: the same hazard)
            hazard *= math.prod(ch.raid_factor(model, self, target) for ch in hooked)
        rng = model.streams["isis"]
        if rng.random() >= -math.expm1(-hazard):
            return
        self.hit(target, rng)
        self.concealment *= 0.9  # a raid exposes the cell

    def hit(self, target: GroundUnit, rng: np.random.Generator) -> None:
        """One raid's damage (a raid of ``raid``, or an insurgent attack of sim.model.phases.insurgency):
        min(Poisson(raid_damage), strength) lost, counted in the day's raids and civilian harm."""
        model, p = self.model, self.model.params
        lost = min(float(rng.poisson(p.raid_damage)), target.strength)
        target.take_losses(lost)
        model.losses[target.faction] += lost
        model.today["raids"] += 1
        country = model.theater.country
        if country[self.pos] == COUNTRY_SYRIA and country[target.pos] == COUNTRY_IRAQ:
            model.today["raids_into_iraq"] += 1
        model.today["civilian_harm"] += p.raid_civilian_harm * (
            1.0 + model.theater.population[target.pos]
        )

    def _escape_target(self, picture: IsisPicture) -> tuple[int, int] | None:
        """A point three days' march away from the nearest enemy unit."""
        model = self.model
        if not picture.units:
            return None
        x, y = self.pos
        i = int(np.argmin(model.km_from(x, y, picture.ux, picture.uy)))
        dx, dy = x - picture.ux[i], y - picture.uy[i]
        norm = math.hypot(dx, dy) or 1.0
        reach = 3 * model.params.isis_move_km_per_day / model.theater.km_per_cell_y
        tx = min(max(round(float(x + dx / norm * reach)), 0), model.theater.width - 1)
        ty = min(max(round(float(y + dy / norm * reach)), 0), model.theater.height - 1)
        return tx, ty


class AirWing(PlacedAgent):
    """An air wing flying from its bases; its sorties go to detected targets in its strike zone."""

    def __init__(self, model: BorderModel, cell, *, wing: str, sorties_per_day: float, base_km: np.ndarray):
        super().__init__(model)
        self.cell = cell
        self.wing = wing
        self.camp = AIR_WINGS[wing].camp
        self.sorties_per_day = float(sorties_per_day)
        self.base_km = base_km  # distance of every cell from the nearest base
        self.grounded_until = -1
        self._in_range: dict[float, np.ndarray] = {}

    def in_range(self, range_km: float) -> np.ndarray:
        """Bool (width, height): the cells within ``range_km`` of a base (read-only, kept per range)."""
        if range_km not in self._in_range:
            mask = self.base_km <= range_km
            mask.flags.writeable = False
            self._in_range[range_km] = mask
        return self._in_range[range_km]

    def fly(self, picture: AirPicture) -> None:
        """Draw today's sorties (Poisson); each picks a country, then a detected target, big cells first."""
        model = self.model
        if self.grounded_until > model.steps:
            return
        rng = model.streams["air"]
        # the channels that change sorties (the others' factor is exactly 1: the same product)
        rate = self.sorties_per_day * math.prod(ch.sortie_factor(model, self.wing)
                                                for ch in model.channels_with("sortie_factor"))
        sorties = int(rng.poisson(rate)) if rate > 0 else 0
        if sorties == 0:
            return
        targets = picture.targets(self.wing, self.camp)
        for _ in range(sorties):
            targets = [c for c in targets if c.strength >= 1.0]
            if not targets:
                return
            pool = self._country_pool(targets, rng)
            weights = np.array([c.strength for c in pool])
            cdf = (weights / weights.sum()).cumsum()  # rng.choice(len(pool), p=...) as numpy computes it,
            cdf /= cdf[-1]  # without its checks: the same draw
            cell = pool[int(cdf.searchsorted(rng.random(), side="right"))]
            if picture.incident(model, self, cell, rng):
                return
            self.strike(cell, rng)

    def strike(self, target: IsisCell, rng: np.random.Generator) -> None:
        """One strike: kills ~ Poisson(strength * strike_kill_fraction), capped at the cell."""
        model, p = self.model, self.model.params
        killed = min(float(rng.poisson(target.strength * p.strike_kill_fraction)), target.strength)
        target.strength -= killed
        where = model.theater.country[target.pos]
        model.today["strikes"] += 1
        model.today[f"strikes_{self.wing}"] += 1
        country = "iraq" if where == COUNTRY_IRAQ else "syria"
        model.today[f"strikes_in_{country}"] += 1
        model.today[f"strikes_{self.wing}_in_{country}"] += 1
        model.today["isis_killed_by_air"] += killed
        model.today["civilian_harm"] += p.civilian_harm_per_strike * float(
            model.theater.population[target.pos]
        )

    def _country_pool(self, targets: list[IsisCell], rng: np.random.Generator) -> list[IsisCell]:
        """The targets in the country this sortie goes to: Iraq with probability ``iraq_share``.

        With no ``iraq_share`` in the wing's spec, or detected targets in one country only, every
        target is in the pool (and no random number is drawn).
        """
        spec = self.model.scenario.air.get(self.wing)
        share = spec.iraq_share if spec is not None else None
        if share is None:
            return targets
        country = self.model.theater.country
        in_iraq = [country[c.pos] == COUNTRY_IRAQ for c in targets]
        if all(in_iraq) or not any(in_iraq):
            return targets
        to_iraq = bool(rng.random() < share)
        return [c for c, here in zip(targets, in_iraq, strict=True) if here == to_iraq]

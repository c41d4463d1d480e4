"""BorderModel: one step is one day of the multi-actor campaign against ISIS.

The model is headless and deterministic: (scenario, seed) -> the same days, whatever runs it.
Each phase draws from its own random stream spawned from one ``SeedSequence(seed)``, so an
extra draw in one phase does not shift the others (paired comparisons stay tight).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import TYPE_CHECKING

import numpy as np
from mesa import Model

from sim.channels import HOOKS, build_channels, implementing
from sim.geography import add_layer, build_theater, make_mesa_grid
from sim.model.agents import AirWing, GroundUnit, IsisCell
from sim.model.day import NOTHING_SEEN, ControlPicture
from sim.model.phases.air import fly_air_missions
from sim.model.phases.areas import build_areas
from sim.model.phases.combat import engage, fight_engagements
from sim.model.phases.control import initial_control, update_control_and_pockets
from sim.model.phases.counterattack import counterattack, held_towns
from sim.model.phases.friction import resolve_incidents
from sim.model.phases.garrison import garrison_act
from sim.model.phases.ground import move_ground_forces
from sim.model.phases.insurgency import Insurgency, insurgency_act
from sim.model.phases.intel import gather_intelligence
from sim.model.phases.isis import isis_act
from sim.model.places import PlaceTracker, named_places
from sim.model.record import RowCollector, daily_row
from sim.model.space.distances import km_from, pairs_within, pairwise_km
from sim.model.space.placement import place_air_wings, place_forces
from sim.scenario.limits import seed_problem

if TYPE_CHECKING:
    from sim.scenario import Scenario

STREAMS = ("setup", "intel", "air", "ground", "isis", "combat", "friction", "insurgency")


class BorderModel(Model):
    """The theater, its agents and the eight phases of a day; one Mesa step is one day.

    ``BorderModel(scenario=..., rng=...)``: ``scenario`` is a bordersim :class:`~sim.scenario.Scenario`
    (or the name or path of one, as ``sim.load`` takes), ``rng`` a non-negative integer seed. Mesa 3.5
    models also carry a Mesa ``Scenario`` (a bag of parameters and an rng); bordersim's scenario plays
    that part here, so ``model.scenario`` is the bordersim scenario: its forces, pockets, channels and
    coefficients (``model.params``). The seed is split into one random stream per phase
    (``model.streams``); Mesa's own ``model.random`` only shuffles agents' turns.

    ``model.steps`` (Mesa's counter) is the day; ``model.running`` turns False after the scenario's
    ``days``, so ``model.run_model()`` and ``mesa.batch_run`` stop there.
    """

    def __init__(self, scenario: Scenario | str, rng: int | None = None):
        problem = seed_problem(rng)
        if problem is not None:
            raise ValueError(problem)
        if not hasattr(scenario, "params"):  # a name or a path
            from sim.scenario.catalog import load

            scenario = load(scenario)
        super().__init__(rng=int(rng))
        self.seed = int(rng)
        self.streams = dict(
            zip(
                STREAMS,
                (np.random.default_rng(s) for s in np.random.SeedSequence(self.seed).spawn(len(STREAMS))),
                strict=True,
            )
        )
        self.scenario = spec = scenario
        self.params = spec.params
        self.theater = build_theater(spec.grid)
        self.grid = make_mesa_grid(self.theater, self.random)
        self._set_channels(build_channels(spec.channels.as_dict()))
        self.pocket_names = tuple(spec.pockets)
        self.pocket_masks = tuple(
            self.theater.polygon_mask(np.asarray(p.polygon)) for p in spec.pockets.values()
        )
        #: Every pocket's cells: the ground ISIS held at the start (prepared ground, sim.model.day).
        self.pocket_union = np.logical_or.reduce(self.pocket_masks, axis=0) if self.pocket_masks else (
            np.zeros((self.theater.width, self.theater.height), dtype=bool))
        self.control = initial_control(self.theater, self.pocket_masks)
        #: ISIS's ground, the pockets and each faction's ground, as ``control`` stands (sim.model.day);
        #: made again by the control pass whenever control changes.
        self.control_picture = ControlPicture(self.control, self.theater.cell_area_km2, self.pocket_masks)
        self.control_inputs = None  # what the control pass last followed (phases/control.py)
        add_layer(self.grid, "control", self.control)
        self.losses: dict[str, float] = defaultdict(float)
        self.totals: Counter = Counter()
        self.today: Counter = Counter()
        self.sightings = NOTHING_SEEN
        place_forces(self, self.streams["setup"])
        place_air_wings(self)
        self.initial_isis_fighters = self.isis_fighters()
        self.places = PlaceTracker(self, named_places(spec))  # named places as outcomes
        self.isis_towns = held_towns(self)  # towns in the pockets at the start: ISIS may counter-attack them
        self.areas = build_areas(self)
        self.insurgency = Insurgency(self)  # cover and people for insurgent cells (phases/insurgency.py)
        update_control_and_pockets(self)
        self.datacollector = RowCollector(self._columns())
        self.record_day()

    # ------------------------------------------------------------------ the day
    @property
    def scenario(self) -> Scenario:
        return self._spec

    @scenario.setter
    def scenario(self, value) -> None:
        # Mesa's Model.__init__ assigns its default (empty) Scenario here first; bordersim's replaces it.
        self._spec = value

    def step(self) -> None:
        """One day (``self.steps``, already counted by Mesa), phase by phase."""
        self.today = Counter()
        self.apply_channel_events()  # dated changes, channel events, today's areas
        self.sightings = gather_intelligence(self, self.areas, self.streams["intel"])
        fly_air_missions(self)
        move_ground_forces(self)
        isis_act(self)
        garrison_act(self)  # garrisons break or stand (phases/garrison.py)
        insurgency_act(self)  # insurgent cells hide, regrow, attack (phases/insurgency.py)
        counterattack(self)  # towns left open, retaken (phases/counterattack.py)
        fight_engagements(self)
        resolve_incidents(self, self.streams["friction"])
        update_control_and_pockets(self)
        self.record_day()
        self.running = self.steps < self.scenario.days

    def run(self, days: int | None = None) -> BorderModel:
        """Step ``days`` days (default: the scenario's) from where the model stands; returns the model."""
        for _ in range(self.scenario.days if days is None else days):
            self.step()
        return self

    @property
    def date(self) -> dt.date:
        return self.scenario.start_date + dt.timedelta(days=self.steps)

    # ------------------------------------------------------------------ phase 1
    def apply_channel_events(self) -> None:
        """Dated scenario changes first, then each channel's events of the day, then today's areas."""
        for event in self.scenario.events:
            if event.day == self.steps:
                self._apply_changes(event.set)
        for channel in self.channels:
            channel.on_day(self)
        self.areas = build_areas(self)

    def _apply_changes(self, changes) -> None:
        before = self.scenario.channels.as_dict()
        self.scenario = self.scenario.with_changes(changes)
        self.params = self.scenario.params
        if self.scenario.channels.as_dict() != before:
            self._set_channels(build_channels(self.scenario.channels.as_dict()))
        for wing in self.air_wings():
            spec = self.scenario.air.get(wing.wing)
            wing.sorties_per_day = spec.sorties_per_day if spec else 0.0

    def _set_channels(self, channels: tuple) -> None:
        self.channels = channels
        self._hooked = {hook: implementing(channels, hook) for hook in HOOKS}

    def channels_with(self, hook: str) -> tuple:
        """The channels that implement ``hook`` (a name in sim.channels.base.Channel)."""
        return self._hooked[hook]

    def operating_area(self, faction: str) -> np.ndarray:
        return self.areas.operating[faction]

    def strike_zone(self, wing: str) -> np.ndarray:
        return self.areas.strike[wing]

    # ------------------------------------------------------------------ combat
    def engage(self, cell: IsisCell, attackers: list[GroundUnit]) -> None:
        """One cell against its attackers for a day (sim.model.phases.combat); a method, so that a
        recorder (tools/validation.py) can wrap it."""
        engage(self, cell, attackers)

    # ------------------------------------------------------------------ the day's record
    def record_day(self) -> None:
        self.totals.update(self.today)
        self.row = daily_row(self)
        self.datacollector.collect(self)

    def _columns(self) -> list[str]:
        return list(daily_row(self).keys())

    # ------------------------------------------------------------------ queries
    def ground_units(self) -> list[GroundUnit]:
        return list(self.agents_by_type.get(GroundUnit, []))

    def units_of_camp(self, camp: str) -> list[GroundUnit]:
        return [u for u in self.agents_by_type.get(GroundUnit, []) if u.camp == camp and u.strength > 0]

    def isis_cells(self) -> list[IsisCell]:
        return list(self.agents_by_type.get(IsisCell, []))

    def air_wings(self):
        """The air wings (a Mesa AgentSet; empty when the scenario has none)."""
        return self.agents_by_type.get(AirWing, ())

    def isis_fighters(self) -> float:
        return float(sum(c.strength for c in self.isis_cells()))

    def pairwise_km(self, ax, ay, bx, by) -> np.ndarray:
        return pairwise_km(self.theater, ax, ay, bx, by)

    def pairs_within(self, ax, ay, bx, by, radius_km: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return pairs_within(self.theater, ax, ay, bx, by, radius_km)

    def km_from(self, x: int, y: int, bx, by) -> np.ndarray:
        return km_from(self.theater, x, y, bx, by)


__all__ = ["BorderModel"]

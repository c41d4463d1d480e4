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
from mesa import DataCollector, Model

from sim.channels import build_channels, implementing
from sim.geography import (
    COUNTRY_IRAQ,
    add_layer,
    build_theater,
    make_mesa_grid,
)
from sim.model.agents import AirWing, GroundUnit, IsisCell
from sim.model.factions import (
    CAMPS,
    CONTROL_ISIS,
    GROUND_FACTIONS,
)
from sim.model.laws import detection, pockets
from sim.model.phases import isis
from sim.model.phases.combat import engage, fight_engagements
from sim.model.phases.control import initial_control, update_control
from sim.model.phases.friction import resolve_incidents
from sim.model.record import daily_row
from sim.model.space import zones
from sim.model.space.distances import km_from, pairs_within, pairwise_km, xy
from sim.model.space.placement import place_air_wings, place_forces
from sim.scenario.limits import seed_problem

if TYPE_CHECKING:
    from sim.scenario import Scenario

STREAMS = ("setup", "intel", "air", "ground", "isis", "combat", "friction")


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
        self.channels = build_channels(spec.channels.as_dict())
        self._hooked: dict[str, tuple] = {}
        self.pocket_names = tuple(spec.pockets)
        self.pocket_masks = tuple(
            self.theater.polygon_mask(np.asarray(p.polygon)) for p in spec.pockets.values()
        )
        self.control = initial_control(self.theater, self.pocket_masks)
        add_layer(self.grid, "control", self.control)
        self.losses: dict[str, float] = defaultdict(float)
        self.totals: Counter = Counter()
        self.today: Counter = Counter()
        self.pressure: dict[IsisCell, float] = {}
        self.detected: dict[IsisCell, np.ndarray] = {}
        self._ground_frozen: tuple | None = None  # ground units while only ISIS cells move
        place_forces(self, self.streams["setup"])
        place_air_wings(self)
        self.initial_isis_fighters = self.isis_fighters()
        self._refresh_areas()
        self.update_control_and_pockets()
        self.datacollector = DataCollector(
            model_reporters={name: (lambda m, key=name: m.row[key]) for name in self._columns()}
        )
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
        self.apply_channel_events()
        self.gather_intelligence()
        self.fly_air_missions()
        self.move_ground_forces()
        self.fight()
        self.resolve_friction()
        self.update_control_and_pockets()
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
        """Dated scenario changes first, then each channel's events of the day."""
        for event in self.scenario.events:
            if event.day == self.steps:
                self._apply_changes(event.set)
        for channel in self.channels:
            channel.on_day(self)
        self._refresh_areas()

    def _apply_changes(self, changes) -> None:
        before = self.scenario.channels.as_dict()
        self.scenario = self.scenario.with_changes(changes)
        self.params = self.scenario.params
        if self.scenario.channels.as_dict() != before:
            self.channels = build_channels(self.scenario.channels.as_dict())
            self._hooked = {}
        for wing in self.agents_by_type.get(AirWing, []):
            spec = self.scenario.air.get(wing.wing)
            wing.sorties_per_day = spec.sorties_per_day if spec else 0.0

    def _refresh_areas(self) -> None:
        """Today's operating areas and strike zones: base areas widened, then narrowed, by channels."""
        self._areas = {
            f: self._combine(
                zones.base_operating_area(self, f),
                [c.widen_operating_area(self, f) for c in self.channels],
                [c.narrow_operating_area(self, f) for c in self.channels],
            )
            for f in GROUND_FACTIONS
        }
        self._zones = {}
        for wing in self.agents_by_type.get(AirWing, []):
            zone = self._combine(
                zones.base_strike_zone(self, wing.wing),
                [c.widen_strike_zone(self, wing.wing) for c in self.channels],
                [c.narrow_strike_zone(self, wing.wing) for c in self.channels],
            )
            self._zones[wing.wing] = zone & (wing.base_km <= self.params.air_range_km)
        self._isis_barriers = [b for b in (c.isis_barrier(self) for c in self.channels) if b is not None]
        self._isis_areas: dict[tuple[bool, ...], np.ndarray] = {}
        self._target_cells: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    @staticmethod
    def _combine(base, widen, narrow) -> np.ndarray:
        area = base.copy()
        for extra in widen:
            if extra is not None:
                area |= extra
        for cut in narrow:
            if cut is not None:
                area &= ~cut
        return area

    def channels_with(self, hook: str) -> tuple:
        """The channels that implement ``hook`` (a name in sim.channels.base.Channel)."""
        if hook not in self._hooked:
            self._hooked[hook] = implementing(self.channels, hook)
        return self._hooked[hook]

    def operating_area(self, faction: str) -> np.ndarray:
        return self._areas[faction]

    def strike_zone(self, wing: str) -> np.ndarray:
        return self._zones[wing]

    # ------------------------------------------------------------------ phase 2
    def gather_intelligence(self) -> None:
        """Each camp detects ISIS cells (laws.detection), then camps joined by channels pool detections."""
        cells = self.isis_cells()
        self.detected = {}
        if not cells:
            return
        p = self.params
        cx, cy = xy(cells)
        visibility = np.array([p.visibility_desert, p.visibility_valley, p.visibility_urban])
        vis = visibility[self.theater.terrain[cx, cy]]
        concealment = np.array([c.concealment for c in cells])
        hazard = np.zeros((len(cells), len(CAMPS)))
        for j, camp in enumerate(CAMPS):
            watched = np.zeros(len(cells), dtype=bool)
            for wing in self.agents_by_type.get(AirWing, []):
                if wing.camp == camp and wing.sorties_per_day > 0:
                    watched |= self._zones[wing.wing][cx, cy]
            units = self.units_of_camp(camp)
            hazard[:, j] = p.detect_air_isr * watched + detection.ground_hazard(
                self.pairwise_km(cx, cy, *xy(units)), p.detect_ground, p.sensor_range_km
            )
        prob = detection.detection_probability(hazard, concealment[:, None], vis[:, None])
        seen = self.streams["intel"].random(prob.shape) < prob
        pairs = [pair for c in self.channels for pair in c.shared_intelligence()]
        seen = detection.pool_detections(seen, CAMPS, pairs)
        self.detected = dict(zip(cells, seen, strict=True))
        self.today["detections"] += int(seen.any(axis=1).sum())

    # ------------------------------------------------------------------ phase 3
    def fly_air_missions(self) -> None:
        if AirWing in self.agents_by_type:
            self.agents_by_type[AirWing].shuffle_do("fly")

    def strike_targets(self, wing: AirWing) -> list[IsisCell]:
        """Cells the wing's camp has detected, inside the wing's strike zone today."""
        j = CAMPS.index(wing.camp)
        zone = self._zones[wing.wing]
        return [
            c
            for c, seen in self.detected.items()
            if seen[j] and zone[c.cell.coordinate] and c.strength >= 1.0
        ]

    def strike(self, wing: AirWing, target: IsisCell, rng: np.random.Generator) -> None:
        """One strike: kills ~ Poisson(strength * strike_kill_fraction), capped at the cell."""
        p = self.params
        killed = min(float(rng.poisson(target.strength * p.strike_kill_fraction)), target.strength)
        target.strength -= killed
        where = self.theater.country[target.cell.coordinate]
        self.today["strikes"] += 1
        self.today[f"strikes_{wing.wing}"] += 1
        self.today["strikes_in_iraq" if where == COUNTRY_IRAQ else "strikes_in_syria"] += 1
        self.today["isis_killed_by_air"] += killed
        self.today["civilian_harm"] += p.civilian_harm_per_strike * float(
            self.theater.population[target.cell.coordinate]
        )

    # ------------------------------------------------------------------ phase 4
    def move_ground_forces(self) -> None:
        """Units advance; then ISIS cells, feeling the new pressure, disperse, reinforce or raid."""
        self._isis_xy = ix, iy = xy(self.isis_cells())
        # Contact depends on the cell alone while ISIS cells stand still: known for every unit's start
        # cell at once, then for each cell a unit steps into.
        units = self.ground_units()
        ux, uy = xy(units)
        near = np.zeros(len(units), dtype=bool)
        near[self.pairs_within(ux, uy, ix, iy, self.params.contact_km)[0]] = True
        self._contact = dict(zip(zip(ux.tolist(), uy.tolist(), strict=True), near.tolist(), strict=True))
        self.agents_by_type[GroundUnit].shuffle_do("advance")
        self.pressure = isis.pressure(self)
        if IsisCell in self.agents_by_type:
            self._ground_frozen = self.ground_units_now()  # ISIS cells move and raid; units stay put
            self._raid_targets = isis.raid_targets(self, *self._isis_xy)  # by cell, all at once
            self._reinforce_targets = isis.reinforcement_targets(self)
            try:
                self.agents_by_type[IsisCell].shuffle_do("act")
            finally:
                self._ground_frozen = None

    def ground_units_now(self) -> tuple[list[GroundUnit], np.ndarray, np.ndarray, np.ndarray]:
        """Ground units, their cell coordinates and which of them are Iraqi, as of now."""
        if self._ground_frozen is not None:
            return self._ground_frozen
        units = self.ground_units()
        return (units, *xy(units), np.array([u.camp == "iraq" for u in units], dtype=bool))

    def in_contact(self, unit: GroundUnit) -> bool:
        here = unit.cell.coordinate
        if here not in self._contact:
            ix, iy = self._isis_xy
            self._contact[here] = bool((self.km_from(*here, ix, iy) <= self.params.contact_km).any())
        return self._contact[here]

    def choose_target(self, unit: GroundUnit) -> tuple[int, int] | None:
        """A channel's shared objective, else the unit's own objective, else the nearest ISIS ground."""
        for channel in self.channels_with("ground_target"):
            target = channel.ground_target(self, unit)
            if target is not None:
                return target
        x, y = unit.cell.coordinate
        if unit.objective is not None:
            km = self.km_from(x, y, np.array(unit.objective[:1]), np.array(unit.objective[1:]))
            if km[0] > self.params.control_radius_km:
                return unit.objective
            unit.objective = None
        if unit.objective_pocket is not None:
            target = self._nearest(x, y, *self._isis_ground(unit.faction, unit.objective_pocket))
            if target is not None:
                return target
            unit.objective_pocket = None
        return self._nearest(x, y, *self._isis_ground(unit.faction))

    def _isis_ground(self, faction: str, pocket: str | None = None) -> tuple[np.ndarray, np.ndarray]:
        key = f"{faction}|{pocket}"
        if key not in self._target_cells:
            if "held" not in self._target_cells:  # ISIS ground today, in np.nonzero's order
                self._target_cells["held"] = np.nonzero(self.control == CONTROL_ISIS)
            xs, ys = self._target_cells["held"]
            keep = self._areas[faction][xs, ys]
            if pocket is not None:
                keep &= self.pocket_masks[self.pocket_names.index(pocket)][xs, ys]
            self._target_cells[key] = xs[keep], ys[keep]
        return self._target_cells[key]

    def _nearest(self, x: int, y: int, xs: np.ndarray, ys: np.ndarray) -> tuple[int, int] | None:
        if xs.size == 0:
            return None
        km = self.km_from(x, y, xs, ys)
        i = int(np.argmin(km))
        return int(xs[i]), int(ys[i])

    def reinforcement_target(self, cell: IsisCell) -> IsisCell | None:
        return self._reinforce_targets.get(cell)

    def isis_allowed_area(self, cell: IsisCell) -> np.ndarray:
        """Iraq and Syria, minus barriers that the cell is outside of."""
        inside = tuple(bool(barrier[cell.cell.coordinate]) for barrier in self._isis_barriers)
        if inside not in self._isis_areas:  # the same for every cell on the same sides today
            area = self.theater.land
            for barrier, within in zip(self._isis_barriers, inside, strict=True):
                if not within:
                    area = area & ~barrier
            self._isis_areas[inside] = area
        return self._isis_areas[inside]

    def raid_target(self, cell: IsisCell) -> GroundUnit | None:
        """See sim.model.phases.isis; kept by cell for the ISIS phase, when ground units stand still."""
        x, y = here = cell.cell.coordinate
        if self._ground_frozen is None:  # outside the ISIS phase units may have moved: nothing kept
            return isis.raid_targets(self, np.array([x]), np.array([y]))[here]
        if here not in self._raid_targets:  # the cell moved today
            self._raid_targets.update(isis.raid_targets(self, np.array([x]), np.array([y])))
        return self._raid_targets[here]

    # ------------------------------------------------------------------ phase 5
    def fight(self) -> None:
        fight_engagements(self)

    def engage(self, cell: IsisCell, attackers: list[GroundUnit]) -> None:
        """One cell against its attackers for a day (a method, so a recorder can wrap it)."""
        engage(self, cell, attackers)

    # ------------------------------------------------------------------ phase 6
    def resolve_friction(self) -> None:
        resolve_incidents(self, self.streams["friction"])

    # ------------------------------------------------------------------ phase 7
    def update_control_and_pockets(self) -> None:
        update_control(self)
        held = self.control == CONTROL_ISIS
        labels, count = pockets.label_components(held)
        owner = pockets.match_components(labels, count, self.pocket_masks)
        self.pocket_km2 = pockets.pocket_areas(  # ISIS ground only: every other cell is label 0, not summed
            labels[held], owner, self.theater.cell_area_km2[held], len(self.pocket_names)
        )
        fighters = np.zeros(len(self.pocket_names) + 1)
        for cell in self.isis_cells():
            slot = owner[labels[cell.cell.coordinate]]
            fighters[len(self.pocket_names) if slot < 0 else slot] += cell.strength
        self.pocket_fighters = fighters
        self.isis_km2 = float((self.theater.cell_area_km2 * held).sum())
        for unit in self.ground_units():
            unit.recover()

    # ------------------------------------------------------------------ phase 8
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

    def isis_fighters(self) -> float:
        return float(sum(c.strength for c in self.isis_cells()))

    def pairwise_km(self, ax, ay, bx, by) -> np.ndarray:
        return pairwise_km(self.theater, ax, ay, bx, by)

    def pairs_within(self, ax, ay, bx, by, radius_km: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return pairs_within(self.theater, ax, ay, bx, by, radius_km)

    def km_from(self, x: int, y: int, bx, by) -> np.ndarray:
        return km_from(self.theater, x, y, bx, by)


__all__ = ["BorderModel"]

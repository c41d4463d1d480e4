"""The mechanisms the town-by-town record asked for: dispersal is a move (an encircled cell fights
where it stands, and ISIS crosses its own ground at full speed), the ground a cell holds scales with
its fighters, an operation's stages (``then:``) with their dated starts, and a town taken by going
into it (built-up ground cleared only from close by; a town place is its built-up cells)."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest

from sim.errors import ScenarioError
from sim.factions import CONTROL_IRAQ, CONTROL_ISIS
from sim.geography import TERRAIN_URBAN
from sim.model import BorderModel
from sim.model.phases.control import go_to_ground, hold_radius_km, update_control, update_control_and_pockets
from sim.model.phases.isis import isis_picture
from sim.scenario import load_scenario
from sim.scenario.model import Garrison
from sim.scenario.params import Params

MINIMAL = Path(__file__).resolve().parent / "data" / "scenarios" / "minimal.yaml"


# ---------------------------------------------------------------- dispersal is a move
class _Only:
    """Areas stand-in: ISIS may stand on ``allowed`` cells only."""

    def __init__(self, allowed: np.ndarray):
        self.allowed = allowed

    def isis_allowed(self, coordinate):
        return self.allowed


def _pressed_cell(open_ground: bool):
    model = BorderModel(scenario=load_scenario(MINIMAL), rng=5)
    cell = model.isis_cells()[0]
    picture = isis_picture(model)
    allowed = np.ones_like(model.theater.land) if open_ground else np.zeros_like(model.theater.land)
    allowed[cell.cell.coordinate] = True  # only where it stands, when encircled
    return model, cell, dataclasses.replace(picture, areas=_Only(allowed))


def test_a_cell_with_a_way_out_disperses_and_moves():
    _, cell, picture = _pressed_cell(open_ground=True)
    start = cell.cell.coordinate
    cell.disperse(picture)
    assert cell.dispersed and cell.cell.coordinate != start


def test_an_encircled_cell_cannot_disperse_and_keeps_holding_ground():
    model, cell, picture = _pressed_cell(open_ground=False)
    start = cell.cell.coordinate
    cell.disperse(picture)
    assert not cell.dispersed and cell.cell.coordinate == start
    update_control(model)
    assert model.control[start] == CONTROL_ISIS  # still holds the cell it stands on


# ---------------------------------------------------------------- ground held scales with fighters
def test_hold_radius_is_the_full_radius_without_a_density():
    p = Params(isis_hold_radius_km=8.0)
    assert hold_radius_km(250, p) == hold_radius_km(1, p) == 8.0


@pytest.mark.parametrize(("strength", "density", "expected"), [
    (250, 1.0, 8.0),    # sqrt(250 / pi) = 8.92 km, capped at the full radius
    (100, 1.0, 5.5),    # sqrt(100 / pi) = 5.64, down to half a km
    (10, 1.0, 1.5),     # 1.78
    (10, 10.0, 0.5),    # 0.56
    (0, 1.0, 0.0),
])
def test_hold_radius_grows_with_the_square_root_of_the_fighters(strength, density, expected):
    p = Params(isis_hold_radius_km=8.0, isis_hold_fighters_per_km2=density)
    assert hold_radius_km(strength, p) == expected
    assert hold_radius_km(strength, p) <= math.sqrt(strength / (math.pi * density)) + 1e-12


def test_a_remnant_cannot_keep_a_unit_from_clearing_ground_a_full_cell_holds():
    def cleared(strength: float) -> bool:
        scenario = load_scenario(MINIMAL, {"params.isis_hold_fighters_per_km2": 1.0,
                                           "params.isis_hold_radius_km": 8.0,
                                           "params.control_radius_km": 6.0})
        model = BorderModel(scenario=scenario, rng=2)
        cell, *others = model.isis_cells()
        for other in others:
            other.remove()
        unit = model.ground_units()[0]
        x, y = cell.cell.coordinate
        unit.cell = model.grid[(x + 1, y)]  # about 4 km east of the cell
        cell.strength = strength
        model.control[x + 1, y] = CONTROL_ISIS
        update_control(model)
        return model.control[x + 1, y] != CONTROL_ISIS

    assert not cleared(200.0)  # holds 8 km around it
    assert cleared(5.0)        # holds about a km: the unit's own cell is cleared


def _remnant_model(density: float, strength: float, seed: int = 2):
    """One ISIS cell of ``strength`` alone in the minimal scenario, no unit near it."""
    scenario = load_scenario(MINIMAL, {"params.isis_hold_fighters_per_km2": density})
    model = BorderModel(scenario=scenario, rng=seed)
    cell, *others = model.isis_cells()
    for other in others:
        other.remove()
    cell.strength = strength
    return model, cell


@pytest.mark.parametrize(("share", "holds"), [(1.01, True), (0.99, False)])
def test_a_remnant_too_small_for_its_cell_goes_to_ground_and_holds_nothing(share, holds):
    model, cell = _remnant_model(density=1.0, strength=0.0)
    here = cell.cell.coordinate
    floor = 1.0 * model.theater.cell_area_km2[here]  # fighters that hold one cell at this density
    assert 15 < floor < 30  # a 0.05-degree cell on the Euphrates is about 25 km2
    cell.strength = floor * share
    unit = model.ground_units()[0]
    unit.cell = model.grid[(here[0] + 1, here[1])]  # one cell east, within its control radius
    update_control_and_pockets(model)
    assert cell.dispersed is not holds
    assert bool(model.control[here] == CONTROL_ISIS) is holds  # gone to ground, it holds nothing


def test_without_a_density_and_for_a_garrison_ordered_to_stand_no_remnant_goes_to_ground():
    model, cell = _remnant_model(density=0.0, strength=2.0)
    go_to_ground(model)
    assert not cell.dispersed  # the rule reads the density: without one every cell holds its ground
    model, cell = _remnant_model(density=1.0, strength=2.0)
    cell.garrison = Garrison(order_to_stand=True)
    assert cell.stands()
    update_control_and_pockets(model)
    assert not cell.dispersed and model.control[cell.cell.coordinate] == CONTROL_ISIS  # to the last fighter


# ---------------------------------------------------------------- an operation's stages
def _staged(**stage):
    return {"forces.1.objective": [40.45, 35.15], "forces.1.then": [{"objective": "Hajin", **stage}]}


def test_a_force_reads_its_stages_in_order_with_their_days():
    scenario = load_scenario(MINIMAL, _staged(advance_from="2018-04-20"))
    (stage,) = scenario.forces[1].stages
    assert stage.objective_label == "Hajin" and stage.advance_day == 19


def test_a_unit_waits_at_its_objective_for_the_next_stage_then_goes_on():
    scenario = load_scenario(MINIMAL, _staged(advance_from="2018-04-20") | {"params.raid_rate": 0.0})
    model = BorderModel(scenario=scenario, rng=1)
    hajin = model.theater.cell_of(scenario.forces[1].stages[0].objective_lon,
                                  scenario.forces[1].stages[0].objective_lat)
    units = model.ground_units()
    model.run(10)  # the first objective is a few km from the start
    assert all(not u.stages and u.objective == hajin and u.halted_until == 19 for u in units)
    where = {u: u.cell.coordinate for u in units}
    model.run(8)  # day 18: still waiting
    assert all(u.cell.coordinate == where[u] and u.posture == "halted" for u in units)
    model.run(3)
    assert any(u.cell.coordinate != where[u] for u in units)


@pytest.mark.parametrize(("changes", "message"), [
    (_staged(advance_from="2018-03-20"), "is before the scenario starts"),
    ({"forces.1.advance_from": "2018-04-10", **_staged(advance_from="2018-04-05")},
     "before the stage before it"),
    ({"forces.0.then": [{"objective": "Hajin"}]}, "ISIS cells do not follow an operation's stages"),
    ({"forces.1.objective": None, "forces.1.then": [{"objective": "Hajin"}]}, "needs a first `objective`"),
    (_staged(advance_from="2018-04-20") | {"forces.1.then.0.objective": "Hajn"}, "did you mean"),
    ({"forces.1.then": [{"objectiv": "Hajin"}]}, "objectiv"),
    (_staged() | {"forces.1.then.0.objective": None}, "a stage needs an objective"),
])
def test_a_wrong_stage_is_one_located_error(changes, message):
    with pytest.raises(ScenarioError) as err:
        load_scenario(MINIMAL, changes)
    assert message in str(err.value) and "then" in str(err.value)


# ---------------------------------------------------------------- a town is taken by going into it
def _town_model(**params):
    """The minimal scenario without ISIS cells, and a built-up cell with open land two cells east of
    it (where the unit stands) and four cells east (open ground as far from the unit as the town)."""
    changes = {f"params.{k}": v for k, v in params.items()}
    model = BorderModel(scenario=load_scenario(MINIMAL, changes), rng=4)
    for cell in model.isis_cells():
        cell.remove()
    t = model.theater
    town = next((x, y) for x in range(t.width - 4) for y in range(t.height)
                if t.terrain[x, y] == TERRAIN_URBAN
                and all(t.land[x + k, y] and t.terrain[x + k, y] != TERRAIN_URBAN for k in (1, 2, 3, 4)))
    unit = model.ground_units()[0]
    for other in model.ground_units()[1:]:
        other.remove()
    unit.cell = model.grid[(town[0] + 2, town[1])]
    return model, unit, town, (town[0] + 4, town[1])


def test_built_up_ground_is_cleared_only_from_close_by_open_ground_from_afar():
    model, unit, town, field = _town_model(control_radius_km=12.0, urban_control_radius_km=2.5)
    km = model.km_from(*unit.cell.coordinate, np.array([town[0], field[0]]), np.array([town[1], field[1]]))
    assert km.max() < 12.0
    model.control[town] = model.control[field] = CONTROL_ISIS
    update_control(model)
    assert model.control[field] != CONTROL_ISIS  # the open ground within the control radius is swept
    assert model.control[town] == CONTROL_ISIS   # the town as far away is not
    unit.cell = model.grid[town]
    update_control(model)
    assert model.control[town] != CONTROL_ISIS   # going into it takes it


def test_the_urban_radius_never_reaches_beyond_the_control_radius():
    model, unit, town, _ = _town_model(control_radius_km=2.0, urban_control_radius_km=50.0)
    model.control[town] = CONTROL_ISIS
    update_control(model)
    assert model.control[town] == CONTROL_ISIS


def test_a_town_is_held_by_whoever_holds_its_built_up_cells_not_the_fields_around_it():
    from sim.model.places import PlaceTracker

    model, _, town, field = _town_model()
    t = model.theater
    tracker = PlaceTracker(model, {"town": t.lonlat_of(*town), "field": t.lonlat_of(*field)})
    control = np.full_like(model.control, CONTROL_IRAQ)
    control[town] = CONTROL_ISIS  # everything around the town taken, its streets not
    assert tracker.today(control).tolist() == [CONTROL_ISIS, CONTROL_IRAQ]
    control[field] = CONTROL_ISIS  # an open place is the land around its centre: one cell is no majority
    assert tracker.today(control).tolist()[1] == CONTROL_IRAQ


def test_an_objective_is_reached_only_when_it_is_no_longer_isis_held():
    from sim.model.phases.ground import ground_picture

    model, unit, town, _ = _town_model(control_radius_km=12.0)
    unit.objective = town  # 2 cells away: within the control radius
    model.control[town] = CONTROL_ISIS
    assert unit.choose_target(ground_picture(model)) == town
    model.control[town] = CONTROL_IRAQ
    unit.choose_target(ground_picture(model))
    assert unit.objective is None


def test_isis_moves_through_its_own_ground_at_full_speed():
    """A step into ISIS-held ground costs the attacking units contested_speed_factor, not ISIS."""
    scenario = load_scenario(MINIMAL, {"params.contested_speed_factor": 0.02})
    model = BorderModel(scenario=scenario, rng=5)
    cell = model.isis_cells()[0]
    picture = isis_picture(model)
    picture = dataclasses.replace(picture, areas=_Only(np.ones_like(model.theater.land)))
    model.control[:] = CONTROL_ISIS  # deep inside its own pocket
    start = cell.cell.coordinate
    cell.disperse(picture)
    moved = model.km_from(*start, np.array(cell.cell.coordinate[:1]), np.array(cell.cell.coordinate[1:]))[0]
    assert cell.dispersed and moved > 0  # at the attackers' cost a single step would take 50 days


def test_a_dispersed_cell_does_not_stop_an_advance_a_cell_holding_ground_does():
    """In contact means a cell that holds ground within contact_km (docs/odd.md, Ground movement): a
    unit walks past a dispersed cell beside it toward its objective, and holds when the same cell
    holds ground."""
    from sim.model.agents import IsisCell
    from sim.model.phases.ground import ground_picture

    model, unit, town, field = _town_model(contact_km=6.0)
    here = unit.cell.coordinate
    cell = IsisCell(model, model.grid[(here[0], here[1] + 1)], strength=5.0, concealment=0.9, label="remnant")
    unit.objective = town
    model.control[town] = CONTROL_ISIS
    cell.dispersed = True
    assert not ground_picture(model).in_contact(here)
    unit.advance(ground_picture(model))
    assert unit.posture == "advancing" and unit.cell.coordinate != here
    unit.cell = model.grid[here]
    cell.dispersed = False
    assert ground_picture(model).in_contact(here)
    unit.advance(ground_picture(model))
    assert unit.posture == "engaged" and unit.cell.coordinate == here

"""The mechanisms the 2017 record asked for, each against the engagement without it:
force to space (max_engaged_fighters), prepared positions (prepared_defense_factor) and withdrawal
(withdrawal_exposure). Each test fights the same cell against the same attackers twice."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.factions import CAMPS
from sim.geography import TERRAIN_URBAN
from sim.model import BorderModel
from sim.model.laws.lanchester import area_fire_coefficient, mixed_law
from sim.scenario import load_scenario

MINIMAL = Path(__file__).resolve().parent / "data" / "scenarios" / "minimal.yaml"


def _fight(changes: dict, *, dispersed: bool = False, attackers: int = 2, in_pocket: bool = True):
    """(ISIS fighters before, after, attackers' loss) of one day's engagement of the first ISIS cell,
    standing on open (not urban) ground inside the pocket, or outside every pocket."""
    scenario = load_scenario(MINIMAL, {f"params.{k}": v for k, v in changes.items()})
    model = BorderModel(scenario=scenario, rng=3)
    cell = model.isis_cells()[0]
    t = model.theater
    x, y = next((x, y) for x in range(t.width) for y in range(t.height)
                if t.land[x, y] and t.terrain[x, y] != TERRAIN_URBAN
                and any(m[x, y] for m in model.pocket_masks) == in_pocket)
    cell.cell = model.grid[(x, y)]
    cell.dispersed = dispersed
    units = model.ground_units()[:attackers]
    before_units = sum(u.strength for u in units)
    before = cell.strength
    model.engage(cell, units)
    return before, cell.strength, before_units - sum(u.strength for u in units)


def test_force_to_space_caps_the_attackers_that_fight():
    base = {"area_fire": 1e-4}
    _, free_after, _ = _fight(base)
    before, capped_after, _ = _fight(base | {"max_engaged_fighters": 300})
    _, one_after, _ = _fight(base, attackers=1)
    assert before - capped_after < before - one_after < before - free_after  # 300 < 1,000 < 2,000 fight
    # with the cap, the day is the mixed law with 300 attackers, whatever the force behind them
    _, outside_after, _ = _fight(base | {"max_engaged_fighters": 300}, in_pocket=False)
    model = BorderModel(scenario=load_scenario(MINIMAL), rng=3)
    cell = model.isis_cells()[0]
    assert model.ground_units()[0].strength > 300 and not any(model.sightings.by(cell, c) for c in CAMPS)
    a = area_fire_coefficient(1e-4, cell.concealment, urban=False, urban_defense_factor=2.0,
                              detected=False, detected_bonus=1.5)
    assert outside_after == pytest.approx(mixed_law(300, before, a, 0.015, 1.0).defender, rel=1e-9)


def test_prepared_positions_slow_attrition_on_ground_isis_held_at_the_start():
    base = {"area_fire": 1e-4}
    before, open_after, _ = _fight(base)
    _, prepared_after, _ = _fight(base | {"prepared_defense_factor": 4})
    assert before - prepared_after < before - open_after  # the cell stands in the pocket: protected
    _, out_open, _ = _fight(base, in_pocket=False)
    _, out_prepared, _ = _fight(base | {"prepared_defense_factor": 4}, in_pocket=False)
    assert out_prepared == out_open  # outside the pockets nothing was prepared
    _, disp_open, _ = _fight(base, dispersed=True)
    _, disp_prepared, _ = _fight(base | {"prepared_defense_factor": 4}, dispersed=True)
    assert disp_prepared == disp_open  # a dispersed cell has left its positions


def test_a_withdrawing_cell_is_under_fire_for_part_of_the_day_only():
    base = {"area_fire": 1e-4}
    before, stays, _ = _fight(base | {"withdrawal_exposure": 0.25})
    _, withdraws, lost = _fight(base | {"withdrawal_exposure": 0.25}, dispersed=True)
    _, whole_day, lost_whole = _fight(base, dispersed=True)
    assert before - withdraws < before - whole_day  # a quarter of the day's fire
    assert lost < lost_whole  # and a quarter of the day's return fire
    assert before - stays > before - withdraws  # a cell that holds its ground takes the whole day


def _dispersals(factor: float, *, in_pocket: bool, tries: int = 40) -> int:
    """How many of ``tries`` pressed cells disperse in one ISIS phase, on or off prepared ground."""
    import dataclasses

    from sim.model.phases.isis import isis_picture

    scenario = load_scenario(MINIMAL, {"params.disperse_probability": 1.0,
                                       "params.prepared_disperse_factor": factor, "params.raid_rate": 0.0})
    model = BorderModel(scenario=scenario, rng=3)
    cell = model.isis_cells()[0]
    t = model.theater
    x, y = next((x, y) for x in range(2, t.width - 2) for y in range(2, t.height - 2)  # room to move away
                if t.land[x, y] and any(m[x, y] for m in model.pocket_masks) == in_pocket)
    picture = isis_picture(model)
    pressed = dataclasses.replace(picture, pressure={cell: 1e9})  # far beyond disperse_pressure_ratio
    count = 0
    for _ in range(tries):
        cell.cell, cell.dispersed = model.grid[(x, y)], False
        cell.act(pressed)
        count += cell.dispersed
    return count


def test_defenders_of_prepared_ground_hold_instead_of_dispersing():
    assert _dispersals(1.0, in_pocket=True) == 40  # certain dispersal when pressed, as anywhere
    assert _dispersals(0.0, in_pocket=True) == 0  # held: prepared ground is not abandoned
    assert _dispersals(0.0, in_pocket=False) == 40  # in the open the same cell still slips away
    assert 5 < _dispersals(0.5, in_pocket=True, tries=60) < 55


def test_a_held_up_unit_fights_the_cell_that_holds_ground_not_a_nearer_dispersed_one():
    from sim.model.phases.combat import pair_with_cells

    model = BorderModel(scenario=load_scenario(MINIMAL, {}), rng=3)
    unit = model.ground_units()[0]
    x, y = unit.cell.coordinate
    t = model.theater
    near, far = model.isis_cells()[:2]
    far_xy = next((x + d, y) for d in range(1, 10)
                  if x + d < t.width and 0 < t.km_between(x, y, x + d, y) < model.params.contact_km)
    near.cell, far.cell = model.grid[(x, y)], model.grid[far_xy]
    cells = [near, far]
    near.dispersed, far.dispersed = True, False
    assert pair_with_cells(model, [unit], cells).tolist() == [1]  # the holding cell, though farther
    far.dispersed = True
    assert pair_with_cells(model, [unit], cells).tolist() == [0]  # no holding cell: the nearest
    near.dispersed, far.dispersed = False, False
    assert pair_with_cells(model, [unit], cells).tolist() == [0]  # both hold: the nearest

"""The war's other two regimes with one set of coefficients: a garrison stands or collapses by the facts
its scenario states and the map (sim/model/phases/garrison.py), and an insurgency hides, regrows and
attacks at a tempo the pressure sets (sim/model/phases/insurgency.py); the calibration's targets for
them (sim/calibrate: taken_within, weekly_mean, ratio)."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from sim.calibrate.spec import Target, load_calibration
from sim.calibrate.targets import deviation, target_statistics
from sim.errors import ScenarioError
from sim.factions import CONTROL_ISIS
from sim.model import BorderModel
from sim.model.phases import garrison, insurgency
from sim.model.record import summarize
from sim.scenario import load_scenario
from sim.scenario.params import Params

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
MINIMAL = ROOT / "tests" / "data" / "scenarios" / "minimal.yaml"


def _model(name: str, seed: int = 0, **params) -> BorderModel:
    scenario = load_scenario(SCENARIOS / f"{name}.yaml")
    if params:
        scenario = scenario.with_changes({f"params.{k}": v for k, v in params.items()})
    return BorderModel(scenario=scenario, rng=seed)


def _taken_day(model: BorderModel, place: str) -> int | None:
    rows = model.datacollector.get_model_vars_dataframe().to_dict("records")
    changes = summarize(model, rows)["places"][place]["changes"]
    return next((c["day"] for c in changes if c["from"] == "ISIS"), None)


# ---------------------------------------------------------------- garrisons
def test_the_scenarios_state_the_garrisons_facts():
    raqqa = load_scenario(SCENARIOS / "raqqa_2017.yaml")
    tal_afar = load_scenario(SCENARIOS / "tal_afar_2017.yaml")
    assert [f.garrison.order_to_stand for f in raqqa.forces if f.garrison] == [True]
    assert [(f.garrison.order_to_stand, f.garrison.families) for f in tal_afar.forces if f.garrison] == [
        (False, True)]


def test_one_set_of_coefficients_gives_a_collapse_and_a_last_stand():
    tal_afar = _model("tal_afar_2017").run(20)
    assert _taken_day(tal_afar, "Tal Afar") is not None  # the collapse: taken within 20 days
    assert tal_afar.totals["surrendered"] > 0
    raqqa = _model("raqqa_2017").run(60)
    assert _taken_day(raqqa, "Raqqa") is None  # the last stand: still fighting after 60 days
    assert raqqa.totals["surrendered"] == 0
    assert all(not c.dispersed for c in raqqa.isis_cells())  # ordered to stand: nobody slipped away
    assert raqqa.scenario.params == tal_afar.scenario.params  # the same coefficients


def test_a_garrison_ordered_to_stand_never_disperses_and_fights_house_to_house():
    model = _model("raqqa_2017")
    cell = model.isis_cells()[0]
    assert cell.stands()
    urban = model.theater.terrain[cell.cell.coordinate] == 2
    expected = model.params.close_quarters_fighters if urban else math.inf
    assert garrison.engaged_cap(model, cell) == expected
    cell.garrison_strength, cell.strength = 250.0, 10.0  # 96% lost: a cell ordered to stand still stands
    garrison.garrison_act(model)
    assert not cell.garrison_broken and cell.strength == 10.0


def test_without_an_order_a_garrison_breaks_past_its_breakpoint_and_surrenders_when_encircled():
    model = _model("tal_afar_2017")
    model.run(1)  # the attackers close in: the garrison is under pressure
    cells = [c for c in model.isis_cells() if c.garrison is not None and not c.garrison_broken]
    cell = cells[0]
    for other in cells[1:]:  # the one cell alone decides today
        other.garrison_broken = True
    model.today.clear()
    out = garrison.way_out(model, [cell])[0]
    w = garrison.will(cell, out, model.params)
    p = model.params
    expected = cell.cohesion * (1 if out else p.encircled_will_factor) * p.families_will_factor
    assert w == pytest.approx(expected)
    cell.garrison_strength = cell.strength / (1 - 0.99 * model.params.garrison_breakpoint * w)  # just short
    before = cell.strength
    garrison.garrison_act(model)
    assert not cell.garrison_broken and cell.strength == before
    cell.garrison_strength = cell.strength / (1 - 1.01 * model.params.garrison_breakpoint * w)  # just past
    garrison.garrison_act(model)
    assert cell.garrison_broken
    gave_up = model.today["surrendered"]
    if out:  # a share surrenders, the rest flee and hold no ground
        assert gave_up == math.floor(model.params.surrender_share * before) and cell.dispersed
    else:  # no way out: all surrender
        assert gave_up == pytest.approx(before) and cell not in model.isis_cells()


def test_a_way_out_is_read_from_the_map():
    model = _model("tal_afar_2017")
    cell = model.isis_cells()[0]
    x, y = cell.cell.coordinate
    units = model.ground_units()
    for u in units:
        u.halted_until = 10**6
    assert garrison.way_out(model, [cell]) == [True]  # no unit in the way: the edge is reachable
    ring = [(x + dx, y + dy) for dx in (-2, 0, 2) for dy in (-2, 0, 2) if (dx, dy) != (0, 0)]
    for u, here in zip(units, ring, strict=False):
        u.halted_until, u.cell = -1, model.grid[here]
    assert garrison.way_out(model, [cell]) == [False]  # a ring of units two cells out closes it


def test_a_garrison_on_a_non_isis_force_is_one_located_error(tmp_path):
    bad = tmp_path / "bad.yaml"
    text = (SCENARIOS / "tal_afar_2017.yaml").read_text().replace(
        "extends: calibrated/params.yaml", f"extends: {SCENARIOS / 'calibrated' / 'params.yaml'}")
    bad.write_text(text.replace(
        "    objective: Tal Afar\n  - faction: PMF",
        "    objective: Tal Afar\n    garrison: {order_to_stand: true}\n  - faction: PMF", 1))
    with pytest.raises(ScenarioError) as err:
        load_scenario(bad)
    assert "garrison" in str(err.value) and "describes ISIS cells" in str(err.value)


# ---------------------------------------------------------------- the insurgency
def test_insurgent_cells_hide_hold_no_ground_and_keep_attacking():
    model = _model("insurgency_2018").run(28)
    assert model.isis_cells() and all(c.dispersed for c in model.isis_cells())
    assert not (model.control == CONTROL_ISIS).any()  # no town, no ground held
    table = model.datacollector.get_model_vars_dataframe()
    assert table["raids"].sum() > 0 and table["recruited"].sum() > 0 and table["infiltrated"].sum() > 0


def test_cover_comes_from_the_hideouts_and_the_peopled_valleys():
    model = _model("insurgency_2018")
    t, ground = model.theater, model.insurgency
    x, y = t.cell_of(44.8, 34.3)  # the Hamrin hills: desert without people on the map, a stated hideout
    assert t.population[x, y] == 0 and ground.cover[x, y]
    assert not ground.cover[t.cell_of(42.0, 35.0)]  # the open Jazira desert
    assert ground.people[t.cell_of(43.7727, 35.3259)] > 50  # Hawija and its neighbours, thousands


def test_the_attack_tempo_answers_to_pressure():
    p = Params()
    free = insurgency.attack_rate(p, 50.0, 1.0, 0.0)
    assert free == pytest.approx(p.insurgent_attack_rate * 50)
    hunted = insurgency.attack_rate(p, 50.0, 1.0, p.attack_suppression_ratio * 50)
    assert hunted == pytest.approx(free / 2)
    assert insurgency.attack_rate(p, 0.0, 1.0, 0.0) == 0.0


def test_scenarios_that_state_no_new_facts_draw_nothing_new():
    model = BorderModel(scenario=load_scenario(MINIMAL), rng=3)
    state = model.streams["insurgency"].bit_generator.state
    model.run(5)
    assert model.streams["insurgency"].bit_generator.state == state
    assert "surrendered" not in model.row and "recruited" not in model.row
    assert not any(c.garrison or c.insurgent for c in model.isis_cells())


# ---------------------------------------------------------------- the calibration's targets
def _table():
    return pd.DataFrame({"day": range(0, 15), "raids": [0] + [7] * 7 + [14] * 7})


def test_weekly_mean_and_ratio_targets():
    weekly = Target("w", "weekly_mean", scenario="s", column="raids", days=(1, 14), range=(36, 63), scale=15)
    stats = target_statistics(weekly, {"s": (_table(), {})}, {})
    assert stats["w"] == pytest.approx(73.5)  # 49 then 98 a week
    assert deviation(weekly, stats) == pytest.approx((73.5 - 63) / 15)
    ratio = Target("r", "ratio", scenario="s", column="raids", first=(1, 7), last=(8, 14),
                   range=(0.75, 1.25), scale=0.25)
    stats = target_statistics(ratio, {"s": (_table(), {})}, {})
    assert stats["r"] == pytest.approx(2.0) and deviation(ratio, stats) == pytest.approx(3.0)


def test_taken_within_target_counts_an_untaken_place_as_the_day_after_the_run():
    t = Target("siege", "taken_within", scenario="s", place="Raqqa", by="SDF", range=(100, 166), scale=14)
    taken = {"days": 140, "places": {"Raqqa": {"changes": [{"day": 95, "from": "ISIS", "to": "SDF"}]}}}
    stats = target_statistics(t, {"s": (None, taken)}, {})
    assert stats == {"siege": 95.0, "siege:censored": 0.0}
    assert deviation(t, stats) == pytest.approx(5 / 14)
    never = {"days": 140, "places": {"Raqqa": {"changes": []}}}
    stats = target_statistics(t, {"s": (None, never)}, {})
    assert stats["siege"] == 141.0 and stats["siege:censored"] == 1.0 and deviation(t, stats) == 0.0


def test_the_joint_calibration_file_is_valid():
    spec = load_calibration(ROOT / "experiments" / "calibrate_joint.yaml")
    kinds = {t.kind for t in spec.targets}
    assert {"record", "taken_within", "weekly_mean", "ratio", "sum"} <= kinds
    assert set(spec.scenarios) == {"autumn_2017", "raqqa", "tal_afar", "insurgency", "article_week"}
    assert spec.scenarios["article_week"].days == 7  # 001's week only (later is out of sample)


def test_a_bad_regime_target_is_one_located_line(tmp_path):
    text = (ROOT / "experiments" / "calibrate_joint.yaml").read_text()
    text = text.replace("../scenarios/", str(SCENARIOS) + "/")
    bad = tmp_path / "bad.yaml"
    text = text.replace("    place: Raqqa\n", "    place: Raqa\n").replace("days: [1, 119]", "days: [1, 118]")
    bad.write_text(text)
    with pytest.raises(ScenarioError) as err:
        load_calibration(bad)
    message = str(err.value)
    assert "no named place 'Raqa'" in message and "whole weeks" in message

"""The record: named places as outcomes, the model-vs-record comparison, and where it is printed.

Malformed ``record:`` entries are in the bad-input corpus (tests/data/bad/scenarios/record_*.yaml).
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.factions import CONTROL_ISIS, CONTROL_SAA
from sim.model.comparison import compare, model_day
from sim.model.places import PlaceTracker
from sim.scenario.model import RecordEvent

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent / "bordersim"
TOWNS = ("mayadin_taken", "omar_field_taken", "deir_ezzor_city_taken", "al_qaim_taken", "rawa_taken",
         "albu_kamal_taken")


@pytest.fixture(scope="module")
def model():
    return sim.BorderModel(scenario=sim.load("deir_ezzor_2017"), rng=1)


def _tracker(model, hold_days: int) -> tuple[PlaceTracker, np.ndarray]:
    place = sim.load("deir_ezzor_2017").record[0]  # Mayadin
    tracker = PlaceTracker(model, {"Mayadin": (place.lon, place.lat)})
    tracker.hold_days = hold_days
    control = np.full(model.control.shape, CONTROL_ISIS, dtype=np.int8)
    return tracker, control


def test_a_place_changes_hands_only_when_held_for_the_hold_days_and_is_dated_to_the_first(model):
    tracker, control = _tracker(model, hold_days=3)
    tracker.observe(0, control)
    flat = tracker._flat
    days = {1: CONTROL_SAA, 2: CONTROL_SAA, 3: CONTROL_ISIS,  # two days only: no change
            4: CONTROL_SAA, 5: CONTROL_SAA, 6: CONTROL_SAA}    # three days: taken on day 4
    for day, code in days.items():
        control.ravel()[flat] = code
        tracker.observe(day, control)
    assert tracker.summary()["Mayadin"]["changes"] == [
        {"day": 4, "date": "2017-09-14", "from": "ISIS", "to": "SAA"}]


def test_a_place_retaken_by_a_counter_attack_lists_every_change_of_hands(model):
    tracker, control = _tracker(model, hold_days=1)
    tracker.observe(0, control)
    for day, code in {1: CONTROL_SAA, 3: CONTROL_ISIS, 5: CONTROL_SAA}.items():
        control.ravel()[tracker._flat] = code
        tracker.observe(day, control)
    changes = tracker.summary()["Mayadin"]["changes"]
    assert [(c["day"], c["from"], c["to"]) for c in changes] == [
        (1, "ISIS", "SAA"), (3, "SAA", "ISIS"), (5, "ISIS", "SAA")]


def test_the_holder_is_the_majority_of_the_place_cells(model):
    tracker, control = _tracker(model, hold_days=1)
    cells = tracker._flat
    assert len(cells) >= 3
    control.ravel()[cells[: len(cells) // 2]] = CONTROL_SAA  # under half: ISIS keeps it
    assert tracker.today(control).tolist() == [CONTROL_ISIS]
    control.ravel()[cells[: len(cells) // 2 + 1]] = CONTROL_SAA
    assert tracker.today(control).tolist() == [CONTROL_SAA]


def _event(**kw) -> RecordEvent:
    base = dict(id="e", date=dt.date(2017, 11, 9), day=60, what="w", source="https://x.org",
                quote="q", partisan=False)
    return RecordEvent(**{**base, **kw})


def test_model_days_follow_nth_changes_losses_pockets_and_fighters():
    changes = [{"day": 50, "from": "ISIS", "to": "SAA"}, {"day": 52, "from": "SAA", "to": "ISIS"},
               {"day": 61, "from": "ISIS", "to": "SAA"}]
    places = {"Albu Kamal": {"changes": changes}}
    rows = [{"day": d, "p_km2": 100.0 - 10 * d, "isis_fighters": 5000.0 - 100 * d} for d in range(11)]
    taken = dict(kind="place_taken", place="Albu Kamal", by="SAA")
    assert model_day(_event(**taken), places, rows) == 50
    assert model_day(_event(**taken, nth=2), places, rows) == 61
    assert model_day(_event(**taken, nth=3), places, rows) is None
    assert model_day(_event(kind="place_lost", place="Albu Kamal", by="SAA"), places, rows) == 52
    assert model_day(_event(kind="place_taken", place="Albu Kamal", by="SDF"), places, rows) is None
    assert model_day(_event(kind="pocket_reduced", pocket="p", share=0.5), places, rows) == 5
    assert model_day(_event(kind="pocket_reduced", pocket="p", share=1.0), places, rows) == 10
    assert model_day(_event(kind="isis_fighters", below=4450.0), places, rows) == 6
    out = compare([_event(**taken)], places, rows)
    assert {k: out[0][k] for k in ("id", "record_day", "model_day", "error_days")} == {
        "id": "e", "record_day": 60, "model_day": 50, "error_days": -10}


def test_a_force_holds_its_ground_until_its_operation_starts():
    scenario = sim.load("deir_ezzor_2017")
    starts = {f.faction: (f.advance_day, [s.advance_day for s in f.stages])
              for f in scenario.forces if f.faction in ("ISF", "PMF")}
    # the army's al-Qaim offensive from 26 October; the PMF on Anah from 19 September, Rawa from 11 November
    assert starts == {"ISF": (46, []), "PMF": (9, [62])}
    model = sim.BorderModel(scenario=scenario, rng=1)
    units = [u for u in model.ground_units() if u.faction == "PMF"]
    start = {u: u.cell.coordinate for u in units}
    model.run(8)
    assert all(u.cell.coordinate == start[u] and u.posture == "halted" for u in units)
    model.run(1)  # day 9, 19 September: the offensive starts
    assert all(u.posture in ("advancing", "engaged") for u in units)
    model.run(10)
    assert any(u.cell.coordinate != start[u] for u in units)


def test_run_prints_the_record_table_and_summary_lists_the_town_events(tmp_path):
    out = tmp_path / "run"
    args = ["run", "scenarios/deir_ezzor_2017.yaml", "--seed", "1", "--out", str(out), "--no-plots"]
    proc = subprocess.run([str(BIN), *args], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "the model against the record" in proc.stdout
    record = json.loads((out / "summary.json").read_text())["record"]
    by_id = {e["id"]: e for e in record}
    assert set(TOWNS) <= set(by_id)
    for e in record:
        assert set(e) >= {"id", "what", "date", "record_day", "model_day", "error_days", "source"}
        line = next(x for x in proc.stdout.splitlines() if x.startswith(e["observable"]) and e["date"] in x)
        shown = "not by day 90" if e["model_day"] is None else f"{e['error_days']:+d} days"
        assert shown in line
    assert any(e["model_day"] is not None for e in record)
    days = [e["model_day"] for e in record if e["model_day"] is not None]
    assert all(0 < d <= 90 for d in days)


def _open_town(rate: float, garrison: bool):
    """Day-0 model of 2017 with Albu Kamal handed to the SAA, its units gone, an ISIS cell 3 cells away."""
    from sim.model.agents import GroundUnit, IsisCell

    scenario = sim.load("deir_ezzor_2017", {"params.counterattack_rate": rate})
    m = sim.BorderModel(scenario=scenario, rng=1)
    names, tx, ty = m.isis_towns
    k = names.index("Albu Kamal")
    town = int(tx[k]), int(ty[k])
    for unit in m.ground_units():
        unit.cell = m.grid[(0, 0)]
    if garrison:
        m.ground_units()[0].cell = m.grid[town]
    m.control[town] = CONTROL_SAA
    cells = [c for c in m.isis_cells() if isinstance(c, IsisCell)]
    for c in cells:
        c.cell = m.grid[(0, 1)]
        c.dispersed = True
    attacker = cells[0]
    attacker.dispersed = False
    attacker.cell = m.grid[(town[0] + 3, town[1])]
    assert all(isinstance(u, GroundUnit) for u in m.ground_units())
    return m, town, attacker


def test_an_open_town_is_retaken_by_a_counter_attack_and_the_control_phase_gives_it_back():
    from sim.model.phases.control import update_control
    from sim.model.phases.counterattack import counterattack

    m, town, attacker = _open_town(rate=10.0, garrison=False)
    assert counterattack(m) == ["Albu Kamal"]
    assert attacker.cell.coordinate == town and m.today["counterattacks"] == 1
    update_control(m)
    assert m.control[town] == CONTROL_ISIS


def test_no_counter_attack_on_a_garrisoned_town_or_at_rate_zero():
    from sim.model.phases.counterattack import counterattack

    m, town, attacker = _open_town(rate=10.0, garrison=True)
    assert counterattack(m) == [] and attacker.cell.coordinate != town
    m, town, attacker = _open_town(rate=0.0, garrison=False)
    state = m.streams["isis"].bit_generator.state
    assert counterattack(m) == [] and attacker.cell.coordinate != town
    assert m.streams["isis"].bit_generator.state == state  # nothing drawn: other scenarios unchanged


def test_timeseries_marks_each_record_date_inside_the_run_on_every_panel():
    from sim.render.timeseries import plot_timeseries, record_marker_days

    record = [{"record_day": 34, "label": "Mayadin (SAA)", "what": "w"},
              {"record_day": 54, "label": "a", "what": "w"}, {"record_day": 54, "label": "b", "what": "w"},
              {"record_day": 500, "label": "late", "what": "w"}]
    assert record_marker_days(record) == {34: "Mayadin (SAA)", 54: "a / b", 500: "late"}
    table = {"day": np.arange(91), "isis_fighters": np.ones(91), "p_km2": np.ones(91)}
    plain = plot_timeseries(table, {"p": "P"})
    marked = plot_timeseries(table, {"p": "P"}, record=record)
    lines = [len(ax.lines) for ax in marked.axes[:3]]
    assert lines == [len(ax.lines) + 2 for ax in plain.axes[:3]]  # days 34 and 54; day 500 is past the run
    texts = [t.get_text() for t in marked.axes[0].texts]
    assert "Mayadin (SAA)" in texts and "a / b" in texts and "late" not in texts


def test_a_sweep_stores_each_record_event_day_and_the_report_holds_them_against_the_record(tmp_path):
    import pandas as pd

    from sim.report import build_report
    from sim.sweep.runner import run_sweep

    exp = tmp_path / "rec.yaml"
    exp.write_text(f"name: rec\ntitle: t\nscenario: {ROOT / 'scenarios' / 'deir_ezzor_2017.yaml'}\ndays: 65\n"
                   "factors:\n  - channel: deconfliction\nreplications: 2\noutcomes: [incidents]\n")
    run_sweep(exp, tmp_path / "sweep", workers=1, progress=False)
    results = pd.read_parquet(tmp_path / "sweep" / "results.parquet")
    assert "record_mayadin_taken_day" in results and "record_albu_kamal_taken_day" in results
    row = results[results["point"] == 0].iloc[0]
    line = f"channels.deconfliction={str(bool(row['deconfliction'])).lower()}"
    scenario = sim.load("deir_ezzor_2017", [line, "days=65"])
    direct = {e["id"]: e["model_day"] for e in sim.run(scenario, seed=int(row["seed"])).summary["record"]}
    for event, day in direct.items():  # never shown by the last day: stored as days + 1
        assert row[f"record_{event}_day"] == (66 if day is None else day)
    report = build_report(tmp_path / "sweep")
    names = {p.name for p in report.files}
    assert {"record.csv", "record_skill.csv", "record_timeline.png"} <= names
    assert "model against the record: deconfliction on" in report.record_text
    assert "skill: median absolute error" in report.record_text
    page = (report.folder / "report.html").read_text()
    assert "The model against the record" in page and "deccanherald.com" in page
    table = pd.read_csv(report.folder / "record.csv")
    assert len(table) == 2 * len(direct)


def test_history_runs_the_seeds_once_each_and_is_the_same_with_any_number_of_workers(tmp_path):
    from sim.sweep.history import history

    one = history(str(ROOT / "scenarios" / "deir_ezzor_2017.yaml"), seeds=3, days=40, workers=1)
    two = history(str(ROOT / "scenarios" / "deir_ezzor_2017.yaml"), seeds=3, days=40, workers=2)
    assert one.text() == two.text()
    for event, days in one.days_by_event.items():
        assert len(days) == 3 and np.array_equal(days, two.days_by_event[event], equal_nan=True)
    png = one.save_figure(tmp_path / "h.png")
    assert png.stat().st_size > 10_000
    proc = subprocess.run([str(BIN), "history", "scenarios/pockets_2018.yaml", "--seeds", "2"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "has no `record:`" in proc.stderr and "Traceback" not in proc.stderr


def test_the_page_marks_the_record_days_on_every_chart_and_its_panel_reads_each_side():
    from sim.app.charts import chart_options
    from sim.app.record_panel import marker_days, panel_rows, with_markers
    from sim.app.state import Classroom, default_setup

    path = str(ROOT / "scenarios" / "deir_ezzor_2017.yaml")
    scenario = sim.load(path)
    markers = marker_days(scenario)
    assert markers[34] == "Mayadin (SAA)" and markers[54] == "deir_ezzor cleared / Al-Qaim (ISF)"
    room = Classroom(default_setup(scenario, path, seed=1))
    options = chart_options(room.sides, {k: p.label for k, p in scenario.pockets.items()}, room.days)
    marked = with_markers(options, markers)
    assert all("markLine" not in s for o in options for s in o["series"])  # the original is untouched
    for chart in marked:
        assert [d["xAxis"] for d in chart["series"][0]["markLine"]["data"]] == sorted(markers)
    assert with_markers(options, {}) == options
    room.step(90)
    rows = panel_rows(scenario, room.sides, room.finished, room.day)
    direct = {e["id"]: e["model_day"] for e in sim.run(scenario, seed=1).summary["record"]}
    for row in rows:
        day = direct[row["id"]]
        assert row["model"]["A"] == ("not by day 90" if day is None else f"day {day}")


def test_the_validation_section_on_the_record_describes_the_model_and_scenarios_as_they_are():
    from tools import validation_record

    why = validation_record.stale(ROOT / "docs" / "validation.md", ROOT / "scenarios")
    assert why is None, (f"docs/validation.md's record section is stale ({why}): "
                         "run python -m tools.validation record")


def test_median_and_quartiles_are_over_all_runs_with_the_censored_ones_later_than_the_last_day():
    from types import SimpleNamespace

    import pandas as pd

    from sim.report.record import censored_quantile, format_spread, table, text

    days = 90
    # the case of `bordersim history deir_ezzor_2017 --seeds 2`: one run shows it on day 51, one never
    two = np.array([51.0, np.nan])
    assert censored_quantile(two, 0.25, days) == 91  # 51 + a quarter of the way to an unknown day
    assert censored_quantile(two, 0.5, days) == 91  # between day 51 and a censored run: censored, not 71
    assert censored_quantile(two, 0.75, days) == 91
    five = np.array([40.0, np.nan, 20.0, 30.0, np.nan])  # 20 30 40 >90 >90
    assert [censored_quantile(five, q, days) for q in (0.25, 0.5, 0.75)] == [30, 40, 91]
    assert censored_quantile(np.array([10.0, 20.0, 30.0, 40.0]), 0.5, days) == 25  # no censoring: np.median
    assert np.isnan(censored_quantile(np.array([]), 0.5, days))
    events = [{"id": "e", "observable": "E taken", "date": "2017-11-03", "record_day": 54}]
    frame = table(events, {0: {"e": five}, 1: {"e": two}, 2: {"e": np.full(3, np.nan)}}, days)
    rows = list(frame.itertuples())
    assert format_spread(rows[0], days) == "40 [30->90]"
    assert format_spread(rows[1], days) == ">90 [>90->90]"
    assert format_spread(rows[2], days) == ">90 [>90->90]"
    assert list(frame["shown_by_last_day"]) == [3, 1, 0] and list(frame["median_error_days"]) == [-14, 37, 37]
    skills = pd.DataFrame([{"point": p, "events": 1, "median_abs_error_days": 0.0,
                            "share_within_14_days": 1.0} for p in range(3)])
    printed = text(events, frame, skills, {}, days)
    assert "40 [30->90]" in printed and "71" not in printed
    assert format_spread(SimpleNamespace(model_median_day=np.nan, model_q25_day=np.nan, model_q75_day=np.nan),
                         days) == "-"

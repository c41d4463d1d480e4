"""The Python API (sim.load, sim.run, sim.BorderModel) and the Mesa conventions the model follows."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import mesa
import pandas as pd
import pytest
from matplotlib.figure import Figure

import sim
from sim.cli import main
from sim.errors import ScenarioError


@pytest.fixture(scope="module")
def short():
    return sim.load("pockets_2018", days=6)


def test_load_takes_a_listed_name_or_a_path_and_a_mapping_of_overrides():
    by_name = sim.load("pockets_2018", set={"channels.deconfliction": False, "days": 40})
    by_path = sim.load("scenarios/pockets_2018.yaml", set=["channels.deconfliction=false", "days=40"])
    assert by_name.config_hash() == by_path.config_hash()
    assert by_name.channels.deconfliction is False and by_name.days == 40


def test_an_unknown_name_suggests_the_closest_one():
    with pytest.raises(ScenarioError, match=r"no scenario named 'pocket_2018'.*did you mean pockets_2018\?"):
        sim.load("pocket_2018")


def test_the_model_takes_mesa_keywords_and_refuses_a_bad_seed(short):
    model = sim.BorderModel(scenario=short, rng=3)
    assert model.scenario is short and model.steps == 0 and model.running
    for bad in (-1, 1.5, None, True, 2**63):
        with pytest.raises(ValueError, match="seed must be"):
            sim.BorderModel(scenario=short, rng=bad)


def test_run_model_stops_after_the_scenario_days(short):
    model = sim.BorderModel(scenario=short, rng=1)
    model.run_model()
    assert model.steps == short.days == 6 and not model.running
    assert model.date == short.start_date + pd.Timedelta(days=6)


def test_mesa_batch_run_gives_the_numbers_of_bordersim_run(tmp_path):
    scenario = sim.load("pockets_2018", days=40)
    rows = mesa.batch_run(sim.BorderModel, parameters={"scenario": [scenario]}, rng=[1, 2], max_steps=30,
                          number_processes=1, data_collection_period=1, display_progress=False)
    table = pd.DataFrame(rows)
    assert sorted(table.groupby("iteration").Step.max()) == [30, 30]
    assert main(["run", "pockets_2018", "--seed", "1", "--days", "30", "--no-plots", "--out",
                 str(tmp_path / "run")]) == 0
    cli = pd.read_csv(tmp_path / "run" / "timeseries.csv")
    batch = table[table.rng == 1].sort_values("Step").reset_index(drop=True)
    for column in ("isis_fighters", "isis_area_km2", "euphrates_km2", "strikes", "raids"):
        assert batch[column].round(6).tolist() == cli[column].tolist(), column
    other = table[table.rng == 2].sort_values("Step").reset_index(drop=True)
    assert other.isis_fighters.tolist() != batch.isis_fighters.tolist()


def test_run_returns_a_result_with_tables_and_figures(short):
    result = sim.run("pockets_2018", seed=2, days=6, set={"channels.deconfliction": False})
    assert isinstance(result.timeseries, pd.DataFrame) and len(result.timeseries) == 7
    assert result.summary["channels"]["deconfliction"] is False and result.summary["days"] == 6
    assert isinstance(result.plot(), Figure) and isinstance(result.map(), Figure)
    again = sim.run(short, seed=2)
    assert again.summary["channels"]["deconfliction"] is True
    with pytest.raises(ValueError, match="day must be"):
        result.map(day=7)


def test_map_of_an_earlier_day_replays_that_day(short):
    result = sim.run(short, seed=4)
    replay = sim.BorderModel(scenario=short, rng=4).run(3)
    fig_a, fig_b = result.map(day=3), sim.render.draw_map(replay)
    fig_a.canvas.draw(), fig_b.canvas.draw()
    assert bytes(fig_a.canvas.buffer_rgba()) == bytes(fig_b.canvas.buffer_rgba())


def test_run_refuses_bad_days_and_set_on_a_loaded_scenario(short):
    with pytest.raises(ValueError, match="days must be"):
        sim.run(short, seed=1, days=0)
    with pytest.raises(ValueError, match="set= needs a scenario name"):
        sim.run(short, seed=1, set={"days": 3})


def test_the_package_top_does_not_load_mesa_until_asked():
    code = ("import sys, sim, sim.cli; before = 'mesa' in sys.modules; sim.BorderModel; "
            "print(before, 'mesa' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]


def test_commands_take_names(tmp_path, capsys):
    assert main(["validate", "pockets_2018"]) == 0
    assert main(["run", "deir_ezzor_2017", "--days", "2", "--no-plots", "--out", str(tmp_path / "r")]) == 0
    assert (tmp_path / "r" / "summary.json").is_file()
    assert main(["run", "pocket_2018", "--days", "2"]) == 2
    assert "did you mean pockets_2018?" in capsys.readouterr().err


def test_the_fingerprint_covers_the_model_folders_and_not_the_front_ends(tmp_path, monkeypatch):
    import shutil

    copy = tmp_path / "sim"
    shutil.copytree(Path(sim.__file__).parent, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(sim, "__file__", str(copy / "__init__.py"))
    before = sim.model_fingerprint()
    (copy / "app" / "new_panel.py").write_text("X = 1\n")  # a front end grows a file
    (copy / "report" / "html.py").write_text((copy / "report" / "html.py").read_text() + "\n# note\n")
    assert sim.model_fingerprint() == before
    model_files = ("model/phases/combat.py", "channels/deconfliction.py", "factions.py",
                   "data/geography.yaml")
    for changed in model_files:
        path = copy / changed
        text = path.read_text()
        path.write_text(text + "\n# changed\n")
        assert sim.model_fingerprint() != before, changed
        path.write_text(text)
    assert sim.model_fingerprint() == before

"""The EMA Workbench adapter: EMA's experiments equal `bordersim sweep`'s runs with the same seed."""

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim.ema
from sim.errors import ScenarioError
from sim.scenario import CHANNELS, load_scenario
from sim.scenario.params import Params, declared_bounds
from sim.sweep.outcomes import default_outcomes
from sim.sweep.runner import run_sweep
from sim.sweep.seeds import replication_seeds

with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)
    import ema_workbench as ema

ROOT = Path(__file__).resolve().parent.parent
OUTCOMES = ["euphrates_final_km2", "jazira_mean_km2", "raids", "strikes"]


def experiment(tmp_path: Path) -> Path:
    """4 LHS points over two coefficients and a channel, 2 replications, 20 days on a coarse grid."""
    path = tmp_path / "tiny_ema.yaml"
    path.write_text(f"name: tiny_ema\nscenario: {ROOT / 'scenarios' / 'pockets_2018.yaml'}\n"
                    "set:\n  grid.cell_deg: 0.1\ndays: 20\nfactors:\n"
                    "  - param: advance_km_per_day\n    range: [2, 12]\n"
                    "  - param: raid_rate\n    range: [0.01, 0.2]\n"
                    "  - channel: deconfliction\n"
                    "design: {type: lhs, samples: 4}\nreplications: 2\nseed: 7\n"
                    f"outcomes: [{', '.join(OUTCOMES)}]\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ema")
    exp = experiment(tmp)
    stats = run_sweep(exp, tmp / "out", workers=1, progress=False)
    assert stats.failed == 0
    return exp, pd.read_parquet(tmp / "out" / "results.parquet")


def run_ema(exp: Path, evaluator=None):
    model = sim.ema.from_experiment(exp)
    scenarios, policies = sim.ema.design_samples(exp)
    if evaluator is None:
        experiments, outcomes = ema.perform_experiments(model, scenarios, policies, combine="cycle")
    else:
        options = {} if evaluator is ema.SequentialEvaluator else {"n_processes": 2}
        with evaluator(model, **options) as ev:
            experiments, outcomes = ev.perform_experiments(scenarios, policies, combine="cycle")
    return model, experiments, outcomes


def test_perform_experiments_equals_the_sweep_with_the_same_seed(swept):
    exp, results = swept
    model, experiments, outcomes = run_ema(exp, ema.SequentialEvaluator)
    assert len(experiments) == 4 and all(outcomes[o].shape == (4, 2) for o in OUTCOMES)
    runs = sim.ema.runs_frame(model, experiments, outcomes)
    assert list(runs["seed"].unique()) == replication_seeds(7, 2)  # the sweep's common random numbers
    merged = results.merge(runs, left_on=["point", "replication"], right_on=["experiment", "replication"],
                           suffixes=("_sweep", "_ema"))
    assert len(merged) == 8
    assert (merged["seed_sweep"] == merged["seed_ema"]).all()
    for name in ("advance_km_per_day", "raid_rate", "deconfliction", *OUTCOMES):
        assert merged[f"{name}_sweep"].tolist() == merged[f"{name}_ema"].tolist(), name
    assert merged["raids_ema"].nunique() > 1  # the design and the seeds make a difference


@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")  # EMA's Pool forks
def test_multiprocessing_evaluator_gives_the_sequential_results(swept):
    exp, results = swept
    _, experiments, outcomes = run_ema(exp, ema.MultiprocessingEvaluator)
    order = np.argsort(experiments["scenario"].astype(str).str.removeprefix("point").astype(int).to_numpy())
    for name in OUTCOMES:
        expected = results.sort_values(["point", "replication"])[name].to_numpy().reshape(4, 2)
        assert np.array_equal(outcomes[name][order], expected), name


def test_model_takes_declared_bounds_channels_and_sweep_outcomes():
    model = sim.ema.model("pockets_2018", days=20, replications=3, seed=5,
                          params=["raid_rate", "advance_km_per_day"])
    bounds = {u.name: (u.lower_bound, u.upper_bound) for u in model.uncertainties}
    assert bounds == {n: declared_bounds(n) for n in ("raid_rate", "advance_km_per_day")}
    base = load_scenario(ROOT / "scenarios" / "pockets_2018.yaml")
    assert [lever.name for lever in model.levers] == list(CHANNELS)
    defaults = {lever.name: lever.default for lever in model.levers}
    assert defaults == {c: getattr(base.channels, c) for c in CHANNELS}
    assert [o.name for o in model.outcomes] == default_outcomes(base.pockets)
    assert [r["seed"] for r in model.replications] == replication_seeds(5, 3)
    every = sim.ema.model("pockets_2018", replications=1)
    assert [u.name for u in every.uncertainties] == list(Params.model_fields)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"params": ["raid_rte"]}, "params.raid_rte: unknown coefficient 'raid_rte' (did you mean raid_rate?)"),
    ({"params": {"raid_rate": (0.1, 9)}}, "params.raid_rate: range [0.1, 9] must be increasing and within "
                                          "the declared bounds [0, 5]"),
    ({"outcomes": ["raid"]}, "outcomes: unknown outcome 'raid' (did you mean raids?)"),
    ({"replications": 0}, "replications: replications must be at least 1, got 0"),
])
def test_bad_model_arguments_are_one_line(kwargs, message):
    with pytest.raises(ScenarioError) as err:
        sim.ema.model("pockets_2018", **kwargs)
    assert str(err.value) == message


def test_unknown_scenario_name_suggests_one():
    with pytest.raises(ScenarioError, match=r"no scenario 'pocket_2018'.*did you mean pockets_2018\?"):
        sim.ema.model("pocket_2018")

"""`bordersim calibrate`: the calibration file's checks, the distance, the sampler's determinism, and a
quick calibration killed with SIGKILL and resumed (same posterior as one left alone)."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.calibrate.priors import default_prior, make_prior
from sim.calibrate.spec import load_calibration
from sim.calibrate.targets import Distance, deviations
from sim.cli import main

ROOT = Path(__file__).resolve().parent.parent
CALIBRATION = ROOT / "experiments" / "calibrate_2017.yaml"
JOINT = ROOT / "experiments" / "calibrate_joint.yaml"
BIN = Path(sys.executable).parent / "bordersim"


def test_priors_follow_the_declared_bounds():
    assert default_prior("regroup_days").log  # 0 to 10,000 days: log scale from a hundredth of 15
    assert default_prior("regroup_days").lo == pytest.approx(0.15)
    assert not default_prior("disperse_probability").log  # 0 to 1 at 0.12: not two decades above the default
    p = make_prior("area_fire", "log_uniform", (1e-6, 1e-4))
    assert p.space() == pytest.approx((-6, -4)) and p.from_unit(0.5) == pytest.approx(1e-5)


def test_the_shipped_calibration_file_is_valid():
    spec = load_calibration(CALIBRATION)
    assert spec.priors and spec.targets and spec.sized(True)[0] < spec.sized(False)[0]


def test_the_kernel_scaling_is_part_of_what_a_history_was_made_with():
    import dataclasses

    spec = load_calibration(CALIBRATION)
    assert spec.kernel_scaling == 2.0  # experiments/calibrate_2017.yaml says why
    wider = dataclasses.replace(spec, kernel_scaling=3.0)
    assert wider.identity(False)["kernel_scaling"] == 3.0
    assert wider.identity_hash(False) != spec.identity_hash(False)  # --resume refuses to mix them


def test_several_runs_per_particle_combine_their_statistics():
    """An event's days late: root mean square over the runs, with the sign of their mean (early and
    late runs do not cancel out); every other statistic: the mean."""
    import dataclasses

    from sim.calibrate.targets import Simulator

    spec = load_calibration(CALIBRATION)
    assert spec.runs_per_particle >= 2
    values = {p.name: p.from_unit(0.5) for p in spec.priors}
    two = dataclasses.replace(Simulator.of(spec), runs=2)
    scenarios = {a: s.with_changes({f"params.{k}": v for k, v in values.items()})
                 for a, s in two.scenarios.items()}
    singles = [two._one_run(scenarios, int(s % (2**31 - 1)))
               for s in np.random.SeedSequence(11).generate_state(2)]
    combined = two.statistics(values, 11)
    assert set(combined) == set(singles[0])
    events = [k for k in combined if k.startswith("town_events:") and not k.endswith(":censored")]
    assert events
    for k in events:
        a, b = singles[0][k], singles[1][k]
        assert combined[k] == pytest.approx(np.copysign(np.sqrt((a * a + b * b) / 2), a + b))
        assert abs(combined[k]) >= abs(a + b) / 2
    for k in set(combined) - set(events):
        assert combined[k] == pytest.approx((singles[0][k] + singles[1][k]) / 2)
    assert dataclasses.replace(two, runs=1).statistics(values, 11) != combined


def test_every_mistake_in_a_calibration_file_is_one_located_line(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(textwrap.dedent(f"""\
        name: bad
        scenarios:
          autumn: {{scenario: {ROOT}/scenarios/deir_ezzor_2017.yaml, days: 0}}
        coefficients:
          area_fir: log_uniform
          raid_rate: {{prior: normal}}
          strike_kill_fraction: {{prior: uniform, range: [0.5, 2]}}
        targets:
          towns: {{kind: pocket_cleared, scenario: autum, pocket: x, day: 3}}
          fighters: {{kind: final, scenario: autumn, column: isis_fightrs, range: [1000, 3000], weight: -1}}
          kinds: {{kind: sums}}
        population: 1
        runs_per_particle: 0
        kernel_scaling: -1
        """))
    assert main(["calibrate", str(bad)]) == 2
    err = capsys.readouterr().err
    expected = [
        "bad.yaml:3: scenarios.autumn.days: must be between 1 and 3650, got 0",
        "bad.yaml:5: coefficients.area_fir: unknown coefficient (params.py declares them) (did you mean "
        "area_fire?)",
        "bad.yaml:6: coefficients.raid_rate: unknown prior 'normal'",
        "bad.yaml:7: coefficients.strike_kill_fraction.range: range [0.5, 2.0] leaves the declared bounds",
        "bad.yaml:9: targets.towns.scenario: no scenario 'autum' in `scenarios:` (did you mean autumn?)",
        "bad.yaml:10: targets.fighters.column: unknown column 'isis_fightrs' of the daily timeseries (did "
        "you mean isis_fighters?)",
        "bad.yaml:10: targets.fighters.weight: must be above 0, got -1",
        "bad.yaml:11: targets.kinds.kind: unknown target kind 'sums'",
        "bad.yaml:12: population: must be between 2 and",
        "bad.yaml:13: runs_per_particle: must be between 1 and 20",
        "bad.yaml:14: kernel_scaling: must be above 0, got -1",
    ]
    lines = err.splitlines()
    for text in expected:
        assert any(text in line for line in lines), (text, err)
    assert "Traceback" not in err


def test_distance_weighs_targets_by_their_scales():
    spec = load_calibration(CALIBRATION)
    events = ("mayadin_taken", "deir_ezzor_city_taken")
    stats = {f"town_events:{e}": 0.0 for e in events} | {f"town_events:{e}:censored": 0.0 for e in events}
    stats |= {"kills_per_strike": 2.0, "isis_fighters_left": 2000.0, "rival_incidents_month": 3.0,
              "rival_air_incidents_month": 3.0, "coalition_strikes_iraq_week": 6.0,
              "coalition_strikes_syria_week": 3.0}
    assert Distance(spec.targets)(stats) == 0.0  # on the record, below the bound, inside the bracket
    off = stats | {"town_events:mayadin_taken": 14.0, "town_events:deir_ezzor_city_taken": -14.0,
                   "kills_per_strike": 4.0, "isis_fighters_left": 4000.0, "rival_incidents_month": 3 * 1.6,
                   "coalition_strikes_iraq_week": 6 * 0.6}
    dev = deviations(spec.targets, off)
    assert dev["town_events"] == pytest.approx(1.0)  # a fortnight late and a fortnight early
    uneven = deviations(spec.targets, off | {"town_events:mayadin_taken": 42.0,
                                             "town_events:deir_ezzor_city_taken": 0.0})
    assert uneven["town_events"] == pytest.approx(np.sqrt(4.5))  # the RMS of 3 and 0 fortnights
    assert dev["kills_per_strike"] == pytest.approx(1.0)  # one above the bound of 3
    assert dev["isis_fighters_left"] == pytest.approx(1.0)  # 1,000 above the bracket
    assert dev["rival_incidents_month"] == pytest.approx(1.0)  # 60% off the article's 3 (Poisson spread)
    assert dev["rival_air_incidents_month"] == 0.0
    assert dev["coalition_strikes_iraq_week"] == pytest.approx(1.0)  # 40% below 001's six
    assert dev["coalition_strikes_syria_week"] == 0.0
    assert Distance(spec.targets)(off) == pytest.approx(np.sqrt(5 / len(spec.targets)))


def test_a_targets_weight_counts_its_squared_deviation_that_many_times(tmp_path):
    """``weight: w`` on a target: the distance is sqrt(sum w d^2 / sum w); the shipped files weigh 1."""
    import dataclasses

    from sim.calibrate.targets import observed

    spec = load_calibration(JOINT)
    assert {t.weight for t in spec.targets} == {1.0}
    targets = tuple(dataclasses.replace(t, weight=3.0) if t.name == "town_events" else t
                    for t in spec.targets)
    others = len(targets) - 1
    perfect = observed(spec)
    assert Distance(targets)(perfect) == 0.0
    towns = {k: 14.0 for k in perfect if k.startswith("town_events:") and not k.endswith(":censored")}
    assert deviations(targets, perfect | towns)["town_events"] == pytest.approx(1.0)
    assert Distance(targets)(perfect | towns) == pytest.approx(np.sqrt(3 / (3 + others)))
    # a collapse a week too slow (scale 7 days) weighs a third as much as the towns a fortnight off
    slow = perfect | {"collapse_days": 27.0}
    assert Distance(targets)(slow) == pytest.approx(np.sqrt(1 / (3 + others)))
    # weight 1 is the default and leaves a history's identity as it was; another weight is part of it
    assert "weight" not in spec.targets[0].as_dict() and targets[0].as_dict()["weight"] == 3.0
    text = CALIBRATION.read_text().replace("../scenarios/", f"{ROOT}/scenarios/")
    (tmp_path / "plain.yaml").write_text(text)
    weighted_text = text.replace("    scale_days: 14\n", "    scale_days: 14\n    weight: 2\n", 1)
    (tmp_path / "w.yaml").write_text(weighted_text)
    plain, weighted = load_calibration(tmp_path / "plain.yaml"), load_calibration(tmp_path / "w.yaml")
    assert weighted.targets[0].weight == 2.0 and plain.targets[0].weight == 1.0
    assert weighted.identity(False) != plain.identity(False)


def _generations(db: Path) -> int:
    if not db.is_file():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as con:
            row = con.execute("select max(t) from populations").fetchone()
    except sqlite3.Error:
        return 0
    return 0 if row[0] is None else row[0] + 1


#: A small calibration of the same kind as the shipped ones (two scenarios, a record target, a
#: final-value and a summed target, the same coefficients' priors), short enough that a test can run
#: it three times: what the kill-and-resume test checks is the command, not the fit.
SMALL_CALIBRATION = f"""name: small_2017
title: "A small calibration for the kill-and-resume test"
scenarios:
  autumn_2017: {{scenario: {ROOT}/scenarios/deir_ezzor_2017.yaml, days: 40}}
  article_week: {{scenario: {ROOT}/scenarios/pockets_2018.yaml, days: 7}}
coefficients:
  strike_kill_fraction: {{prior: log_uniform, range: [0.002, 0.3]}}
  area_fire: {{prior: log_uniform, range: [0.000001, 0.001]}}
  advance_km_per_day: {{prior: log_uniform, range: [1, 30]}}
targets:
  town_events: {{kind: record, scenario: autumn_2017, scale_days: 14}}
  isis_fighters_left: {{kind: final, scenario: autumn_2017, column: isis_fighters, range: [1000, 3000],
                       scale: 1000}}
  coalition_strikes_iraq_week: {{kind: sum, scenario: article_week, column: strikes_coalition_in_iraq,
                                days: [1, 7], value: 6, tolerance: 0.4}}
population: 400
generations: 4
runs_per_particle: 1
seed: 2017
quick: {{population: 6, generations: 2}}
"""


def _command(out: Path, calibration: Path, *extra: str) -> list[str]:
    return [str(BIN), "calibrate", str(calibration), "--quick", "--workers", "2", "--out", str(out), *extra]


def _calibrate(out: Path, *extra: str, calibration: Path = CALIBRATION) -> subprocess.CompletedProcess:
    return subprocess.run(_command(out, calibration, *extra), capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_quick_calibration_killed_and_resumed_gives_the_posterior_of_one_left_alone(tmp_path):
    small = tmp_path / "small_2017.yaml"
    small.write_text(SMALL_CALIBRATION)
    whole = tmp_path / "whole"
    done = _calibrate(whole, calibration=small)
    assert done.returncode == 0, done.stderr
    assert "done: 2/2 generations" in done.stdout
    assert (whole / "params.yaml").is_file() and (whole / "posterior.csv").is_file()

    killed = tmp_path / "killed"
    proc = subprocess.Popen(_command(killed, small), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    deadline = time.monotonic() + 300
    while _generations(killed / "history.db") < 1 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert proc.poll() is None, "finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)  # the command and its workers, mid-generation 2
    proc.wait()
    assert _generations(killed / "history.db") == 1 and not (killed / "params.yaml").exists()

    again = _calibrate(killed, calibration=small)
    assert again.returncode == 2 and "--resume" in again.stderr  # never overwritten by accident
    resumed = _calibrate(killed, "--resume", calibration=small)
    assert resumed.returncode == 0, resumed.stderr
    assert "(1 new, 1 resumed" in resumed.stdout
    assert (killed / "posterior.csv").read_text() == (whole / "posterior.csv").read_text()
    assert (killed / "params.yaml").read_text() == (whole / "params.yaml").read_text()
    state = json.loads((killed / "calibration.json").read_text())
    assert state["quick"] is True


def test_resume_refuses_a_history_made_with_other_settings(tmp_path):
    out = tmp_path / "c"
    out.mkdir()
    (out / "calibration.json").write_text(json.dumps({"identity_hash": "something else", "quick": False}))
    proc = _calibrate(out, "--resume")
    assert proc.returncode == 2 and "other settings" in proc.stderr and "Traceback" not in proc.stderr


def _posterior_experiment(tmp_path: Path, params: str) -> Path:
    path = tmp_path / f"post_{params}.yaml"
    path.write_text(f"name: post_{params}\nscenario: {ROOT / 'scenarios' / 'pockets_2018.yaml'}\n"
                    "set:\n  grid.cell_deg: 0.1\ndays: 20\nfactors:\n  - channel: deconfliction\n"
                    f"replications: 3\nseed: 5\nparams: {params}\n"
                    "outcomes: [pockets_reduction_pct, isis_fighters_final, strikes]\n")
    return path


def test_params_posterior_draws_one_particle_per_replication_and_the_report_says_so(tmp_path):

    from sim.calibrate.posterior import draw_particles, shipped_posterior
    from sim.report import build_report
    from sim.sweep.experiment import load_experiment
    from sim.sweep.plan import build_plan
    from sim.sweep.runner import run_sweep

    median = build_plan(load_experiment(_posterior_experiment(tmp_path, "median")))
    drawn = build_plan(load_experiment(_posterior_experiment(tmp_path, "posterior")))
    draws = draw_particles(shipped_posterior(), 3, 5)
    for task in drawn.tasks:  # replication r uses particle r's coefficients at every design point
        index, values = draws[task.replication]
        assert task.draw == index
        assert all(getattr(task.scenario.params, k) == pytest.approx(v) for k, v in values.items())
    assert {t.key for t in drawn.tasks}.isdisjoint(t.key for t in median.tasks)
    out = tmp_path / "sweep"
    stats = run_sweep(_posterior_experiment(tmp_path, "posterior"), out, workers=1, progress=False)
    assert stats.failed == 0
    results = pd.read_csv(out / "results.csv")
    assert sorted(set(results["posterior_draw"])) == sorted({k for k, _ in draws})
    report = build_report(out)
    assert "posterior" in report.coefficients and "calibration uncertainty as well" in report.coefficients
    assert "calibration uncertainty as well" in (out / "report" / "report.html").read_text()


def test_an_unknown_params_mode_is_one_located_line(tmp_path, capsys):
    path = _posterior_experiment(tmp_path, "posterier")
    assert main(["sweep", str(path)]) == 2
    err = capsys.readouterr().err
    assert "post_posterier.yaml:10: params:" in err and "did you mean posterior?" in err


def test_the_calibration_page_is_fresh():
    from tools.calibration_doc import DOC, refresh_text

    text = DOC.read_text(encoding="utf-8")
    assert refresh_text(text) == text, "docs/calibration.md is stale: run python -m tools.calibration_doc"


def test_every_scenario_uses_the_calibrated_coefficients():
    from sim.calibrate.posterior import read_params_file
    from sim.scenario.catalog import load
    from sim.scenario.sources import shipped

    calibrated = read_params_file(ROOT / "scenarios" / "calibrated" / "params.yaml")
    stages = (CALIBRATION, ROOT / "experiments" / "calibrate_joint.yaml")  # the two stages' coefficients
    assert set(calibrated) == {p.name for c in stages for p in load_calibration(c).priors}
    for path in shipped(ROOT):
        params = load(path).params
        assert {k: getattr(params, k) for k in calibrated} == pytest.approx(calibrated), path.name


def test_the_point_estimate_is_the_candidate_that_fits_best_on_fresh_seeds():
    """Two particles, one on the calibrated point and one whose air strikes and area fire are near their
    priors' tops (ISIS annihilated in weeks), the bad one accepted with the smaller distance (a lucky
    draw): the fresh seeds still reject it, the choice is repeatable, and the header says which
    candidate won and over how many fresh seeds."""

    from sim.calibrate.posterior import Posterior, point_estimate, read_params_file
    from sim.calibrate.targets import Simulator

    spec = load_calibration(CALIBRATION)
    shipped = read_params_file(ROOT / "scenarios" / "calibrated" / "params.yaml")
    good = {p.name: shipped[p.name] for p in spec.priors}
    bad = good | {"strike_kill_fraction": 0.2, "area_fire": 5e-4, "max_engaged_fighters": 20000.0}
    # two light particles at the priors' ends widen every 90% interval to the prior, so that good and
    # bad both lie inside, off the edges; the two on the edges cannot be chosen
    low = {p.name: p.lo for p in spec.priors}
    high = {p.name: p.hi for p in spec.priors}
    samples = pd.DataFrame([{"weight": 0.44, **good}, {"weight": 0.44, **bad}, {"weight": 0.06, **low},
                            {"weight": 0.06, **high}])
    post = Posterior(samples, spec.priors, generation=0, epsilon=1.0)
    simulator = Simulator.of(spec)
    lucky = np.array([1.0, 0.5, 0.1, 0.1])
    point, how = point_estimate(post, lucky, simulator, workers=1, final_seeds=2)
    assert point != bad
    assert point == pytest.approx(good) or "posterior median" in how  # the median: a candidate too
    assert "of 3 candidates over 2 fresh seeds" in how
    assert point_estimate(post, lucky, simulator, workers=1, final_seeds=2) == (point, how)


def test_the_point_is_chosen_only_among_particles_inside_every_90_percent_interval():
    """A particle outside one coefficient's posterior 90 % interval cannot be the point scenarios run,
    however small its distance (the point stands for the posterior)."""

    from sim.calibrate.posterior import Posterior, inside_every_interval

    spec = load_calibration(CALIBRATION)
    names = [p.name for p in spec.priors]
    rng = np.random.default_rng(3)
    rows = [{"weight": 1.0, **{p.name: float(rng.uniform(p.lo, p.hi)) for p in spec.priors}}
            for _ in range(200)]
    rows[0][names[0]] = spec.priors[0].hi  # at the top of its prior: outside its 90 % interval
    post = Posterior(pd.DataFrame(rows), spec.priors, generation=0, epsilon=1.0)
    inside = inside_every_interval(post)
    assert not inside[0]
    # a particle inside every interval but on the edge of one (0.5% of the prior's width in) is out too
    first = next(int(i) for i in np.flatnonzero(inside) if i > 0)
    prior = spec.priors[1]
    lo, hi = post.interval(prior.name)
    a, b = prior.space()
    edge = hi - 0.005 * (b - a) if not prior.log else 10 ** (np.log10(hi) - 0.005 * (b - a))
    on_edge = pd.DataFrame(rows)
    on_edge.loc[first, prior.name] = edge
    assert not inside_every_interval(Posterior(on_edge, spec.priors, generation=0, epsilon=1.0))[first]
    for i in np.flatnonzero(inside):
        for n in names:
            lo, hi = post.interval(n)
            assert lo <= rows[i][n] <= hi
    assert 0 < inside.sum() < len(rows)


def test_the_joint_file_calibrates_what_its_rules_say():
    """experiments/calibrate_joint.yaml (the second stage) frees the new rules' coefficients whose Morris
    mu* on the joint distance or on one target's deviation reaches JOINT_SHARE of the largest, and the
    2017 coefficients whose first-stage point lies outside its first-stage 90% interval or on its edge
    (within 1% of the prior's width); nothing else (docs/calibration.md)."""
    from sim.calibrate.posterior import Posterior, off_edges, read_params_file
    from tools.calibration_doc import CALIBRATION as JOINT
    from tools.calibration_doc import CALIBRATION_2017, DATA, JOINT_SHARE, STAGE_2017

    first = {p.name: p for p in load_calibration(CALIBRATION_2017).priors}
    table = pd.read_csv(DATA / "screening_joint.csv")
    wide = table.pivot(index="coefficient", columns="output", values="mu_star")
    largest = (wide / wide.max()).max(axis=1)
    new_rules = set(largest.index) - set(first)
    freed = {n for n in new_rules if round(largest[n], 2) >= JOINT_SHARE}
    post = Posterior(pd.read_csv(STAGE_2017 / "posterior.csv"), tuple(first.values()), 3, 1.25)
    point = read_params_file(STAGE_2017 / "params.yaml")
    for name, prior in first.items():
        if not off_edges(prior, point[name], *post.interval(name), edge=0.01):
            freed.add(name)
    calibrated = {p.name for p in load_calibration(JOINT).priors}
    assert freed == calibrated


def test_a_joint_params_file_keeps_the_held_coefficients_with_their_provenance(tmp_path):
    import yaml

    from sim.calibrate.posterior import HELD, Posterior, held_entries, params_yaml

    project = tmp_path / "p"
    (project / "scenarios" / "calibrated").mkdir(parents=True)
    (project / "experiments").mkdir()
    (project / "scenarios" / "calibrated" / "posterior.csv").write_text("weight,contact_km\n1,5\n")
    (project / "scenarios" / "calibrated" / "params.yaml").write_text(
        "params:\n  contact_km: {value: 5, assumption: old}\n"
        "  isis_aimed_fire: {value: 0.008, assumption: \"calibrated to 2017\"}\n")
    held = held_entries(project / "experiments" / "c.yaml", ["contact_km"])
    assert held == [("isis_aimed_fire", 0.008, "calibrated to 2017")]
    prior = make_prior("contact_km", "uniform", (3.0, 20.0))
    post = Posterior(pd.DataFrame({"weight": [0.5, 0.5], "contact_km": [6.0, 8.0]}), (prior,), 3, 1.2)
    text = params_yaml(post, "joint", "cmd", ({"contact_km": 7.0}, "particle 1"), held)
    params = yaml.safe_load(text)["params"]
    assert params["contact_km"]["value"] == 7.0
    assert params["isis_aimed_fire"] == {"value": 0.008,
                                         "assumption": HELD.format(name="joint") + "calibrated to 2017"}
    again = params_yaml(post, "joint", "cmd", ({"contact_km": 7.0}, "particle 1"),
                        [("isis_aimed_fire", 0.008, params["isis_aimed_fire"]["assumption"])])
    assert yaml.safe_load(again)["params"]["isis_aimed_fire"] == params["isis_aimed_fire"]  # no double prefix


def test_the_shipped_point_lies_inside_every_interval_that_applies_to_it():
    """Each coefficient of the params file: inside the shipped posterior's 90% interval if the second
    stage calibrates it, else inside the first stage's if the first stage did, and not on its edge:
    at least 1% of the prior's width inside (docs/calibration.md)."""
    from sim.calibrate.posterior import Posterior, off_edges, read_params_file
    from tools.calibration_doc import CALIBRATED, CALIBRATION, CALIBRATION_2017, STAGE_2017

    point = read_params_file(CALIBRATED / "params.yaml")
    stages = [(CALIBRATED / "posterior.csv", CALIBRATION), (STAGE_2017 / "posterior.csv", CALIBRATION_2017)]
    checked = set()
    for path, calibration in stages:
        priors = load_calibration(calibration).priors
        post = Posterior(pd.read_csv(path), priors, 0, 0.0)
        for p in priors:
            if p.name in checked:
                continue
            lo, hi = post.interval(p.name)  # off the edges by 1%, as the rule that freed the three asks
            assert off_edges(p, point[p.name], lo, hi, edge=0.01), (p.name, point[p.name], lo, hi,
                                                                     calibration.name)
            checked.add(p.name)
    assert checked == set(point)  # every value in the params file came from one of the two stages


def test_the_joint_screening_runs_the_joint_calibrations_targets():
    """docs/calibration/screening_joint.yaml screens more coefficients than calibrate_joint frees, on the
    same scenarios and targets, each shared coefficient over the same prior."""
    from tools.calibration_doc import CALIBRATION as JOINT
    from tools.screening import JOINT as SCREEN

    screen, joint = load_calibration(SCREEN), load_calibration(JOINT)
    assert [t.as_dict() for t in screen.targets] == [t.as_dict() for t in joint.targets]
    assert {a: s.scenario.config_hash() for a, s in screen.scenarios.items()} == \
        {a: s.scenario.config_hash() for a, s in joint.scenarios.items()}
    assert screen.runs_per_particle == joint.runs_per_particle
    priors = {p.name: p.as_dict() for p in screen.priors}
    assert all(priors[p.name] == p.as_dict() for p in joint.priors)
    assert len(priors) == 28


def test_the_first_stage_writes_its_calibrated_entries_only_and_the_shipped_ones_match():
    """tools.first_stage keeps a params file's header and the entries it names, each whole; the shipped
    first stage's file is exactly what it writes from the shipped params file's entries."""
    from tools.first_stage import calibrated_entries

    text = ("# header\n# Written by x\nparams:\n  a:\n    value: 1\n    assumption: \"x\"\n"
            "  b:\n    value: 2\n    assumption: \"y\"\n  c:\n    value: 3\n    assumption: \"z\"\n")
    assert calibrated_entries(text, {"a", "c"}) == ("# header\n# Written by x\nparams:\n  a:\n    value: 1\n"
                                                    "    assumption: \"x\"\n  c:\n    value: 3\n"
                                                    "    assumption: \"z\"\n")
    from tools.calibration_doc import CALIBRATION_2017, STAGE_2017

    names = {p.name for p in load_calibration(CALIBRATION_2017).priors}
    shipped = (STAGE_2017 / "params.yaml").read_text(encoding="utf-8")
    assert calibrated_entries(shipped, names) == shipped
    assert len(re.findall(r"(?m)^  \w+:$", shipped)) == len(names)

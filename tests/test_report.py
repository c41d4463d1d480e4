"""`bordersim report` and `bordersim compare`: tables, effects with CRN, figures, the HTML page."""

import base64
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.errors import ScenarioError
from sim.report import build_report
from sim.sweep.compare import compare
from sim.sweep.runner import run_sweep

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "pockets_2018.yaml"
BIN = Path(sys.executable).parent / "bordersim"
OUTCOMES = ["pockets_reduction_pct", "euphrates_mean_km2", "incidents", "civilian_harm"]


def write_experiment(folder: Path, body: str) -> Path:
    path = folder / "exp.yaml"
    path.write_text(f"name: rep\ntitle: Report test\nscenario: {SCENARIO}\nset:\n  grid.cell_deg: 0.1\n"
                    f"outcomes: [{', '.join(OUTCOMES)}]\n{body}")
    return path


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("report")
    exp = write_experiment(tmp, "days: 8\nreplications: 3\nfactors:\n  - channel: deconfliction\n"
                                "  - channel: isf_sdf_coordination\n"
                                "  - param: raid_rate\n    levels: [0.02, 0.2]\n")
    stats = run_sweep(exp, tmp / "out", workers=2, progress=False)
    assert stats.failed == 0 and stats.runs == 8 * 3
    return tmp / "out"


@pytest.fixture(scope="module")
def report(sweep_dir):
    return build_report(sweep_dir)


@pytest.fixture(scope="module")
def classroom(tmp_path_factory):
    """The classroom experiment's shape: three channels on and off, 5 replications (20 days, 3 outcomes)."""
    tmp = tmp_path_factory.mktemp("classroom")
    path = tmp / "exp.yaml"
    path.write_text(f"name: cls\ntitle: Classroom-style\nscenario: {SCENARIO}\nset:\n  grid.cell_deg: 0.1\n"
                    "days: 20\nreplications: 5\nseed: 1\nfactors:\n  - channel: deconfliction\n"
                    "  - channel: isf_sdf_coordination\n  - channel: damascus_baghdad\n"
                    "outcomes: [pockets_reduction_pct, euphrates_mean_km2, losses_total]\n")
    run_sweep(path, tmp / "out", workers=2, progress=False)
    return tmp / "out", build_report(tmp / "out")


def test_classroom_intervals_are_no_narrower_than_the_paired_t_interval_and_fdr_is_beside_them(classroom):
    from scipy import stats

    from sim.report.stats import SweepData, per_rep_mean

    folder, report = classroom
    effects = pd.read_csv(report.folder / "effects.csv")
    results = pd.read_parquet(folder / "results.parquet")
    import yaml

    data = SweepData(results, yaml.safe_load((folder / "experiment.yaml").read_text()))
    main = effects[effects["kind"] == "main"]
    assert len(main) == 9 and (main["replications"] == 5).all()
    for f in data.factors:  # the paired t-interval of each channel's per-replication differences, by hand
        off, on = data.groups(f)
        for o in data.outcomes:
            d = per_rep_mean(data.y[o], on.mask) - per_rep_mean(data.y[o], off.mask)
            half = stats.t.ppf(0.975, 4) * d.std(ddof=1) / np.sqrt(5)
            row = main[(main["factor"] == f["channel"]) & (main["outcome"] == o)].iloc[0]
            assert row["ci_low"] <= d.mean() - half + 1e-6 and row["ci_high"] >= d.mean() + half - 1e-6
            assert row["p_value"] == pytest.approx(stats.ttest_1samp(d, 0.0).pvalue if d.std() > 0 else
                                                   (1.0 if d.mean() == 0 else 0.0), abs=1e-6)
    tested = effects.dropna(subset=["p_value"])
    q = stats.false_discovery_control(tested["p_value"])
    assert np.allclose(tested["q_value"], q, atol=1e-4)  # the CSV keeps six decimals
    assert (~effects["clear_after_fdr"] | effects["excludes_zero"]).all()  # FDR only removes findings
    page = (report.folder / "report.html").read_text()
    n = len(tested)
    assert f"This report makes {n} tests" in page
    assert f"about {0.05 * n:.1f} intervals that exclude zero" in page
    assert "<h2>Every test</h2>" in page and "clear_after_fdr" in page and "n ≈ (t·s/|mean|)²" in page
    assert "percentile" not in page and "bootstrap" not in page
    assert f"This report makes {n} tests" in report.effects_text()


def test_summary_has_mean_and_interval_per_point_and_outcome(report, sweep_dir):
    summary = pd.read_csv(report.folder / "summary.csv")
    assert list(summary.columns) == ["point", "deconfliction", "isf_sdf_coordination", "raid_rate", "outcome",
                                     "runs", "mean", "ci_low", "ci_high"]
    assert len(summary) == 8 * len(OUTCOMES)
    assert (summary["runs"] == 3).all()
    assert (summary["ci_low"] <= summary["mean"] + 1e-9).all()
    assert (summary["mean"] <= summary["ci_high"] + 1e-9).all()
    results = pd.read_parquet(sweep_dir / "results.parquet")
    means = results.groupby("point")["incidents"].mean()
    got = summary[summary["outcome"] == "incidents"].set_index("point")["mean"]
    assert np.allclose(got.sort_index(), means.sort_index())


def test_main_effect_is_the_paired_difference_averaged_over_the_other_factors(report, sweep_dir):
    effects = pd.read_csv(report.folder / "effects.csv")
    main = effects[effects["kind"] == "main"]
    assert len(main) == 3 * len(OUTCOMES)
    assert set(main["contrast"]) == {"on - off", "0.2 - 0.02"}
    inter = effects[effects["kind"] == "interaction"]
    assert len(inter) == 3 * len(OUTCOMES)  # three pairs of two-setting factors
    assert "deconfliction x isf_sdf_coordination" in set(inter["factor"])
    # By hand: pair each run with deconfliction on to its twin with it off (same seed, same other factors).
    r = pd.read_parquet(sweep_dir / "results.parquet")
    others = ["isf_sdf_coordination", "raid_rate", "replication"]
    on = r[r["deconfliction"]].set_index(others)["euphrates_mean_km2"]
    off = r[~r["deconfliction"]].set_index(others)["euphrates_mean_km2"]
    paired = (on - off.reindex(on.index)).groupby(level="replication").mean()
    row = main[(main["factor"] == "deconfliction") & (main["outcome"] == "euphrates_mean_km2")].iloc[0]
    assert row["effect"] == pytest.approx(paired.mean(), abs=1e-6)
    assert row["replications"] == 3 and row["ci_low"] <= row["effect"] <= row["ci_high"]


def test_report_html_is_self_contained_with_images_and_ranking(report):
    page = (report.folder / "report.html").read_text()
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(images) == 2 + len(OUTCOMES)  # two pocket-trajectory figures, one figure per outcome
    assert all(base64.b64decode(img).startswith(b"\x89PNG") for img in images)
    assert not re.search(r'(src|href)="(http|file|/)', page)
    assert "Which channels matter most for pocket reduction" in page
    ranking = pd.read_csv(report.folder / "ranking.csv")
    assert list(ranking["rank"]) == [1, 2]
    assert set(ranking["channel"]) == {"deconfliction", "isf_sdf_coordination"}
    assert ranking["effect"].abs().is_monotonic_decreasing
    assert f"The largest: <b>{ranking['channel'][0]}</b>" in page
    for name in ("trajectories_euphrates.png", "trajectories_jazira.png", "outcome_incidents.png"):
        assert (report.folder / name).read_bytes().startswith(b"\x89PNG")


def test_cli_report_prints_channel_effects_and_rebuilds_identical_files(report, sweep_dir, tmp_path):
    before = {p.name: p.read_bytes() for p in report.folder.iterdir()}
    env = {**os.environ, "MPLBACKEND": "Agg"}
    res = subprocess.run([str(BIN), "report", str(sweep_dir)], capture_output=True, text=True, env=env,
                         timeout=120)
    assert res.returncode == 0, res.stderr
    assert "deconfliction" in res.stdout and "pockets_reduction_pct" in res.stdout
    assert "report.html" in res.stdout
    assert before == {p.name: p.read_bytes() for p in report.folder.iterdir()}  # reproducible to the byte
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / "experiment.yaml").write_text("name: x\n")
    with pytest.raises(ScenarioError, match="has not finished"):  # the CLI prints it, exit status 2
        build_report(tmp_path / "half")


def test_sobol_design_gets_sensitivity_indices(tmp_path):
    exp = write_experiment(tmp_path, "days: 6\nreplications: 1\ndesign: {type: sobol, samples: 4}\n"
                                     "factors:\n  - channel: deconfliction\n"
                                     "  - param: raid_rate\n    range: [0.01, 0.3]\n")
    run_sweep(exp, tmp_path / "out", workers=2, progress=False)
    report = build_report(tmp_path / "out")
    sens = pd.read_csv(report.folder / "sensitivity.csv")
    assert {"outcome", "factor", "S1", "S1_conf", "ST", "ST_conf"} <= set(sens.columns)
    assert set(sens["factor"]) == {"deconfliction", "raid_rate"}
    assert "Sobol indices" in (report.folder / "report.html").read_text()


def test_morris_design_gets_elementary_effects(tmp_path):
    exp = write_experiment(tmp_path, "days: 6\nreplications: 1\ndesign: {type: morris, trajectories: 3}\n"
                                     "factors:\n  - channel: deconfliction\n"
                                     "  - param: raid_rate\n    range: [0.01, 0.3]\n")
    run_sweep(exp, tmp_path / "out", workers=2, progress=False)
    sens = pd.read_csv(build_report(tmp_path / "out").folder / "sensitivity.csv")
    assert {"mu", "mu_star", "sigma", "mu_star_conf"} <= set(sens.columns)
    assert (sens["mu_star"] >= sens["mu"].abs() - 1e-9).all()  # mu* is the mean of |elementary effects|
    assert set(sens["factor"]) == {"deconfliction", "raid_rate"}


def test_compare_pairs_replications_with_common_random_numbers(tmp_path):
    variant = tmp_path / "no_line.yaml"
    variant.write_text(f"extends: {SCENARIO}\nname: no_line\nchannels:\n  deconfliction: false\n")
    fast = ["grid.cell_deg=0.1"]
    same = compare(str(SCENARIO), str(SCENARIO), reps=3, overrides=fast, days=8, workers=2)
    assert (same["diff_b_minus_a"] == 0).all() and (same["ci_low"] == 0).all()  # same seeds, same runs
    diff = compare(str(SCENARIO), str(variant), reps=3, overrides=fast, days=8, workers=2)
    assert list(diff.columns[:6]) == ["outcome", "mean_a", "mean_b", "diff_b_minus_a", "ci_low", "ci_high"]
    row = diff.set_index("outcome").loc["euphrates_mean_km2"]
    assert row["diff_b_minus_a"] == pytest.approx(row["mean_b"] - row["mean_a"])
    assert (diff["diff_b_minus_a"] != 0).any()

"""tools.validation: the numerical integration, the engagement recorder, the effects table, the doc blocks."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.model.laws import lanchester as combat
from sim.scenario import load_scenario
from tools import validation

ROOT = Path(__file__).resolve().parent.parent


def test_integration_matches_the_closed_forms():
    square, curves = validation.law_errors(combat.square_law, validation.square_rhs, validation.SQUARE_CASES)
    mixed, _ = validation.law_errors(combat.mixed_law, validation.mixed_rhs, validation.MIXED_CASES)
    assert square < 1e-5 and mixed < 1e-5
    fine, ode, closed = curves[0]
    assert ode[0].tolist() == [1000.0, 800.0]
    # a = b: X wins with sqrt(X0^2 - Y0^2) = 600 left, and Y stays at zero once it gets there
    assert closed[-1, 0] == pytest.approx(600.0, rel=1e-9) and closed[-1, 1] == 0.0
    assert ode[-1, 0] == pytest.approx(600.0, rel=1e-7) and ode[-1, 1] == 0.0


def test_integrate_freezes_the_survivor_after_annihilation():
    out = validation.integrate(validation.square_rhs(1.0, 1.0), 2.0, 1.0, [0.0, 5.0, 10.0])
    assert out[1, 1] == 0.0 and out[2, 1] == 0.0
    assert out[1, 0] == pytest.approx(np.sqrt(3.0), rel=1e-7) and out[2, 0] == out[1, 0]


def test_the_mixed_cases_cover_the_three_regimes():
    k = [2 * b * y0 / a - x0 ** 2 for x0, y0, a, b, _ in validation.MIXED_CASES]
    assert k[0] > 0 and abs(k[1]) < 1e-6 * validation.MIXED_CASES[1][0] ** 2 and k[2] < 0


@pytest.fixture(scope="module")
def engagements() -> pd.DataFrame:
    # the runs tools/validation.py records, shortened: highway_2016's pincer engagements (the Iraqi and
    # Syrian camps on one cell) begin within its first 60 days
    days = {"scenarios/pockets_2018.yaml": 25, "scenarios/highway_2016.yaml": 60}
    runs = tuple((str(ROOT / p), s, days[p]) for p, s, _ in validation.ENGAGEMENT_RUNS)
    return validation.model_engagements(runs)


def test_model_engagements_follow_the_documented_equations(engagements):
    assert len(engagements) > 50
    assert set(engagements["scenario"]) == {"pockets_2018", "highway_2016"}
    assert (engagements["y1"] - engagements["ode_y1"]).abs().max() < 1e-6
    assert (engagements["x_loss"] - engagements["ode_x_loss"]).abs().max() < 1e-6
    assert (engagements["y1"] < engagements["y0"]).all() and (engagements["x_loss"] > 0).all()


def test_recorded_engagements_exercise_every_branch_of_the_area_fire_formula(engagements):
    for flag in ("detected", "urban", "pincer"):
        assert engagements[flag].any() and not engagements[flag].all(), flag
    assert not engagements.loc[engagements["scenario"] == "pockets_2018", "pincer"].any()


def test_recording_does_not_change_the_run():
    spec = load_scenario(ROOT / "scenarios/pockets_2018.yaml")
    recorded = validation.EngagementRecorder(spec, 4).run(20)
    from sim import BorderModel

    plain = BorderModel(scenario=spec, rng=4).run(20)
    assert recorded.row == plain.row and recorded.totals == plain.totals
    assert len(recorded.engagements) == recorded.totals["engagements"] > 0


def _fake_sweep(folder: Path) -> Path:
    (folder / "report").mkdir(parents=True)
    rows = []
    for ch, eff in (("deconfliction", -12.0), ("turkish_sting", 0.5)):
        for outcome, scale in (("pockets_reduction_pct", 1.0), ("incidents", 2.0), ("civilian_harm", 300.0)):
            e = eff * scale
            lo, hi = (e - 1, e + 1) if ch == "deconfliction" else (e - 5, e + 5)
            rows.append(("main", ch, "on - off", outcome, 3, e, lo, hi, bool(lo > 0 or hi < 0)))
    rows.append(("interaction", "deconfliction x turkish_sting", "difference in differences",
                 "pockets_reduction_pct", 3, 4.0, 1.0, 7.0, True))
    rows.append(("interaction", "deconfliction x turkish_sting", "difference in differences",
                 "incidents", 3, 9.0, 1.0, 17.0, True))
    cols = ["kind", "factor", "contrast", "outcome", "replications", "effect", "ci_low", "ci_high",
            "excludes_zero"]
    pd.DataFrame(rows, columns=cols).to_csv(folder / "report" / "effects.csv", index=False)
    results = pd.DataFrame({"point": np.repeat(np.arange(4), 3), "replication": np.tile(np.arange(3), 4),
                            "status": ["ok"] * 11 + ["failed"]})
    results.to_parquet(folder / "results.parquet")
    exp = {"days": 60, "scenario": "scenarios/pockets_2018.yaml", "seed": 9}
    (folder / "experiment.yaml").write_text(yaml.safe_dump(exp), encoding="utf-8")
    return folder


def test_effects_table_from_a_sweep(tmp_path):
    table, main = validation.effects_tables(_fake_sweep(tmp_path / "sweep"))
    lines = table.splitlines()
    assert lines[0] == "| channel switched on | `pockets_reduction_pct` | `incidents` | `civilian_harm` |"
    assert lines[2] == ("| `deconfliction` | **-12 [-13, -11]** | **-24 [-25, -23]** "
                        "| **-3,600 [-3,601, -3,599]** |")
    assert lines[3] == "| `turkish_sting` | +0.5 [-4.5, +5.5] | +1 [-4, +6] | **+150 [+145, +155]** |"
    assert "4 design points x 3 replications = 12 runs of 60 days" in table and "1 failed" in table
    # only interactions on the first outcome are listed
    assert "- `deconfliction x turkish_sting`: +4 [+1, +7]" in table and "+9 [" not in table
    assert set(main["outcome"]) == {"pockets_reduction_pct", "incidents", "civilian_harm"}
    png = validation.plot_effects(main, tmp_path / "img")
    assert png.name == "validation_effects.png" and png.read_bytes()[:4] == b"\x89PNG"


def test_write_block_replaces_only_its_block(tmp_path):
    doc = tmp_path / "v.md"
    doc.write_text("a\n<!-- validation:x -->\nold\n<!-- /validation:x -->\nb\n<!-- validation:y -->\nkeep\n"
                   "<!-- /validation:y -->\n", encoding="utf-8")
    validation.write_block(doc, "x", "new\ntable")
    once = doc.read_text(encoding="utf-8")
    assert once == ("a\n<!-- validation:x -->\nnew\ntable\n<!-- /validation:x -->\nb\n<!-- validation:y -->\n"
                    "keep\n<!-- /validation:y -->\n")
    validation.write_block(doc, "x", "new\ntable")
    assert doc.read_text(encoding="utf-8") == once
    with pytest.raises(SystemExit, match="no <!-- validation:z -->"):
        validation.write_block(doc, "z", "x")


def test_validation_doc_has_its_generated_blocks_and_figures():
    text = (ROOT / "docs" / "validation.md").read_text(encoding="utf-8")
    for name in ("combat", "effects"):
        body = re.search(rf"<!-- validation:{name} -->\n(.*?)<!-- /validation:{name} -->", text, re.DOTALL)
        assert body and body.group(1).count("\n|") >= 3, f"the {name} block is empty: see docs/validation.md"
    for image in re.findall(r"\]\((img/[^)]+)\)", text):
        assert (ROOT / "docs" / image).is_file(), image


def test_a_claims_what_if_prints_its_table_and_leaves_the_page_alone(capsys):
    """``tools.claims --claim K --set KEY=VALUE``: the named claims with a rule changed in both arms."""
    from tools import claims

    doc, csv = claims.DOC.read_bytes(), claims.CSV.read_bytes()
    assert claims.main(["--quick", "--workers", "1", "--claim", "line_incidents",
                        "--set", "params.incident_rate=0", "--set", "params.air_incident_rate=0"]) == 0
    out = capsys.readouterr().out
    assert "What-if: params.incident_rate=0, params.air_incident_rate=0 in both arms." in out
    rows = [line for line in out.splitlines() if line.startswith("| 0")]
    assert len(rows) == 1 and "incidents between the rival camps" in rows[0]
    assert "| 0 | 0 | 0 [0, 0] |" in rows[0]  # no hazard, no incident, in either arm
    assert claims.DOC.read_bytes() == doc and claims.CSV.read_bytes() == csv

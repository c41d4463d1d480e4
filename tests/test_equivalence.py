"""The equivalence tool (benchmarks/equivalence.py): its statistics, and a small run of it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from benchmarks import equivalence

ROOT = Path(__file__).resolve().parent.parent


def test_holm_adjusts_in_steps_and_keeps_the_order_given():
    assert equivalence.holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert equivalence.holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])


def test_a_shifted_outcome_differs_beyond_chance_and_the_others_do_not():
    rng = np.random.default_rng(7)
    old = {"s": {f"o{i}": rng.normal(10, 2, 40).tolist() for i in range(30)}}
    new = {"s": {f"o{i}": rng.normal(10, 2, 40).tolist() for i in range(30)}}
    new["s"]["o3"] = (np.asarray(new["s"]["o3"]) + 3.0).tolist()  # 1.5 standard deviations later
    old["s"]["same"] = new["s"]["same"] = [1.0, 2.0, 3.0] * 13 + [4.0]
    result = equivalence.compare(old, new)
    assert result["differ"] == ["s: o3"]
    assert result["identical"] == 1 and result["outcomes"] == 31
    row = next(r for r in result["rows"] if r["outcome"] == "o3")
    lo, hi = row["diff_ci"]
    assert lo < 3.0 < hi and lo > 0  # the interval holds the shift and excludes no change


def test_two_different_constants_differ_for_certain():
    row = equivalence.compare_outcome([5.0] * 10, [6.0] * 10)
    assert row["p"] == 0.0 and row["diff"] == 1.0 and not row["identical"]


def test_a_tree_against_itself_gives_identical_outcomes(capsys):
    code = equivalence.main(["--against-tree", str(ROOT), "--seeds", "2", "--days", "8",
                             "--scenario", "tal_afar_2017"])
    out = capsys.readouterr().out
    assert code == 0
    assert "no outcome differs beyond chance" in out
    assert "| tal_afar_2017 |" in out
    result = equivalence.run(ROOT, ROOT, seeds=2, days=8, names=["tal_afar_2017"])
    assert result["outcomes"] > 20 and result["identical"] == result["outcomes"]


def test_other_seeds_of_the_same_tree_differ_run_by_run_but_not_beyond_chance(tmp_path):
    result = equivalence.run(ROOT, ROOT, seeds=3, days=8, names=["tal_afar_2017"], offset=3)
    assert result["identical"] < result["outcomes"]  # other seeds, other runs
    assert result["differ"] == []
    page = tmp_path / "page.md"
    page.write_text("a\n<!-- equivalence:null -->\nold\n<!-- /equivalence:null -->\nb\n")
    assert equivalence.refresh_doc(equivalence.markdown(result, "this tree", 3), "null", page)
    text = page.read_text()
    assert "old" not in text and "| tal_afar_2017 |" in text and text.endswith("b\n")
    assert not equivalence.refresh_doc("x", "other", page)


@pytest.mark.parametrize("argv, message", [
    (["--against", "nosuchrev"], "--against: no commit 'nosuchrev' in this repository"),
    (["--against-tree", "/nonexistent"], "--against-tree: /nonexistent is not a bordersim checkout"),
    (["--against-tree", str(ROOT), "--scenario", "tal_afar"],
     "--scenario: no scenario 'tal_afar' in scenarios/ (did you mean tal_afar_2017?)"),
])
def test_a_mistyped_revision_tree_or_scenario_is_one_line_and_exit_2(argv, message, capsys):
    with pytest.raises(SystemExit) as stop:
        equivalence.main(argv)
    err = capsys.readouterr().err
    assert stop.value.code == 2 and message in err and "Traceback" not in err

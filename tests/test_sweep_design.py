"""Design points, replication seeds and the run plan: the parts of a sweep that need no model run."""

from pathlib import Path

import numpy as np
import pytest

from sim.sweep.design import build_design, design_size
from sim.sweep.experiment import DesignSpec, Factor, load_experiment
from sim.sweep.plan import build_plan
from sim.sweep.seeds import replication_seeds

ROOT = Path(__file__).resolve().parent.parent
CH = (Factor("channel", "deconfliction", (True, False)), Factor("channel", "turkish_sting", (True, False)),
      Factor("channel", "coalition_support", (True, False)))
RAID = Factor("param", "raid_rate", (0.02, 0.05, 0.1))
KILL = Factor("param", "strike_kill_fraction", range=(0.05, 0.2))


def test_full_factorial_crosses_every_level_once():
    design = build_design((*CH, RAID), DesignSpec("full_factorial"), seed=0)
    assert len(design.points) == 2 * 2 * 2 * 3 == design_size((*CH, RAID), DesignSpec("full_factorial"))
    combos = {tuple(p.values()) for p in design.points}
    assert len(combos) == 24
    assert {p["raid_rate"] for p in design.points} == {0.02, 0.05, 0.1}
    assert {p["deconfliction"] for p in design.points} == {True, False}
    assert design.points[0] == {"deconfliction": True, "turkish_sting": True, "coalition_support": True,
                                "raid_rate": 0.02}
    assert design.raw is None


def test_lhs_stays_in_bounds_and_stratifies_each_range():
    spec = DesignSpec("lhs", samples=20)
    design = build_design((CH[0], RAID, KILL), spec, seed=3)
    assert len(design.points) == 20 == design_size((CH[0], RAID, KILL), spec)
    kill = np.array([p["strike_kill_fraction"] for p in design.points])
    assert ((kill >= 0.05) & (kill <= 0.2)).all()
    bins = np.floor((kill - 0.05) / 0.15 * 20).astype(int)
    assert sorted(bins) == list(range(20))  # one sample per stratum: the Latin hypercube property
    assert {p["raid_rate"] for p in design.points} <= {0.02, 0.05, 0.1}
    assert {p["deconfliction"] for p in design.points} == {True, False}
    again = build_design((CH[0], RAID, KILL), spec, seed=3)
    assert again.points == design.points
    assert build_design((CH[0], RAID, KILL), spec, seed=4).points != design.points


@pytest.mark.parametrize("second_order,rows", [(False, 8 * (3 + 2)), (True, 8 * (2 * 3 + 2))])
def test_sobol_shape(second_order, rows):
    spec = DesignSpec("sobol", samples=8, second_order=second_order)
    design = build_design((CH[0], RAID, KILL), spec, seed=1)
    assert design.raw.shape == (rows, 3)
    assert len(design.points) == rows == design_size((CH[0], RAID, KILL), spec)
    assert design.problem["bounds"] == [[0.0, 1.0], [0.0, 1.0], [0.05, 0.2]]
    assert all(isinstance(p["deconfliction"], bool) for p in design.points)


def test_morris_shape_and_one_factor_at_a_time_steps():
    spec = DesignSpec("morris", trajectories=5, levels=4)
    factors = (CH[0], CH[1], KILL)
    design = build_design(factors, spec, seed=2)
    assert design.raw.shape == (5 * (3 + 1), 3) and len(design.points) == 20 == design_size(factors, spec)
    for t in range(5):
        steps = np.diff(design.raw[t * 4:(t + 1) * 4], axis=0)
        assert ((steps != 0).sum(axis=1) == 1).all()  # each step of a trajectory moves one factor


def test_seeds_are_shared_across_points_and_differ_across_replications():
    seeds = replication_seeds(2018, 5)
    assert len(set(seeds)) == 5
    assert all(0 <= s < 2**63 for s in seeds)
    assert replication_seeds(2018, 5) == seeds
    assert replication_seeds(2018, 3) == seeds[:3]  # adding replications keeps the old ones
    assert replication_seeds(2019, 5) != seeds


def test_plan_uses_the_same_seed_for_a_replication_at_every_point(tmp_path):
    exp_file = tmp_path / "e.yaml"
    exp_file.write_text(f"name: e\nscenario: {ROOT / 'scenarios' / 'pockets_2018.yaml'}\ndays: 10\n"
                        "factors:\n  - channel: deconfliction\n  - channel: coalition_support\n"
                        "replications: 3\nseed: 7\n")
    plan = build_plan(load_experiment(exp_file))
    assert len(plan.tasks) == 4 * 3
    for r in range(3):
        at_r = [t for t in plan.tasks if t.replication == r]
        assert len({t.seed for t in at_r}) == 1 and at_r[0].seed == replication_seeds(7, 3)[r]
        assert len({t.key for t in at_r}) == 4  # different configuration -> different run
    assert len({t.key for t in plan.tasks}) == 12
    assert [(t.point, t.replication) for t in plan.tasks] == [(p, r) for p in range(4) for r in range(3)]


def test_points_that_resolve_to_the_same_configuration_share_runs(tmp_path):
    exp_file = tmp_path / "e.yaml"
    exp_file.write_text(f"name: e\nscenario: {ROOT / 'scenarios' / 'pockets_2018.yaml'}\n"
                        "factors:\n  - channel: deconfliction\n    levels: [true]\n"
                        "  - param: raid_rate\n    range: [0.01, 0.2]\n"
                        "design: {type: morris, trajectories: 2, levels: 2}\nreplications: 2\n")
    plan = build_plan(load_experiment(exp_file))
    assert len(plan.tasks) == 2 * 3 * 2
    assert len(plan.unique()) == len({t.key for t in plan.tasks}) < len(plan.tasks)

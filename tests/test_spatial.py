"""Distance queries between agents (sim.model.space.distances): the fast paths agree with the plain
definitions."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.geography import build_theater
from sim.model.space import distances as spatial
from sim.scenario import load_scenario


@pytest.fixture(scope="module")
def theater():
    return build_theater(load_scenario("scenarios/pockets_2018.yaml").grid)


def _points(theater, rng, n, clustered):
    if clustered:  # agents bunch up in pockets: many pairs within the radius
        cx, cy = rng.integers(0, theater.width), rng.integers(0, theater.height)
        x = np.clip(cx + rng.integers(-25, 26, n), 0, theater.width - 1)
        y = np.clip(cy + rng.integers(-25, 26, n), 0, theater.height - 1)
        return x.astype(np.int64), y.astype(np.int64)
    return rng.integers(0, theater.width, n), rng.integers(0, theater.height, n)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(0, 160),
    m=st.integers(0, 160),
    radius=st.floats(0.0, 200.0),
    clustered=st.booleans(),
)
def test_pairs_within_is_the_thresholded_matrix_on_both_paths(theater, seed, n, m, radius, clustered):
    """Whether the pairs come from the full matrix or the k-d tree, they are the same pairs, in
    row-major order, with the same floats as ``pairwise_km``."""
    rng = np.random.default_rng(seed)
    ax, ay = _points(theater, rng, n, clustered)
    bx, by = _points(theater, rng, m, clustered)
    km = spatial.pairwise_km(theater, ax, ay, bx, by)
    want_i, want_j = np.nonzero(km <= radius)
    for limit in (0, 10**9):  # 0: always the tree; 10**9: always the matrix
        spatial.DENSE_PAIRS_LIMIT, saved = limit, spatial.DENSE_PAIRS_LIMIT
        try:
            i, j, d = spatial.pairs_within(theater, ax, ay, bx, by, radius)
        finally:
            spatial.DENSE_PAIRS_LIMIT = saved
        assert np.array_equal(i, want_i) and np.array_equal(j, want_j)
        assert np.array_equal(d, km[want_i, want_j])
    i, j, d = spatial.pairs_within(theater, ax, ay, bx, by, radius, km=km)  # a caller's own matrix
    assert np.array_equal(i, want_i) and np.array_equal(j, want_j) and np.array_equal(d, km[want_i, want_j])


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 40), m=st.integers(0, 40), radius=st.floats(0, 300))
def test_nearest_within_matches_a_loop(theater, seed, n, m, radius):
    """Nearest b within the radius, preferred ones first, ties to the lower index; -1 when none."""
    rng = np.random.default_rng(seed)
    ax, ay = _points(theater, rng, n, clustered=True)
    bx, by = _points(theater, rng, m, clustered=True)
    preferred = rng.random(m) < 0.4
    got = spatial.nearest_within(theater, ax, ay, bx, by, radius, preferred)
    plain = spatial.nearest_within(theater, ax, ay, bx, by, radius)
    for a in range(n):
        d = [float(spatial.km_from(theater, int(ax[a]), int(ay[a]), bx[b:b + 1], by[b:b + 1])[0])
             for b in range(m)]
        inside = [b for b in range(m) if d[b] <= radius]
        nearest = min(inside, key=lambda b: (d[b], b), default=-1)
        assert plain[a] == nearest
        pool = [b for b in inside if preferred[b]] or inside
        assert got[a] == min(pool, key=lambda b: (d[b], b), default=-1)


def test_distances_are_plausible_km(theater):
    """One cell north is km_per_cell_y; the matrix, one-point and per-pair forms give the same floats."""
    x, y = np.array([10, 10, 40]), np.array([20, 21, 60])
    km = spatial.pairwise_km(theater, x, y, x, y)
    assert km[0, 1] == pytest.approx(theater.km_per_cell_y)
    assert np.array_equal(km[2], spatial.km_from(theater, 40, 60, x, y))
    i, j = np.array([0, 2, 1]), np.array([2, 0, 1])
    assert np.array_equal(spatial.pair_km(theater, x, y, x, y, i, j), km[i, j])
    assert np.allclose(km, km.T) and not km.diagonal().any()


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 12), radius=st.floats(0, 60))
def test_cells_near_points_are_the_thresholded_distances(theater, seed, n, radius):
    """``near_any`` marks exactly the cells whose ``km_from`` one of the points is at most the radius
    (every cell of the grid measured), including points on the grid's edges."""
    rng = np.random.default_rng(seed)
    xs = rng.integers(0, theater.width, n)
    ys = rng.integers(0, theater.height, n)
    xs[: n // 3] = rng.choice([0, theater.width - 1], n // 3)
    near = spatial.near_any(theater, xs, ys, radius)
    gx, gy = np.nonzero(np.ones((theater.width, theater.height), dtype=bool))
    expected = np.zeros(gx.size, dtype=bool)
    for x, y in zip(xs.tolist(), ys.tolist(), strict=True):
        expected |= spatial.km_from(theater, x, y, gx, gy) <= radius
    assert np.array_equal(near.reshape(-1), expected)


@pytest.mark.parametrize("edge_above", [0, 256, 10**9])
def test_nearest_ground_for_all_units_at_once_is_each_units_own(monkeypatch, edge_above):
    """The ground phase answers 'nearest ISIS ground' for every unit's cell in one matrix, over the
    ground's edge when it is large (forced here with ``EDGE_ABOVE`` 0) or all its cells; each answer is
    the one a single point's search over every cell gives (the same floats, ties to the same cell), for
    units standing outside, inside and on the edge of the ground, and for a cell no unit stands on."""
    import sim
    from sim.model import day
    from sim.model.phases.ground import ground_picture

    monkeypatch.setattr(day, "EDGE_ABOVE", edge_above)
    model = sim.BorderModel(scenario="pockets_2018", rng=3).run(20)
    picture = ground_picture(model)
    units = model.ground_units()
    asked = [u.pos for u in units] + [(5, 5), (model.theater.width - 1, 0)]
    for faction in {u.faction for u in units}:
        for pocket in (None, *model.pocket_names):
            xs, ys = picture.isis_ground(faction, pocket)
            for x, y in asked:
                alone = picture.nearest(x, y, (xs, ys))
                assert picture.nearest_isis_ground(x, y, faction, pocket) == alone


def test_nearest_ground_kept_while_control_stays_is_right_after_moves_and_for_another_area():
    """What one day measured on ISIS's ground (``ControlPicture.ground_memo``) serves the next days
    while control stays the same: units that moved are measured, units that did not are answered from
    what was kept, and a faction whose operating area changed is measured on its new ground; every
    answer is the one a single point's search over that ground gives."""
    import dataclasses

    import sim
    from sim.model.phases.ground import ground_picture

    model = sim.BorderModel(scenario="pockets_2018", rng=3).run(20)
    first = ground_picture(model)
    factions = sorted({u.faction for u in model.ground_units()})
    for faction in factions:  # the first day fills the memo from every unit's start
        for x, y in zip(*first.starts[faction], strict=True):
            first.nearest_isis_ground(int(x), int(y), faction)
    assert model.control_picture.ground_memo and first.memo is model.control_picture.ground_memo

    rng = np.random.default_rng(0)
    moved = {f: (np.clip(sx + rng.integers(-3, 4, sx.size), 0, model.theater.width - 1),
                 np.clip(sy + rng.integers(-3, 4, sy.size), 0, model.theater.height - 1))
             for f, (sx, sy) in first.starts.items()}
    narrower = {f: area.copy() for f, area in first.operating.items()}
    changed = factions[0]
    narrower[changed][: model.theater.width // 2] = False  # the west half closed to one faction
    for operating in (first.operating, narrower):
        later = dataclasses.replace(first, starts=moved, operating=operating, _ground={}, _nearest={})
        for faction in factions:
            xs, ys = later.isis_ground(faction)
            held = first.held
            keep = operating[faction][held]
            assert np.array_equal(xs, held[0][keep]) and np.array_equal(ys, held[1][keep])
            for x, y in [*zip(*moved[faction], strict=True), *zip(*first.starts[faction], strict=True)]:
                assert later.nearest_isis_ground(int(x), int(y), faction) == later.nearest(int(x), int(y),
                                                                                           (xs, ys))


def test_a_step_measured_toward_the_target_only_is_the_step_measured_all_around():
    """``best_step`` measures only the neighbours that do not move away from the target when they may
    all be entered; the step is the one that measuring all eight gives (the closest neighbour closer
    than here, the first of equals in the neighbours' order; else the closest off the trail), near the
    grid's edges, in areas with holes, from outside the area, with a trail, for targets far and near."""
    import math

    import sim
    from sim.model.space.walk import _NEIGHBOUR_STEPS, best_step

    model = sim.BorderModel(scenario="pockets_2018", rng=1)
    t, p = model.theater, model.params
    rng = np.random.default_rng(7)
    cases = 0
    for _ in range(3000):
        here = int(rng.integers(0, t.width)), int(rng.integers(0, t.height))
        if rng.random() < 0.5:  # near edges and corners of the grid
            here = int(rng.choice([0, 1, t.width - 2, t.width - 1])), int(rng.choice([0, 1, t.height - 1]))
        reach = int(rng.choice([1, 2, 6, 60]))
        target = (int(np.clip(here[0] + rng.integers(-reach, reach + 1), 0, t.width - 1)),
                  int(np.clip(here[1] + rng.integers(-reach, reach + 1), 0, t.height - 1)))
        allowed = rng.random((t.width, t.height)) < rng.choice([1.0, 0.8, 0.4])
        neighbours = [(here[0] + dx, here[1] + dy) for dx, dy in _NEIGHBOUR_STEPS]
        avoid = [c for c in neighbours if rng.random() < 0.3] if rng.random() < 0.5 else []
        kx = t.km_per_row[here[1]]

        def km(cell, kx=kx, target=target):
            return math.hypot((target[0] - cell[0]) * kx, (target[1] - cell[1]) * t.km_per_cell_y)

        open_ = [(x, y) for x, y in neighbours if 0 <= x < t.width and 0 <= y < t.height
                 and (not allowed[here] or allowed[x, y])]
        closer = [c for c in open_ if km(c) < km(here)]
        off_trail = [c for c in open_ if c not in avoid]
        if closer:
            expected = min(closer, key=km)
        elif avoid and km(here) != 0 and off_trail:
            expected = min(off_trail, key=km)
        else:
            expected = None
        step = best_step(model, here, target, allowed, p, avoid=avoid)
        assert (step and step[0]) == expected, (here, target)
        cases += expected is not None
    assert cases > 2000

"""Pocket labelling and detection: pure functions."""

import numpy as np
import pytest

from sim.model.laws.detection import detection_probability, ground_hazard, ground_hazards, pool_detections
from sim.model.laws.pockets import label_components, match_components, pocket_areas


def test_components_are_eight_connected_and_matched_to_named_pockets():
    held = np.zeros((10, 8), dtype=bool)
    held[1:3, 1:3] = True  # A
    held[3, 3] = True  # touches A diagonally -> same component
    held[7:9, 5:7] = True  # B
    held[0, 7] = True  # C, overlaps no pocket
    labels, count = label_components(held)
    assert count == 3
    east = np.zeros_like(held)
    east[6:, :] = True
    west = np.zeros_like(held)
    west[:4, :4] = True
    owner = match_components(labels, count, [west, east])
    assert owner[labels[1, 1]] == 0 and owner[labels[3, 3]] == 0
    assert owner[labels[8, 6]] == 1
    assert owner[labels[0, 7]] == -1
    areas = pocket_areas(labels, owner, np.full(held.shape, 2.0), 2)
    np.testing.assert_allclose(areas, [2.0 * 5, 2.0 * 4, 2.0 * 1])


def test_the_held_cells_give_the_same_labels_as_the_field_alone():
    """``label_components(held, cells)`` takes its box from the held cells instead of scanning the
    field: the same labels and count, for fields empty, full, sparse and touching the edges."""
    rng = np.random.default_rng(3)
    shapes = [np.zeros((6, 4), dtype=bool), np.ones((6, 4), dtype=bool)]
    for _ in range(200):
        shapes.append(rng.random((int(rng.integers(1, 30)), int(rng.integers(1, 30)))) < rng.random())
    for held in shapes:
        labels, count = label_components(held)
        boxed, boxed_count = label_components(held, np.nonzero(held))
        assert count == boxed_count and np.array_equal(labels, boxed)


def test_no_isis_ground_gives_zero_areas():
    held = np.zeros((5, 5), dtype=bool)
    labels, count = label_components(held)
    owner = match_components(labels, count, [np.ones_like(held)])
    assert pocket_areas(labels, owner, np.ones((5, 5)), 1).tolist() == [0.0, 0.0]


def test_detection_probability_formula():
    p = detection_probability(np.array([1.0, 0.0]), np.array([0.5, 0.5]), np.array([0.6, 1.0]))
    assert p[0] == pytest.approx(1 - np.exp(-0.3))
    assert p[1] == 0.0


def test_ground_hazard_decays_with_distance():
    h = ground_hazard(np.array([[0.0, 12.0], [100.0, 100.0]]), 0.8, 12.0)
    assert h[0] == pytest.approx(0.8 * (1 + np.exp(-1)))
    assert h[1] < 0.01


def test_ground_hazards_of_groups_are_each_groups_ground_hazard_to_the_bit():
    """The intelligence phase takes every camp's hazard at once; each column must be the law of its
    own units' columns exactly (the same floats), an empty group zero."""
    rng = np.random.default_rng(3)
    km = rng.uniform(0, 80, (7, 9))
    groups = [[0, 3, 4], [], [1, 2, 5, 6, 7, 8]]
    got = ground_hazards(km, groups, 0.7, 15.0)
    assert got.shape == (7, 3)
    for g, cols in enumerate(groups):
        want = ground_hazard(km[:, cols], 0.7, 15.0)
        assert got[:, g].tolist() == want.tolist()
    assert not got[:, 1].any()


def test_pooling_is_transitive_and_only_between_joined_camps():
    camps = ("iraq", "sdf_coalition", "saa_russia")
    seen = np.array([[True, False, False], [False, False, True]])
    assert pool_detections(seen, camps, []).tolist() == seen.tolist()
    pooled = pool_detections(seen, camps, [("iraq", "sdf_coalition"), ("iraq", "saa_russia")])
    assert pooled.all()
    only_iraq_sdf = pool_detections(seen, camps, [("iraq", "sdf_coalition")])
    assert only_iraq_sdf.tolist() == [[True, True, False], [False, False, True]]


def test_components_are_labelled_as_scipy_labels_the_whole_field():
    """Labelling only the box around the held cells gives scipy's labels of the whole field: the same
    numbers in the same places (components numbered by their first cell in C order)."""
    from scipy import ndimage

    rng = np.random.default_rng(7)
    for _ in range(200):
        held = rng.random((40, 30)) < rng.uniform(0.0, 0.5)
        held[: rng.integers(0, 40)] = False
        held[:, rng.integers(0, 31):] = False
        expected, count = ndimage.label(held, structure=np.ones((3, 3), dtype=bool))
        labels, n = label_components(held)
        assert n == count and np.array_equal(labels, expected)

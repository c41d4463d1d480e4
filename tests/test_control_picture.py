"""Control of ground, computed only when something it depends on changes.

The control pass is skipped when ISIS presence, the units and control are as it left them, and the
``ControlPicture`` (ISIS's ground, the pockets, each faction's ground) is made again only when control
changed. Both are exact shortcuts: these tests hold them against the full computation, day by day.
"""

from __future__ import annotations

import numpy as np

import sim
from sim.factions import CONTROL_ISIS, CONTROL_SDF, GROUND_FACTIONS
from sim.model.day import ControlPicture
from sim.model.phases.control import update_control


def test_the_pass_is_idempotent_so_skipping_it_changes_nothing():
    """After every day's pass, a forced second pass (nothing remembered) leaves control as it is:
    what the skip assumes."""
    model = sim.BorderModel(scenario="pockets_2018", rng=5)
    skipped = 0
    for _ in range(40):
        model.step()
        after_day, last = model.control.copy(), model.control_inputs
        update_control(model)  # the same inputs as the day's own pass: skipped (nothing remembered anew)
        skipped += model.control_inputs is last
        assert np.array_equal(model.control, after_day)
        model.control_inputs = None  # forget it: a full pass
        update_control(model)
        assert np.array_equal(model.control, after_day)
    assert skipped == 40


def test_a_pass_is_not_skipped_when_control_was_written_since():
    model = sim.BorderModel(scenario="pockets_2018", rng=5).run(10)
    unit = next(u for u in model.ground_units() if u.strength > 0 and not u.halted)
    code = GROUND_FACTIONS[unit.faction].control
    assert model.control[unit.pos] == code  # a unit holds the cell it stands on
    model.control[unit.pos] = CONTROL_ISIS  # written from outside the control phase
    update_control(model)
    assert model.control[unit.pos] == code


def test_the_control_picture_is_made_again_exactly_when_control_changes():
    model = sim.BorderModel(scenario="pockets_2018", rng=2)
    kept = made = 0
    for _ in range(60):
        before, picture = model.control.copy(), model.control_picture
        model.step()
        if np.array_equal(model.control, before):
            assert model.control_picture is picture
            kept += 1
        else:
            assert model.control_picture is not picture
            made += 1
        fresh = ControlPicture(model.control, model.theater.cell_area_km2, model.pocket_masks)
        now = model.control_picture
        assert np.array_equal(now.held, fresh.held) and np.array_equal(now.labels, fresh.labels)
        assert now.pocket_km2.tolist() == fresh.pocket_km2.tolist() and now.isis_km2 == fresh.isis_km2
        assert all(np.array_equal(a, b) for a, b in zip(now.held_cells, fresh.held_cells, strict=True))
        assert np.array_equal(now.held_by(CONTROL_SDF), model.control == CONTROL_SDF)
    assert kept > 0 and made > 0  # both cases were seen

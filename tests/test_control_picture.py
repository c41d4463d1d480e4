"""Control of ground, computed only when something it depends on changes.

The control pass is skipped when ISIS presence, the units and control are as it left them, and the
``ControlPicture`` (ISIS's ground, the pockets, each faction's ground) is made again only when control
changed. Both are exact shortcuts: these tests hold them against the full computation, day by day.
"""

from __future__ import annotations

import numpy as np

import sim
from sim.factions import CONTROL_ISIS, CONTROL_NONE, CONTROL_SAA, CONTROL_SDF, GROUND_FACTIONS
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
        assert all(np.array_equal(a, b) and a.dtype == b.dtype  # np.nonzero's cells, in its order
                   for a, b in zip(now.held_cells, np.nonzero(now.held), strict=True))
        assert np.array_equal(now.held_by(CONTROL_SDF), model.control == CONTROL_SDF)
    assert kept > 0 and made > 0  # both cases were seen


def _pass_unit_by_unit(model) -> np.ndarray:
    """The control rule as the ODD states it, on the whole grid, one unit after the other: each active
    unit takes the ISIS-held or unheld land outside ISIS presence within its reach (built-up ground
    within the urban radius), a cell taken leaving the takeable set; then each ISIS cell that holds
    ground keeps the cell it stands on unless a unit stands there."""
    from sim.geography import TERRAIN_URBAN
    from sim.model.phases.control import hold_radius_km

    t, p = model.theater, model.params
    control = model.control.copy()
    cells = [c for c in model.isis_cells() if not c.dispersed]
    units = [u for u in model.ground_units() if u.strength > 0]
    presence = np.zeros(control.shape, dtype=bool)
    for c in cells:
        presence.reshape(-1)[t.disk_cells(*c.pos, hold_radius_km(c.strength, p))] = True
    takeable = np.isin(control, (CONTROL_ISIS, CONTROL_NONE)) & ~presence & t.land
    urban = t.terrain == TERRAIN_URBAN
    for unit in (u for u in units if not u.halted):
        for radius, kind in ((p.control_radius_km, ~urban), (p.urban_control_radius_km, urban)):
            cells_in = t.disk_cells(*unit.pos, radius)
            got = cells_in[(takeable & kind).reshape(-1)[cells_in]]
            control.reshape(-1)[got] = GROUND_FACTIONS[unit.faction].control
            takeable.reshape(-1)[got] = False
    occupied = {u.pos for u in units}
    for c in cells:
        if c.pos not in occupied:
            control[c.pos] = CONTROL_ISIS
    return control


def test_the_pass_at_the_units_cells_is_the_rule_on_the_whole_grid(monkeypatch):
    """The pass reads control only at the cells the units reach, all units at once; unit by unit on
    the whole grid, from the same state, gives the same control every day: with one reach (the
    calibrated radii) and with two (built-up ground only from close by)."""
    from sim.model.phases import control as phase

    full_pass, days = phase.update_control, []

    def checked(model):
        expected = _pass_unit_by_unit(model)
        full_pass(model)
        days.append(np.array_equal(model.control, expected))

    monkeypatch.setattr(phase, "update_control", checked)
    for name, changes in (("pockets_2018", {}), ("pockets_2018", {"params.urban_control_radius_km": 3.0}),
                          ("deir_ezzor_2017", {"params.urban_control_radius_km": 3.0})):
        model = sim.BorderModel(scenario=sim.load(name, set=changes), rng=3)
        model.run(40)
    assert len(days) == 3 * 41 and all(days)


def test_each_side_of_syria_is_kept_with_the_control_it_was_made_from():
    from sim.geography import COUNTRY_SYRIA
    from sim.model.space.zones import saa_side, sdf_side

    model = sim.BorderModel(scenario="pockets_2018", rng=2)
    t = model.theater
    for _ in range(20):
        model.step()
        picture = model.control_picture
        sdf, saa = sdf_side(model), saa_side(model)
        assert sdf is sdf_side(model) and not sdf.flags.writeable
        syria = t.in_country[COUNTRY_SYRIA]
        assert np.array_equal(sdf, t.syria_left_bank | (syria & (picture.control == CONTROL_SDF)))
        assert np.array_equal(saa, t.syria_right_bank | (syria & (picture.control == CONTROL_SAA)))

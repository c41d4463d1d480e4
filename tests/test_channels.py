"""Each coordination channel: its mechanism in isolation, and its effect on a whole run."""

from pathlib import Path

import numpy as np
import pytest

from sim import BorderModel, run
from sim.channels import REGISTRY
from sim.geography import COUNTRY_IRAQ
from sim.scenario import CHANNELS, load_scenario

ROOT = Path(__file__).resolve().parent.parent
POCKETS = ROOT / "scenarios" / "pockets_2018.yaml"
RIVALS = ROOT / "tests" / "data" / "model" / "rivals.yaml"


def model_with(path=POCKETS, seed=1, **channels):
    overrides = [f"channels.{k}={'true' if v else 'false'}" for k, v in channels.items()]
    return BorderModel(scenario=load_scenario(path, overrides), rng=seed)


def cell_at(model, lon, lat):
    return model.theater.cell_of(lon, lat)


def test_every_channel_is_registered_under_its_scenario_name():
    assert tuple(REGISTRY) == CHANNELS


def test_coalition_support_opens_iraq_to_coalition_strikes_and_keeps_iraqi_sorties():
    on, off = model_with(coalition_support=True), model_with(coalition_support=False)
    iraq = on.theater.country == COUNTRY_IRAQ
    assert on.strike_zone("coalition")[iraq].any()
    assert not off.strike_zone("coalition")[iraq].any()
    factor = {m: np.prod([c.sortie_factor(m, "iraqi") for c in m.channels]) for m in (on, off)}
    assert factor[on] == 1.0
    assert factor[off] == pytest.approx(off.params.iraqi_sorties_without_coalition)


def test_isf_sdf_coordination_lets_iraqi_jets_strike_dashisha_and_seals_the_border():
    on, off = model_with(isf_sdf_coordination=True), model_with(isf_sdf_coordination=False)
    dashisha = cell_at(on, 41.15, 36.02)
    assert on.strike_zone("iraqi")[dashisha] and not off.strike_zone("iraqi")[dashisha]
    syrian_cell = next(
        c for c in on.isis_cells() if on.theater.country[c.cell.coordinate] != COUNTRY_IRAQ
    )
    iraq = on.theater.country == COUNTRY_IRAQ
    assert not on.areas.isis_allowed(syrian_cell.cell.coordinate)[iraq].any()
    assert off.areas.isis_allowed(syrian_cell.cell.coordinate)[iraq].all()


def test_damascus_baghdad_lets_iraqi_jets_strike_near_albu_kamal():
    on, off = model_with(damascus_baghdad=True), model_with(damascus_baghdad=False)
    albu_kamal = cell_at(on, 40.9185, 34.4523)
    assert on.strike_zone("iraqi")[albu_kamal] and not off.strike_zone("iraqi")[albu_kamal]


def test_deconfliction_line_keeps_the_sdf_north_and_the_saa_south_of_the_euphrates():
    on, off = model_with(deconfliction=True), model_with(deconfliction=False)
    side = on.theater.euphrates_side
    assert not on.operating_area("SDF")[side < 0].any()
    assert not on.operating_area("SAA")[side > 0].any()
    assert off.operating_area("SDF")[side < 0].any() and off.operating_area("SAA")[side > 0].any()


def test_without_deconfliction_wings_hold_back_near_rival_forces():
    on, off = model_with(deconfliction=True), model_with(deconfliction=False)
    assert off.strike_zone("russian").sum() < on.strike_zone("russian").sum()
    assert off.strike_zone("coalition").sum() < on.strike_zone("coalition").sum()


def test_rival_units_at_close_quarters_clash_often_without_the_line_and_rarely_with_it():
    def incidents(line: bool) -> float:
        totals = [
            run(load_scenario(RIVALS, [f"channels.deconfliction={str(line).lower()}"]), seed=seed
                ).summary["incidents"]
            for seed in range(10)
        ]
        return float(np.mean(totals))

    # the calibrated ground-clash hazard is low (0.15 ground clashes a month in deir_ezzor_2017,
    # docs/calibration.md), so two camps side by side for 60 days clash a couple of times
    closed, open_ = incidents(False), incidents(True)
    assert closed >= 1.5
    assert open_ < 0.4 * closed


def test_iranian_intermediary_brings_the_pmf_into_syria_and_pays_a_pincer_bonus():
    on, off = model_with(iranian_intermediary=True), model_with(iranian_intermediary=False)
    syria_south = (
        (on.theater.country != COUNTRY_IRAQ)
        & (on.theater.euphrates_side < 0)
        & (on.theater.country > 0)
    )
    assert (
        on.operating_area("PMF")[syria_south].any()
        and not off.operating_area("PMF")[syria_south].any()
    )
    both = [u for u in on.ground_units() if u.faction in ("ISF", "SAA")]
    factor_on = np.prod([c.area_fire_factor(on, both) for c in on.channels])
    factor_off = np.prod([c.area_fire_factor(off, both) for c in off.channels])
    assert factor_on == pytest.approx(on.params.pincer_bonus) and factor_off == 1.0


def test_turkish_sting_cuts_isis_cohesion_on_its_day():
    on, off = model_with(turkish_sting=True), model_with(turkish_sting=False)
    day = round(on.params.sting_day)
    for m in (on, off):
        m.run(day)
    drop = on.params.sting_leaders_arrested * on.params.cohesion_loss_per_leader
    mean_on = np.mean([c.cohesion for c in on.isis_cells()])
    mean_off = np.mean([c.cohesion for c in off.isis_cells()])
    assert mean_off == pytest.approx(1.0)
    assert mean_on == pytest.approx(1.0 - drop, abs=0.05)
    assert on.totals["arrests"] == on.params.sting_leaders_arrested


@pytest.mark.parametrize("channel", CHANNELS)
def test_switching_each_channel_changes_the_run(channel):
    base = load_scenario(POCKETS, ["days=60"])
    flipped = base.with_changes({f"channels.{channel}": not getattr(base.channels, channel)})
    a = run(base, seed=3).timeseries
    b = run(flipped, seed=3).timeseries
    assert not a.equals(b)

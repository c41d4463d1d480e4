"""Friction between the rival camps: ground clashes and air incidents have separate hazards (003)."""

from pathlib import Path

import numpy as np
import pytest

from sim import BorderModel
from sim.factions import CAMP_SAA
from sim.model.agents import AirWing
from sim.model.phases.friction import air_incident, incident_probability
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
DEIR_EZZOR = ROOT / "scenarios" / "deir_ezzor_2017.yaml"


def model_with(*overrides: str, seed: int = 0):
    return BorderModel(scenario=load_scenario(DEIR_EZZOR, list(overrides)), rng=seed)


def test_an_air_incident_has_the_air_rate_and_the_lines_factor():
    model = model_with("params.air_incident_rate=0.5", "params.incident_rate=5")
    wing = next(w for w in model.agents_by_type[AirWing] if w.wing == "coalition")
    saa = model.units_of_camp(CAMP_SAA)
    near = [c for c in model.isis_cells()
            if model.km_from(*c.cell.coordinate, *np.array([u.cell.coordinate for u in saa]).T).min()
            <= model.params.incident_range_km]
    assert near  # the Deir ez-Zor garrison stands within reach of the Syrian army
    rng = np.random.default_rng(0)
    hits = [air_incident(model, wing, near[0], rng) for _ in range(4000)]
    assert np.mean(hits) == pytest.approx(-np.expm1(-0.5 * 0.1), abs=0.012)  # line open: F = 0.1
    assert model.today["air_incidents"] == sum(hits) and model.today["ground_incidents"] == 0
    ground = incident_probability(model, model.params.incident_rate)
    assert ground == pytest.approx(-np.expm1(-5 * 0.1))  # ground clashes: incident_rate


def test_each_rate_drives_only_its_own_kind_of_incident():
    def totals(*overrides: str) -> tuple[float, float]:
        air = ground = 0.0
        for seed in range(3):
            ts = model_with(*overrides, seed=seed).run(30).datacollector.get_model_vars_dataframe()
            air += ts["air_incidents"].sum()
            ground += ts["ground_incidents"].sum()
        return air, ground

    air, ground = totals("params.air_incident_rate=0", "params.incident_rate=0.5")
    assert air == 0 and ground > 0
    air, ground = totals("params.air_incident_rate=2", "params.incident_rate=0")
    assert air > 0 and ground == 0

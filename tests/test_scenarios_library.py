"""The shipped scenario library: every number traced, the docs current, the article figures used."""

import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sim import BorderModel
from sim.geography import load_gazetteer
from sim.scenario import Params, load_scenario
from sim.scenario.sources import entries, extends_of, markdown, missing, shipped, show

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
BIN = Path(sys.executable).parent / "bordersim"
FILES = shipped(ROOT)
BASES = ("highway_2016", "deir_ezzor_2017", "pockets_2018", "resurgence_2020")


def km(a, b):
    """Great-circle distance between two (lon, lat) points."""
    (lon1, lat1), (lon2, lat2) = (tuple(map(math.radians, p)) for p in (a, b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def place(name):
    p = load_gazetteer().find(name)
    return p.lon, p.lat


def force(scenario, label):
    return next(f for f in scenario.forces if f.label == label)


@pytest.fixture(scope="module")
def library():
    return {path.stem: load_scenario(path) for path in FILES}


def test_the_four_situations_and_their_variants_ship(library):
    assert set(BASES) <= set(library)
    for name, scenario in library.items():
        assert scenario.name == name  # file name and scenario name agree, as `bordersim list` shows


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_every_number_has_a_source_or_an_assumption(path):
    scenario = load_scenario(path)
    assert missing(scenario) == []
    # and the sections the brief names are really covered by entries, not by an empty walk
    paths = [e.path for e in entries(scenario)]
    for prefix in ("days", "forces.0.fighters", "forces.0.units", "air."):
        assert any(p.startswith(prefix) for p in paths), prefix


def test_missing_provenance_is_found(tmp_path):
    child = tmp_path / "child.yaml"
    child.write_text(f"extends: {SCENARIOS / 'pockets_2018.yaml'}\nname: child\ndays: 30\n"
                     "params:\n  raid_rate: 0.1\n")
    assert sorted(missing(load_scenario(child))) == ["days", "params.raid_rate"]


def test_quotes_come_from_the_articles_the_scenario_lists(library):
    for scenario in library.values():
        quoted = {e.prov.file for e in entries(scenario) if e.prov.file}
        assert quoted <= set(scenario.sources), scenario.name
        assert quoted, f"{scenario.name} quotes no article"


def test_titles_and_descriptions_tell_period_and_question(library):
    for scenario in library.values():
        year = str(scenario.start_date.year)
        assert scenario.title.startswith(year), scenario.name
        assert "Question:" in scenario.description, scenario.name
        assert len(scenario.description.split()) >= 60, scenario.name


def test_variants_flip_one_channel_or_the_dated_events(library):
    variants = [p for p in FILES if extends_of(p) and (p.parent / extends_of(p)).parent == p.parent]
    assert len(variants) >= 3  # the calibrated params file every base scenario extends is not a variant
    for path in variants:
        child = library[path.stem]
        parent = load_scenario(path.parent / extends_of(path))
        a, b = parent.resolved_dict(), child.resolved_dict()
        flipped = [k for k in a["channels"] if a["channels"][k] != b["channels"][k]]
        assert len(flipped) + (a["events"] != b["events"]) == 1, path.name
        for key in ("name", "title", "description", "channels", "events"):
            del a[key], b[key]
        assert a == b, f"{path.name} changes more than its channel"
        assert parent.name in child.description


def test_docs_scenarios_md_is_current():
    committed = (ROOT / "docs" / "scenarios.md").read_text(encoding="utf-8")
    assert committed == markdown(FILES), "run: python -m sim.scenario.sources --write-docs"


def test_markdown_lists_every_scenario_and_quote(library):
    text = markdown(FILES)
    for scenario in library.values():
        assert f"## {scenario.name}" in text
    assert "which still hosts around 2500 Islamic State fighters" in text
    default = Params.model_fields["raid_rate"].default
    assert "*assumption:*" in text and f"| `raid_rate` | {show(default)} |" in text


@pytest.mark.parametrize("name", BASES)
def test_each_base_scenario_builds_and_steps(library, name):
    model = BorderModel(scenario=library[name], rng=3)
    assert model.initial_isis_fighters == pytest.approx(
        sum(f.fighters for f in library[name].forces if f.faction == "ISIS"))
    assert all(area > 0 for area in model.pocket_km2[:-1])  # every named pocket starts ISIS-held
    model.run(3)
    assert model.steps == 3 and model.isis_fighters() < model.initial_isis_fighters


# ---------------------------------------------------------------- figures of the articles
def test_highway_2016_distances_of_002(library):
    s = library["highway_2016"]
    qaim = place("Al-Qaim")
    saa = force(s, "SAA Palmyra-Deir Ezzor offensive")
    iraqi = force(s, "Iraqi army on the Euphrates")
    # "215 km west of the Al-Qa'im border-crossing" (by road; the map gives the straight line)
    assert saa.place == "T-3 pumping station" and km((saa.lon, saa.lat), qaim) == pytest.approx(215, rel=0.1)
    # "approximately 175 km east of Al-Qa'im"
    assert km((iraqi.lon, iraqi.lat), qaim) == pytest.approx(175, rel=0.02)
    # "only 100 km of desert between the Iraqi Army and the city of Al-Qa'im": the pocket's east end
    ring = s.pockets["corridor"].polygon
    east = max(ring)
    assert km((east[0], qaim[1]), qaim) == pytest.approx(100, rel=0.05)
    # "no sign of civilization for 200 km": the corridor's desert road, from its west end to Albu Kamal
    west = min(ring)
    assert km(west, place("Albu Kamal")) == pytest.approx(200, rel=0.1)
    assert force(s, "Hashd al-Sha'abi in Deir ez-Zor").objective_label == "Mohassan"
    assert s.channels.iranian_intermediary and not s.channels.damascus_baghdad


def test_deir_ezzor_2017_figures_of_003(library):
    s = library["deir_ezzor_2017"]
    assert force(s, "Deir ez-Zor garrison").fighters == 2500  # "around 2500 Islamic State fighters"
    saa, sdf = force(s, "SAA relief force"), force(s, "SDF at the industrial outskirts")
    assert km((saa.lon, saa.lat), (sdf.lon, sdf.lat)) < 10 * 1.609344  # "less than 10 miles"
    assert s.params.incident_range_km >= km((saa.lon, saa.lat), (sdf.lon, sdf.lat))
    assert force(s, "SDF column for Mayadin").objective_pocket == "mayadin"
    assert s.channels.deconfliction


def test_pockets_2018_figures_of_000_and_001(library):
    s = library["pockets_2018"]
    assert s.params.sting_leaders_arrested == 5  # "the arrests of five high-ranking ISIS militants"
    assert s.air["coalition"].sorties_per_day == pytest.approx(9 / 7, abs=0.02)  # nine strikes a week
    assert force(s, "Baghdad belt remnants").place == "Abu Ghraib"  # "The sixth was near Baghdad."


def test_resurgence_2020_coalition_returns_on_day_25(library):
    s = library["resurgence_2020"]
    assert not s.channels.coalition_support
    assert [(e.day, e.set) for e in s.events] == [(25, {"channels.coalition_support": True})]
    model = BorderModel(scenario=s, rng=1).run(40)
    ts = model.datacollector.get_model_vars_dataframe()
    assert ts.loc[ts.day <= 25, "strikes_coalition"].sum() == 0
    assert ts.loc[ts.day > 25, "strikes_coalition"].sum() > 0
    assert ts.loc[ts.day <= 25, "strikes_iraqi"].sum() > 0  # the Iraqi Air Force flies on alone
    assert not library["resurgence_2020_alone"].events


# ---------------------------------------------------------------- the command
def test_bordersim_sources_traces_every_shipped_scenario():
    out = subprocess.run([str(BIN), "sources"], cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env={**os.environ, "MPLBACKEND": "Agg"})
    assert out.returncode == 0, out.stderr
    for path in FILES:
        assert f"== {path.stem}:" in out.stdout
    assert '003_e3f1c5d059373657.txt: "which still hosts around 2500 Islamic State fighters"' in out.stdout
    assert "NO SOURCE" not in out.stdout


def test_bordersim_sources_flags_a_bare_number(tmp_path):
    child = tmp_path / "bare.yaml"
    child.write_text(f"extends: {SCENARIOS / 'deir_ezzor_2017.yaml'}\nname: bare\ndays: 30\n")
    out = subprocess.run([str(BIN), "sources", str(child), "--defaults"], cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 1
    assert "days: NO SOURCE AND NO ASSUMPTION" in out.stdout
    isr = Params.model_fields["detect_air_isr"]
    assert f"params.detect_air_isr = {show(isr.default)} 1/day: {isr.description[:20]}" in out.stdout


def test_show_formats_values():
    assert show(0.24) == "0.24" and show(True) == "true"
    assert show([[1, 2], [3, 4], [5, 6]]) == "polygon of 3 points"
    assert show([42.71, 33.73]) == "[42.71, 33.73]"

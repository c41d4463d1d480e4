"""Docs generated from the code are fresh, and the ODD document has its headings in order."""

from pathlib import Path

from tools.docs_gen import refresh_text

DOCS = Path(__file__).resolve().parent.parent / "docs"

ODD_HEADINGS = [
    "Purpose and patterns", "Entities, state variables and scales", "Process overview and scheduling",
    "Design concepts", "Basic principles", "Emergence", "Adaptation", "Objectives", "Learning",
    "Prediction", "Sensing", "Interaction", "Stochasticity", "Collectives", "Observation",
    "Initialization", "Input data", "Submodels",
]


def test_generated_tables_are_fresh():
    for path in DOCS.glob("*.md"):
        text = path.read_text(encoding="utf-8")
        assert refresh_text(text) == text, f"{path.name} is stale: run python -m tools.docs_gen"


def test_odd_headings_in_order():
    lines = (DOCS / "odd.md").read_text(encoding="utf-8").splitlines()
    headings = [line.lstrip("#").strip() for line in lines if line.startswith("#")]
    positions = [headings.index(h) for h in ODD_HEADINGS]
    assert positions == sorted(positions)


def test_every_parameter_is_described_in_the_odd_table():
    from sim.scenario.params import Params

    text = (DOCS / "odd.md").read_text(encoding="utf-8")
    for name in Params.model_fields:
        assert f"| `{name}` |" in text, name

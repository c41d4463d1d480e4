"""Scenario files: YAML in, a validated and resolved ``Scenario`` out.

Everything a student can get wrong in a scenario (syntax, keys, places, numbers, citations) is
reported as one ``ScenarioError`` naming the file, line and key path, so the model itself never
has to second-guess its input.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sim.errors import ScenarioError
from sim.scenario.model import (
    AirWingSpec,
    BaseSpec,
    Channels,
    Event,
    Force,
    PocketSpec,
    Scenario,
)
from sim.scenario.params import Params
from sim.scenario.provenance import Provenance
from sim.scenario.resolve import build
from sim.scenario.schema import AIR_WINGS, CHANNELS, FACTIONS
from sim.scenario.tree import OVERRIDE_LABEL, apply_overrides, load_doc, overridden

__all__ = [
    "AIR_WINGS",
    "CHANNELS",
    "FACTIONS",
    "AirWingSpec",
    "BaseSpec",
    "Channels",
    "Event",
    "Force",
    "Params",
    "PocketSpec",
    "Provenance",
    "Scenario",
    "ScenarioError",
    "apply_overrides",
    "load_scenario",
]


def load_scenario(path: str | Path, overrides: Sequence[str] | Mapping[str, Any] = ()) -> Scenario:
    """Read, merge (``extends``), check and resolve the scenario at ``path``.

    ``overrides`` are ``KEY=VALUE`` strings (``"params.raid_rate=0.1"``), applied after merging
    and validated like the file; problems they cause are reported against ``--set``.
    """
    doc, errors = load_doc(path)
    if {"scenario", "factors"} <= doc.data.keys() and "forces" not in doc.data:
        raise ScenarioError("this is an experiment file, not a scenario: run it with `bordersim sweep`",
                            file=doc.file, line=1)
    if overrides:
        doc = overridden(doc, overrides if isinstance(overrides, Mapping) else list(overrides),
                         (OVERRIDE_LABEL, None))
    return build(doc, source_path=str(path), errors=errors)

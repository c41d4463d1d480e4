"""Run a scenario to the end and collect its timeseries and summary."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from sim.model.model import BorderModel
from sim.model.record import summarize

if TYPE_CHECKING:
    from sim.scenario import Scenario


@dataclass
class RunResult:
    model: BorderModel
    timeseries: pd.DataFrame
    summary: dict


def run_model(scenario: Scenario, seed: int,
              days: int | None = None) -> tuple[BorderModel, pd.DataFrame, dict]:
    """The model after ``days`` (default: the scenario's), its table (one row a day) and its summary."""
    model = BorderModel(scenario=scenario, rng=seed).run(days)
    table = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    return model, table, summarize(model, table.to_dict("records"))


def run(scenario: Scenario, seed: int, days: int | None = None) -> RunResult:
    return RunResult(*run_model(scenario, seed, days))

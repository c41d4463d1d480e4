"""Run a scenario to the end and collect its timeseries and summary."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from sim.model import BorderModel
from sim.record import summarize
from sim.scenario import Scenario


@dataclass
class RunResult:
    model: BorderModel
    timeseries: pd.DataFrame
    summary: dict


def run(scenario: Scenario, seed: int, days: int | None = None) -> RunResult:
    model = BorderModel(scenario, seed).run(days)
    table = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    summary = summarize(model, table.to_dict("records"))
    return RunResult(model, table, summary)

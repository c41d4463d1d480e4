"""(b) Agent-steps per second: bordersim beside Mesa's bundled Epstein civil-violence example.

An agent-step is one agent activated once (its ``step``, ``advance``, ``act`` or ``fly``). Both
models activate agents only through Mesa's agent sets (``shuffle_do``), so both are counted the same
way: in an untimed pass every activation through an agent set is counted; the timed runs then repeat
the same seeded runs without that instrumentation. Time covers the steps only (model
set-up excluded for both), each model collecting its data every step as it normally does.
"""

from __future__ import annotations

import math
import statistics
import time
from contextlib import contextmanager
from functools import partial

from benchmarks.timing import settle, timed

#: The Epstein example's default densities (EpsteinScenario): citizens and cops per cell.
EPSTEIN_DENSITY = 0.7 + 0.074


def _agent_set_classes(base) -> list[type]:
    found, todo = [], [base]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


@contextmanager
def _counting_activations():
    """Count the agents activated through ``do``/``shuffle_do`` of any Mesa agent set in the block,
    and the seconds spent in those calls (outermost ones only).

    The method is handed on as a callable that counts and then calls it, so an agent that Mesa
    skips (removed earlier in the same pass) is not counted.
    """
    from mesa.agentset import AbstractAgentSet

    stats = {"activations": 0, "seconds": 0.0, "depth": 0}
    patched = []

    def counting(original):
        def wrapper(self, method, *args, **kwargs):
            def activate(agent, *a, **kw):
                stats["activations"] += 1
                call = getattr(agent, method) if isinstance(method, str) else partial(method, agent)
                return call(*a, **kw)

            stats["depth"] += 1
            start = time.perf_counter()
            try:
                return original(self, activate, *args, **kwargs)
            finally:
                stats["depth"] -= 1
                if stats["depth"] == 0:
                    stats["seconds"] += time.perf_counter() - start

        return wrapper

    for cls in _agent_set_classes(AbstractAgentSet):
        for name in ("do", "shuffle_do"):
            if name in vars(cls) and not getattr(vars(cls)[name], "__isabstractmethod__", False):
                patched.append((cls, name, vars(cls)[name]))
                setattr(cls, name, counting(vars(cls)[name]))
    try:
        yield stats
    finally:
        for cls, name, original in patched:
            setattr(cls, name, original)


def _rate(make, steps: int, reps: int) -> dict:
    """Activations in ``steps`` steps of a fresh ``make()`` model, and the median time of those steps."""
    def run_steps(model):
        for _ in range(steps):
            model.step()

    with _counting_activations() as stats:
        model = make()
        agents = len(model.agents)
        counted, _ = timed(lambda: run_steps(model))
    activations = stats["activations"]
    run_steps(make())  # warm-up
    walls, cpus = [], []
    for _ in range(reps):
        model = make()
        settle(1.0)
        sample, _ = timed(lambda model=model: run_steps(model))
        walls.append(sample.wall)
        cpus.append(sample.cpu)
    wall = statistics.median(walls)
    return {"agents": agents, "steps": steps, "activations": activations, "median_s": wall,
            "cpu_median_s": statistics.median(cpus), "agent_steps_per_s": activations / wall,
            # from the instrumented pass: how much of a step is the agents' own methods
            "share_in_activations": stats["seconds"] / counted.wall}


def _epstein_with(n_agents: int):
    """(width, height, rng) of the Epstein example, default densities, with exactly ``n_agents``."""
    from mesa.examples.advanced.epstein_civil_violence.model import EpsteinCivilViolence, EpsteinScenario

    side = max(2, round(math.sqrt(n_agents / EPSTEIN_DENSITY)))
    for width, height in ((side, side), (side + 1, side), (side, side - 1), (side + 1, side + 1)):
        for rng in range(1, 500):
            model = EpsteinCivilViolence(width, height, EpsteinScenario(rng=rng))
            if len(model.agents) == n_agents:
                return width, height, rng
    raise RuntimeError(f"no Epstein grid near {side}x{side} holds exactly {n_agents} agents")


def split_units(scenario_spec, factor: int):
    """The same scenario with every force split into ``factor`` times as many units (same fighters).

    The shipped scenario has a few dozen agents, where a day's fixed costs (grid fields, Mesa's step
    wrapper, data collection) weigh as much as the agents; at hundreds of agents the ratio measures
    what an agent costs.
    """
    forces = [f.model_copy(update={"units": f.units * factor}) for f in scenario_spec.forces]
    return scenario_spec.model_copy(update={"forces": forces})


def agent_steps(scenario_spec, days: int, reps: int, seed: int = 1) -> dict:
    """bordersim's ``scenario_spec`` for ``days`` beside Epstein at the same agent count and steps."""
    from mesa.examples.advanced.epstein_civil_violence.model import EpsteinCivilViolence, EpsteinScenario

    from sim.model import BorderModel

    border = _rate(lambda: BorderModel(scenario=scenario_spec, rng=seed), days, reps)
    width, height, rng = _epstein_with(border["agents"])
    epstein = _rate(lambda: EpsteinCivilViolence(width, height, EpsteinScenario(rng=rng)), days, reps)
    epstein.update(grid=[width, height], rng=rng)
    return {
        "agents": border["agents"],
        "steps": days,
        "bordersim": border,
        "epstein": epstein,
        "ratio": border["agent_steps_per_s"] / epstein["agent_steps_per_s"],
        # activations only, each model's time outside its agents' methods removed
        "ratio_activations_only": (border["agent_steps_per_s"] / border["share_in_activations"])
        / (epstein["agent_steps_per_s"] / epstein["share_in_activations"]),
    }

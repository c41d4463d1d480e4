"""Seeds for replications: common random numbers across design points.

Replication r gets the same seed at every design point, so the difference between two points is
not blurred by different luck; seeds come from ``SeedSequence(experiment_seed).spawn`` so they are
independent streams, not neighbouring integers.
"""

from __future__ import annotations

import numpy as np

from sim.scenario.limits import MAX_SEED


def replication_seeds(experiment_seed: int, replications: int) -> list[int]:
    """One integer seed per replication, in ``[0, 2**63)`` like the CLI's ``--seed``."""
    if replications < 0:
        raise ValueError("replications must be >= 0")
    children = np.random.SeedSequence(experiment_seed).spawn(replications)
    return [int(child.generate_state(1, dtype=np.uint64)[0]) & MAX_SEED for child in children]

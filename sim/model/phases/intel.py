"""Phase 2 of the day: each camp looks for ISIS cells (laws.detection), then camps joined by an open
channel pool what they saw. The result is the day's ``Sightings`` (sim.model.day), read by the air
and combat phases.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.factions import CAMPS
from sim.model.day import NOTHING_SEEN, Sightings
from sim.model.laws import detection
from sim.model.space.distances import xy

if TYPE_CHECKING:
    from sim.model import BorderModel
    from sim.model.day import Areas


def gather_intelligence(model: BorderModel, areas: Areas, rng: np.random.Generator) -> Sightings:
    cells = model.isis_cells()
    if not cells:
        return NOTHING_SEEN
    p = model.params
    cx, cy = xy(cells)
    visibility = np.array([p.visibility_desert, p.visibility_valley, p.visibility_urban])
    vis = visibility[model.theater.terrain[cx, cy]]
    concealment = np.array([c.concealment for c in cells])
    units = [u for u in model.ground_units() if u.strength > 0]
    km = model.pairwise_km(cx, cy, *xy(units))  # every unit's column, then each camp's columns in order
    columns = [[k for k, u in enumerate(units) if u.camp == camp] for camp in CAMPS]
    hazard = detection.ground_hazards(km, columns, p.detect_ground, p.sensor_range_km)
    for j, camp in enumerate(CAMPS):
        watched = np.zeros(len(cells), dtype=bool)
        for wing in model.air_wings():
            if wing.camp == camp and wing.sorties_per_day > 0:
                watched |= areas.strike[wing.wing][cx, cy]
        hazard[:, j] = p.detect_air_isr * watched + hazard[:, j]
    prob = detection.detection_probability(hazard, concealment[:, None], vis[:, None])
    seen = rng.random(prob.shape) < prob
    pairs = [pair for c in model.channels for pair in c.shared_intelligence()]
    seen = detection.pool_detections(seen, CAMPS, pairs)
    model.today["detections"] += int(seen.any(axis=1).sum())
    return Sightings(dict(zip(cells, seen, strict=True)))

"""Model coefficients (`params:` in a scenario).

Every coefficient the model uses is declared here once, with its unit, bounds and meaning; the
ODD parameter table in docs/ is generated from these declarations, so the two cannot drift.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


def _p(default: float, lo: float, hi: float, unit: str, why: str) -> float:
    return Field(default, ge=lo, le=hi, description=why, json_schema_extra={"unit": unit})


class Params(BaseModel):
    """Coefficients of the daily dynamics; all finite, all bounded."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    # --- intelligence (sim.model.laws.detection) ---
    detect_air_isr: float = _p(
        0.12,
        0,
        5,
        "1/day",
        "Daily detection hazard from air reconnaissance over a camp's strike zone",
    )
    detect_ground: float = _p(
        0.8, 0, 10, "1/day", "Daily detection hazard from one ground unit standing on the cell"
    )
    sensor_range_km: float = _p(12.0, 0.1, 200, "km", "e-folding distance of ground sensing")
    visibility_desert: float = _p(1.0, 0, 2, "-", "Detection multiplier in open desert")
    visibility_valley: float = _p(0.6, 0, 2, "-", "Detection multiplier in the river valleys")
    visibility_urban: float = _p(0.35, 0, 2, "-", "Detection multiplier in towns")

    # --- air (sim.model.phases.air, AirWing.fly and AirWing.strike) ---
    strike_kill_fraction: float = _p(
        0.12, 0, 1, "-", "Expected share of a struck cell's fighters killed by one strike"
    )
    air_range_km: float = _p(650.0, 10, 3000, "km", "Combat radius of a wing from its nearest base")
    strike_standoff_km: float = _p(
        12.0,
        0,
        100,
        "km",
        "Without deconfliction, wings hold back strikes this close to rival forces",
    )
    iraqi_sorties_without_coalition: float = _p(
        0.6,
        0,
        1,
        "-",
        "Share of Iraqi sorties flown without coalition technicians (004: they left Balad)",
    )
    civilian_harm_per_strike: float = _p(
        1.0,
        0,
        100,
        "index",
        "Civilian-harm index added per strike, times the struck cell's population weight",
    )

    # --- ground movement (agents.GroundUnit) ---
    advance_km_per_day: float = _p(6.0, 0, 100, "km/day", "Cross-country advance of a ground unit")
    road_speed_factor: float = _p(2.0, 1, 10, "-", "Speed multiplier on roads")
    river_crossing_factor: float = _p(0.3, 0.01, 1, "-", "Speed multiplier when entering a river cell")
    control_radius_km: float = _p(
        6.0,
        0,
        100,
        "km",
        "A unit clears ISIS-held ground within this radius when no ISIS cell holds it",
    )
    urban_control_radius_km: float = _p(
        2.5,
        0,
        100,
        "km",
        "A unit clears built-up (urban) ground only within this radius, at most control_radius_km: "
        "a town is taken by going into it, open ground by sweeping it",
    )
    contested_speed_factor: float = _p(
        0.3, 0.01, 1, "-", "Speed multiplier when entering ISIS-held ground (fighting forward)"
    )
    isis_hold_radius_km: float = _p(
        8.0,
        0,
        100,
        "km",
        "An ISIS cell holding ground keeps anti-ISIS units from clearing within this radius",
    )
    isis_hold_fighters_per_km2: float = _p(
        0.0,
        0,
        100,
        "fighters/km2",
        "Force to space for the defender: a cell holds a disk of strength / this many km2 (its radius "
        "capped at isis_hold_radius_km), so a remnant holds less ground than a full cell, and one "
        "with fewer fighters than this density times the area of its grid cell holds none: it goes "
        "to ground (0: every cell holds the full radius)",
    )
    readiness_recovery: float = _p(0.04, 0, 1, "1/day", "Daily readiness recovery toward 1")
    readiness_loss_per_casualty_share: float = _p(
        2.0, 0, 20, "-", "Readiness lost per unit share of strength lost in a day"
    )

    # --- combat (sim.model.laws.lanchester) ---
    contact_km: float = _p(9.0, 0.1, 100, "km", "Range at which ground forces engage")
    area_fire: float = _p(
        4e-5,
        0,
        1,
        "1/(fighter*day)",
        "Deitchman a: conventional area fire against a hidden ISIS cell, dY/dt = -a X Y",
    )
    isis_aimed_fire: float = _p(
        0.015,
        0,
        10,
        "1/day",
        "Deitchman b: ISIS aimed fire against conventional forces, dX/dt = -b Y",
    )
    aimed_fire: float = _p(
        0.01,
        0,
        10,
        "1/day",
        "Lanchester square-law coefficient between conventional forces (clashes)",
    )
    urban_defense_factor: float = _p(2.0, 1, 10, "-", "Divides attacker area fire in towns")
    detected_fire_bonus: float = _p(
        1.5, 1, 10, "-", "Multiplies area fire when the attacking camp has detected the cell"
    )
    pincer_bonus: float = _p(
        1.6,
        1,
        10,
        "-",
        "Multiplies area fire when synchronised Iraqi and Syrian forces attack the same cell",
    )

    max_engaged_fighters: float = _p(
        1e6,
        1,
        1e6,
        "fighters",
        "Force to space: at most this many attacking fighters (strength x readiness) engage one ISIS cell "
        "in a day; the rest hold the line (the default, a million, never binds)",
    )
    prepared_defense_factor: float = _p(
        1.0,
        1,
        10,
        "-",
        "Divides attacker area fire against a cell holding ground ISIS held at the scenario's start "
        "(prepared positions)",
    )
    withdrawal_exposure: float = _p(
        1.0,
        0,
        1,
        "day",
        "Share of the day a dispersed (withdrawing) cell stays under fire when attackers reach it",
    )

    # --- ISIS behaviour (agents.IsisCell) ---
    isis_concealment: float = _p(0.5, 0, 0.99, "-", "Initial concealment of an ISIS cell")
    concealment_gain_dispersed: float = _p(
        0.05, 0, 1, "1/day", "Daily concealment gain of a dispersed cell in the desert"
    )
    isis_move_km_per_day: float = _p(10.0, 0, 100, "km/day", "Movement of an ISIS cell")
    disperse_pressure_ratio: float = _p(
        6.0,
        0.1,
        1000,
        "-",
        "A cell disperses when nearby enemy strength exceeds its own by this ratio",
    )
    prepared_disperse_factor: float = _p(
        1.0,
        0,
        1,
        "-",
        "Multiplies the dispersal chance of a cell on prepared ground (a pocket ISIS held at the start): "
        "defenders of towns and fortified villages hold their positions (1: as anywhere else)",
    )
    disperse_probability: float = _p(
        0.12, 0, 1, "1/day", "Daily chance a pressed cell disperses, at zero cohesion (half that at full)"
    )
    regroup_days: float = _p(
        15.0, 0, 10000, "days", "Days without pressure after which a dispersed cell regroups and holds ground"
    )
    reinforce_rate: float = _p(
        0.08,
        0,
        1,
        "1/day",
        "Share of a quiet cell's fighters sent each day to a pressed cell, times cohesion",
    )
    reinforce_range_km: float = _p(60.0, 0, 500, "km", "Range within which cells reinforce each other")
    raid_rate: float = _p(0.05, 0, 5, "1/day", "Daily raid hazard of a cell at full cohesion")
    raid_range_km: float = _p(60.0, 0, 500, "km", "Cells this close to Iraq can raid across the border")
    raid_damage: float = _p(4.0, 0, 1000, "fighters", "Expected ISF losses from one raid")
    raid_civilian_harm: float = _p(0.5, 0, 100, "index", "Civilian-harm index added per raid")
    cohesion_recovery: float = _p(0.004, 0, 1, "1/day", "Daily recovery of cohesion toward 1")
    counterattack_rate: float = _p(
        0.0, 0, 10, "1/day",
        "Daily hazard that ISIS counter-attacks an open town it held at the start, times cohesion (0: never)",
    )
    counterattack_range_km: float = _p(
        30.0, 0, 500, "km", "An ISIS cell this close to an open town may counter-attack it"
    )

    # --- garrisons: last stand or collapse (sim.model.phases.garrison; only forces with `garrison:`) ---
    garrison_breakpoint: float = _p(
        0.3, 0, 1, "-",
        "A garrison with no order to stand breaks (surrender and flight) once it has lost this share of "
        "its strength under pressure, times its will (lower when encircled or with families)",
    )
    encircled_will_factor: float = _p(
        0.5, 0, 1, "-",
        "Multiplies a garrison's will (its breakpoint) when no way out is left (encircled on the map)",
    )
    families_will_factor: float = _p(
        0.5, 0, 1, "-",
        "Multiplies a garrison's will (its breakpoint) when its fighters' families are with it",
    )
    surrender_share: float = _p(
        0.3, 0, 1, "-",
        "Share of a breaking garrison's fighters who surrender (the rest flee; all surrender when no "
        "way out is left)",
    )
    close_quarters_fighters: float = _p(
        1500.0, 1, 1e6, "fighters",
        "Force to space in a last stand: at most this many attacking fighters engage a cell of a garrison "
        "ordered to stand on built-up ground (house-to-house frontage: about a brigade per defended 5 km "
        "cell of a city)",
    )

    # --- insurgency (sim.model.phases.insurgency; only forces with `insurgent: true`) ---
    hideout_concealment: float = _p(
        0.85, 0, 0.99, "-",
        "Concealment a hidden insurgent cell reaches in cover (a scenario's hideouts, or a river valley or "
        "rural cell with people); it gains concealment_gain_dispersed a day toward it",
    )
    recruit_rate: float = _p(
        0.01, 0, 10, "fighters/(1000 people*day)",
        "Recruits a hidden insurgent cell in cover gains a day per thousand inhabitants of its 5 km cell "
        "and its eight neighbours, times cohesion (a town of 100,000 beside it: one a day)",
    )
    insurgent_attack_rate: float = _p(
        0.006, 0, 5, "1/(fighter*day)",
        "Attacks a day per fighter of a hidden insurgent cell, times cohesion, before suppression (a cell "
        "of 50 attacks about twice a week)",
    )
    attack_suppression_ratio: float = _p(
        20.0, 0.1, 1000, "-",
        "An insurgent cell's attack tempo is divided by 1 + P / (this x its strength), P the pressure on "
        "it: a hunted cell lies low",
    )

    # --- named places as outcomes (sim.model.places) ---
    place_radius_km: float = _p(
        5.0,
        0,
        50,
        "km",
        "A named place is the land cells whose centres lie this close to its centre (a town: its "
        "built-up cells)",
    )
    place_hold_days: float = _p(
        2.0, 1, 60, "days",
        "A faction takes a named place once it has held most of its cells this many days in a row",
    )

    # --- friction between rival camps (sim.model.phases.friction) ---
    incident_range_km: float = _p(15.0, 0, 200, "km", "Rival forces closer than this may clash")
    incident_rate: float = _p(
        0.08, 0, 10, "1/day", "Daily ground-clash hazard of one close rival pair with no deconfliction"
    )
    air_incident_rate: float = _p(
        0.08,
        0,
        10,
        "1/strike",
        "Incident hazard of one strike near rival ground forces with no deconfliction (an air incident)",
    )
    incident_factor_with_line: float = _p(
        0.1, 0, 1, "-", "Multiplies the incident hazard when the deconfliction channel is open"
    )
    clash_duration_days: float = _p(0.2, 0, 5, "days", "Length of a clash, fought by the square law")
    halt_days: float = _p(4.0, 0, 100, "days", "Days both sides pause nearby after an incident")

    # --- channel mechanisms (sim.channels) ---
    sting_day: float = _p(5.0, 0, 10000, "day", "Day of the Turkish sting's arrests")
    sting_leaders_arrested: float = _p(5.0, 0, 1000, "leaders", "High-ranking ISIS members arrested")
    cohesion_loss_per_leader: float = _p(0.08, 0, 1, "-", "Cohesion lost per arrested leader")
    sync_radius_km: float = _p(
        150.0,
        0,
        2000,
        "km",
        "Iraqi and Syrian units this close to the shared objective join the synchronised push",
    )
    border_seal_raid_factor: float = _p(
        0.3, 0, 1, "-", "Multiplies raids into Iraq while the ISF holds the border with the SDF"
    )


def declared_bounds(name: str) -> tuple[float, float]:
    """The allowed range ``(lo, hi)`` of coefficient ``name``, as declared above (KeyError if unknown)."""
    field = Params.model_fields[name]
    lo = next(m.ge for m in field.metadata if hasattr(m, "ge"))
    hi = next(m.le for m in field.metadata if hasattr(m, "le"))
    return float(lo), float(hi)

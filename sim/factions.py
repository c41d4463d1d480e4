"""Who is who: factions, the camps they belong to, and the codes of the control layer.

Faction properties are data, not subclasses: the four anti-ISIS ground factions share one agent
class and differ only in these records.
"""

from __future__ import annotations

from dataclasses import dataclass

# Values of the control layer (int8).
CONTROL_NONE = 0
CONTROL_ISIS = 1
CONTROL_IRAQ = 2  # Iraqi Security Forces and the PMF
CONTROL_SDF = 3
CONTROL_SAA = 4
CONTROL_NAMES = {
    CONTROL_NONE: "none",
    CONTROL_ISIS: "ISIS",
    CONTROL_IRAQ: "Iraq (ISF/PMF)",
    CONTROL_SDF: "SDF",
    CONTROL_SAA: "SAA",
}

# Camps share intelligence internally and may share it with other camps through channels.
CAMP_IRAQ = "iraq"
CAMP_SDF = "sdf_coalition"
CAMP_SAA = "saa_russia"
CAMPS = (CAMP_IRAQ, CAMP_SDF, CAMP_SAA)
# The two rival ground coalitions of 003 and 001: each camp's rival, if it has one.
RIVAL_OF = {CAMP_SDF: CAMP_SAA, CAMP_SAA: CAMP_SDF}


@dataclass(frozen=True)
class Faction:
    name: str
    camp: str
    control: int
    home_country: int  # sim.geography COUNTRY_* code of the country it operates in by default
    description: str


@dataclass(frozen=True)
class Wing:
    name: str
    camp: str
    description: str


def _build() -> tuple[dict[str, Faction], dict[str, Wing]]:
    from sim.geography import COUNTRY_IRAQ, COUNTRY_SYRIA

    factions = {
        "ISF": Faction("ISF", CAMP_IRAQ, CONTROL_IRAQ, COUNTRY_IRAQ, "Iraqi army and police"),
        "PMF": Faction(
            "PMF",
            CAMP_IRAQ,
            CONTROL_IRAQ,
            COUNTRY_IRAQ,
            "Popular Mobilization Forces (Hashd al-Sha'abi)",
        ),
        "SDF": Faction("SDF", CAMP_SDF, CONTROL_SDF, COUNTRY_SYRIA, "Syrian Democratic Forces"),
        "SAA": Faction("SAA", CAMP_SAA, CONTROL_SAA, COUNTRY_SYRIA, "Syrian Arab Army and allies"),
    }
    wings = {
        "coalition": Wing("coalition", CAMP_SDF, "US-led coalition air forces"),
        "iraqi": Wing("iraqi", CAMP_IRAQ, "Iraqi Air Force"),
        "russian": Wing("russian", CAMP_SAA, "Russian air force in Syria"),
    }
    return factions, wings


GROUND_FACTIONS, AIR_WINGS = _build()
ISIS = "ISIS"  # the faction name of ISIS forces in scenario files (they are IsisCell agents)


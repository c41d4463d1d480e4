"""Place names -> coordinates, forgiving about transliteration.

Arabic names reach scenario files in many spellings ("Albu Kamal", "Abu Kamal",
"al-Bukamal"); lookups normalise case, diacritics, punctuation and a leading article
so that authors are not punished for a spelling choice, and typos get suggestions.
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from dataclasses import dataclass

from sim.geography.geodata import load_raw

# A leading Arabic article followed by a separator: "al-Qaim", "Al Qaim", "ash-Shaddadi".
_ARTICLE = re.compile(r"^(?:al|el|ad|ar|as|ash|at|an|az|ath)[\s\-'`’ʿ]+", re.IGNORECASE)
_PAREN = re.compile(r"\s*\(([^)]*)\)\s*")


@dataclass(frozen=True)
class Place:
    """A named point; ``population`` is in thousands (see the YAML meta for its basis)."""

    name: str
    alt_names: tuple[str, ...]
    country: str
    lon: float
    lat: float
    kind: str
    population: float


def _squash(text: str) -> str:
    """Lower-case, strip diacritics and everything that is not a letter or digit."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if c.isalnum())


def name_keys(name: str) -> list[str]:
    """Lookup keys for a name: as written, without a leading article, without brackets."""
    variants = [name]
    bracket = _PAREN.search(name)
    if bracket:
        variants += [_PAREN.sub(" ", name).strip(), bracket.group(1)]
    keys: list[str] = []
    for v in variants:
        for w in (v, _ARTICLE.sub("", v.strip())):
            k = _squash(w)
            if k and k not in keys:
                keys.append(k)
    return keys


class Gazetteer:
    """Case- and spelling-tolerant index over places; canonical names win over alt names."""

    def __init__(self, places: tuple[Place, ...]) -> None:
        self.places = places
        self._index: dict[str, Place] = {}
        for p in places:  # canonical names first so an alt name never shadows one
            for k in name_keys(p.name):
                self._index.setdefault(k, p)
        for p in places:
            for alt in p.alt_names:
                for k in name_keys(alt):
                    self._index.setdefault(k, p)

    def __len__(self) -> int:
        return len(self.places)

    def find(self, name: str) -> Place | None:
        """The place called ``name`` (any known spelling), or None."""
        for k in name_keys(name):
            if k in self._index:
                return self._index[k]
        return None

    def suggest(self, name: str, n: int = 3) -> list[str]:
        """Canonical names of the closest spellings, for did-you-mean messages."""
        best: dict[str, float] = {}
        for k in name_keys(name):
            for match in difflib.get_close_matches(k, self._index, n=3 * n, cutoff=0.6):
                score = difflib.SequenceMatcher(None, k, match).ratio()
                canon = self._index[match].name
                best[canon] = max(score, best.get(canon, 0.0))
        return sorted(best, key=lambda c: -best[c])[:n]

    def names(self) -> list[str]:
        """Canonical names in file order."""
        return [p.name for p in self.places]


@functools.cache
def load_gazetteer() -> Gazetteer:
    """All places and extra places of ``sim/data/geography.yaml`` (including off-grid ones)."""
    raw = load_raw()
    places = tuple(
        Place(
            name=p["name"], alt_names=tuple(p.get("alt_names") or ()), country=p["country"],
            lon=float(p["lon"]), lat=float(p["lat"]), kind=p["kind"],
            population=float(p["population"]),
        )
        for p in raw["places"] + raw["extra_places"]
    )
    return Gazetteer(places)

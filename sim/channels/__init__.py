"""Coordination channels: one module each, registered here by the name used in scenarios."""

from __future__ import annotations

from collections.abc import Mapping

from sim.channels.base import Channel
from sim.channels.coalition_support import CoalitionSupport
from sim.channels.damascus_baghdad import DamascusBaghdad
from sim.channels.deconfliction import Deconfliction
from sim.channels.iranian_intermediary import IranianIntermediary
from sim.channels.isf_sdf_coordination import IsfSdfCoordination
from sim.channels.turkish_sting import TurkishSting

REGISTRY: dict[str, type[Channel]] = {
    cls.name: cls
    for cls in (
        Deconfliction,
        IranianIntermediary,
        TurkishSting,
        IsfSdfCoordination,
        DamascusBaghdad,
        CoalitionSupport,
    )
}


#: The hooks a channel may implement: the public methods of ``Channel`` (phases call only these).
HOOKS = tuple(name for name, value in vars(Channel).items() if callable(value) and not name.startswith("_"))


def build_channels(settings: Mapping[str, bool]) -> tuple[Channel, ...]:
    """One channel object per registered channel, open or closed as ``settings`` say."""
    return tuple(cls(bool(settings[name])) for name, cls in REGISTRY.items())


def implementing(channels: tuple[Channel, ...], hook: str) -> tuple[Channel, ...]:
    """The channels whose class overrides ``hook``; the others would only return its neutral default
    (per-agent hooks are called hundreds of times a day, so skipping those calls pays)."""
    default = getattr(Channel, hook)
    return tuple(c for c in channels if getattr(type(c), hook) is not default)


__all__ = ["HOOKS", "Channel", "REGISTRY", "build_channels", "implementing"]

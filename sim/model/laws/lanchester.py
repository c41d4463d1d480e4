r"""Attrition laws, as pure functions with exact (closed-form) solutions.

The model advances every engagement by exactly one day (``dt = 1``) with these solutions, so an
independent integrator of the equations below reproduces the model's numbers to rounding.

Square law (conventional against conventional: clashes between rival camps)::

    dX/dt = -b Y,    dY/dt = -a X,            X, Y >= 0

    X(t) = X0 cosh(g t) - sqrt(b/a) Y0 sinh(g t),   g = sqrt(a b)
    Y(t) = Y0 cosh(g t) - sqrt(a/b) X0 sinh(g t)

until one side reaches zero, after which the other keeps its strength at that moment.

Deitchman's mixed law (conventional force X against a concealed ISIS cell Y: the conventional side
fires at an area and its kills grow with Y's density, the cell fires aimed shots)::

    dX/dt = -b Y,    dY/dt = -a X Y

It conserves  a X^2 - 2 b Y,  so  Y(X) = Y0 + a (X^2 - X0^2) / (2 b),  and X solves the Riccati
equation  dX/dt = -(a/2) (X^2 + K)  with  K = 2 b Y0 / a - X0^2:

    K > 0:  X(t) = sqrt(K) tan(atan(X0 / sqrt(K)) - (a/2) sqrt(K) t)     (X reaches 0 in finite time)
    K = 0:  X(t) = X0 / (1 + (a/2) X0 t)
    K < 0:  X(t) = k (1 + r) / (1 - r),  r = ((X0 - k)/(X0 + k)) exp(-a k t),  k = sqrt(-K)

If X reaches zero at t*, Y keeps Y(t*) afterwards. With a = 0 the law degenerates to dX/dt = -bY,
Y constant; with b = 0 to Y(t) = Y0 exp(-a X0 t), X constant.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Outcome:
    """Strengths of both sides after the engagement."""

    attacker: float
    defender: float


def square_law(x0: float, y0: float, a: float, b: float, t: float) -> Outcome:
    """Lanchester square law: X loses b*Y per day, Y loses a*X per day, for t days."""
    x0, y0 = max(x0, 0.0), max(y0, 0.0)
    if t <= 0 or x0 == 0 or y0 == 0:
        return Outcome(x0, y0)
    if a == 0 or b == 0:
        return Outcome(max(x0 - b * y0 * t, 0.0), max(y0 - a * x0 * t, 0.0))
    g = math.sqrt(a * b)
    rx, ry = math.sqrt(b / a), math.sqrt(a / b)
    # time at which a side is annihilated: tanh(g t) = X0/(rx Y0) for X, Y0/(ry X0) for Y
    t_x = math.atanh(x0 / (rx * y0)) / g if x0 < rx * y0 else math.inf
    t_y = math.atanh(y0 / (ry * x0)) / g if y0 < ry * x0 else math.inf
    t_end = min(t, t_x, t_y)
    c, s = math.cosh(g * t_end), math.sinh(g * t_end)
    x = x0 * c - rx * y0 * s
    y = y0 * c - ry * x0 * s
    if t_end == t_x:
        x = 0.0
    if t_end == t_y:
        y = 0.0
    return Outcome(max(x, 0.0), max(y, 0.0))


def mixed_law(x0: float, y0: float, a: float, b: float, t: float) -> Outcome:
    """Deitchman's mixed law: conventional X (area fire, a) against concealed Y (aimed fire, b)."""
    x0, y0 = max(x0, 0.0), max(y0, 0.0)
    if t <= 0 or x0 == 0 or y0 == 0:
        return Outcome(x0, y0)
    if b == 0:
        return Outcome(x0, y0 * math.exp(-a * x0 * t))
    if a == 0:
        return Outcome(max(x0 - b * y0 * t, 0.0), y0)
    k_sq = 2.0 * b * y0 / a - x0 * x0
    half_a = 0.5 * a
    if k_sq > 0:
        root = math.sqrt(k_sq)
        phase = math.atan(x0 / root)
        t_zero = phase / (half_a * root)  # X is annihilated at this time
        x = 0.0 if t >= t_zero else root * math.tan(phase - half_a * root * t)
    elif k_sq == 0:
        x = x0 / (1.0 + half_a * x0 * t)
    else:
        k = math.sqrt(-k_sq)
        r = (x0 - k) / (x0 + k) * math.exp(-a * k * t)
        x = k * (1.0 + r) / (1.0 - r)
    y = y0 + a * (x * x - x0 * x0) / (2.0 * b)
    return Outcome(max(x, 0.0), max(y, 0.0))


def area_fire_coefficient(
    base: float,
    concealment: float,
    *,
    urban: bool,
    urban_defense_factor: float,
    detected: bool,
    detected_bonus: float,
    channel_factor: float = 1.0,
    prepared: bool = False,
    prepared_defense_factor: float = 1.0,
) -> float:
    """Effective Deitchman ``a`` against one ISIS cell.

    a = base * (1 - concealment) * (detected_bonus if detected else 1)
             / (urban_defense_factor if urban else 1)
             / (prepared_defense_factor if prepared else 1) * channel_factor
    """
    a = base * (1.0 - concealment) * channel_factor
    if detected:
        a *= detected_bonus
    if urban:
        a /= urban_defense_factor
    if prepared:
        a /= prepared_defense_factor
    return a

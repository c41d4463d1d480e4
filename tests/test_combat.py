"""Combat laws: the closed forms against a numerical integration of their equations."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import solve_ivp

from sim.model.laws.lanchester import area_fire_coefficient, mixed_law, square_law


def _integrate(rhs, x0, y0, t):
    """Integrate until t, stopping when either side reaches zero."""

    def hit_x(_, s):
        return s[0]

    def hit_y(_, s):
        return s[1]

    hit_x.terminal = hit_y.terminal = True
    hit_x.direction = hit_y.direction = -1
    sol = solve_ivp(rhs, (0, t), [x0, y0], rtol=1e-10, atol=1e-10, events=[hit_x, hit_y])
    x, y = sol.y[:, -1]
    return max(x, 0.0), max(y, 0.0)


@settings(max_examples=60, deadline=None)
@given(
    x0=st.floats(1, 5000),
    y0=st.floats(1, 5000),
    a=st.floats(1e-4, 0.1),
    b=st.floats(1e-4, 0.1),
    t=st.floats(0.01, 5),
)
def test_square_law_matches_integration(x0, y0, a, b, t):
    out = square_law(x0, y0, a, b, t)
    x, y = _integrate(lambda _, s: [-b * s[1], -a * s[0]], x0, y0, t)
    assert out.attacker == pytest.approx(x, rel=1e-5, abs=1e-4)
    assert out.defender == pytest.approx(y, rel=1e-5, abs=1e-4)


@settings(max_examples=60, deadline=None)
@given(
    x0=st.floats(1, 5000),
    y0=st.floats(1, 2000),
    a=st.floats(1e-7, 1e-3),
    b=st.floats(1e-4, 0.5),
    t=st.floats(0.01, 3),
)
def test_mixed_law_matches_integration(x0, y0, a, b, t):
    out = mixed_law(x0, y0, a, b, t)
    x, y = _integrate(lambda _, s: [-b * s[1], -a * s[0] * s[1]], x0, y0, t)
    assert out.attacker == pytest.approx(x, rel=1e-5, abs=1e-4)
    assert out.defender == pytest.approx(y, rel=1e-5, abs=1e-4)


def test_square_law_conserves_its_invariant():
    a, b = 0.02, 0.01
    out = square_law(1000, 800, a, b, 0.7)
    assert a * out.attacker**2 - b * out.defender**2 == pytest.approx(
        a * 1000**2 - b * 800**2, rel=1e-9
    )


def test_square_law_annihilation_leaves_the_winner_its_remainder():
    a, b = 0.05, 0.05
    out = square_law(1000, 600, a, b, 100)
    assert out.defender == 0
    assert out.attacker == pytest.approx(math.sqrt(1000**2 - 600**2), rel=1e-9)


def test_mixed_law_conserves_its_invariant():
    a, b = 2e-5, 0.02
    out = mixed_law(2000, 150, a, b, 1.0)
    assert a * out.attacker**2 - 2 * b * out.defender == pytest.approx(
        a * 2000**2 - 2 * b * 150, rel=1e-9
    )


def test_mixed_law_guerrilla_wins_when_k_positive():
    # K = 2 b Y0 / a - X0^2 > 0: the conventional side is annihilated in finite time
    out = mixed_law(10, 500, 1e-4, 1.0, 10)
    assert out.attacker == 0
    assert out.defender == pytest.approx(500 + 1e-4 * (0 - 100) / 2.0, rel=1e-9)


def test_mixed_law_degenerate_coefficients():
    assert mixed_law(100, 50, 0.0, 0.1, 2).attacker == pytest.approx(90)
    assert mixed_law(100, 50, 1e-3, 0.0, 2).defender == pytest.approx(50 * math.exp(-0.2))
    assert mixed_law(0, 50, 1e-3, 0.1, 2).defender == 50


def test_area_fire_modifiers():
    base = area_fire_coefficient(
        1e-4, 0.5, urban=False, urban_defense_factor=2, detected=False, detected_bonus=1.5
    )
    assert base == pytest.approx(5e-5)
    assert area_fire_coefficient(
        1e-4,
        0.5,
        urban=True,
        urban_defense_factor=2,
        detected=True,
        detected_bonus=1.5,
        channel_factor=2,
    ) == pytest.approx(base * 1.5)

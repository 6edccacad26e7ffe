"""How ratios are written in the tables."""

from __future__ import annotations


def x(value: float) -> str:
    return "-" if value != value else f"{value:.2f}x"  # NaN: no pair in that run


def span(values: tuple[float, float, float]) -> str:
    """``median (min-max)`` of a ratio over the repeats."""
    low, mid, high = values
    if mid != mid:
        return "-"
    return f"{mid:.2f}x ({low:.2f}-{high:.2f})"


def mmm(values: tuple[float, float, float]) -> str:
    low, mid, high = values
    return "-" if mid != mid else f"{low:.2f} / {mid:.2f} / {high:.2f}"

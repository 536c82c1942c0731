"""Splitting a question's points among its parts, or a part's among its rubric items, so that the
shares add up to the whole exactly, in whole or half points where the whole allows it (a 5-point
question of three equal parts is 2 + 1.5 + 1.5, never 1.6667 three times with a total of 5.0001)."""

from __future__ import annotations

import math

STEP = 0.5


def split_points(weights, total: float, step: float = STEP) -> list[float]:
    weights = [float(w) for w in weights]
    whole = sum(weights)
    if not weights or whole <= 0:
        return [0.0 for _ in weights]
    units = total / step
    if abs(units - round(units)) < 1e-9 and round(units) >= len(weights):
        ideal = [w / whole * round(units) for w in weights]
        shares = [math.floor(x + 1e-9) for x in ideal]
        by_remainder = sorted(range(len(weights)), key=lambda i: (-(ideal[i] - shares[i]), i))
        for i in by_remainder[: round(units) - sum(shares)]:
            shares[i] += 1
        if all(s > 0 for s, w in zip(shares, weights) if w > 0):
            return [s * step for s in shares]
    shares = [round(w / whole * total, 4) for w in weights]
    largest = max(range(len(shares)), key=lambda i: shares[i])
    shares[largest] = round(total - (sum(shares) - shares[largest]), 4)  # the rounding residue
    return shares

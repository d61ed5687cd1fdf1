"""Do the generated lines cross? The geo tool's check that simplifying the borders kept them apart."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any, TypeVar

P = TypeVar("P", tuple[float, float], tuple[int, int])


def crossings(lines: Sequence[Sequence[P]]) -> set[tuple[int, int]]:
    """Pairs (i, j), i <= j, of lines with segments that cross or touch other than at a shared end point.

    Lines that meet only at vertices they share (neighbouring arcs at a junction, consecutive
    segments) do not count; collinear overlap does. A sweep over x keeps it near-linear.
    """
    segments = []
    for line_index, line in enumerate(lines):
        for p, q in itertools.pairwise(line):
            if p != q:
                segments.append((min(p[0], q[0]), max(p[0], q[0]), min(p[1], q[1]), max(p[1], q[1]), line_index, p, q))
    segments.sort(key=lambda s: (s[0], s[1], s[2], s[3], s[4]))
    found: set[tuple[int, int]] = set()
    active: list[tuple[Any, ...]] = []
    for segment in segments:
        min_x, _max_x, min_y, max_y, line_index, p, q = segment
        active = [a for a in active if a[1] >= min_x]
        for other in active:
            if other[3] < min_y or other[2] > max_y:
                continue
            if _segments_meet(p, q, other[5], other[6]):
                found.add((min(line_index, other[4]), max(line_index, other[4])))
        active.append(segment)
    return found


def _orientation(a: P, b: P, c: P) -> int:
    value = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
    return (value > 0) - (value < 0)


def _segments_meet(p: P, q: P, r: P, s: P) -> bool:
    """True when segments pq and rs intersect anywhere except in one end point they share."""
    shared = {p, q} & {r, s}
    o1, o2, o3, o4 = _orientation(p, q, r), _orientation(p, q, s), _orientation(r, s, p), _orientation(r, s, q)
    if shared:
        # sharing an end point is fine unless the segments also run along each other
        if len(shared) == 2:
            return True
        return o1 == o2 == 0 and _collinear_overlap(p, q, r, s)
    if o1 != o2 and o3 != o4:
        return True
    return (
        (o1 == 0 and _on_segment(p, r, q))
        or (o2 == 0 and _on_segment(p, s, q))
        or (o3 == 0 and _on_segment(r, p, s))
        or (o4 == 0 and _on_segment(r, q, s))
    )


def _on_segment(a: P, b: P, c: P) -> bool:
    return min(a[0], c[0]) <= b[0] <= max(a[0], c[0]) and min(a[1], c[1]) <= b[1] <= max(a[1], c[1])


def _collinear_overlap(p: P, q: P, r: P, s: P) -> bool:
    """For collinear segments sharing one end point: do they overlap in more than that point?"""
    common = p if p in (r, s) else q
    a = q if common == p else p
    b = s if common == r else r
    return (a[0] - common[0]) * (b[0] - common[0]) + (a[1] - common[1]) * (b[1] - common[1]) > 0

"""sitegen.frozen.frozen_dataclass behaves as @dataclass(frozen=True): the same equality, hash,
text, frozenness and fields, on classes of the shapes the package declares."""

from __future__ import annotations

import dataclasses
import math
import sys
from dataclasses import dataclass, field
from typing import Any

import pytest

from sitegen import frozen
from sitegen.frozen import frozen_dataclass

SHAPES = {
    "two fields, a default": ("a: Any\n    b: Any = 'x'\n", [(1,), (1, "y"), (math.nan, "z"), ((1, 2), None)]),
    "one field": ("a: Any\n", [(1,), (math.nan,), ((1, 2),), ("1",)]),
    "no field": ("pass\n", [()]),
    "fields left out": (
        "a: Any\n    b: Any = field(default_factory=list, compare=False, repr=False)\n"
        "    c: Any = field(default=3, hash=False)\n    d: Any = field(default=4, hash=True, compare=False)\n",
        [(1,), (1, [2]), (2, [1], 4), (2, [], 4, 5)],
    ),
}


def _pair(body: str) -> tuple[type, type]:
    made = []
    for decorator in (dataclass(frozen=True), frozen_dataclass):
        namespace: dict[str, Any] = {}
        exec(f"class C:\n    {body}", {"Any": Any, "field": field}, namespace)
        made.append(decorator(namespace["C"]))
    return made[0], made[1]


@pytest.mark.parametrize("shape", SHAPES)
def test_frozen_dataclass_is_dataclass_frozen(shape: str) -> None:
    body, arguments = SHAPES[shape]
    real, ours = _pair(body)
    reals, ourss = [real(*args) for args in arguments], [ours(*args) for args in arguments]
    for a, b in zip(reals, ourss, strict=True):
        assert repr(a) == repr(b)
        assert hash(a) == hash(b)
        for obj in (a, b):  # the same errors, with the same text
            with pytest.raises(dataclasses.FrozenInstanceError, match=r"^cannot assign to field 'a'$"):
                obj.a = 0
            with pytest.raises(dataclasses.FrozenInstanceError, match=r"^cannot delete field 'a'$"):
                del obj.a
    for i, j in ((i, j) for i in range(len(arguments)) for j in range(len(arguments))):
        assert (reals[i] == reals[j]) == (ourss[i] == ourss[j])
        assert (reals[i] != reals[j]) == (ourss[i] != ourss[j])
    assert ourss[0].__eq__(object()) is NotImplemented
    assert [f.name for f in dataclasses.fields(ours)] == [f.name for f in dataclasses.fields(real)]
    assert ours.__doc__ == real.__doc__ and ours.__match_args__ == real.__match_args__
    assert ours.__repr__.__qualname__ == "C.__repr__"
    if sys.version_info < (3, 13):  # the guards are closures (frozen._frozen_guards), not compiled from source
        assert ours.__setattr__.__code__.co_filename == ours.__delattr__.__code__.co_filename == frozen.__file__
    if arguments[0]:
        assert dataclasses.replace(ourss[0], a=5) == ours(5, *arguments[0][1:])


def test_a_recursive_value_is_shown_as_dataclasses_shows_it() -> None:
    real, ours = _pair("a: Any\n")
    a, b = real([]), ours([])
    a.a.append(a)
    b.a.append(b)
    assert repr(a) == repr(b) == "C(a=[...])"

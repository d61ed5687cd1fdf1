"""Frozen dataclasses: declared (`frozen_dataclass`), and their objects made in bulk (`made`: the
journal's records, the model's stories)."""

from __future__ import annotations

import reprlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from operator import attrgetter
from typing import Any, TypeVar

T = TypeVar("T")


def frozen_dataclass(cls: type[T]) -> type[T]:
    """`@dataclass(frozen=True)`, whose __eq__, __hash__ and __repr__ read the fields through an
    attrgetter instead of being compiled: dataclasses (Python 3.11) compiles every method it writes
    from source, some 0.1 ms each, and these three of the package's 75 classes were a tenth of the
    imports of a cold build. They return what dataclasses' own return: the same tuples of the same
    fields compared and hashed, the same text."""
    made_cls = dataclass(frozen=True, eq=False, repr=False)(cls)
    named = fields(made_cls)  # type: ignore[arg-type]
    compared = _values([f.name for f in named if f.compare])
    hashed = _values([f.name for f in named if (f.compare if f.hash is None else f.hash)])
    shown = [(f"{f.name}=", attrgetter(f.name)) for f in named if f.repr]

    def __eq__(self: Any, other: Any) -> Any:
        if other.__class__ is self.__class__:
            return compared(self) == compared(other)
        return NotImplemented

    def __hash__(self: Any) -> int:
        return hash(hashed(self))

    @reprlib.recursive_repr()
    def __repr__(self: Any) -> str:
        return self.__class__.__qualname__ + "(" + ", ".join(name + repr(get(self)) for name, get in shown) + ")"

    for method in (__eq__, __hash__, __repr__):
        assert method.__name__ not in cls.__dict__, f"{cls.__qualname__} defines {method.__name__}: use @dataclass"
        method.__qualname__ = f"{cls.__qualname__}.{method.__name__}"
        setattr(made_cls, method.__name__, method)
    return made_cls


def _values(names: Sequence[str]) -> Callable[[Any], tuple[Any, ...]]:
    """The named fields of an object, as a tuple (attrgetter of one name gives the value alone)."""
    if len(names) > 1:
        return attrgetter(*names)
    if names:
        get = attrgetter(names[0])
        return lambda obj: (get(obj),)
    return lambda obj: ()


def made(cls: type[T], values: dict[str, Any]) -> T:
    """An object of a frozen dataclass (or a class like it, with a __dict__) given every one of its
    fields, made without its __init__, which sets each field through object.__setattr__: half the
    cost of the 10,000 stories of a rebuild. `values` becomes its __dict__ as it is."""
    obj = object.__new__(cls)
    object.__setattr__(obj, "__dict__", values)
    return obj

"""Frozen dataclasses: declared (`frozen_dataclass`), and their objects made in bulk (`made`: the
journal's records, the model's stories)."""

from __future__ import annotations

import dataclasses
import reprlib
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import FrozenInstanceError, dataclass, fields
from operator import attrgetter
from typing import Any, TypeVar

T = TypeVar("T")


def frozen_dataclass(cls: type[T]) -> type[T]:
    """`@dataclass(frozen=True)`, whose __eq__, __hash__ and __repr__ read the fields through an
    attrgetter instead of being compiled: dataclasses (Python 3.11) compiles every method it writes
    from source, some 0.1 ms each, and these three of the package's 75 classes were a tenth of the
    imports of a cold build. They return what dataclasses' own return: the same tuples of the same
    fields compared and hashed, the same text."""
    with _guards_as_closures():
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


def _frozen_guards(cls: type, named: Sequence[dataclasses.Field[Any]], globals: Any) -> tuple[Callable[..., None], ...]:
    """What dataclasses' `_frozen_get_del_attr` (Python 3.11, 3.12) returns, made as closures instead
    of compiled from source: the same test, the same errors (two of the three methods it compiles
    for each frozen class: some 25 ms of every build's imports)."""
    names = tuple(f.name for f in named)

    def __setattr__(self: Any, name: str, value: Any) -> None:
        if type(self) is cls or name in names:
            raise FrozenInstanceError(f"cannot assign to field {name!r}")
        super(cls, self).__setattr__(name, value)

    def __delattr__(self: Any, name: str) -> None:
        if type(self) is cls or name in names:
            raise FrozenInstanceError(f"cannot delete field {name!r}")
        super(cls, self).__delattr__(name)

    return __setattr__, __delattr__


@contextmanager
def _guards_as_closures() -> Iterator[None]:
    """dataclasses made to use `_frozen_guards` while a class is declared, on the Pythons whose
    dataclasses take the methods that function returns (3.13 adds them to one compiled batch: left
    as it is). Another thread declaring a dataclass meanwhile gets the same methods either way."""
    if sys.version_info >= (3, 13):
        yield
        return
    original = dataclasses._frozen_get_del_attr  # type: ignore[attr-defined]
    dataclasses._frozen_get_del_attr = _frozen_guards  # type: ignore[attr-defined]
    try:
        yield
    finally:
        dataclasses._frozen_get_del_attr = original  # type: ignore[attr-defined]


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

"""Dates as precise as their source: a year, a month or a day.

An interview known only to date from 2020 is written `date: 2020` and shown as "2020"; it sorts as
1 January 2020. A date is never shown more precisely than the content file gives it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

PRECISIONS = ("year", "month", "day")
MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
          "oktober", "november", "december")  # fmt: skip


@dataclass(frozen=True, order=True)
class PartialDate:
    """A date with its precision; `start` is its first day (used for sorting and scheduling)."""

    start: dt.date
    precision: str = "day"  # one of PRECISIONS

    @property
    def end(self) -> dt.date:
        """The last day the date may mean: 31 December for a year, the month's last day for a month."""
        if self.precision == "year":
            return dt.date(self.start.year, 12, 31)
        if self.precision == "month":
            following = dt.date(self.start.year + self.start.month // 12, self.start.month % 12 + 1, 1)
            return following - dt.timedelta(days=1)
        return self.start

    def iso(self) -> str:
        """'2020', '2022-04' or '2024-02-29': valid in <time datetime>, JSON-LD and sitemaps."""
        return self.start.isoformat()[: {"year": 4, "month": 7, "day": 10}[self.precision]]

    def nl(self) -> str:
        """'2020', 'april 2022' or '29 februari 2024'."""
        return format_nl(self.start, self.precision)

    def until_nl(self) -> str:
        """The end of a period in words: 'eind 2025' for a year or 31 December, else as `nl`."""
        if self.precision == "year" or (self.start.month, self.start.day) == (12, 31):
            return f"eind {self.start.year}"
        return self.nl()


def format_nl(value: dt.date, precision: str = "day") -> str:
    if precision == "year":
        return str(value.year)
    if precision == "month":
        return f"{MONTHS[value.month - 1]} {value.year}"
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def parse_partial(text: str) -> PartialDate:
    """'2020', '2022-04' or '2024-02-29' (ValueError for anything else, or a day that does not exist)."""
    parts = text.split("-")
    if (
        not 1 <= len(parts) <= 3
        or not all(p.isdigit() for p in parts)
        or [len(p) for p in parts] != [4, 2, 2][: len(parts)]
    ):
        raise ValueError(text)
    numbers = [int(p) for p in parts] + [1] * (3 - len(parts))
    return PartialDate(dt.date(*numbers), PRECISIONS[len(parts) - 1])


# How editors in Belgium write a date when not as YYYY-MM-DD: the day first (5-1-2024, 05/01/2024,
# 5.1.2024), the year first without zeros (2024-1-5), or in words (5 januari 2024, jan. 2024).
_DAY_FIRST = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})")
_YEAR_FIRST = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_IN_WORDS = re.compile(r"(?:(\d{1,2})\.?\s+)?([a-z]+)\.?\s+(\d{4})")


def meant_date(text: str, *, partial: bool = False) -> str | None:
    """The YYYY-MM-DD (with `partial`, also YYYY-MM) that `text` most likely means, where it is a
    real date written another way; None otherwise."""
    text = text.strip().lower()
    found = _DAY_FIRST.fullmatch(text)
    if found:
        day, month, year = map(int, found.groups())
    elif found := _YEAR_FIRST.fullmatch(text):
        year, month, day = map(int, found.groups())
    elif found := _IN_WORDS.fullmatch(text):
        day_text, word, year_text = found.groups()
        months = [number for number, name in enumerate(MONTHS, 1) if name.startswith(word) and len(word) >= 3]
        if word == "mrt":
            months = [3]
        if len(months) != 1 or (day_text is None and not partial):
            return None
        year, month = int(year_text), months[0]
        if day_text is None:
            return f"{year:04d}-{month:02d}"
        day = int(day_text)
    else:
        return None
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None

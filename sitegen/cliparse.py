"""argparse in Dutch: the help and the usage errors of `build.py` are read by editors.

argparse writes its own words ("usage:", "options", "show this help message and exit") and its
errors in English. `DutchArgumentParser` titles its sections, words its help option and its usage
line in Dutch, and reports argparse's usual errors in Dutch, with the exit code argparse uses (2).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable
from typing import Any, NoReturn

# argparse's error texts (Python 3.11-3.13) and what an editor reads instead.
_ERRORS = (
    (re.compile(r"the following arguments are required: (.*)", re.S), r"dit ontbreekt nog: \1"),
    (re.compile(r"unrecognized arguments: (.*)", re.S), r"onbekend: \1"),
    (
        re.compile(r"argument (.+?): invalid choice: (.+) \(choose from (.*)\)", re.S),
        r"\1: ongeldige keuze \2 (kies uit \3)",
    ),
    (re.compile(r"argument (.+?): expected one argument", re.S), r"\1: hier hoort een waarde achter"),
    (re.compile(r"argument (.+?): invalid \w+ value: (.*)", re.S), r"\1: ongeldige waarde \2"),
    (re.compile(r"argument (.+?): ignored explicit argument (.*)", re.S), r"\1: neemt geen waarde (\2)"),
    (re.compile(r"argument (.+?): (.*)", re.S), r"\1: \2"),
)


def dutch_error(message: str) -> str:
    """argparse's error `message` in Dutch (as it is when none of the known texts matches)."""
    for pattern, dutch in _ERRORS:
        if pattern.fullmatch(message):
            return pattern.sub(dutch, message)
    return message


class _DutchFormatter(argparse.HelpFormatter):
    def add_usage(
        self, usage: str | None, actions: Iterable[argparse.Action], groups: Iterable[Any], prefix: str | None = None
    ) -> None:
        super().add_usage(usage, actions, groups, "gebruik: " if prefix is None else prefix)


class DutchArgumentParser(argparse.ArgumentParser):
    """An ArgumentParser whose help and usage errors are in Dutch (its subcommands' parsers too)."""

    def __init__(self, *args: Any, add_help: bool = True, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _DutchFormatter)
        super().__init__(*args, add_help=False, **kwargs)
        self._positionals.title = "argumenten"
        self._optionals.title = "opties"
        if add_help:
            self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help="toon deze hulp")

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: fout: {dutch_error(message)}\n")

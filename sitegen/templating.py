"""The templates' environment as compiling a template reads it (its settings and filters), and a cold
build's templates compiled ahead, on the other core.

Jinja's compiler is a sixth of the main thread of a cold build of the shipped site. build.py starts
`compile_ahead` before it imports the stages, while the second core has nothing else to do: a child
compiles every template and sends their code, marshalled; the render stage's loader takes a
template's code where the child compiled the same source (`taken_ahead`). A template the child could
not compile is compiled, and its error reported, by the render stage as before. This module imports
little (Jinja, and no stage), so that the child starts at once.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import marshal
from collections.abc import Callable, MutableMapping
from pathlib import Path
from types import CodeType
from typing import TYPE_CHECKING, Any

from jinja2 import BaseLoader, Environment, FileSystemLoader, StrictUndefined, TemplateError, select_autoescape
from markupsafe import Markup

from .dates import PartialDate, format_nl
from .memo import BYTES, Memo, Space
from .parallel import Forked, can_fork
from .urls import source_label, tel_uri

if TYPE_CHECKING:
    from .markup import RenderedMarkdown


def date_nl(value: dt.date | PartialDate, precision: str = "day") -> str:
    """'29 februari 2024'; a PartialDate, or a date with a precision, as precise as it is ('2020')."""
    if isinstance(value, PartialDate):
        return value.nl()
    return format_nl(value, precision)


def date_iso(value: dt.date | PartialDate, precision: str = "day") -> str:
    """For <time datetime>: '2020', '2022-04' or '2024-02-29'."""
    return (value if isinstance(value, PartialDate) else PartialDate(value, precision)).iso()


def _drop_empty(value: Any) -> Any:
    if isinstance(value, dict):
        kept = {key: _drop_empty(item) for key, item in value.items()}
        return {key: item for key, item in kept.items() if item not in (None, "", [], {})}
    if isinstance(value, list | tuple):
        return [_drop_empty(item) for item in value if item not in (None, "")]
    return value


def jsonld(data: dict[str, Any]) -> Markup:
    """JSON for a <script type="application/ld+json"> block; empty values are left out.

    '<', '>' and '&' become \\u escapes, so no text can close the script element or open a
    comment inside it (stronger than escaping only '</').
    """
    text = json.dumps(_drop_empty(data), ensure_ascii=False, separators=(",", ":"))
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def html(rendered: RenderedMarkdown | None) -> Markup:
    return Markup(rendered.html) if rendered else Markup("")


class SiteEnvironment(Environment):
    """An environment whose templates read its globals dict itself. Jinja gives each template a
    ChainMap over it, which every render copies, and every import compares, key by key in Python
    (a sixth of rendering a page). No template here is loaded with globals of its own; a global the
    build sets later (asset(), story_card()) still reaches every template."""

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        return super().make_globals(d) if d else self.globals


def template_environment(loader: BaseLoader) -> SiteEnvironment:
    """The environment's settings and filters: all that compiling a template reads of it."""
    env = SiteEnvironment(
        loader=loader,
        autoescape=select_autoescape(["html", "xml"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # One environment per build: its templates are not looked at on disk again for every page
        # (three stat calls a page), and kept in a dict rather than an LRU cache with a lock.
        auto_reload=False,
        cache_size=-1,
    )
    env.filters.update(
        date_nl=date_nl, date_iso=date_iso, html=html, jsonld=jsonld, source_label=source_label, tel_uri=tel_uri
    )
    return env


def compiled_code(environment: Environment, source: str, name: str, filename: str) -> CodeType:
    """The code of a template's source (as Environment._compile makes it)."""
    return compile(environment.compile(source, name, filename, raw=True), filename, "exec")


Compiled = dict[str, tuple[str, str, bytes]]
"""Per template name: the file name and source it was compiled from, and its code, marshalled."""

# Whether a build with this store has compiled templates (one entry, under the key b""): where none
# has, the next build compiles them all, and compile_ahead starts that at once.
COMPILED: Space[bytes] = Space("templates-compiled", BYTES)
_AHEAD: dict[Path, Forked[Compiled]] = {}


def compile_ahead(templates_dir: Path, memo: Memo) -> Callable[[], None]:
    """Where no build with this memo's store has compiled templates (a first build), a child that
    compiles all of them now, for the render stage to take (taken_ahead). Returns what ends that
    child where the build did not take its code (a build that failed first)."""
    if can_fork() and templates_dir not in _AHEAD and memo.recalled(COMPILED, b"") is None:
        _AHEAD[templates_dir] = Forked(functools.partial(_compile_all, templates_dir))
    return functools.partial(_let_go, templates_dir)


def _let_go(templates_dir: Path) -> None:
    ahead = _AHEAD.pop(templates_dir, None)
    if ahead is not None:
        ahead.close()


def taken_ahead(templates_dir: Path, memo: Memo) -> Callable[[], Compiled]:
    """What compile_ahead's child compiled of these templates (waits for it; {} where there is none),
    asked for once the first template is compiled; the memo's store has had templates compiled from then on."""
    ahead = _AHEAD.pop(templates_dir, None)

    @functools.cache
    def taken() -> Compiled:
        memo.keep(COMPILED, b"", b"")
        return ahead.result() if ahead is not None else {}

    return taken


def _compile_all(templates_dir: Path) -> Compiled:
    """In compile_ahead's child: each template's code (none for one that fails to compile or load)."""
    loader = FileSystemLoader(str(templates_dir))
    environment = template_environment(loader)
    done: Compiled = {}
    try:
        names = loader.list_templates()
    except OSError:
        return done
    for name in names:
        try:
            source, filename, _ = loader.get_source(environment, name)
            if filename is not None:
                done[name] = (filename, source, marshal.dumps(compiled_code(environment, source, name, filename)))
        except (OSError, UnicodeDecodeError, TemplateError):
            continue  # compiled, and reported, by the render stage
    return done

"""The templates' environment of a build: its globals, shared by every template it loads."""

from __future__ import annotations

from pathlib import Path

from jinja2 import StrictUndefined

from sitegen.memo import Memo
from sitegen.render import _RememberingLoader
from sitegen.templating import SiteEnvironment


def _environment(folder: Path) -> SiteEnvironment:
    (folder / "page.html").write_text('{% from "_m.html" import m %}{{ m() }} {{ shout("p") }}', encoding="utf-8")
    (folder / "_m.html").write_text('{% macro m() %}{{ shout("m") }}{% endmacro %}', encoding="utf-8")
    env = SiteEnvironment(loader=_RememberingLoader(folder, Memo()), undefined=StrictUndefined, cache_size=-1)
    env.globals["shout"] = str.upper
    return env


def test_templates_read_the_environments_globals_themselves(tmp_path: Path) -> None:
    env = _environment(tmp_path)
    page = env.get_template("page.html")
    assert page.globals is env.globals  # not a ChainMap that every render copies key by key
    # The build replaces globals after the templates are loaded (asset() once the map's script is
    # drawn, story_card() once the cards are made): the page and the macros it imports see them.
    env.globals["shout"] = str.lower
    assert page.render() == "m p"
    env.globals["shout"] = str.upper
    assert env.get_template("page.html").render() == "m P"  # an imported module is made once, as in Jinja


def test_a_template_loaded_with_globals_of_its_own_keeps_them_to_itself(tmp_path: Path) -> None:
    env = _environment(tmp_path)
    page = env.get_template("page.html", globals={"shout": lambda text: text + "!"})
    assert page.render() == "M p!"  # the macro it imports reads the environment's
    assert env.globals["shout"] is str.upper
    assert env.get_template("_m.html").module.m() == "M"

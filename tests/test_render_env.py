"""The templates' environment of a build: its globals, shared by every template it loads."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT
from jinja2 import FileSystemLoader, StrictUndefined

from sitegen.memo import Memo
from sitegen.render import _RememberingLoader
from sitegen.templating import SiteEnvironment, template_environment
from sitegen.urls import source_label


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


@pytest.mark.parametrize(
    ("url", "label"),
    [
        ("https://www.igs.example/word-vrijwilliger", "igs.example/word-vrijwilliger"),
        ("https://igs.example/", "igs.example"),
        ("https://igs.example/nieuws/2024/", "igs.example/nieuws/2024"),  # short enough as it is
        (
            "https://www.vlaanderen.example/cjm/nl/cultuur/subsidies/werkingssubsidie-voor-samenwerkingsverbanden",
            "vlaanderen.example/…/werkingssubsidie-voor-samenwerkingsverbanden",
        ),
        ("https://igs.example/lijst?pagina=2#leden", "igs.example/lijst?pagina=2#leden"),  # two pages stay two
        ("https://igs.example/" + "a" * 70, "igs.example/" + "a" * 70),  # one part: nothing to leave out
    ],
)
def test_a_source_is_labelled_by_its_host_and_last_part(url: str, label: str) -> None:
    assert source_label(url) == label


def test_the_sources_list_links_the_full_address_under_its_label() -> None:
    env = template_environment(FileSystemLoader(ROOT / "templates"))
    url = "https://www.vlaanderen.example/cjm/nl/cultuur/subsidies/werkingssubsidie-voor-samenwerkingsverbanden"
    html = str(env.get_template("_macros.html").module.sources_list([url]))
    assert (
        f'<a href="{url}" rel="noopener">vlaanderen.example/…/werkingssubsidie-voor-samenwerkingsverbanden</a>' in html
    )

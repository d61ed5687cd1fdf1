"""The templates compiled ahead (templating.compile_ahead): where no build with the memo's store has
compiled templates, a child compiles them all while the build imports its stages, and the render
stage takes the code of each template whose source it compiled; a template it cannot compile (or
whose source changed since) is compiled, and its error raised, in the build's own process."""

from __future__ import annotations

import marshal
import shutil
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE
from jinja2 import TemplateSyntaxError

from sitegen import render, templating
from sitegen.memo import Memo
from sitegen.parallel import workers
from sitegen.stores import MemoryStore
from sitegen.templating import SiteEnvironment, compile_ahead, template_environment

pytestmark = pytest.mark.skipif(workers() < 2, reason="needs two cores to fork")


def _environment(folder: Path, memo: Memo) -> SiteEnvironment:
    return template_environment(render._RememberingLoader(folder, memo))


def _code(env: SiteEnvironment, name: str) -> bytes:
    return marshal.dumps(env.get_template(name).root_render_func.__code__)


@pytest.fixture
def compiled_here(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The templates the build's process compiles itself (a forked child counts in its own copy)."""
    names: list[str] = []
    compile_here = render.compiled_code

    def counting(environment, source, name, filename):  # type: ignore[no-untyped-def]
        names.append(name)
        return compile_here(environment, source, name, filename)

    monkeypatch.setattr(render, "compiled_code", counting)
    return names


def test_the_build_takes_the_code_the_child_compiled(compiled_here: list[str]) -> None:
    templates = ROOT / "templates"
    here = _environment(templates, Memo())
    names = here.list_templates()
    expected = {name: _code(here, name) for name in names}
    compiled_here.clear()
    compile_ahead(templates, Memo())
    env = _environment(templates, Memo())
    assert {name: _code(env, name) for name in names} == expected
    assert compiled_here == []


def test_a_template_the_child_cannot_compile_or_that_changed_is_compiled_here(
    tmp_path: Path, compiled_here: list[str]
) -> None:
    (tmp_path / "good.html").write_text("<p>{{ 1 + 2 }}</p>\n", encoding="utf-8")
    (tmp_path / "edited.html").write_text("<p>oud</p>\n", encoding="utf-8")
    (tmp_path / "broken.html").write_text("<p>\n{% if %}\n</p>\n", encoding="utf-8")
    compile_ahead(tmp_path, Memo())
    env = _environment(tmp_path, Memo())
    assert env.get_template("good.html").render() == "<p>3</p>\n"
    (tmp_path / "edited.html").write_text("<p>nieuw</p>\n", encoding="utf-8")  # after the child read it
    assert env.get_template("edited.html").render() == "<p>nieuw</p>\n"
    with pytest.raises(TemplateSyntaxError) as raised:
        env.get_template("broken.html")
    assert raised.value.lineno == 2 and raised.value.name == "broken.html"
    assert compiled_here == ["edited.html", "broken.html"]


def test_no_child_once_a_build_with_the_store_has_compiled_templates(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    memo = Memo(MemoryStore())
    compile_ahead(templates, memo)
    assert templates in templating._AHEAD
    _environment(templates, memo).get_template("page.html")
    assert templating._AHEAD == {}
    memo.finish(success=True)
    compile_ahead(templates, memo)
    assert templating._AHEAD == {}  # the next build compiles what changed, in process


def test_a_build_that_fails_before_render_ends_the_child(run_cli, tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(SAMPLE / "content", content)
    (content / "site.yaml").write_text("title: [\n", encoding="utf-8")
    code, _, err = run_cli(
        "build", "--content", str(content), "--output", str(tmp_path / "out"), "--cache", str(tmp_path / "cache")
    )
    assert code == 1 and "site.yaml" in err
    assert templating._AHEAD == {}

"""Hostile input, second round (issue 11 items 4, 5, 7, 8): Markdown that would take hours to
render, a preview server reachable through DNS rebinding, values that slip through validation,
and names that collide or hide what they are.

Error cases run like those of test_hostile.py: the build must exit 1 with the exact
`path:line:col: message` line, within a time bound, and leave the previous output as it was.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from conftest import SAMPLE, tree_bytes
from test_hostile import Case, _build, _check_article, article, igs, previous_output, write

from sitegen.markup import MAX_NESTING, markdown_problems, render_markdown

__all__ = ["previous_output"]  # the fixture, shared with test_hostile.py

BODY_LINE = 7  # article(): the body starts on the line after the closing '---'


def nested_list(levels: int) -> str:
    return "".join("    " * i + "- punt\n" for i in range(levels))


CASES = [
    # --- item 4: Markdown whose rendering time grows with the square of its size
    Case(
        "markdown-stray-brackets",
        write("articles/haakjes.md", article("Haakjes", "Inleiding.\n\n" + "[" * 20_000 + "\n")),
        f"content/articles/haakjes.md:{BODY_LINE + 2}:1: te veel haakjes '[', '(' of '<' zonder sluitend haakje",
        seconds=10,  # before: 217 s
    ),
    Case(
        "markdown-twelve-kilobytes",
        write("articles/tekst.md", article("Tekst", "Goed.\n\nNog goed.\n\nHier [a " + "[a " * 4000 + "\n")),
        f"content/articles/tekst.md:{BODY_LINE + 4}:6: te veel haakjes",
        seconds=10,
    ),
    Case(
        "markdown-angle-brackets",
        write("pages/hoeken.md", article("Hoeken", "<a " * 20_000 + "\n").replace("type: news\n", "")),
        "content/pages/hoeken.md:6:1: te veel haakjes",
        seconds=10,
    ),
    Case(
        "markdown-links-without-end",
        write("articles/links.md", article("Links", "[a](" * 10_000 + "\n")),
        f"content/articles/links.md:{BODY_LINE}:4: te veel haakjes",
        seconds=10,
    ),
    Case(
        "markdown-brackets-in-yaml-field",
        write("igs/haakjes.yaml", igs("Haakjes", "description: |\n  " + "[`" * 10_000 + "\n")),
        "content/igs/haakjes.yaml:6:14: 'description': te veel haakjes",
        seconds=10,
    ),
    Case(
        "markdown-deep-list",
        write("articles/diep.md", article("Diep", "Lijst:\n\n" + nested_list(300))),
        f"content/articles/diep.md:{BODY_LINE + 2 + MAX_NESTING}:1: de tekst is te diep genest",
        seconds=10,  # before: a RecursionError traceback
    ),
    Case(
        "markdown-deep-quote",
        write("articles/citaat.md", article("Citaat", ">" * 5000 + " diep\n")),
        f"content/articles/citaat.md:{BODY_LINE}:1: de tekst is te diep genest",
        seconds=10,
    ),
    Case(
        "markdown-many-links-and-escaped-brackets",
        write(
            "articles/veel-links.md",
            article(
                "Veel links",
                "".join(f"- [Bron {i}](https://bron.example/{i}/) (zie ook [hier](/igs/noord/))\n" for i in range(2000))
                + "\n"
                + "\\[ " * 20_000
                + "\n\nEen vergelijking: a < b, en [een losse] haak.\n",
            ),
        ),
        check=_check_article("veel-links", "Bron 1999</a>", "[ [ [", "a &lt; b"),
        seconds=60,
    ),
]

ERROR_CASES = [case for case in CASES if case.error]
SITE_CASES = [case for case in CASES if not case.error]


@pytest.mark.parametrize("case", ERROR_CASES, ids=[case.id for case in ERROR_CASES])
def test_hostile_input_is_reported(
    case: Case, run_cli, previous_output: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = tmp_path / "content"
    shutil.copytree(SAMPLE / "content", content)
    case.setup(content)
    out = tmp_path / "site"
    shutil.copytree(previous_output, out)
    before = tree_bytes(out)
    monkeypatch.chdir(tmp_path)
    started = time.perf_counter()
    code, _, err = run_cli("build", "--content", "content", "--output", "site")
    elapsed = time.perf_counter() - started
    assert elapsed < case.seconds, f"took {elapsed:.1f} s"
    assert code == 1, err
    location, _, words = case.error.partition(": ")
    reported = [line for line in err.splitlines() if line.startswith(f"{location}: ")]
    assert any(words in line for line in reported), err
    assert err.splitlines()[-1].startswith("Build mislukt:")
    assert tree_bytes(out) == before


@pytest.mark.parametrize("case", SITE_CASES, ids=[case.id for case in SITE_CASES])
def test_hostile_input_builds_a_correct_site(case: Case, tmp_path: Path) -> None:
    assert case.check is not None
    content = tmp_path / "content"
    shutil.copytree(SAMPLE / "content", content)
    case.setup(content)
    started = time.perf_counter()
    result = _build(content, tmp_path / "site")
    elapsed = time.perf_counter() - started
    assert result.returncode == 0, result.stderr
    assert elapsed < case.seconds, f"took {elapsed:.1f} s"
    case.check(tmp_path / "site")


def _largest_accepted(unit: str) -> str:
    """`unit` repeated as often as the pre-check allows."""
    low, high = 1, 1_000_000 // len(unit)
    while low < high:
        middle = (low + high + 1) // 2
        low, high = (low, middle - 1) if markdown_problems(unit * middle) else (middle, high)
    return unit * low


@pytest.mark.parametrize(
    "unit",
    ["[", "[a ", "<a ", "[[a]", "[`", "[a](", "[a " * 100 + "\n\n"],
    ids=["brackets", "words", "angles", "nested", "code", "unclosed-links", "paragraphs"],
)
def test_markdown_within_the_budget_renders_quickly(unit: str) -> None:
    """The largest inputs the pre-check lets through still render in about a second at most."""
    text = _largest_accepted(unit)
    assert len(text) > 1000
    started = time.perf_counter()
    render_markdown(text, "/")
    assert time.perf_counter() - started < 10  # a quadratic blow-up would take minutes


def test_markdown_precheck_is_linear() -> None:
    started = time.perf_counter()
    assert markdown_problems("[a " * 300_000)  # 900 kB, near the largest file allowed
    assert time.perf_counter() - started < 5

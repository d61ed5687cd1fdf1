"""YAML through libyaml gives exactly what the positioned pure-Python parse gives: the same data,
positions, raw scalars and (Dutch) errors, for real files and for damaged copies of them."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sitegen import yamlsrc

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(yamlsrc._NATIVE_LOADER is None, reason="PyYAML without libyaml")


def _yaml_texts() -> list[str]:
    texts = []
    for folder in ("content", "tests"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix in (".yaml", ".yml"):
                texts.append(path.read_text(encoding="utf-8", errors="replace"))
            elif path.suffix == ".md":
                parts = path.read_text(encoding="utf-8", errors="replace").split("---\n")
                if len(parts) >= 3:
                    texts.append(parts[1])
    return texts


TEXTS = _yaml_texts()


def _outcome(text: str, *, native: bool) -> tuple:
    saved = yamlsrc._NATIVE_LOADER
    yamlsrc._NATIVE_LOADER = yaml.CSafeLoader if native else None
    try:
        doc, errors = yamlsrc.parse_yaml(text, "x.yaml", line_offset=1)
    finally:
        yamlsrc._NATIVE_LOADER = saved
    return (
        repr(doc.data),  # repr: a NaN is not equal to itself
        dict(doc.value_pos),
        dict(doc.key_pos),
        dict(doc.raw_scalars),
        [(e.message, e.path, e.line, e.col, e.hint) for e in errors],
    )


def test_there_are_real_files_to_compare() -> None:
    assert len(TEXTS) > 20


@pytest.mark.parametrize("text", TEXTS, ids=range(len(TEXTS)))
def test_real_files_parse_the_same_both_ways(text: str) -> None:
    assert _outcome(text, native=True) == _outcome(text, native=False)


SNIPPETS = [
    "naam: Zuid\nnaam: Noord\n",
    "a: &x 1\nb: *x\n",
    "a: *x\n",
    "kleur: #1b6e8a\n",
    "a: !!python/object:os.system x\nb: !eigen y\n",
    "a:\tb\n",
    "a: 'open\n",
    "lijst: [a, b\n",
    "- a\n-b\n- c\n",
    "a: 1\n---\nb: 2\n",
    "datum: 2025-02-30\ngetal: 0x1F\nja: yes\nnul: ~\nf: .nan\n",
    "a: “gekruld”\n",
    "a:\n  b:\n c: 1\n",
    "[" * 40 + "]" * 40,
    "? [a, b]\n: c\n",
    "<<: {a: 1}\n",
    "\ufeffnaam: bom\r\nregio: x\r\n",
    "tekst: |\n  regel één\n  regel twee\nandere: >\n  gevouwen\n",
    "a: b: c\n",
    "",
    "# alleen commentaar\n",
    "!\n",
    "a: !\nb: ! x\n",
    "%YAML 1.1\n---\na: 1\n",
    "a: 1\n...\n",
    "tekst: Welkom! Kom binnen?\n",
    "|# name: Regio\n# province: Limburg\n",
    "tekst: >-# x\n  y\n",
    "tags: [fusie?s, x]\n",  # libyaml reads a plain 'fusie?s'; PyYAML stops at the '?'
    "a: {b: c?d}\n",
    "tekst: Wat is een IGS? Lees verder.\n",  # a sentence's '?' stays on the native path
    "a:\n  b: Waarom? Daarom.\n  c: [x, y]\n",
    "a: {b: Waarom? Daarom}\n",
    "a: [Waarom?, x]\n",
    "a: 'vraag'? x\n",
    'a: "vraag"?\n',
    "a: [b]? c\n",
    "- ? a\n  : b\n",
    "a:\n  ? b\n  : c\n",
    "tekst: regel\n  ? vervolg\n",
    "tekst: regel\n  vervolg? ja\n",
]


@pytest.mark.parametrize("text", SNIPPETS, ids=range(len(SNIPPETS)))
def test_known_hard_cases_parse_the_same_both_ways(text: str) -> None:
    assert _outcome(text, native=True) == _outcome(text, native=False)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(TEXTS),
    st.lists(
        st.tuples(
            st.floats(0, 1),
            st.integers(0, 3),
            st.sampled_from(list(":- \n'\"[]{}#&*!?|\té%")),
        ),
        min_size=1,
        max_size=4,
    ),
)
def test_damaged_files_parse_the_same_both_ways(text: str, edits: list[tuple[float, int, str]]) -> None:
    for where, removed, inserted in edits:
        at = int(where * len(text))
        text = text[:at] + inserted + text[at + removed :]
    assert _outcome(text, native=True) == _outcome(text, native=False)


def test_native_path_is_taken_for_ordinary_files() -> None:
    assert yamlsrc._native_node("naam: Zuid\n") is not yamlsrc._REFUSED
    assert yamlsrc._native_node("a: &x 1\n") is yamlsrc._REFUSED
    assert yamlsrc._native_node("a:\tb\n") is yamlsrc._REFUSED
    assert yamlsrc._native_node("a:\n  b: Wat is een IGS? Lees verder.\n") is not yamlsrc._REFUSED
    assert yamlsrc._native_node("? a\n: b\n") is yamlsrc._REFUSED


def test_without_libyaml_the_pure_python_path_gives_the_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlsrc, "_NATIVE_LOADER", None)
    doc, errors = yamlsrc.parse_yaml("naam: Zuid\nnaam: Noord\n", "x.yaml")
    assert doc.data == {"naam": "Zuid"}
    assert [(e.line, e.col) for e in errors] == [(2, 1)]
    assert "staat twee keer" in errors[0].message


NESTING = st.lists(
    st.sampled_from(["a: ", "- ", "-", ":", "[", "]", "{", "}", ", ", "x", "'", "\n", "\n  ", "\n    ", " ", "\r"]),
    max_size=120,
).map("".join)


@settings(max_examples=500, deadline=None)
@given(NESTING)
def test_tokens_are_checked_wherever_they_could_be_refused(text: str) -> None:
    """The scan for refused tokens is left out only where it could not refuse one."""
    try:
        refused = yamlsrc._checked_tokens(text, yaml.CSafeLoader)[0] is not None
    except yaml.YAMLError:
        refused = False  # a syntax error: composing finds it as well
    assert yamlsrc._needs_checked_tokens(text) or not refused


@pytest.mark.parametrize(
    "text",
    [
        "a: " + "[" * (yamlsrc.MAX_DEPTH + 1) + "]" * (yamlsrc.MAX_DEPTH + 1) + "\n",
        "".join(f"{'  ' * level}k{level}:\n" for level in range(yamlsrc.MAX_DEPTH + 1)) + "  " * 33 + "x: 1\n",
        "- " * (yamlsrc.MAX_DEPTH + 1) + "x\n",
    ],
    ids=["flow", "block-mappings", "compact-sequences"],
)
def test_nesting_just_over_the_limit_is_refused_both_ways(text: str) -> None:
    outcome = _outcome(text, native=True)
    assert outcome == _outcome(text, native=False)
    assert "te diep genest" in outcome[-1][0][0]

"""Property-based tests: whatever the input, the loaders and validators end in data or content errors.

The budget is fixed and the runs are derandomized, so CI sees the same examples every time
(seconds, not minutes). Any exception other than a returned ContentError list fails the test.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sitegen.errors import ContentError
from sitegen.load import RawContent, parse_markdown_source, read_text
from sitegen.schema import IGS_FILE
from sitegen.validate import validate_content
from sitegen.yamlsrc import YamlDoc, parse_yaml

BUDGET = settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])

# Text that looks like YAML: keys, colons, indents, quotes, flow brackets, tags, anchors, dashes.
YAML_PIECES = st.sampled_from(
    [
        "name", "province", "summary", "municipalities", ":", ": ", "\n", "  ", "- ", "---", "...", "'", '"', "[",
        "]", "{", "}", ",", "#", "&a ", "*a", "!!str ", "!!python/object:os.system ", "!x ", "? ", "|", ">", "\t",
        "2023-02-29", "1e400", "yes", "~", "\ufeff", "\u202e", "\x00", "\r", "%YAML 1.1", "<<: ", "Limburg", "é",
    ]
)  # fmt: skip
yaml_like = st.lists(st.one_of(YAML_PIECES, st.text(max_size=8)), max_size=40).map("".join)
plain_data = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20) | st.dates(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=20,
)


_NO_SITE = YamlDoc("content/site.yaml", None)


def _errors_are_content_errors(errors: list[ContentError], src_path: str) -> None:
    for error in errors:
        assert isinstance(error, ContentError)
        assert error.path == src_path
        assert error.message
        assert error.line >= 0 and error.col >= 0


@BUDGET
@given(yaml_like)
def test_parse_yaml_returns_a_document_or_errors(text: str) -> None:
    doc, errors = parse_yaml(text, "content/igs/x.yaml")
    assert isinstance(doc, YamlDoc)
    _errors_are_content_errors(errors, "content/igs/x.yaml")


@BUDGET
@given(st.text(max_size=200))
def test_parse_yaml_on_any_text(text: str) -> None:
    doc, errors = parse_yaml(text, "x.yaml", line_offset=1)
    assert isinstance(doc, YamlDoc)
    _errors_are_content_errors(errors, "x.yaml")


@BUDGET
@given(st.lists(st.one_of(st.sampled_from(["---", "--- ", "\n", "title: x", "a: [", "- b"]), yaml_like), max_size=12))
def test_parse_markdown_source_returns_a_source_or_errors(parts: list[str]) -> None:
    source, errors = parse_markdown_source("\n".join(parts), "content/articles/x.md")
    if source is None:
        assert errors  # no source without a reason
    _errors_are_content_errors(errors, "content/articles/x.md")
    if source is not None:
        assert source.body_line >= 3


@BUDGET
@given(st.binary(max_size=300))
def test_read_text_on_arbitrary_bytes(tmp_path_factory, data: bytes) -> None:
    path = Path(tmp_path_factory.mktemp("bytes")) / "x.yaml"
    path.write_bytes(data)
    errors: list[ContentError] = []
    text = read_text(path, errors)
    if text is None:
        assert len(errors) == 1
    else:
        assert errors == []
        assert "\r" not in text and "\x00" not in text
        assert not text.startswith("\ufeff")


@BUDGET
@given(plain_data)
def test_validators_on_arbitrary_data(data: object) -> None:
    """An IGS file with any YAML-ish content: normalised data or errors, nothing else."""
    doc = YamlDoc("content/igs/x.yaml", data)
    raw = RawContent(Path("content"), _NO_SITE, (("x", doc),), (), (), ())
    valid, errors = validate_content(raw, None, lambda name: "")
    assert valid is None  # site.yaml is missing, so the content is never valid
    assert all(isinstance(e, ContentError) for e in errors)


@BUDGET
@given(st.dictionaries(st.sampled_from([f.name for f in IGS_FILE.fields]), plain_data, max_size=12))
def test_validators_on_igs_shaped_data(data: dict[str, object]) -> None:
    doc = YamlDoc("content/igs/x.yaml", data)
    raw = RawContent(Path("content"), _NO_SITE, (("x", doc),), (), (), ())
    _, errors = validate_content(raw, None, lambda name: "")
    assert all(isinstance(e, ContentError) for e in errors)


@BUDGET
@given(yaml_like)
def test_parsed_yaml_then_validated(text: str) -> None:
    """The two stages chained on the same YAML-ish text, as the build runs them."""
    doc, errors = parse_yaml(text, "content/igs/x.yaml")
    raw = RawContent(Path("content"), _NO_SITE, (("x", doc),), (), (), (), errors=tuple(errors))
    _, found = validate_content(raw, None, lambda name: "")
    assert found  # at least site.yaml's absence
    assert all(isinstance(e, ContentError) for e in found)

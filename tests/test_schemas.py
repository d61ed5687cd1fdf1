"""The JSON Schemas in schemas/: generated from sitegen/schema.py, in sync, and true to the content."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from conftest import ROOT, SAMPLE

from sitegen.jsonschema import SCHEMA_FILES, schema_texts
from sitegen.load import load_content, parse_markdown_source
from sitegen.memo import Memo

SCHEMAS = ROOT / "schemas"
CONTENT = ROOT / "content"


def _plain(value: Any) -> Any:
    """YAML data as the YAML extension sees it: dates are text (YAML 1.2 has no date type)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _validator(name: str) -> jsonschema.Draft7Validator:
    schema = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)


def _front_matter(path: Path) -> Any:
    source, errors = parse_markdown_source(path.read_text(encoding="utf-8"), path.name)
    assert source is not None and not errors, errors
    return source.front.data


def _content_cases(content: Path) -> list[tuple[str, str, Any]]:
    """(schema file, content file, data) for every content file in `content`."""
    cases = [("site.schema.json", "site.yaml", yaml.safe_load((content / "site.yaml").read_text(encoding="utf-8")))]
    for path in sorted((content / "igs").glob("*.yaml")):
        cases.append(("igs.schema.json", f"igs/{path.name}", yaml.safe_load(path.read_text(encoding="utf-8"))))
    for path in sorted((content / "articles").glob("*.md")):
        cases.append(("article.schema.json", f"articles/{path.name}", _front_matter(path)))
    for path in sorted((content / "pages").glob("*.md")):
        cases.append(("page.schema.json", f"pages/{path.name}", _front_matter(path)))
    return cases


def test_committed_schemas_match_the_content_model() -> None:
    expected = schema_texts()
    assert sorted(expected) == sorted(name for name, _, _, _ in SCHEMA_FILES)
    committed = {path.name for path in SCHEMAS.glob("*.json")}
    assert committed == set(expected), "run: python build.py schemas"
    for name, text in expected.items():
        assert (SCHEMAS / name).read_text(encoding="utf-8") == text, (
            f"schemas/{name} is out of date with sitegen/schema.py; run: python build.py schemas"
        )


@pytest.mark.parametrize("name", [name for name, _, _, _ in SCHEMA_FILES])
def test_schemas_are_valid_draft_07(name: str) -> None:
    schema = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is False


@pytest.fixture(params=["shipped", "edited", "sample"])
def any_content(request: pytest.FixtureRequest) -> Path:
    """The shipped content, a copy with an editor's typical changes, and the sample site."""
    if request.param == "edited":
        return request.getfixturevalue("edited_content")
    return CONTENT if request.param == "shipped" else SAMPLE / "content"


def test_all_valid_content_is_valid_for_the_schemas(any_content: Path) -> None:
    cases = _content_cases(any_content)
    # Every file the build reads is checked, draft or not (the build's own reader says which they are).
    raw = load_content(any_content, Memo())
    read = {"site.yaml"} | {f"igs/{slug}.yaml" for slug, _ in raw.igs}
    read |= {f"articles/{slug}.md" for slug, _ in raw.articles} | {f"pages/{slug}.md" for slug, _ in raw.pages}
    assert {rel for _, rel, _ in cases} == read
    problems = []
    for schema_name, rel, data in cases:
        for error in _validator(schema_name).iter_errors(_plain(data)):
            problems.append(f"content/{rel}: {'/'.join(map(str, error.absolute_path))}: {error.message}")
    assert not problems, "\n".join(problems)


def test_the_sample_site_exercises_every_schema() -> None:
    """What the sample site holds is fixed: one site.yaml, two IGS'en, three articles, one page."""
    kinds = [schema for schema, _, _ in _content_cases(SAMPLE / "content")]
    assert {schema: kinds.count(schema) for schema in kinds} == {
        "site.schema.json": 1,
        "igs.schema.json": 2,
        "article.schema.json": 3,
        "page.schema.json": 1,
    }
    assert set(kinds) == {name for name, _, _, _ in SCHEMA_FILES}


VALID_IGS: dict[str, Any] = {
    "name": "West",
    "province": "West-Vlaanderen",
    "municipalities": ["Brugge", "Damme"],
    "summary": "Twee gemeenten.",
}


@pytest.mark.parametrize(
    ("change", "keyword"),
    [
        ({"sumary": "x"}, "additionalProperties"),
        ({"province": "Brabant"}, "anyOf"),
        ({"name": None}, "type"),
        ({"name": "  "}, "pattern"),
        ({"summary": "x" * 301}, "maxLength"),
        ({"website": "http://west.be"}, "pattern"),
        ({"website": "www.west.be"}, "pattern"),
        ({"email": "info@west"}, "pattern"),
        ({"color": "rood"}, "pattern"),
        ({"municipalities": "Brugge"}, "type"),
        ({"recognition": {"from": "01/01/2020", "until": "2025-12-31"}}, "pattern"),
        ({"recognition": {"from": "2020-01-01"}}, "required"),
        ({"recognition": {"from": "2020-01-01", "until": "2025-02-30"}}, "format"),
        ({"coordinator": {"name": "Jan", "photo": "foto.jpg"}}, "pattern"),
        ({"projects": [{"title": "X", "url": "//elders.example/"}]}, "pattern"),
        ({"members_complete": "nee"}, "type"),
    ],
)
def test_igs_schema_rejects_mistakes(change: dict[str, Any], keyword: str) -> None:
    data = {**VALID_IGS, **change}
    errors = list(_validator("igs.schema.json").iter_errors(data))
    assert keyword in {e.validator for e in errors}, [e.message for e in errors]
    key = next(iter(change))
    where = () if keyword == "additionalProperties" else (key,)
    assert {tuple(e.absolute_path)[:1] for e in errors} == {where}


def test_required_fields_and_optional_empty_values() -> None:
    validator = _validator("igs.schema.json")
    assert not list(validator.iter_errors({**VALID_IGS, "website": None, "color": None, "aliases": None}))
    missing = {e.message for e in validator.iter_errors({"name": "West"})}
    assert missing == {f"'{name}' is a required property" for name in ("province", "municipalities", "summary")}


def test_article_schema_dates_slugs_and_enums() -> None:
    validator = _validator("article.schema.json")
    article = {"title": "T", "type": "news", "date": "2024-01-01", "summary": "S"}
    assert not list(validator.iter_errors({**article, "igs": "co7"}))
    assert not list(validator.iter_errors({**article, "igs": ["co7", "ginter"]}))
    assert list(validator.iter_errors({**article, "igs": "CO 7"}))
    assert list(validator.iter_errors({**article, "igs": []}))
    assert list(validator.iter_errors({**article, "type": "nieuws"}))
    assert list(validator.iter_errors({**article, "date": "1 maart 2024"}))
    assert list(validator.iter_errors({**article, "draft": "ja"}))


def test_descriptions_are_dutch_and_come_from_the_model() -> None:
    from sitegen.schema import IGS_FILE

    schema = json.loads((SCHEMAS / "igs.schema.json").read_text(encoding="utf-8"))
    for field in IGS_FILE.fields:
        assert schema["properties"][field.name]["description"].startswith(field.description)
    assert schema["properties"]["website"]["patternErrorMessage"].startswith("Een volledig webadres")


def test_schemas_command_rewrites_a_stale_file(run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import build

    monkeypatch.setattr(build, "ROOT", tmp_path)
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "igs.schema.json").write_text("{}\n")
    code, out, _ = run_cli("schemas")
    assert code == 0
    assert "schemas/igs.schema.json: bijgewerkt" in out
    assert {p.name: p.read_text() for p in (tmp_path / "schemas").iterdir()} == schema_texts()
    code, out, _ = run_cli("schemas")
    assert out.count("ongewijzigd") == 4


def test_vscode_maps_the_schemas_to_the_content_files() -> None:
    settings = json.loads((ROOT / ".vscode" / "settings.json").read_text(encoding="utf-8"))
    mapping = settings["yaml.schemas"]
    assert mapping == {
        "./schemas/igs.schema.json": "content/igs/*.yaml",
        "./schemas/site.schema.json": "content/site.yaml",
    }
    for schema_path in mapping:
        assert (ROOT / schema_path).is_file()
    extensions = json.loads((ROOT / ".vscode" / "extensions.json").read_text(encoding="utf-8"))
    assert "redhat.vscode-yaml" in extensions["recommendations"]

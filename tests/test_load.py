"""load.py is the one door through which the build reads content/, the generated geo/ files included."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE

from sitegen import load, pipeline
from sitegen.options import BuildOptions


def test_load_content_reads_the_generated_geo_files() -> None:
    raw = load.load_content(SAMPLE / "content", pipeline.Memo())
    for file, rel in ((raw.register, load.REGISTER_REL_PATH), (raw.topology, load.TOPOLOGY_REL_PATH)):
        assert file is not None and file.problem is None
        assert file.text == (SAMPLE / "content" / rel).read_text(encoding="utf-8")


def test_a_missing_geo_file_is_reported_as_before(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    content = tmp_path / "content"
    shutil.copytree(SAMPLE / "content", content)
    (content / load.TOPOLOGY_REL_PATH).unlink()
    monkeypatch.chdir(tmp_path)
    raw = load.load_content(content, pipeline.Memo())
    assert raw.topology is not None and raw.topology.problem is not None
    assert str(raw.topology.problem).startswith("content/geo/topology.json: kaartgeometrie niet gevonden of onleesbaar")
    # The model needs only the register: the topology's problem stops a build, not the validation.
    options = BuildOptions(content, ROOT / "templates", ROOT / "assets")
    assert pipeline.load_and_validate(options).title
    with pytest.raises(pipeline.ContentErrors) as caught:
        pipeline.build_files(options)
    assert [error.path for error in caught.value.errors] == ["content/geo/topology.json"]


def test_the_build_reads_content_only_through_load_content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With content/ moved away right after load_content has read it, the build still gives the same
    bytes: no later stage opens a file under content/ on its own (as pipeline.py once did for geo/)."""
    content = tmp_path / "content"
    shutil.copytree(SAMPLE / "content", content)
    monkeypatch.chdir(tmp_path)
    options = BuildOptions(content, ROOT / "templates", ROOT / "assets")
    _, expected = pipeline.build_files(options)
    real_load = pipeline.load_content

    def load_then_move(
        content_dir: Path, memo: pipeline.Memo, journal: load.Journal, changed: None, states: None
    ) -> load.RawContent:
        raw = real_load(content_dir, memo, journal, changed, states)
        content_dir.rename(tmp_path / "gone")
        return raw

    monkeypatch.setattr(pipeline, "load_content", load_then_move)
    _, files = pipeline.build_files(options)
    assert not content.exists()
    assert files == expected

"""On GitHub Actions, content errors reach the pull request: annotations on the line, a Dutch summary."""

from __future__ import annotations

from pathlib import Path

import pytest

from sitegen.errors import LINKS_NOT_CHECKED, ContentError, github_annotation, step_summary


@pytest.fixture
def on_github(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    summary = tmp_path / "step-summary.md"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    return summary


def _break(content: Path) -> None:
    igs = content / "igs" / "noord.yaml"
    igs.write_text(igs.read_text().replace("province: Antwerpen", "province: Antwerp"))
    article = content / "articles" / "project-x.md"
    article.write_text(article.read_text().replace("igs: [noord]", "igs: [nord]"))


def test_check_prints_each_error_as_an_annotation_on_its_line(run_cli, content: Path, on_github: Path) -> None:
    _break(content)
    code, out, err = run_cli("check", "--content", "content")
    assert code == 1
    annotations = [line for line in out.splitlines() if line.startswith("::")]
    assert annotations == [
        "::error file=content/articles/project-x.md,line=5,col=7,title=Fout in de inhoud::onbekend IGS 'nord'"
        " — bedoelde je 'noord'?",
        "::error file=content/igs/noord.yaml,line=2,col=11,title=Fout in de inhoud::ongeldige waarde 'Antwerp'"
        " voor 'province' — bedoelde je 'Antwerpen'? (toegelaten: Antwerpen, Limburg, Oost-Vlaanderen,"
        " Vlaams-Brabant, West-Vlaanderen)",
    ]
    assert "content/igs/noord.yaml:2:11: ongeldige waarde 'Antwerp'" in err, "the readable report stays"
    summary = on_github.read_text(encoding="utf-8")
    assert summary.startswith("### ❌ Controle van de inhoud: 2 fouten\n")
    assert "- `content/igs/noord.yaml:2:11`: ongeldige waarde 'Antwerp' voor 'province' — *tip:* bedoelde je" in summary
    assert "Er is niets gepubliceerd." in summary
    assert summary.rstrip().endswith(LINKS_NOT_CHECKED), "these mistakes stopped the check before the links"


def test_the_build_reports_to_github_too(run_cli, content: Path, on_github: Path, tmp_path: Path) -> None:
    code, out, _ = run_cli("build", "--content", "content", "--output", str(tmp_path / "site"), "--no-cache")
    assert code == 0
    assert "::" not in out
    assert on_github.read_text(encoding="utf-8").startswith("### ✅ Bouwen van de site: geen fouten\n")
    _break(content)
    code, out, _ = run_cli("build", "--content", "content", "--output", str(tmp_path / "site"), "--no-cache")
    assert code == 1
    assert out.count("::error file=") == 2
    assert "### ❌ Bouwen van de site: 2 fouten" in on_github.read_text(encoding="utf-8")


def test_a_clean_check_writes_what_it_checked(run_cli, content: Path, on_github: Path) -> None:
    code, _, _ = run_cli("check", "--content", "content")
    assert code == 0
    summary = on_github.read_text(encoding="utf-8")
    assert summary.startswith("### ✅ Controle van de inhoud: geen fouten\n\nGeen fouten: 2 IGS'en")


def test_nothing_for_github_outside_github(run_cli, content: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    _break(content)
    code, out, _ = run_cli("check", "--content", "content")
    assert code == 1
    assert "::error" not in out


def test_annotation_escapes_what_github_would_read_as_syntax() -> None:
    error = ContentError("waarde '100%'\nmet\r:: en , erin", "content/a,b:c%.md", 3, 0, "tip")
    assert github_annotation(error) == (
        "::error file=content/a%2Cb%3Ac%25.md,line=3,title=Fout in de inhoud"
        "::waarde '100%25'%0Amet%0D:: en , erin — tip"
    )
    # Content can never end the line and start a workflow command of its own.
    assert "\n" not in github_annotation(ContentError("x\n::add-mask::geheim", "content/site.yaml"))


def test_summary_escapes_markdown_and_stays_short() -> None:
    errors = [ContentError(f"fout <b>{i}</b> | [link](x)", "content/site.yaml", i + 1, 1) for i in range(60)]
    summary = step_summary("Controle van de inhoud", errors)
    assert "\\<b\\>0\\</b\\> \\| \\[link\\]\\(x\\)" in summary
    assert summary.count("\n- `content/site.yaml:") == 50
    assert "- … en nog 10 (alle fouten staan in het logboek van deze stap)" in summary

"""Hostile content against the map and the published files (issue 11, items 1, 3 and 6).

Content arrives by pull request: whatever an editor writes must reach the visitor as the literal
text, never as template source, HTML or script, and nothing private may be published with it.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE

from sitegen.geometry import load_topology
from sitegen.mapview import build_map_data
from sitegen.model import Site, Tiles
from sitegen.pipeline import BuildOptions, load_and_validate
from sitegen.register import load_register

# Jinja syntax of every kind (evaluated, looping, broken, undefined, running code), then what
# breaks out of HTML, a JavaScript string or a script element, and a line separator.
HOSTILE_TEXTS = {
    "expression": "{{ 7*7 }}",
    "loop": "{% for x in 'ab' %}[{{ x }}]{% endfor %}",
    "stray-tag": "half {% open",
    "undefined": "{{ samen }}",
    "comment": "{# weg #}",
    "code": "{{ cycler.__init__.__globals__.os.mkdir(cycler.__name__) }}",
    "markup": '<img src=x onerror="alert(1)"> "q" \'s\' </script><script>alert(2)</script>',
    "separators": "a\u2028b\u2029c\\d",
}

_JS_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')


def js_strings(script: str) -> set[str]:
    """Every double-quoted string literal in a script, decoded (the map script writes JSON strings)."""
    return {json.loads(literal) for literal in _JS_STRING.findall(script)}


def sample_map_inputs() -> tuple[Site, object, object]:
    site = load_and_validate(BuildOptions(SAMPLE / "content", ROOT / "templates", ROOT / "assets"))
    register = load_register(SAMPLE / "content", SAMPLE)
    topology = load_topology(SAMPLE / "content", SAMPLE)
    return site, register, topology


def hostile_site(site: Site, text: str) -> tuple[Site, dict[str, str]]:
    """`site` with `text` in every field that reaches the map; returns the expected literals by field."""
    expected = {
        "name": f"naam {text}",
        "member": f"lid {text}",
        "tiles_url": f"https://tegels.example/{{z}}/{{x}}/{{y}}.png?{text}",
        "attribution": f"bron {text}",
        "base_path": f"/pad {text}/",
    }
    first, *rest = site.igs
    member = dataclasses.replace(first.members[0], name=expected["member"])
    first = dataclasses.replace(first, name=expected["name"], members=(member, *first.members[1:]))
    return (
        dataclasses.replace(
            site,
            igs=(first, *rest),
            tiles=Tiles(expected["tiles_url"], expected["attribution"]),
            base_path=expected["base_path"],
        ),
        expected,
    )


@pytest.mark.parametrize("kind", sorted(HOSTILE_TEXTS))
def test_map_script_carries_content_as_literal_data(kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Item 1: no field that reaches the map is ever rendered as a Jinja template."""
    monkeypatch.chdir(tmp_path)
    site, register, topology = sample_map_inputs()
    site, expected = hostile_site(site, HOSTILE_TEXTS[kind])
    script = build_map_data(site, register, topology).script
    strings = js_strings(script)
    for field, literal in expected.items():
        if field == "base_path":
            assert any(s.startswith(literal) for s in strings), field
        else:
            assert literal in strings, field
    assert not (tmp_path / "Cycler").exists()
    # Raw line separators end a string literal in older JavaScript engines.
    assert "\u2028" not in script and "\u2029" not in script and "</script" not in script.lower()


def test_build_publishes_jinja_in_a_name_literally(run_cli, content: Path, tmp_path: Path) -> None:
    """Item 1, end to end: `build` with Jinja in an IGS name and in the tiles settings."""
    noord = content / "igs" / "noord.yaml"
    name = "Noord {{ 7*7 }} {% for x in 'ab' %}{{ x }}{% endfor %} {{ samen }} {% half"
    noord.write_text(noord.read_text().replace("name: Cultuurregio Noord", f"name: {json.dumps(name)}"))
    code_payload = "{{ cycler.__init__.__globals__.os.mkdir(cycler.__name__) }}"
    attribution = f"Tegels {code_payload} {{{{ 6*7 }}}}"
    site_yaml = content / "site.yaml"
    site_yaml.write_text(
        site_yaml.read_text()
        + "map:\n  tiles:\n"
        + f"    url: https://tegels.example/{{z}}/{{x}}/{{y}}.png\n    attribution: {json.dumps(attribution)}\n"
    )
    out = tmp_path / "site"
    code, _, err = run_cli("build", "--content", str(content), "--output", str(out))
    assert code == 0, err
    assert not (tmp_path / "Cycler").exists()
    script = next((out / "assets").glob("kaart.*.js")).read_text(encoding="utf-8")
    strings = js_strings(script)
    assert name in strings and attribution in strings
    assert "Noord 49" not in script and "Tegels None 42" not in script
    kaart = (out / "kaart" / "index.html").read_text(encoding="utf-8")
    assert "Noord {{ 7*7 }}" in kaart  # the legend, escaped by the page template


@pytest.mark.browser
def test_map_tooltip_popup_and_attribution_show_names_as_text(run_cli, content: Path, tmp_path: Path) -> None:
    """Item 3a: an IGS name or tiles attribution with markup shows as text and creates no element."""
    from browser_support import run_script, serve

    name = '<img src=x onerror="window.__injected=1">Noord</span><b>vet</b>'
    noord = content / "igs" / "noord.yaml"
    noord.write_text(noord.read_text().replace("name: Cultuurregio Noord", f"name: {json.dumps(name)}"))
    attribution = '<img src=x onerror="window.__injected=2"> Tegels &copy; <a href="javascript:alert(1)">x</a>'
    site_yaml = content / "site.yaml"
    site_yaml.write_text(
        site_yaml.read_text()
        + "map:\n  tiles:\n"
        + f"    url: https://tegels.example/{{z}}/{{x}}/{{y}}.png\n    attribution: {json.dumps(attribution)}\n"
    )
    out = tmp_path / "site"
    code, _, err = run_cli("build", "--content", str(content), "--output", str(out))
    assert code == 0, err
    with serve(out) as base:
        result = run_script("map_text.cjs", base)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["errors"] == [] and report["injected"] is False
    hostile = next(a for a in report["areas"] if "Noord" in a["tooltip"])
    assert hostile["tooltip"] == name and hostile["popup"] == name
    assert hostile["label"] == f"{name}: toon de gemeenten"
    assert all(a["tooltipElements"] == 0 and a["popupElements"] == 0 for a in report["areas"])
    assert attribution in report["attribution"] and report["attributionImages"] == 0

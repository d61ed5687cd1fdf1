"""The browser editor at /admin/ (issue #14 item 5).

- its configuration is generated from sitegen/schema.py and the municipality register, so every
  field `check` knows is in the form with the same rules, and nothing else;
- the build adds /admin/ only when the pinned CMS is installed (admin/node_modules, from
  `npm ci --ignore-scripts` in admin/), and says so when it is not;
- the CDN addresses in the bundle are rewritten to local files;
- in headless Chromium (marker `browser`), /admin/ shows the Dutch UI and the forms, asks no other
  host than GitHub's, and what it writes passes `check` unchanged (round trip through the CMS's
  local-repository mode, with the folder picker answered by a folder in the browser's own storage).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from browser_support import run_script, serve
from conftest import ROOT, SAMPLE

import build
from sitegen import admin, admin_package
from sitegen.jsonschema import _PATTERNS
from sitegen.register import load_register
from sitegen.schema import ARTICLE_FRONT_MATTER, IGS_FILE, PAGE_FRONT_MATTER, SITE_FILE, Field

PACKAGE, REASON = admin_package.find_package(build.ADMIN_DIR)
needs_cms = pytest.mark.skipif(PACKAGE is None, reason=f"Sveltia CMS not installed: {REASON}")


@pytest.fixture(scope="module")
def register():
    return load_register(SAMPLE / "content", SAMPLE)


@pytest.fixture(scope="module")
def config(register) -> dict[str, Any]:
    return admin.cms_config(register, "org/repo")


def _collection(config: dict[str, Any], name: str) -> dict[str, Any]:
    return next(c for c in config["collections"] if c["name"] == name)


def _assert_same_fields(spec: Field, fields: list[dict[str, Any]], register) -> None:
    """Every field of the model is in the form with its rules, and the form has nothing else."""
    assert [f["name"] for f in fields] == [f.name for f in spec.fields]
    for field, cms in zip(spec.fields, fields, strict=True):
        assert cms.get("required", True) is field.required, field.name
        if field.kind not in ("slugs", "bool", "image"):
            assert cms["hint"].startswith(field.description), field.name
        if field.kind == "map":
            assert cms["widget"] == "object"
            _assert_same_fields(field, cms["fields"], register)
        elif field.kind == "list":
            assert field.items is not None
            if field.items.name == "municipality":
                assert cms["widget"] == "select" and cms["multiple"] is True
                values = [o["value"] for o in cms["options"]]
                assert values and all(register.resolve(v) is not None for v in values)
                assert set(values) == set(register.names())
            elif field.items.kind == "map":
                _assert_same_fields(field.items, cms["fields"], register)
            else:
                assert cms["field"]["name"] == field.items.name
            assert cms.get("min", 0) == (1 if field.required else 0)
        elif field.kind in ("enum", "enums"):
            values = [o["value"] if isinstance(o, dict) else o for o in cms["options"]]
            assert values == list(field.choices), field.name
            assert cms.get("multiple", False) is (field.kind == "enums")
        elif field.kind == "slugs":
            assert (cms["widget"], cms["collection"], cms["value_field"]) == ("relation", "igs", "{{slug}}")
        elif field.kind == "date":
            assert (cms["widget"], cms["type"], cms["format"]) == ("datetime", "date", "YYYY-MM-DD")
        elif field.kind == "image":
            assert cms["widget"] == "image"
        elif field.kind in _PATTERNS and field.kind != "color":
            assert cms["pattern"] == list(_PATTERNS[field.kind]), field.name
        if field.max_length and cms["widget"] == "string":
            assert cms["maxlength"] == field.max_length


def test_config_has_every_field_of_the_model_with_its_rules(config, register) -> None:
    for name, spec in (("igs", IGS_FILE), ("verhalen", ARTICLE_FRONT_MATTER), ("paginas", PAGE_FRONT_MATTER)):
        collection = _collection(config, name)
        fields = collection["fields"]
        if collection["format"] == "yaml-frontmatter":
            assert fields[-1] == {**fields[-1], "name": "body", "widget": "markdown"}
            fields = fields[:-1]
        _assert_same_fields(spec, fields, register)
    site = _collection(config, "instellingen")["files"][0]
    assert site["file"] == "content/site.yaml"
    _assert_same_fields(SITE_FILE, site["fields"], register)


def test_config_folders_formats_and_workflow(config) -> None:
    igs, articles, pages = (_collection(config, n) for n in ("igs", "verhalen", "paginas"))
    assert (igs["folder"], igs["extension"], igs["format"], igs["identifier_field"]) == (
        "content/igs",
        "yaml",
        "yaml",
        "name",
    )
    assert (articles["folder"], articles["extension"], articles["format"]) == (
        "content/articles",
        "md",
        "yaml-frontmatter",
    )
    assert (pages["folder"], pages["format"]) == ("content/pages", "yaml-frontmatter")
    assert config["publish_mode"] == "editorial_workflow"  # every change becomes a pull request
    assert config["backend"] == {"name": "github", "repo": "org/repo", "auth_methods": ["token"]}
    assert (config["media_folder"], config["public_folder"]) == ("content/images", "/images")
    assert config["media_libraries"]["default"]["config"]["slugify_filename"] is True
    # The photo of an article and its alt text: both required once a photo is added.
    image = next(f for f in articles["fields"] if f["name"] == "image")
    assert image["required"] is False
    assert [(f["name"], f.get("required", True)) for f in image["fields"]] == [("src", True), ("alt", True)]


def test_config_text_is_yaml_that_loads_back(config) -> None:
    text = admin.config_text(config)
    assert text.startswith("# Gemaakt door build.py")
    assert yaml.safe_load(text) == config


def test_config_text_is_the_same_with_and_without_libyaml(config, monkeypatch) -> None:
    """A machine without libyaml publishes the same config.yml, byte for byte."""
    native = admin.config_text(config)
    monkeypatch.setattr(admin, "_DUMPER", yaml.SafeDumper)
    assert admin.config_text(config) == native


def test_config_text_is_dumped_once_per_register_and_settings(register, tmp_path: Path) -> None:
    """A rebuild takes config.yml from the build cache unless the register, repository or logo changed."""
    from sitegen.memo import Memo
    from sitegen.stores import DiskStore

    memo = Memo(DiskStore(tmp_path, "e"))
    text = admin.remembered_config_text(register, "org/repo", "/favicon.svg", memo)
    memo.finish(success=True)
    assert text == admin.config_text(admin.cms_config(register, "org/repo", logo="/favicon.svg"))
    memo = Memo(DiskStore(tmp_path, "e"))
    assert admin.remembered_config_text(register, "org/repo", "/favicon.svg", memo) == text
    assert (memo.hits(admin.CONFIG.name), memo.misses(admin.CONFIG.name)) == (1, 0)
    other = admin.remembered_config_text(register, "org/other", "/favicon.svg", memo)
    assert other == admin.config_text(admin.cms_config(register, "org/other", logo="/favicon.svg")) != text
    assert memo.misses(admin.CONFIG.name) == 1


@needs_cms
def test_config_is_valid_for_the_installed_cms(config) -> None:
    """The CMS's own JSON Schema of its configuration (shipped in the pinned package) accepts ours."""
    jsonschema = pytest.importorskip("jsonschema")
    assert PACKAGE is not None
    schema = json.loads(PACKAGE.read(admin.PACKAGE, "schema/sveltia-cms.json"))
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(json.loads(json.dumps(config))), key=str)
    assert not errors, [f"{list(e.absolute_path)}: {e.message[:200]}" for e in errors[:5]]


FAKE_BUNDLE = (
    "var iP=`https://cdn.example/@sveltia/cms`,aP=`${iP}/schema/x.json`;"
    "var N=`${iP}/package.json`,P=`${iP}/dist/sveltia-cms.js`;var U=`${iP}@${rP}/locales`;"
    "var v=[`width=device-width`,`initial-scale=1`,`maximum-scale=1`,`interactive-widget=resizes-content`];"
    "@font-face{src:url(https://fonts.example/fontsource/fonts/source-sans-3:vf@5.3.0/latin-wght-normal.woff2)}"
    "@font-face{src:url(https://fonts.example/fontsource/fonts/noto-mono@5.3.0/latin-400-normal.woff2)}"
    "@font-face{src:url(https://fonts.example/fontsource/fonts/material-symbols-outlined:vf@5.3.7/latin-wght-normal.woff2)}"
)


def test_bundle_rewrite_points_locales_fonts_and_version_check_at_local_files() -> None:
    bundle, fonts = admin._rewrite_bundle(FAKE_BUNDLE, "9.9.9")
    assert "var U=`./locales`" in bundle
    assert "var N=`./version.json`" in bundle
    assert "url(fonts/source-sans-3-latin-wght-normal.woff2)" in bundle
    assert "fonts.example" not in bundle
    assert "var v=[`width=device-width`,`initial-scale=1`,`interactive-widget=resizes-content`]" in bundle
    assert fonts == {
        "source-sans-3-latin-wght-normal.woff2": "@fontsource-variable/source-sans-3",
        "noto-mono-latin-400-normal.woff2": "@fontsource/noto-mono",
        "material-symbols-outlined-latin-wght-normal.woff2": "@fontsource-variable/material-symbols-outlined",
    }


def _fake_package(tmp_path: Path, bundle: str = FAKE_BUNDLE) -> admin.AdminPackage:
    modules = tmp_path / "node_modules"
    (modules / admin.PACKAGE / "dist").mkdir(parents=True)
    (modules / admin.PACKAGE / "locales").mkdir()
    for name in ("nl.json", "en-US.json"):
        (modules / admin.PACKAGE / "locales" / name).write_text("{}", encoding="utf-8")
    (modules / admin.PACKAGE / "dist" / "sveltia-cms.js").write_text(bundle, encoding="utf-8")
    for font in set(admin.FONT_PACKAGES.values()):
        (modules / font / "files").mkdir(parents=True, exist_ok=True)
    for name, font in admin.FONT_PACKAGES.items():
        for file in ("latin-wght-normal.woff2", "latin-400-normal.woff2"):
            (modules / font / "files" / f"{name}-{file}").write_bytes(b"font")
    return admin.AdminPackage(modules, "9.9.9")


def test_the_served_script_is_rewritten_once_per_bundle(tmp_path: Path) -> None:
    """A rebuild takes the rewritten CMS script from the build cache; another bundle is rewritten."""
    from sitegen.memo import Memo
    from sitegen.stores import DiskStore

    package = _fake_package(tmp_path)
    modules = package.node_modules
    cold = admin.admin_files(package, "config: 1\n", "Site")
    memo = Memo(DiskStore(tmp_path / "cache", "e"))
    assert admin.admin_files(package, "config: 1\n", "Site", memo) == cold
    memo.finish(success=True)
    memo = Memo(DiskStore(tmp_path / "cache", "e"))
    assert admin.admin_files(package, "config: 1\n", "Site", memo) == cold
    assert (memo.hits(admin.SCRIPT.name), memo.misses(admin.SCRIPT.name)) == (1, 0)
    (modules / admin.PACKAGE / "dist" / "sveltia-cms.js").write_text(FAKE_BUNDLE + ";var z=1;", encoding="utf-8")
    changed = admin.admin_files(package, "config: 1\n", "Site", memo)
    assert memo.misses(admin.SCRIPT.name) == 1
    assert changed.keys() != cold.keys()  # the script's name follows its bytes


def test_the_bundle_is_read_and_digested_once_a_build_and_the_script_keeps_its_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """rewrite_ahead and admin_files share the bundle's key while its file stays as it is (settled:
    here the racy window is 0); the served script carries that key as its version, so the write
    stage skips it unread; a bundle changed between the key and the rewrite is an error, never a
    script cached under another bundle's key."""
    from sitegen.memo import Memo

    monkeypatch.setattr("sitegen.tree.RACY_WINDOW_NS", 0)
    monkeypatch.setattr(admin, "_KEYS", {})
    digested: list[object] = []
    real_digest = admin.digest

    def counted(*parts: object) -> bytes:
        digested.append(parts)
        return real_digest(*parts)

    monkeypatch.setattr(admin, "digest", counted)
    package = _fake_package(tmp_path)
    memo = Memo()
    files = admin.admin_files(package, "config: 1\n", "Site", memo)
    key = real_digest(FAKE_BUNDLE.encode("utf-8"), package.version)
    (script,) = [name for name in files if name.endswith(".js")]
    assert files.versions == {script: admin.SCRIPT_VERSION + key}
    assert len(digested) == 2  # the key, and the rewrite's check of the bundle it read
    digested.clear()
    assert admin.admin_files(package, "config: 1\n", "Site", memo) == files
    assert digested == []
    bundle = package.node_modules / admin.PACKAGE / admin.BUNDLE
    bundle.write_text(FAKE_BUNDLE + ";var z=1;", encoding="utf-8")
    assert admin._script_key(package) != key
    with pytest.raises(OSError, match="gewijzigd"):
        admin._rewritten(package, key)


def test_the_script_rewritten_ahead_is_the_one_rewritten_in_process(tmp_path: Path, monkeypatch) -> None:
    """A cold build starts rewriting the CMS script on the other core before it loads the stages
    (rewrite_ahead), and admin_files takes it: the same files; where the memo holds the script, no
    child is started; a bundle that cannot be rewritten fails as loudly when rewritten ahead."""
    from sitegen.memo import Memo
    from sitegen.parallel import Forked

    started: list[object] = []

    class Counted(Forked):
        def __init__(self, compute):  # type: ignore[no-untyped-def]
            started.append(compute)
            super().__init__(compute)

    monkeypatch.setattr(admin, "Forked", Counted)
    monkeypatch.setattr(admin, "_AHEAD", {})  # not what earlier builds of this process left (a failed one)
    package = _fake_package(tmp_path / "a")
    in_process = admin.admin_files(package, "config: 1\n", "Site")
    memo = Memo()
    admin.rewrite_ahead(package, memo)
    assert len(started) == 1 and admin._AHEAD
    assert admin.admin_files(package, "config: 1\n", "Site", memo) == in_process
    assert not admin._AHEAD
    admin.rewrite_ahead(package, memo)  # this memo holds it now
    assert len(started) == 1 and not admin._AHEAD
    broken = _fake_package(tmp_path / "b", FAKE_BUNDLE.replace("noto-mono@", "noto-sans@"))
    admin.rewrite_ahead(broken, Memo())
    with pytest.raises(admin.AdminError, match="unknown font 'noto-sans'"):
        admin.admin_files(broken, "config: 1\n", "Site")


@needs_cms
def test_a_failed_build_ends_the_child_rewriting_the_script(run_cli, tmp_path: Path, monkeypatch) -> None:
    """A build that fails before it takes the script rewritten ahead ends that child: it holds this
    process's open files, the build's lock among them, and a next build in the same process (the
    preview, the tests) would wait for that lock while the child waits to hand over its script."""
    monkeypatch.setattr(admin, "_AHEAD", {})
    content = tmp_path / "content"
    shutil.copytree(SAMPLE / "content", content)
    article = content / "articles" / "project-x.md"
    article.write_text(article.read_text(encoding="utf-8").replace("date: 2023-03", "date: 2023-13"), encoding="utf-8")
    argv = ["build", "--content", str(content), "--output", str(tmp_path / "site"), "--cache", str(tmp_path / "c")]
    started: list[object] = []
    real_rewrite_ahead = admin.rewrite_ahead

    def counted(package: Any, memo: Any) -> Any:
        let_go = real_rewrite_ahead(package, memo)
        started.extend(admin._AHEAD.values())
        return let_go

    monkeypatch.setattr(admin, "rewrite_ahead", counted)
    code, _, err = run_cli(*argv)
    assert code == 1 and "project-x.md:4" in err
    assert len(started) == 1 and not admin._AHEAD
    assert not started[0]._end.alive  # type: ignore[attr-defined]  # ended and reaped
    assert run_cli(*argv)[0] == 1  # and the next build in this process takes the lock


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        (FAKE_BUNDLE.replace("noto-mono@", "noto-sans@"), "unknown font 'noto-sans'"),
        (FAKE_BUNDLE.replace("/locales`", "/i18n`"), "matched 0 times"),
        (FAKE_BUNDLE.replace("iP=`https://cdn.example/@sveltia/cms`", "iP=x"), "CDN address was not found"),
    ],
)
def test_bundle_rewrite_fails_loudly_when_a_release_moves_an_address(broken: str, message: str) -> None:
    with pytest.raises(admin.AdminError, match=re.escape(message)):
        admin._rewrite_bundle(broken, "9.9.9")


def test_build_without_the_cms_leaves_admin_out_and_says_so(
    run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bare = tmp_path / "admin"
    bare.mkdir()
    shutil.copy(build.ADMIN_DIR / "package.json", bare / "package.json")
    monkeypatch.setattr(build, "ADMIN_DIR", bare)
    out = tmp_path / "site"
    code, stdout, err = run_cli("build", "--no-cache", "--content", str(SAMPLE / "content"), "--output", str(out))
    assert code == 0, err
    assert "/admin/ (de beheeromgeving) wordt niet mee gebouwd: Sveltia CMS is niet geïnstalleerd" in stdout
    assert "npm ci --ignore-scripts --prefix admin" in stdout
    assert not (out / "admin").exists()
    assert (out / "index.html").is_file()


def test_installed_version_must_be_the_pinned_one(tmp_path: Path) -> None:
    folder = tmp_path / "admin"
    (folder / "node_modules" / "@sveltia" / "cms").mkdir(parents=True)
    (folder / "package.json").write_text(json.dumps({"dependencies": {admin.PACKAGE: "1.2.3"}}), encoding="utf-8")
    manifest = folder / "node_modules" / "@sveltia" / "cms" / "package.json"
    manifest.write_text(json.dumps({"version": "1.2.4"}), encoding="utf-8")
    package, reason = admin_package.find_package(folder)
    assert package is None and "1.2.4 is geïnstalleerd, maar 1.2.3 is vastgelegd" in reason
    manifest.write_text(json.dumps({"version": "1.2.3"}), encoding="utf-8")
    package, reason = admin_package.find_package(folder)
    assert package is not None and package.version == "1.2.3" and reason == ""


def test_lock_pins_every_package_and_names_no_host() -> None:
    package = json.loads((build.ADMIN_DIR / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((build.ADMIN_DIR / "package-lock.json").read_text(encoding="utf-8"))
    for name, version in package["dependencies"].items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), name
        assert lock["packages"][f"node_modules/{name}"]["version"] == version
    assert all("resolved" not in entry for entry in lock["packages"].values())


@pytest.fixture(scope="module")
def admin_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if PACKAGE is None:
        pytest.skip(f"Sveltia CMS not installed: {REASON}")
    out = tmp_path_factory.mktemp("admin") / "site"
    argv = ["build", "--no-cache", "--content", str(SAMPLE / "content"), "--output", str(out)]
    assert build.main([*argv, "--admin-repo", "org/repo"]) == 0
    return out


def test_admin_is_built_from_the_installed_package(admin_site: Path) -> None:
    files = sorted(p.relative_to(admin_site / "admin").as_posix() for p in (admin_site / "admin").rglob("*"))
    script = next(name for name in files if re.fullmatch(r"sveltia-cms\.[0-9a-f]{10}\.js", name))
    assert files == sorted(
        [
            "config.yml",
            "fonts",
            "fonts/material-symbols-outlined-latin-wght-normal.woff2",
            "fonts/noto-mono-latin-400-normal.woff2",
            "fonts/source-sans-3-latin-wght-normal.woff2",
            "index.html",
            "locales",
            "locales/nl.json",
            script,
            "version.json",
        ]
    )
    page = (admin_site / "admin" / "index.html").read_text(encoding="utf-8")
    assert f'<script src="{script}"></script>' in page
    assert '<link href="config.yml" type="application/yaml" rel="cms-config-url">' in page
    assert '<meta name="robots" content="noindex, nofollow">' in page
    bundle = (admin_site / "admin" / script).read_text(encoding="utf-8")
    assert "/fontsource/fonts/" not in bundle and "/locales`" not in bundle.replace("`./locales`", "")
    assert "maximum-scale" not in bundle  # zooming stays possible
    assert yaml.safe_load((admin_site / "admin" / "config.yml").read_text(encoding="utf-8"))["backend"]["repo"] == (
        "org/repo"
    )
    # Not a page of the site: not in the sitemap, the search index or the feed.
    assert "/admin/" not in (admin_site / "sitemap.xml").read_text(encoding="utf-8")
    assert not any(b"admin/" in p.read_bytes() for p in (admin_site / "pagefind").rglob("*.pf_meta"))


@pytest.mark.browser
def test_admin_in_chromium_dutch_forms_no_other_hosts_and_a_round_trip_that_passes_check(
    admin_site: Path, tmp_path: Path, run_cli
) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(SAMPLE / "content", repo / "content")
    with serve(admin_site) as base:
        result = run_script("admin.cjs", base, str(repo), timeout=240)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["errors"] == [], seen["errors"]
    assert seen["csp"] == []
    # No other host but GitHub's (here: its status page; the API is only asked after signing in).
    hosts = {re.sub(r"^https://([^/]+)/.*$", r"\1", url) for url in seen["thirdParty"]}
    assert hosts <= {"api.github.com", "www.githubstatus.com"}, seen["thirdParty"]
    assert all("ERR_BLOCKED_BY_CLIENT" in line for line in seen["console"]), seen["console"]
    assert seen["fontsLoaded"] == ["Source Sans 3", "Material Symbols Outlined"]
    # axe-core (WCAG 2.1 A/AA) on the sign-in screen, the IGS list and the IGS form.
    assert set(seen["axe"]) == {"login", "list", "igsForm"}
    assert all(found == [] for found in seen["axe"].values()), seen["axe"]
    # The Dutch UI and the forms.
    assert "Werken met een lokale repository" in seen["texts"]["login"]
    assert "Inloggen met een toegangstoken" in seen["texts"]["login"]
    # The token dialog, with the sentence the package leaves in English (our supplement).
    assert "moet het token ook pull requests mogen lezen en schrijven" in seen["texts"]["tokenDialog"]
    assert "uploadDialog" not in seen["texts"]  # the photo was accepted
    labels = {re.sub(r"[\u2068\u2069]", "", name)[6:-1] for name in seen["fields"]["igs"]}
    assert {"Naam", "Provincie", "Gemeenten", "Samenvatting"} <= labels
    assert "Dit veld is verplicht." in seen["texts"]["missingAlt"]  # a photo without alt text is refused
    # The round trip: what the CMS wrote passes check unchanged.
    written = seen["files"]
    article_path = "content/articles/nieuw-uit-de-beheeromgeving-een-test.md"
    assert sorted(written) == sorted(["content/igs/noord.yaml", article_path, "content/images/foto-van-het-plein.png"])
    for rel, data in written.items():
        target = repo / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, dict):
            target.write_bytes(base64.b64decode(data["base64"]))
        else:
            target.write_text(data, encoding="utf-8")
    code, stdout, err = run_cli("check", "--content", str(repo / "content"))
    assert code == 0, err
    assert "Geen fouten" in stdout
    # The IGS file says what it said before, apart from the changed summary.
    original = yaml.safe_load((SAMPLE / "content" / "igs" / "noord.yaml").read_text(encoding="utf-8"))
    saved = yaml.safe_load(written["content/igs/noord.yaml"])
    assert saved.pop("summary").endswith("aangepast in de beheeromgeving.")
    original.pop("summary")
    # Differences of form only: defaults written out, a block scalar's final newline, one province as a list.
    province = original["province"] if isinstance(original["province"], list) else [original["province"]]
    normalised = {"members_complete": True, "description": original["description"].rstrip("\n"), "province": province}
    assert saved == {**original, **normalised}
    front = yaml.safe_load(written[article_path].split("---\n")[1])
    assert front == {
        "title": "Nieuw uit de beheeromgeving: één test",
        "type": "news",
        "date": dt.date(2026, 12, 15),
        "igs": ["noord"],
        "summary": "Een verhaal dat in de browser is geschreven.",
        "image": {"src": "/images/foto-van-het-plein.png", "alt": "Een leeg plein in de zon."},
        "draft": False,
    }
    assert written[article_path].rstrip().endswith("Dit verhaal is in de beheeromgeving geschreven.")


def test_ci_and_the_workflow_install_the_pinned_editor_before_building() -> None:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "site.yml").read_text(encoding="utf-8"))
    runs = [step.get("run", "") for step in workflow["jobs"]["build"]["steps"]]
    install = next(i for i, run in enumerate(runs) if "npm ci --ignore-scripts" in run and "--prefix admin" in run)
    assert install < next(i for i, run in enumerate(runs) if "build.py build" in run)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "(cd admin && npm ci --ignore-scripts" in ci
    assert ci.index("npm ci --ignore-scripts") < ci.index(".venv/bin/python -m pytest")


def test_dutch_supplement_fills_only_missing_strings_the_cms_still_has() -> None:
    strings = {"save": "Opslaan", "status": {"draft": "Concept"}}
    english = {"save": "Save", "show_errors": "Show Errors", "status": {"draft": "Draft", "deploying": "Deploying"}}
    supplement = {"save": "Bewaren", "show_errors": "Fouten tonen", "gone": "Weg", "status": {"deploying": "Bezig"}}
    assert admin._supplemented(strings, supplement, english) == {
        "save": "Opslaan",
        "show_errors": "Fouten tonen",
        "status": {"draft": "Concept", "deploying": "Bezig"},
    }


def test_weight_reports_the_editor_without_judging_it_by_the_visitors_budget(
    admin_site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from sitegen import weight

    assert weight.main(["--output", str(admin_site)]) == 0
    line = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("admin/index.html"))
    assert line.endswith("editor, no budget")
    js = int(line.split()[3].replace(",", ""))
    assert js > weight.SCRIPT_BUDGET  # the CMS bundle is counted (and far over a visitor page's budget)


@needs_cms
def test_a_preview_build_has_no_editor(run_cli, tmp_path: Path) -> None:
    out = tmp_path / "site"
    argv = ["--drafts", "--no-cache", "--content", str(SAMPLE / "content"), "--output", str(out)]
    code, stdout, err = run_cli("build", *argv)
    assert code == 0, err
    assert "/admin/ (de beheeromgeving) hoort niet bij een voorbeeldweergave (--drafts)" in stdout
    assert not (out / "admin").exists()

"""The architecture as the imports show it, read with `ast` (nothing is imported or run).

- Build stages never import the preview (sitegen/preview/): `build` and `serve` share the stages,
  the preview only calls them.
- Build stages never name the memo's stores (MemoryStore, DiskStore): a step asks the memo it is
  handed; which store stands behind it is chosen by the command (build.py, the preview).
- Build stages never import the geo tool (`python build.py geo`, which regenerates content/geo/
  offline): the normal build only reads what it made.
- Only write.py replaces files (temp file, then rename): one atomic-file helper.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from conftest import ROOT

SITEGEN = ROOT / "sitegen"
PREVIEW = ("sitegen.preview",)
STORES = ("MemoryStore", "DiskStore")
STORES_HOME = "sitegen.stores"  # where they are defined (DiskStore keeps a MemoryStore for uncoded spaces)
GEO_TOOL = ("sitegen.geo",)


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(SITEGEN.rglob("*.py"))}


def imported(source: str, name: str, *, is_package: bool = False) -> Iterator[str]:
    """Every module (and `module.name` for `from module import name`) that `source` imports,
    anywhere in the file (function-level imports included), relative imports resolved."""
    package = name if is_package else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def is_within(module: str, packages: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def imports_of(name: str, path: Path) -> set[str]:
    return set(imported(path.read_text(encoding="utf-8"), name, is_package=path.name == "__init__.py"))


def build_side() -> dict[str, Path]:
    """The stages and everything they use: sitegen minus the preview and the geo tool."""
    return {name: path for name, path in modules().items() if not is_within(name, PREVIEW + GEO_TOOL)}


def test_the_import_reader_sees_relative_lazy_and_aliased_imports() -> None:
    source = (
        "import os\nfrom . import write\n"
        "def f():\n    from ..serve import Preview as P\n    import sitegen.geo.generate\n"
    )
    found = set(imported(source, "sitegen.sub.stage"))
    assert {"os", "sitegen.sub.write", "sitegen.serve", "sitegen.serve.Preview", "sitegen.geo.generate"} <= found
    assert set(imported("from . import memo", "sitegen", is_package=True)) == {"sitegen", "sitegen.memo"}


def test_the_build_side_is_most_of_the_package() -> None:
    side = build_side()
    assert {"sitegen.load", "sitegen.render", "sitegen.write", "sitegen.pipeline"} <= side.keys()
    assert not any(is_within(name, PREVIEW + GEO_TOOL) for name in side)


def test_no_build_stage_imports_the_preview() -> None:
    offenders = {
        name: sorted(m for m in imports_of(name, path) if is_within(m, PREVIEW)) for name, path in build_side().items()
    }
    assert {name: found for name, found in offenders.items() if found} == {}


def test_no_build_stage_imports_the_geo_tool() -> None:
    offenders = {
        name: sorted(m for m in imports_of(name, path) if is_within(m, GEO_TOOL)) for name, path in build_side().items()
    }
    assert {name: found for name, found in offenders.items() if found} == {}


def test_no_build_stage_names_the_memo_stores() -> None:
    offenders = {}
    for name, path in build_side().items():
        if name == STORES_HOME:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        named = {alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) for alias in node.names} | {
            node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)
        }
        if found := sorted(named & set(STORES)):
            offenders[name] = found
    assert offenders == {}


def test_the_stores_are_chosen_by_the_commands() -> None:
    """The rule above is not vacuous: the preview and build.py do import a store each."""
    preview = set().union(*(imports_of(name, path) for name, path in modules().items() if is_within(name, PREVIEW)))
    assert f"{STORES_HOME}.MemoryStore" in preview
    assert f"{STORES_HOME}.DiskStore" in imports_of("build", ROOT / "build.py")


def test_only_write_replaces_files() -> None:
    """One atomic-file helper (sitegen.write.write_file_atomic): nobody else renames a temp file into place."""
    callers = set()
    for name, path in modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in ("replace", "rename", "mkstemp", "NamedTemporaryFile")
                and isinstance(node.value, ast.Name)
                and node.value.id in ("os", "tempfile")
            ):
                callers.add(name)
    assert callers == {"sitegen.write"}

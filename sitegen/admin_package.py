"""Which browser editor is installed in admin/ (see sitegen/admin.py, which serves it). Apart from the
modules that serve it: every build asks for its version before anything else, which is among the
inputs a no-op build compares (build.py), and a no-op build loads nothing more."""

from __future__ import annotations

import json
from pathlib import Path

from .frozen import frozen_dataclass

PACKAGE = "@sveltia/cms"


@frozen_dataclass
class AdminPackage:
    """The installed npm packages in admin/node_modules."""

    node_modules: Path
    version: str

    def read(self, package: str, rel: str) -> bytes:
        return (self.node_modules / package / rel).read_bytes()


def pinned_version(admin_dir: Path) -> str:
    data = json.loads((admin_dir / "package.json").read_text(encoding="utf-8"))
    return str(data["dependencies"][PACKAGE])


def find_package(admin_dir: Path) -> tuple[AdminPackage | None, str]:
    """The installed CMS, or None and a Dutch sentence saying why /admin/ is left out."""
    how = f"installeer het met: npm ci --ignore-scripts --prefix {admin_dir.name}"
    try:
        pinned = pinned_version(admin_dir)
    except (OSError, ValueError, KeyError):
        return None, f"{admin_dir.name}/package.json ontbreekt of noemt {PACKAGE} niet"
    manifest = admin_dir / "node_modules" / PACKAGE / "package.json"
    try:
        installed = str(json.loads(manifest.read_text(encoding="utf-8"))["version"])
    except (OSError, ValueError, KeyError):
        return None, f"Sveltia CMS is niet geïnstalleerd ({how})"
    if installed != pinned:
        return None, f"Sveltia CMS {installed} is geïnstalleerd, maar {pinned} is vastgelegd ({how})"
    return AdminPackage(admin_dir / "node_modules", installed), ""

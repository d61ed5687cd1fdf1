"""What a build reads and the choices that shape its output: made once by build.py, for every command.

Kept apart from the stages (standard library only), so that build.py can decide that nothing
changed without loading Jinja, Markdown or the geometry.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from .frozen import frozen_dataclass

if TYPE_CHECKING:
    from .admin_package import AdminPackage


@frozen_dataclass
class BuildOptions:
    content_dir: Path
    templates_dir: Path
    assets_dir: Path
    base_url: str | None = None
    """The public address of the site; None: base_url in site.yaml."""
    include_unpublished: bool = False
    """Drafts and future-dated articles too (the preview)."""
    today: dt.date | None = None
    admin: AdminPackage | None = None
    """The installed browser editor: when given, /admin/ is added to the site."""
    admin_repo: str | None = None
    """The GitHub repository (owner/name) the browser editor edits."""

"""The stages wired together: load → validate → model → render (→ write, by the caller)."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path

from .errors import ContentError, ContentErrors
from .load import load_content
from .model import Site, build_model
from .render import load_assets, render_site
from .validate import validate_content

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuildOptions:
    content_dir: Path
    templates_dir: Path
    assets_dir: Path
    base_url: str | None = None
    include_unpublished: bool = False
    today: dt.date | None = None


def load_and_validate(options: BuildOptions) -> Site:
    """Everything up to the model; raises ContentErrors with every problem found."""
    raw = load_content(options.content_dir)
    register = _load_register(options.content_dir)
    errors: list[ContentError] = []
    if isinstance(register, ContentError):
        errors.append(register)
        register = None
    resolve = register.resolve if register is not None else None
    suggest = register.suggest if register is not None else (lambda name: "")
    valid, found = validate_content(raw, resolve, suggest)
    errors.extend(found)
    if errors or valid is None:
        raise ContentErrors(errors)

    def resolve_member(name: str) -> tuple[str, str] | None:
        municipality = register.resolve(name) if register is not None else None
        return (municipality.name, municipality.nis) if municipality is not None else None

    return build_model(
        valid,
        images=raw.images,
        resolve_member=resolve_member,
        today=options.today or dt.date.today(),
        include_unpublished=options.include_unpublished,
        base_url=options.base_url,
    )


def _load_register(content_dir: Path):  # type: ignore[no-untyped-def]
    register_file = content_dir / "geo" / "municipalities.json"
    if not register_file.is_file():
        return None
    try:
        from .register import load_register
    except ImportError:
        return None
    try:
        return load_register(content_dir, Path.cwd())
    except ContentError as exc:
        return exc


def build_files(options: BuildOptions) -> tuple[Site, dict[str, bytes]]:
    site = load_and_validate(options)
    files = render_site(site, options.templates_dir, load_assets(options.assets_dir))
    return site, files

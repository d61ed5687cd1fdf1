"""What `check` tells an editor about content without errors: what is published, and what is not yet.

Geen fouten: 19 IGS'en, 6 verhalen (waarvan 1 gepland voor 15 januari 2027 en 1 concept), 3 pagina's.
  gepland voor 15 januari 2027: content/articles/oproep.md (/verhalen/oproep/)
  concept (draft: true): content/articles/nog-niet-af.md
"""

from __future__ import annotations

import datetime as dt

from .model import Site
from .templating import date_nl

# (src_path, url, draft, date): an article or page that is not (yet) on the public site.
_Item = tuple[str, str, bool, dt.date | None]


def _unpublished(site: Site) -> tuple[list[_Item], list[_Item]]:
    """(articles, pages) not on the public site, whether this build left them out or shows them as a preview."""
    articles = [(a.src_path, a.url, a.draft, a.date) for a in site.articles if a.is_unpublished]
    pages = [(p.src_path, p.url, True, None) for p in site.pages if p.draft]
    for item in site.withheld:
        (articles if item.is_article else pages).append((item.src_path, item.url, item.draft, item.date))
    return sorted(articles), sorted(pages)


def _count(total: int, one: str, many: str, unpublished: list[_Item]) -> str:
    text = f"{total} {one if total == 1 else many}"
    scheduled = sorted(date for _, _, draft, date in unpublished if not draft and date is not None)
    drafts = sum(1 for _, _, draft, _ in unpublished if draft)
    parts = []
    if len(scheduled) == 1:
        parts.append(f"1 gepland voor {date_nl(scheduled[0])}")
    elif scheduled:
        parts.append(f"{len(scheduled)} gepland, het eerste voor {date_nl(scheduled[0])}")
    if drafts:
        parts.append(f"{drafts} {'concept' if drafts == 1 else 'concepten'}")
    return f"{text} (waarvan {' en '.join(parts)})" if parts else text


def content_summary(site: Site) -> list[str]:
    """The closing lines of a successful `check`: counts, then every draft and scheduled item."""
    articles, pages = _unpublished(site)
    shown_articles = sum(1 for a in site.articles if not a.is_unpublished)
    shown_pages = sum(1 for p in site.pages if not p.draft)
    counts = ", ".join(
        (
            f"{len(site.igs)} IGS'en",
            _count(shown_articles + len(articles), "verhaal", "verhalen", articles),
            _count(shown_pages + len(pages), "pagina", "pagina's", pages),
        )
    )
    lines = [f"Geen fouten: {counts}."]
    for src_path, url, draft, date in articles + pages:
        if draft:
            lines.append(f"  concept (draft: true): {src_path}")
        else:
            assert date is not None
            lines.append(f"  gepland voor {date_nl(date)}: {src_path} ({url})")
    return lines

"""What an editor's pull request typically adds: an article with a photo, a scheduled item, a draft
and a new page. The tests of the shipped site run on the shipped content and on a copy with these
changes, so that they can only assert what holds for any valid content (issue: CI is never red
for valid content)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PIL import Image

PHOTO = "images/Atelier_Open-dag.2026.jpg"  # capitals, '_' and dots: valid in a URL as they are
ARTICLE = """---
title: "Open atelierdag: jonge makers tonen hun werk"
type: news
date: {date}
igs: [{igs}]
summary: "Een nieuwsbericht met een foto, zoals een redacteur het toevoegt."
image:
  src: {photo}
  alt: "Drie jonge makers bij hun werk in een atelier"
tags: [ateliers, jong talent]
---
Op de open atelierdag toonden jonge makers wat ze het voorbije jaar maakten.

Meer over de [vrijwilligers](/vrijwilligers/) die de dag mogelijk maakten.

![Een tafel vol schetsen]({photo_url})
"""
SCHEDULED = """---
title: Oproep voor het voorjaar
type: news
date: {date}
summary: "Een nieuwsbericht dat pas later verschijnt."
---
Dit verschijnt pas op de geplande datum.
"""
DRAFT = """---
title: Nog niet af
type: spotlight
date: {date}
igs: {first_igs}
summary: "Een concept dat de redactie nog naleest."
draft: true
---
Een tekst in wording.
"""
PAGE = """---
title: Vrijwilligers
summary: "Een nieuwe losse pagina, met een plaats in het menu."
nav: 6
---
Wie helpt, maakt het verschil. Lees ook het [nieuws](/verhalen/).
"""


def add_editor_changes(content: Path, today: dt.date | None = None) -> dict[str, str]:
    """Add the four kinds of change to `content`; returns {kind: slug or path} of what was added."""
    today = today or dt.date.today()
    (content / "images").mkdir(exist_ok=True)
    # A real photo, larger than the widest responsive size, so that it is resized too.
    Image.new("RGB", (1600, 1000), (120, 80, 40)).save(content / PHOTO, quality=80)
    articles, pages = content / "articles", content / "pages"
    photo_url = "/" + PHOTO
    igs = sorted(path.stem for path in (content / "igs").glob("*.yaml"))[:2]
    articles.joinpath("open-atelierdag.md").write_text(
        ARTICLE.format(date=today.isoformat(), igs=", ".join(igs), photo=PHOTO, photo_url=photo_url), encoding="utf-8"
    )
    later = today + dt.timedelta(days=45)
    articles.joinpath("oproep-voorjaar.md").write_text(SCHEDULED.format(date=later.isoformat()), encoding="utf-8")
    articles.joinpath("nog-niet-af.md").write_text(
        DRAFT.format(date=today.isoformat(), first_igs=igs[0]), encoding="utf-8"
    )
    pages.joinpath("vrijwilligers.md").write_text(PAGE, encoding="utf-8")
    return {
        "article": "open-atelierdag",
        "scheduled": "oproep-voorjaar",
        "draft": "nog-niet-af",
        "page": "vrijwilligers",
        "photo": PHOTO,
    }

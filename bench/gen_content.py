#!/usr/bin/env python3
"""Synthetic content in our content model, for the speed benchmark.

    python bench/gen_content.py --igs 300 --articles 10000 --out .bench-work/300x10000 [--seed 1]

Writes DIR/content/: site.yaml, N IGS files with 8 municipalities each, M articles of about
600 Dutch-looking words (headings, lists, links to IGS pages and other articles), a few pages,
and its own municipality register and topology (N×8 square cells on a grid) in content/geo/,
in the formats sitegen/register.py and sitegen/geometry.py read. Same seed, same bytes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import random
import shutil
from pathlib import Path

MEMBERS_PER_IGS = 8
PROVINCES = ("Antwerpen", "Limburg", "Oost-Vlaanderen", "Vlaams-Brabant", "West-Vlaanderen")
TYPES = ("interview", "spotlight", "news")
ONSETS = ("b", "d", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z", "br", "dr", "gr", "kl",
          "kr", "pl", "sch", "sl", "sp", "st", "tr", "vl", "zw", "")  # fmt: skip
VOWELS = ("a", "e", "i", "o", "u", "aa", "ee", "oo", "ie", "oe", "ui", "ij", "eu", "ou")
CODAS = ("", "", "n", "r", "l", "k", "t", "s", "m", "ng", "nd", "rt", "cht", "st")
COMMON = ("de", "het", "een", "en", "van", "in", "op", "met", "voor", "is", "dat", "die", "te", "zijn", "ook",
          "om", "niet", "aan", "bij", "we", "ze", "er", "naar", "als", "maar", "samen", "cultuur", "gemeenten",
          "regio", "project", "erfgoed", "bibliotheek", "vrijwilligers", "verenigingen", "jongeren")  # fmt: skip
PLACE_ENDINGS = ("gem", "hem", "donk", "hout", "kerke", "zele", "beek", "rode", "loo", "dijk", "hove", "mortel")


class Words:
    """Deterministic pseudo-Dutch: a vocabulary of invented words mixed with common ones."""

    def __init__(self, rng: random.Random, size: int = 2000) -> None:
        self.rng = rng
        vocabulary = set()
        while len(vocabulary) < size:
            syllables = rng.choice((1, 2, 2, 3))
            parts = (rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS) for _ in range(syllables))
            vocabulary.add("".join(parts))
        self.vocabulary = sorted(vocabulary)

    def word(self) -> str:
        return self.rng.choice(COMMON) if self.rng.random() < 0.45 else self.rng.choice(self.vocabulary)

    def words(self, n: int) -> str:
        return " ".join(self.word() for _ in range(n))

    def sentence(self, n: int | None = None) -> str:
        text = self.words(n or self.rng.randint(6, 16))
        return text[0].upper() + text[1:] + "."

    def title(self) -> str:
        text = self.words(self.rng.randint(3, 7))
        return text[0].upper() + text[1:]


def place_name(rng: random.Random, taken: set[str]) -> str:
    while True:
        stem = rng.choice(ONSETS[:-1]).upper() + rng.choice(VOWELS) + rng.choice(CODAS)
        name = stem + rng.choice(PLACE_ENDINGS)
        if rng.random() < 0.15:
            name = "Sint-" + name
        if name not in taken:
            taken.add(name)
            return name


def yaml_str(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def geo_files(count: int, rng: random.Random) -> tuple[dict, dict, list[str]]:
    """(register, topology, names) for `count` municipalities on a grid of square cells."""
    columns = math.ceil(math.sqrt(count * 2))
    rows = math.ceil(count / columns)
    taken: set[str] = set()
    names = [place_name(rng, taken) for _ in range(count)]
    cell = 1000  # quantised units; scale 0.0001° → 0.1° per cell
    municipalities, geometries = [], []
    # Arcs: one per cell edge, shared between neighbours. Horizontal edge (r, c) runs along y = r.
    arcs: list[list[list[int]]] = []
    horizontal: dict[tuple[int, int], int] = {}
    vertical: dict[tuple[int, int], int] = {}

    def h_arc(r: int, c: int) -> int:
        if (r, c) not in horizontal:
            horizontal[(r, c)] = len(arcs)
            arcs.append([[c * cell, r * cell], [cell, 0]])  # delta-encoded
        return horizontal[(r, c)]

    def v_arc(r: int, c: int) -> int:
        if (r, c) not in vertical:
            vertical[(r, c)] = len(arcs)
            arcs.append([[c * cell, r * cell], [0, cell]])
        return vertical[(r, c)]

    for index, name in enumerate(names):
        r, c = divmod(index, columns)
        nis = f"{10000 + index:05d}"
        province = PROVINCES[min(len(PROVINCES) - 1, r * len(PROVINCES) // rows)]
        lon = 2.5 + (c + 0.5) * 0.1
        lat = 50.6 + (r + 0.5) * 0.1
        municipalities.append(
            {
                "nis": nis,
                "name": name,
                "province": province,
                "postcodes": [f"{1000 + index % 9000:04d}"],
                "lat": round(lat, 5),
                "lon": round(lon, 5),
                "former": [],
            }
        )
        # Counter-clockwise ring: bottom (→), right (↑), top (←, reversed), left (↓, reversed).
        ring = [h_arc(r, c), v_arc(r, c + 1), ~h_arc(r + 1, c), ~v_arc(r, c)]
        geometries.append({"type": "Polygon", "id": nis, "properties": {"name": name, "nis": nis}, "arcs": [ring]})
    register = {
        "generated_by": "bench/gen_content.py (synthetic)",
        "sources": [{"name": "Synthetisch register", "licence": "CC0", "url": "https://example.org/"}],
        "municipalities": municipalities,
        "pre2025": [],
    }
    topology = {
        "type": "Topology",
        "generated_by": "bench/gen_content.py (synthetic)",
        "approximate": True,
        "transform": {"scale": [0.0001, 0.0001], "translate": [2.5, 50.6]},
        "objects": {"units": {"type": "GeometryCollection", "geometries": geometries}},
        "arcs": arcs,
    }
    return register, topology, names


SITE_YAML = """\
title: IGS Cultuur (benchmark)
tagline: Synthetische inhoud
summary: "Synthetische inhoud om de snelheid van de sitegenerator te meten."
base_url: https://bench.example/
updated: 2024-02-29
organisation:
  name: OP/TIL
  url: https://example.org/
newsletter:
  title: Blijf op de hoogte
  unavailable: "Online inschrijven kan hier nog niet."
  lists:
    - id: algemeen
      label: Algemene nieuwsbrief
consultants: []
home:
  title: Gemeenten werken samen
  intro: |
    Synthetische startpagina met [alle IGS'en](/igs/) en [alle verhalen](/verhalen/).
  blocks:
    - kind: igs_list
      id: netwerk
      title: Alle samenwerkingsverbanden
    - kind: finder
      id: vind-jouw-igs
      title: Vind jouw IGS
    - kind: spotlight
      id: ge-spot
      title: Een project in de kijker
    - kind: interview
      id: be-licht
      title: Een coördinator aan het woord
    - kind: news
      id: nieuws
      title: Nieuws
    - kind: newsletter
      id: nieuwsbrief
      title: Nieuwsbrief
"""


def article_body(words: Words, rng: random.Random, igs_slugs: list[str], article_slugs: list[str]) -> str:
    """About 600 words: paragraphs, two or three '## ' headings, a list, internal links."""
    parts: list[str] = []
    count = 0
    sections = rng.randint(2, 3)
    for section in range(sections):
        if section:
            parts.append(f"## {words.title()}")
        for _ in range(rng.randint(2, 3)):
            sentences = [words.sentence() for _ in range(rng.randint(4, 7))]
            if rng.random() < 0.6:
                slug = rng.choice(igs_slugs)
                sentences.insert(rng.randint(0, len(sentences)), f"Lees meer over [{words.words(2)}](/igs/{slug}/).")
            if article_slugs and rng.random() < 0.4:
                slug = rng.choice(article_slugs)
                sentences.append(f"Zie ook [{words.words(3)}](/verhalen/{slug}/).")
            paragraph = " ".join(sentences)
            count += paragraph.count(" ") + 1
            parts.append(paragraph)
        if section == 0:
            parts.append("\n".join(f"- **{words.words(2)}**: {words.words(rng.randint(4, 9))}" for _ in range(4)))
    while count < 560:
        paragraph = " ".join(words.sentence() for _ in range(5))
        count += paragraph.count(" ") + 1
        parts.append(paragraph)
    return "\n\n".join(parts) + "\n"


def generate(igs_count: int, article_count: int, out: Path, seed: int = 1) -> Path:
    """Write out/content/ and return its path; an existing out/content/ is replaced."""
    rng = random.Random(seed)
    words = Words(rng)
    content = out / "content"
    if content.exists():
        shutil.rmtree(content)
    for folder in ("igs", "articles", "pages", "geo"):
        (content / folder).mkdir(parents=True)
    (content / "site.yaml").write_text(SITE_YAML, encoding="utf-8")
    register, topology, names = geo_files(igs_count * MEMBERS_PER_IGS, rng)
    (content / "geo" / "municipalities.json").write_text(
        json.dumps(register, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    (content / "geo" / "topology.json").write_text(json.dumps(topology, separators=(",", ":")) + "\n", encoding="utf-8")
    igs_slugs = [f"igs-{i:04d}" for i in range(igs_count)]
    for i, slug in enumerate(igs_slugs):
        members = names[i * MEMBERS_PER_IGS : (i + 1) * MEMBERS_PER_IGS]
        # Every province its members lie in (members at a border row of the grid span two).
        spanned = {m["province"] for m in register["municipalities"][i * MEMBERS_PER_IGS : (i + 1) * MEMBERS_PER_IGS]}
        in_order = [p for p in PROVINCES if p in spanned]
        province = in_order[0] if len(in_order) == 1 else f"[{', '.join(in_order)}]"
        description = "\n\n".join(" ".join(words.sentence() for _ in range(4)) for _ in range(2))
        lines = [
            f"name: {yaml_str('IGS ' + words.title())}",
            f"province: {province}",
            "municipalities:",
            *(f"  - {yaml_str(m)}" for m in members),
            f"summary: {yaml_str(words.sentence(14))}",
            "description: |",
            *(f"  {line}" if line else "" for line in description.split("\n")),
            f"website: https://{slug}.example/",
            f"email: info@{slug}.example",
            "coordinator:",
            f"  name: {yaml_str(words.title())}",
            "  role: coördinator",
        ]
        (content / "igs" / f"{slug}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    article_slugs = [f"verhaal-{i:05d}" for i in range(article_count)]
    start = dt.date(2015, 1, 1)
    for i, slug in enumerate(article_slugs):
        date = start + dt.timedelta(days=(i * 3) % 3400)
        linked = sorted(set(rng.sample(igs_slugs, k=min(len(igs_slugs), rng.randint(1, 2)))))
        front = [
            "---",
            f"title: {yaml_str(words.title())}",
            f"type: {TYPES[i % len(TYPES)]}",
            f"date: {date.isoformat()}",
            f"igs: [{', '.join(linked)}]",
            f"summary: {yaml_str(words.sentence(18))}",
            f"tags: [{words.word()}, {words.word()}]",
            "---",
        ]
        body = article_body(words, rng, igs_slugs, article_slugs[:i])
        (content / "articles" / f"{slug}.md").write_text("\n".join(front) + "\n" + body, encoding="utf-8")
    for n, slug in enumerate(("over", "contact", "subsidies"), start=1):
        body = "\n\n".join(" ".join(words.sentence() for _ in range(5)) for _ in range(4))
        text = f"---\ntitle: {yaml_str(words.title())}\nsummary: {yaml_str(words.sentence())}\nnav: {n}\n---\n"
        (content / "pages" / f"{slug}.md").write_text(text + f"## {words.title()}\n\n{body}\n", encoding="utf-8")
    return content


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--igs", type=int, required=True, help="number of IGS files")
    parser.add_argument("--articles", type=int, required=True, help="number of articles")
    parser.add_argument("--out", type=Path, required=True, help="folder to write content/ into")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    content = generate(args.igs, args.articles, args.out, args.seed)
    print(f"{args.igs} IGS, {args.articles} verhalen in {content}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

# ruff: noqa: E501  (the cases are exact one-line reports and file texts)
"""Every kind of content mistake: its exact Dutch message, its path:line:col, the caret and the hint.

Each case writes one small bad file into a copy of the sample site and runs `build.py check` from
the copy's parent folder, so paths read content/… as an editor would see them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT, tree_bytes

from sitegen.errors import LINKS_NOT_CHECKED

LONG_SUMMARY = "name: West\nprovince: West-Vlaanderen\nmunicipalities: [Brugge, Damme]\nsummary: " + "x" * 301 + "\n"
LONG_SUMMARY_LINE = "    summary: " + "x" * 301


def case(name: str, rel: str, text: str | bytes, *report: str):  # type: ignore[no-untyped-def]
    """One mistake: the file (relative to content/) with its text, and the expected report lines."""
    return pytest.param(rel, text, report, id=name)


def write(content: Path, rel: str, text: str | bytes) -> None:
    path = content / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")


def check(run_cli, content: Path) -> tuple[int, list[str]]:  # type: ignore[no-untyped-def]
    code, out, err = run_cli("check", "--content", "content")
    assert (out == "") == (code == 1), out
    return code, err.splitlines()


CASES = [
    case(
        "tab",
        "igs/west.yaml",
        "name: West\nprovince: West-Vlaanderen\nmunicipalities:\n\t- Brugge\n  - Damme\nsummary: Twee gemeenten.\n",
        "content/igs/west.yaml:4:1: tab-teken gevonden: YAML laat alleen spaties toe om in te springen",
        "     - Brugge",
        "    ^",
        "    hint: vervang de tab door spaties",
    ),
    case(
        "colon",
        "igs/west.yaml",
        "name: West: de regio\nprovince: West-Vlaanderen\nmunicipalities: [Brugge, Damme]\nsummary: Twee gemeenten.\n",
        "content/igs/west.yaml:1:11: onverwachte dubbele punt",
        "    name: West: de regio",
        "              ^",
        "    hint: staat er een ':' in een tekst? Zet de hele tekst dan tussen aanhalingstekens",
    ),
    case(
        "quote",
        "igs/west.yaml",
        'name: West\nprovince: West-Vlaanderen\nmunicipalities: [Brugge, Damme]\nsummary: "Twee gemeenten.\n',
        "content/igs/west.yaml:4:10: deze tekst tussen aanhalingstekens wordt nergens afgesloten",
        '    summary: "Twee gemeenten.',
        "             ^",
        "    hint: zet hetzelfde aanhalingsteken (\" of ') ook aan het einde van de tekst",
    ),
    case(
        "bracket",
        "igs/west.yaml",
        "name: West\nprovince: West-Vlaanderen\nmunicipalities: [Brugge, Damme\nsummary: Twee gemeenten.\n",
        "content/igs/west.yaml:3:17: deze lijst tussen [ en ] wordt niet (goed) afgesloten",
        "    municipalities: [Brugge, Damme",
        "                    ^",
        "    hint: sluit de lijst met ] op dezelfde regel; zet een element met een komma, dubbele punt of vraagteken tussen aanhalingstekens",
    ),
    case(
        "indent",
        "igs/west.yaml",
        "name: West\nprovince: West-Vlaanderen\nmunicipalities:\n  - Brugge\n - Damme\nsummary: Twee gemeenten.\n",
        "content/igs/west.yaml:5:2: deze regel springt niet goed in",
        "     - Damme",
        "     ^",
        "    hint: lijn de regel uit met de andere velden of lijstelementen op hetzelfde niveau",
    ),
    case(
        "indent-list-of-blocks",  # the scanner alone would stop a line later, at 'summary: Tweede.'
        "igs/west.yaml",
        "name: West\nprovince: West-Vlaanderen\nmunicipalities: [Brugge, Damme]\nsummary: Twee.\nprojects:\n  - title: A\n    summary: Eerste.\n - title: B\n    summary: Tweede.\n",
        "content/igs/west.yaml:8:2: deze regel springt niet goed in",
        "     - title: B",
        "     ^",
        "    hint: lijn de regel uit met de andere velden of lijstelementen op hetzelfde niveau",
    ),
    case(
        "indent-list-element-further",
        "igs/west.yaml",
        "name: West\nprovince: West-Vlaanderen\nmunicipalities:\n  - Brugge\n   - Damme\nsummary: Twee gemeenten.\n",
        "content/igs/west.yaml:5:4: dit lijstelement springt verder in dan het element erboven",
        "       - Damme",
        "       ^",
        "    hint: lijn alle '- ' van de lijst onder elkaar uit; nu leest YAML deze regel als een vervolg van 'Brugge'",
    ),
    case(
        "indent-tag-further",
        "articles/nieuw.md",
        "---\ntitle: Nieuw\ntype: news\ndate: 2024-01-05\nsummary: Kort.\ntags:\n  - cultuur\n    - erfgoed\n---\nTekst.\n",
        "content/articles/nieuw.md:8:5: dit lijstelement springt verder in dan het element erboven",
        "        - erfgoed",
        "        ^",
        "    hint: lijn alle '- ' van de lijst onder elkaar uit; nu leest YAML deze regel als een vervolg van 'cultuur'",
    ),
    case(
        "indent-field-further",
        "igs/west.yaml",
        "name: West\nprovince: West-Vlaanderen\nmunicipalities: [Brugge, Damme]\nsummary: Twee.\ncoordinator:\n  name: Jan\n   role: coördinator\n",
        "content/igs/west.yaml:7:4: 'role' springt verder in dan 'name' erboven",
        "       role: coördinator",
        "       ^",
        "    hint: lijn 'role:' uit met 'name:'; nu leest YAML de regel als een vervolg van de tekst 'Jan'",
    ),
    case(
        "phone-with-words",
        "igs/west.yaml",
        "name: West\nprovince: West-Vlaanderen\nmunicipalities: [Brugge, Damme]\nsummary: Twee.\nphone: 050 12 34 56 (ma-vr)\n",
        "content/igs/west.yaml:5:8: 'phone' mag alleen het telefoonnummer bevatten: '050 12 34 56 (ma-vr)'",
        "    phone: 050 12 34 56 (ma-vr)",
        "           ^",
        "    hint: schrijf alleen cijfers, bv. 050 12 34 56; openingsuren of een naam horen in de tekst van de pagina",
    ),
    case(
        "phone-digit-missing",
        "igs/west.yaml",
        "name: West\nprovince: West-Vlaanderen\nmunicipalities: [Brugge, Damme]\nsummary: Twee.\nphone: 050 12 34 5\n",
        "content/igs/west.yaml:5:8: '050 12 34 5' is geen volledig telefoonnummer",
        "    phone: 050 12 34 5",
        "           ^",
        "    hint: een Belgisch nummer begint met 0 en telt 9 cijfers (bv. 050 12 34 56) of 10 voor een gsm (bv. 0470 12 34 56); een nummer uit het buitenland begint met +, bv. +31 20 123 45 67",
    ),
    case(
        "word-processor-dash",
        "igs/west.yaml",
        "name: West\nprovince: West-Vlaanderen\nmunicipalities:\n  - Brugge\n  \u2013 Damme\n  - Jabbeke\nsummary: Drie gemeenten.\n",
        "content/igs/west.yaml:5:3: deze regel begint met '\u2013' in plaats van een gewoon streepje '-'",
        "      \u2013 Damme",
        "      ^",
        "    hint: typ het streepje opnieuw als '-' gevolgd door een spatie (een tekstverwerker maakt er vaak een lang streepje of een bolletje van)",
    ),
    case(
        "non-breaking-space",
        "igs/west.yaml",
        "name: West\nprovince: West-Vlaanderen\nmunicipalities: [Brugge, Damme]\nwebsite:\u00a0https://west.be\nsummary: Twee gemeenten.\n",
        "content/igs/west.yaml:4:9: hier staat een vaste spatie (uit een tekstverwerker) in plaats van een gewone spatie",
        "    website:\u00a0https://west.be",
        "            ^",
        "    hint: typ de spatie opnieuw",
    ),
    case(
        "field-without-colon",
        "igs/west.yaml",
        "name: West\nprovince: West-Vlaanderen\nmunicipalities: [Brugge, Damme]\nwebsite https://west.be\nsummary: Twee gemeenten.\n",
        "content/igs/west.yaml:4:8: na 'website' ontbreekt een dubbele punt",
        "    website https://west.be",
        "           ^",
        "    hint: schrijf 'website: https://west.be' als 'website' een veld is; hoort de regel bij de tekst erboven, zet die hele tekst dan tussen aanhalingstekens",
    ),
    case(
        "quote-inside-quotes",
        "igs/west.yaml",
        'name: West\nprovince: West-Vlaanderen\nmunicipalities: [Brugge, Damme]\nsummary: "Het "Zomerfestival" van de regio."\n',
        "content/igs/west.yaml:4:15: deze tekst tussen aanhalingstekens stopt te vroeg: na het afsluitende aanhalingsteken staat nog tekst",
        '    summary: "Het "Zomerfestival" van de regio."',
        "                  ^",
        '    hint: zet alles wat bij de tekst hoort tussen de aanhalingstekens; staat er een " in de tekst zelf, '
        "zet de hele tekst dan tussen enkele aanhalingstekens ('…')",
    ),
    case(
        "apostrophe-inside-quotes",
        "articles/nieuws.md",
        "---\ntitle: 'Op z'n best'\ntype: news\ndate: 2024-01-05\nsummary: Kort.\n---\nTekst.\n",
        "content/articles/nieuws.md:2:13: deze tekst tussen aanhalingstekens stopt te vroeg: na het afsluitende aanhalingsteken staat nog tekst",
        "    title: 'Op z'n best'",
        "                ^",
        "    hint: zet alles wat bij de tekst hoort tussen de aanhalingstekens; staat er een apostrof in de tekst "
        "zelf (zoals in z'n), schrijf die dan dubbel (z''n) of zet de hele tekst tussen dubbele aanhalingstekens (\"…\")",
    ),
    case(
        "text-starting-with-a-bracket",
        "articles/nieuws.md",
        "---\ntitle: [Nieuw] Zomerfestival\ntype: news\ndate: 2024-01-05\nsummary: Kort.\n---\nTekst.\n",
        "content/articles/nieuws.md:2:8: een tekst die met '[' begint, leest YAML als het begin van een lijst",
        "    title: [Nieuw] Zomerfestival",
        "           ^",
        "    hint: is het een tekst, zet de hele tekst tussen aanhalingstekens: title: \"[Nieuw] Zomerfestival\"; is het een lijst, zet dan niets achter de ']'",
    ),
    case(
        "text-starting-with-a-star",
        "articles/nieuws.md",
        "---\ntitle: *Nieuw* zomerfestival\ntype: news\ndate: 2024-01-05\nsummary: Kort.\n---\nTekst.\n",
        "content/articles/nieuws.md:2:8: een tekst die met '*' begint, leest YAML als een verwijzing naar een anker",
        "    title: *Nieuw* zomerfestival",
        "           ^",
        '    hint: zet de hele tekst tussen aanhalingstekens: title: "*Nieuw* zomerfestival"',
    ),
    case(
        "text-starting-with-a-dash",
        "igs/west.yaml",
        "name: West\nprovince: West-Vlaanderen\nmunicipalities: [Brugge, Damme]\nsummary: - samen voor cultuur\n",
        "content/igs/west.yaml:4:10: een tekst die met '-' begint, leest YAML als een lijstelement",
        "    summary: - samen voor cultuur",
        "             ^",
        '    hint: zet de hele tekst tussen aanhalingstekens: summary: "- samen voor cultuur"',
    ),
    case(
        "text-starting-with-a-block-sign",
        "igs/west.yaml",
        "name: West\nprovince: West-Vlaanderen\nmunicipalities: [Brugge, Damme]\nsummary: > 20 activiteiten per jaar\n",
        "content/igs/west.yaml:4:10: een tekst die met '>' begint, leest YAML als het begin van een tekst over meerdere regels",
        "    summary: > 20 activiteiten per jaar",
        "             ^",
        '    hint: zet de hele tekst tussen aanhalingstekens: summary: "> 20 activiteiten per jaar"',
    ),
    case(
        "block-text-not-indented",
        "igs/west.yaml",
        "name: West\nprovince: West-Vlaanderen\nmunicipalities: [Brugge, Damme]\nsummary: Kort.\ndescription: |\nTwee gemeenten\nwerken samen.\nwebsite: https://west.example/\n",
        "content/igs/west.yaml:6:1: de tekst onder 'description: |' springt niet in",
        "    Twee gemeenten",
        "    ^",
        "    hint: begin elke regel van die tekst met 2 spaties, zodat hij verder inspringt dan 'description:'",
    ),
    case(
        "image-without-description",
        "articles/nieuws.md",
        "---\ntitle: Nieuws\ntype: news\ndate: 2024-01-05\nsummary: Kort.\n---\nDe affiche: ![](/verhalen/nieuws/)\n",
        "content/articles/nieuws.md:7:13: een afbeelding zonder beschrijving",
        "    De affiche: ![](/verhalen/nieuws/)",
        "                ^",
        "    hint: schrijf tussen de [ ] wat er op de afbeelding te zien is, bv. ![Affiche van het zomerfestival]"
        "(/images/affiche.jpg): wie de afbeelding niet ziet, leest of hoort die beschrijving",
    ),
    case(
        "link-without-text",
        "articles/nieuws.md",
        "---\ntitle: Nieuws\ntype: news\ndate: 2024-01-05\nsummary: Kort.\n---\nLees [](/verhalen/project-x/) ook.\n",
        "content/articles/nieuws.md:7:6: een link zonder tekst",
        "    Lees [](/verhalen/project-x/) ook.",
        "         ^",
        "    hint: schrijf tussen de [ ] waar de link naartoe leidt, bv. [het project](/verhalen/project-x/)",
    ),
    case(
        "link-without-address",
        "igs/west.yaml",
        "name: West\nprovince: West-Vlaanderen\nmunicipalities: [Brugge, Damme]\nsummary: Kort.\ndescription: Lees [ons plan]( ).\n",
        "content/igs/west.yaml:5:14: 'description': een link zonder adres",
        "    description: Lees [ons plan]( ).",
        "                 ^",
        "    hint: zet tussen de ( ) waar de link naartoe gaat, bv. [het project](/verhalen/project-x/)",
    ),
    case(
        "heading-one-in-a-description",
        "igs/west.yaml",
        "name: West\nprovince: West-Vlaanderen\nmunicipalities: [Brugge, Damme]\nsummary: Kort.\ndescription: |\n  # Over West\n\n  Twee gemeenten.\n",
        "content/igs/west.yaml:6:1: 'description': een kop met één # in de tekst",
        "      # Over West",
        "    ^",
        "    hint: gebruik ## voor tussentitels: de pagina heeft al een titel",
    ),
    case(
        "embedded-video",
        "articles/nieuw.md",
        '---\ntitle: Nieuw\ntype: news\ndate: 2024-01-01\nsummary: Kort.\n---\nBekijk de film:\n\n<iframe src="https://www.youtube.com/embed/x"></iframe>\n',
        "content/articles/nieuw.md:9:1: deze HTML verschijnt niet op de site: <iframe>",
        '    <iframe src="https://www.youtube.com/embed/x"></iframe>',
        "    ^",
        "    hint: een video, kaart, formulier of ander stuk van een andere site kan je niet insluiten: zet er een link naar, bv. [Bekijk de video](https://www.youtube.com/watch?v=…)",
    ),
    case(
        "two-mistakes-in-a-description",  # each on its own line, not both at 'description: |'
        "igs/west.yaml",
        "name: West\nprovince: West-Vlaanderen\nmunicipalities: [Brugge, Damme]\nsummary: Kort.\ndescription: |\n  Zie ![](/images/kaart.png).\n\n  Meer [op onze site]().\n",
        "content/igs/west.yaml:6:1: 'description': een afbeelding zonder beschrijving",
        "      Zie ![](/images/kaart.png).",
        "    ^",
        "    hint: schrijf tussen de [ ] wat er op de afbeelding te zien is, bv. ![Affiche van het zomerfestival](/images/affiche.jpg): wie de afbeelding niet ziet, leest of hoort die beschrijving",
        "content/igs/west.yaml:8:1: 'description': een link zonder adres",
        "      Meer [op onze site]().",
        "    ^",
        "    hint: zet tussen de ( ) waar de link naartoe gaat, bv. [het project](/verhalen/project-x/)",
    ),
    case(
        "heading-skips-a-level",
        "articles/nieuw.md",
        "---\ntitle: Nieuw\ntype: news\ndate: 2024-01-01\nsummary: Kort.\n---\n## Wat is het?\n\nTekst.\n\n#### Voor wie?\n\nTekst.\n",
        "content/articles/nieuw.md:11:1: deze kop slaat een niveau over: '####' na '##'",
        "    #### Voor wie?",
        "    ^",
        "    hint: schrijf '### ': een tussentitel staat hoogstens één niveau dieper dan de kop erboven (wie een schermlezer gebruikt, springt langs die niveaus door de tekst)",
    ),
    case(
        "heading-skips-a-level-in-a-description",
        "igs/west.yaml",
        "name: West\nprovince: West-Vlaanderen\nmunicipalities: [Brugge, Damme]\nsummary: Kort.\ndescription: |\n  Twee gemeenten.\n\n  ### Projecten\n",
        "content/igs/west.yaml:8:1: 'description': deze kop slaat een niveau over: '###' na de titel",
        "      ### Projecten",
        "    ^",
        "    hint: schrijf '## ': een tussentitel staat hoogstens één niveau dieper dan de kop erboven (wie een schermlezer gebruikt, springt langs die niveaus door de tekst)",
    ),
    case(
        "heading-skips-a-level-after-a-blank-line",  # the text's first line is blank: still the file's line
        "igs/west.yaml",
        "name: West\nprovince: West-Vlaanderen\nmunicipalities: [Brugge, Damme]\nsummary: Kort.\ndescription: |\n\n"
        "  Twee gemeenten.\n\n  ### Projecten\n",
        "content/igs/west.yaml:9:1: 'description': deze kop slaat een niveau over: '###' na de titel",
        "      ### Projecten",
        "    ^",
        "    hint: schrijf '## ': een tussentitel staat hoogstens één niveau dieper dan de kop erboven (wie een schermlezer gebruikt, springt langs die niveaus door de tekst)",
    ),
    case(
        "embedded-video-in-a-folded-description",  # '>' joins lines: reported at the key, not on a wrong line
        "igs/west.yaml",
        "name: West\nprovince: West-Vlaanderen\nmunicipalities: [Brugge, Damme]\nsummary: Kort.\ndescription: >\n"
        "  Twee\n  gemeenten.\n\n  Kijk <iframe src=x> hier.\n",
        "content/igs/west.yaml:5:14: 'description': deze HTML verschijnt niet op de site: <iframe>",
        "    description: >",
        "                 ^",
        "    hint: een video, kaart, formulier of ander stuk van een andere site kan je niet insluiten: zet er een link naar, bv. [Bekijk de video](https://www.youtube.com/watch?v=…)",
    ),
    case(
        "text-on-a-second-line",  # not a field without its ':' (field names are lower case)
        "igs/west.yaml",
        "name: West\nprovince: West-Vlaanderen\nmunicipalities: [Brugge, Damme]\nsummary: Twee gemeenten\nDie samenwerken.\n",
        "content/igs/west.yaml:5:1: een regel zonder 'sleutel: waarde'",
        "    Die samenwerken.",
        "    ^",
        "    hint: zet een ':' en een spatie na de veldnaam; hoort de regel bij de tekst erboven, zet die hele tekst dan tussen aanhalingstekens",
    ),
    case(
        "text-with-a-colon-on-a-second-line",  # not a field that springs in
        "igs/west.yaml",
        "name: West\nprovince: West-Vlaanderen\nmunicipalities: [Brugge, Damme]\nsummary: Twee gemeenten\n  Doel: samenwerken.\n",
        "content/igs/west.yaml:5:7: onverwachte dubbele punt",
        "      Doel: samenwerken.",
        "          ^",
        "    hint: staat er een ':' in een tekst? Zet de hele tekst dan tussen aanhalingstekens",
    ),
    case(
        "tag-twice",
        "articles/nieuw.md",
        "---\ntitle: Nieuw\ntype: news\ndate: 2024-01-01\nsummary: Kort.\ntags:\n  - Jong talent\n  - erfgoed\n  - jong-talent\n---\nTekst.\n",
        "content/articles/nieuw.md:9:5: het trefwoord 'jong-talent' staat al in de lijst, als 'Jong talent'",
        "      - jong-talent",
        "        ^",
        "    hint: verwijder één van beide: hoofdletters, accenten, spaties en streepjes tellen niet mee, dus ze delen één trefwoordpagina",
    ),
    case(
        "date-in-words",
        "articles/nieuws.md",
        "---\ntitle: Nieuws\ntype: news\ndate: 5 januari 2024\nsummary: Kort.\n---\nTekst.\n",
        "content/articles/nieuws.md:4:7: 'date' moet een datum zijn, niet '5 januari 2024'",
        "    date: 5 januari 2024",
        "          ^",
        "    hint: schrijf 2024-01-05 (JJJJ-MM-DD, of JJJJ-MM of JJJJ als alleen de maand of het jaar bekend is)",
    ),
    case(
        "month-in-words",
        "articles/nieuws.md",
        "---\ntitle: Nieuws\ntype: news\ndate: mrt. 2021\nsummary: Kort.\n---\nTekst.\n",
        "content/articles/nieuws.md:4:7: 'date' moet een datum zijn, niet 'mrt. 2021'",
        "    date: mrt. 2021",
        "          ^",
        "    hint: schrijf 2021-03 (JJJJ-MM-DD, of JJJJ-MM of JJJJ als alleen de maand of het jaar bekend is)",
    ),
    case(
        "igs-name-with-capitals",
        "articles/nieuws.md",
        "---\ntitle: Nieuws\ntype: news\ndate: 2024-01-05\nsummary: Kort.\nigs: [Zuid Oost]\n---\nTekst.\n",
        "content/articles/nieuws.md:6:7: 'Zuid Oost' is geen geldige naam voor 'igs'",
        "    igs: [Zuid Oost]",
        "          ^",
        "    hint: gebruik alleen kleine letters a-z, cijfers en '-', bv. zuid-oost",
    ),
    case(
        "twodocs",
        "igs/west.yaml",
        "name: West\nprovince: West-Vlaanderen\nmunicipalities: [Brugge, Damme]\n---\nsummary: Twee gemeenten.\n",
        "content/igs/west.yaml:4:1: het bestand bevat meer dan één YAML-document (een tweede '---')",
        "    ---",
        "    ^",
        "    hint: verwijder de extra '---' regel",
    ),
    case(
        "dupkey",
        "igs/west.yaml",
        "name: West\nprovince: West-Vlaanderen\nmunicipalities: [Brugge, Damme]\nsummary: Twee gemeenten.\nname: Oost\n",
        "content/igs/west.yaml:5:1: het veld 'name' staat twee keer in dit blok (ook op regel 1)",
        "    name: Oost",
        "    ^",
        "    hint: houd één van beide over; anders telt alleen de laatste en gaat de eerste stil verloren",
    ),
    case(
        "anchor",
        "igs/west.yaml",
        "name: &n West\nprovince: West-Vlaanderen\nmunicipalities: [Brugge, Damme]\nsummary: *n\n",
        "content/igs/west.yaml:1:7: ankers (&) en verwijzingen (*) worden niet ondersteund",
        "    name: &n West",
        "          ^",
        '    hint: schrijf de waarde voluit op elke plaats waar je ze nodig hebt; is het gewoon tekst, zet die dan tussen aanhalingstekens: name: "&n West"',
    ),
    case(
        "tag",
        "igs/west.yaml",
        "name: !!python/name:os.system West\nprovince: West-Vlaanderen\nmunicipalities: [Brugge, Damme]\nsummary: Twee gemeenten.\n",
        "content/igs/west.yaml:1:7: onbekende YAML-tag '!!python/name:os.system'",
        "    name: !!python/name:os.system West",
        "          ^",
        "    hint: verwijder de tag (het woord dat met ! begint)",
    ),
    case(
        "tag2",
        "igs/west.yaml",
        "name: !include west.txt\nprovince: West-Vlaanderen\nmunicipalities: [Brugge, Damme]\nsummary: Twee gemeenten.\n",
        "content/igs/west.yaml:1:7: onbekende YAML-tag '!include'",
        "    name: !include west.txt",
        "          ^",
        "    hint: verwijder de tag (het woord dat met ! begint)",
    ),
    case(
        "fronttab",
        "articles/nieuw.md",
        "---\ntitle: Nieuw\n\ttype: news\ndate: 2024-01-01\nsummary: Kort.\n---\nTekst.\n",
        "content/articles/nieuw.md:3:1: tab-teken gevonden: YAML laat alleen spaties toe om in te springen",
        "     type: news",
        "    ^",
        "    hint: vervang de tab door spaties",
    ),
    case(
        "unknownkey",
        "igs/west.yaml",
        "name: West\nprovince: West-Vlaanderen\nmunicipalities: [Brugge, Damme]\nsumary: Twee gemeenten.\n",
        "content/igs/west.yaml:4:1: onbekend veld 'sumary'",
        "    sumary: Twee gemeenten.",
        "    ^",
        "    hint: bedoelde je 'summary'?",
    ),
    case(
        "nested",
        "igs/west.yaml",
        "name: West\nprovince: West-Vlaanderen\nmunicipalities: [Brugge, Damme]\nsummary: Twee gemeenten.\ncoordinator:\n  naam: Jan\n  role: coördinator\n",
        "content/igs/west.yaml:6:3: onbekend veld 'naam'",
        "      naam: Jan",
        "      ^",
        "    hint: bedoelde je 'name'?",
    ),
    case(
        "missing",
        "igs/west.yaml",
        "name: West\nmunicipalities: [Brugge, Damme]\nsummary: Twee gemeenten.\n",
        "content/igs/west.yaml:1:1: verplicht veld 'province' ontbreekt",
        "    name: West",
        "    ^",
        "    hint: Provincie van het IGS; ligt het in meer provincies, geef dan een lijst: [Antwerpen, Limburg]. Kies uit: Antwerpen, Limburg, Oost-Vlaanderen, Vlaams-Brabant, West-Vlaanderen.",
    ),
    case(
        "empty",
        "igs/west.yaml",
        "name:\nprovince: West-Vlaanderen\nmunicipalities: [Brugge, Damme]\nsummary: '  '\n",
        "content/igs/west.yaml:1:1: verplicht veld 'name' is leeg",
        "    name:",
        "    ^",
        "    hint: Officiële naam van het IGS. Hoogstens 120 tekens.",
        "content/igs/west.yaml:4:1: verplicht veld 'summary' is leeg",
        "    summary: '  '",
        "    ^",
        "    hint: Korte samenvatting in gewone tekst (geen Markdown), hoogstens 300 tekens. Verschijnt op kaartjes, in zoekresultaten en als beschrijving voor zoekmachines.",
    ),
    case(
        "emptyfile",
        "igs/west.yaml",
        "# nog in te vullen\n",
        "content/igs/west.yaml:1:1: dit IGS-bestand is leeg",
        "    # nog in te vullen",
        "    ^",
        "    hint: vul minstens name, province, municipalities en summary in",
    ),
    case(
        "listvstext",
        "igs/west.yaml",
        "name:\n  - West\nprovince: West-Vlaanderen\nmunicipalities: Brugge\nsummary: Twee gemeenten.\n",
        "content/igs/west.yaml:2:3: 'name' moet een tekst zijn",
        "      - West",
        "      ^",
        "    hint: schrijf de waarde als gewone tekst op één regel",
        "content/igs/west.yaml:4:17: 'municipalities' moet een lijst (regels die met '- ' beginnen) zijn",
        "    municipalities: Brugge",
        "                    ^",
        "    hint: bv.",
        "      municipalities:",
        "        - …",
    ),
    case(
        "mapvstext",
        "igs/west.yaml",
        "name: West\nprovince: West-Vlaanderen\nmunicipalities: [Brugge, Damme]\nsummary:\n  kort: Twee gemeenten.\nwebsite: {url: x}\n",
        "content/igs/west.yaml:5:3: 'summary' moet een tekst zijn",
        "      kort: Twee gemeenten.",
        "      ^",
        "    hint: schrijf de waarde als gewone tekst op één regel",
        "content/igs/west.yaml:6:10: 'website' moet een tekst zijn",
        "    website: {url: x}",
        "             ^",
        "    hint: schrijf de waarde als gewone tekst op één regel",
    ),
    case(
        "bool",
        "igs/west.yaml",
        "name: West\nprovince: West-Vlaanderen\nmunicipalities: [Brugge, Damme]\nsummary: Twee gemeenten.\nmembers_complete: nee\n",
        "content/igs/west.yaml:5:19: 'members_complete' moet true of false zijn",
        "    members_complete: nee",
        "                      ^",
        "    hint: schrijf true (ja) of false (nee)",
    ),
    case(
        "int",
        "pages/nieuw.md",
        "---\ntitle: Nieuw\nsummary: Kort.\nnav: eerste\n---\nTekst.\n",
        "content/pages/nieuw.md:4:6: 'nav' moet een geheel getal zijn",
        "    nav: eerste",
        "         ^",
        "    hint: bv. 3",
    ),
    case(
        "emptyitem",
        "igs/west.yaml",
        "name: West\nprovince: West-Vlaanderen\nmunicipalities:\n  - Brugge\n  -\n  - Damme\nsummary: Twee gemeenten.\n",
        "content/igs/west.yaml:5:4: leeg element in de lijst 'municipalities'",
        "      -",
        "       ^",
        "    hint: verwijder de lege regel '- '",
    ),
    case(
        "enum",
        "igs/west.yaml",
        "name: West\nprovince: West-Vlaanders\nmunicipalities: [Brugge, Damme]\nsummary: Twee gemeenten.\n",
        "content/igs/west.yaml:2:11: ongeldige waarde 'West-Vlaanders' voor 'province'",
        "    province: West-Vlaanders",
        "              ^",
        "    hint: bedoelde je 'West-Vlaanderen' of 'Oost-Vlaanderen'? (toegelaten: Antwerpen, Limburg, Oost-Vlaanderen, Vlaams-Brabant, West-Vlaanderen)",
    ),
    case(
        "enum2",
        "igs/west.yaml",
        "name: West\nprovince: Brabant\nmunicipalities: [Brugge, Damme]\nsummary: Twee gemeenten.\n",
        "content/igs/west.yaml:2:11: ongeldige waarde 'Brabant' voor 'province'",
        "    province: Brabant",
        "              ^",
        "    hint: bedoelde je 'Vlaams-Brabant'? (toegelaten: Antwerpen, Limburg, Oost-Vlaanderen, Vlaams-Brabant, West-Vlaanderen)",
    ),
    case(
        "dates",
        "igs/west.yaml",
        "name: West\nprovince: West-Vlaanderen\nmunicipalities: [Brugge, Damme]\nsummary: Twee gemeenten.\nrecognition:\n  from: 01/01/2020\n  until: 2025-02-30\n",
        "content/igs/west.yaml:6:9: 'from' moet een datum zijn, niet '01/01/2020'",
        "      from: 01/01/2020",
        "            ^",
        "    hint: schrijf 2020-01-01 (JJJJ-MM-DD)",
        "content/igs/west.yaml:7:10: de datum '2025-02-30' bestaat niet",
        "      until: 2025-02-30",
        "             ^",
        "    hint: gebruik JJJJ-MM-DD, bv. 2024-02-29",
    ),
    case(
        "frontline",
        "articles/nieuw.md",
        "---\ntitle: Nieuw\ntype: nieuws\ndate: 2024-13-01\nsummary: Kort.\nimage:\n  src: images/weg.jpg\n  alt: Een foto\n---\nTekst.\n",
        "content/articles/nieuw.md:3:7: ongeldige waarde 'nieuws' voor 'type'",
        "    type: nieuws",
        "          ^",
        "    hint: bedoelde je 'news'? (toegelaten: interview, spotlight, news)",
        "content/articles/nieuw.md:4:7: de datum '2024-13-01' bestaat niet",
        "    date: 2024-13-01",
        "          ^",
        "    hint: gebruik JJJJ-MM-DD, bv. 2024-02-29 (of JJJJ-MM of JJJJ als alleen de maand of het jaar bekend is)",
        "content/articles/nieuw.md:7:8: afbeelding 'images/weg.jpg' bestaat niet",
        "      src: images/weg.jpg",
        "           ^",
        "    hint: zet het bestand in content/images/ of verbeter de naam",
    ),
    case(
        "urls",
        "igs/west.yaml",
        "name: West\nprovince: West-Vlaanderen\nmunicipalities: [Brugge, Damme]\nsummary: Twee gemeenten.\nwebsite: http://west.be\nsources:\n  - www.west.be\nemail: info@west\ncolor: #12ab34\n",
        "content/igs/west.yaml:5:10: 'website' moet een beveiligd adres zijn (https://)",
        "    website: http://west.be",
        "             ^",
        "    hint: schrijf https://west.be",
        "content/igs/west.yaml:7:5: 'source' is geen geldig webadres: 'www.west.be'",
        "      - www.west.be",
        "        ^",
        "    hint: een volledig adres begint met https://: schrijf https://www.west.be",
        "content/igs/west.yaml:8:8: 'info@west' is geen geldig e-mailadres",
        "    email: info@west",
        "           ^",
        "    hint: bv. info@voorbeeld.be",
        "content/igs/west.yaml:9:8: 'color' is leeg: alles vanaf # leest YAML als commentaar",
        "    color: #12ab34",
        "           ^",
        "    hint: zet de waarde tussen aanhalingstekens: color: '#12ab34'",
    ),
    case(
        "tabcaret",
        "igs/west.yaml",
        "name: West\nprovince: West-Vlaanderen\nmunicipalities: [Brugge, Damme]\nsummary: Twee gemeenten.\nwebsite:\thttp://west.be\n",
        "content/igs/west.yaml:5:9: tab-teken gevonden: YAML laat alleen spaties toe om in te springen",
        "    website: http://west.be",
        "            ^",
        "    hint: vervang de tab door spaties",
    ),
    case(
        "color2",
        "igs/west.yaml",
        "name: West\nprovince: West-Vlaanderen\nmunicipalities: [Brugge, Damme]\nsummary: Twee gemeenten.\ncolor: 'rood'\n",
        "content/igs/west.yaml:5:8: 'color' moet een kleur zijn als #rrggbb",
        "    color: 'rood'",
        "           ^",
        "    hint: bv. '#1b6e8a' (met aanhalingstekens: # begint anders een commentaar)",
    ),
    case(
        "link",
        "igs/west.yaml",
        "name: West\nprovince: West-Vlaanderen\nmunicipalities: [Brugge, Damme]\nsummary: Twee gemeenten.\nprojects:\n  - title: X\n    url: verhalen/x\n",
        "content/igs/west.yaml:7:10: 'url' is geen geldige link: 'verhalen/x'",
        "        url: verhalen/x",
        "             ^",
        "    hint: begin met https:// voor een andere site, of met / voor een pagina van deze site, bv. /verhalen/naam/",
    ),
    case(
        "control",
        "igs/west.yaml",
        'name: West\nprovince: West-Vlaanderen\nmunicipalities: [Brugge, Damme]\nsummary: "Twee\\u200b gemeenten."\n',
        "content/igs/west.yaml:4:10: 'summary' bevat onzichtbare besturingstekens",
        '    summary: "Twee\\u200b gemeenten."',
        "             ^",
        "    hint: typ de tekst opnieuw in plaats van te plakken",
    ),
    case(
        "long",
        "igs/west.yaml",
        LONG_SUMMARY,
        "content/igs/west.yaml:4:10: 'summary' is te lang: 301 tekens, hoogstens 300",
        LONG_SUMMARY_LINE,
        "             ^",
        "    hint: maak de tekst korter",
    ),
    case(
        "slugfile",
        "igs/West_Vlaanderen.yaml",
        "name: West\nprovince: West-Vlaanderen\nmunicipalities: [Brugge, Damme]\nsummary: Twee gemeenten.\n",
        "content/igs/West_Vlaanderen.yaml: ongeldige bestandsnaam 'West_Vlaanderen.yaml': gebruik alleen kleine letters a-z, cijfers en '-'",
        "    hint: hernoem het bestand naar west-vlaanderen.yaml",
    ),
    case(
        "igsref",
        "articles/nieuw.md",
        "---\ntitle: Nieuw\ntype: news\ndate: 2024-01-01\nigs: [noord, zuidd]\nsummary: Kort.\n---\nTekst.\n",
        "content/articles/nieuw.md:5:14: onbekend IGS 'zuidd'",
        "    igs: [noord, zuidd]",
        "                 ^",
        "    hint: bedoelde je 'zuid'?",
    ),
    case(
        "dupmun",
        "igs/west.yaml",
        "name: West\nprovince: [West-Vlaanderen, Antwerpen]\nmunicipalities:\n  - Brugge\n  - brugge\n  - Olen\n"
        "summary: Twee gemeenten.\n",
        "content/igs/west.yaml:5:5: 'brugge' staat twee keer in de lijst (ook op regel 4)",
        "      - brugge",
        "        ^",
        "    hint: verwijder één van beide",
        "content/igs/west.yaml:6:5: 'Olen' hoort al bij het IGS 'noord' (content/igs/noord.yaml:6)",
        "      - Olen",
        "        ^",
        "    hint: een gemeente hoort bij hoogstens één IGS: schrap ze in één van beide bestanden",
    ),
    case(
        "memberprovince",
        "igs/west.yaml",
        "name: West\nprovince: West-Vlaanderen\nmunicipalities:\n  - Brugge\n  - Grobbendonk\nsummary: Twee gemeenten.\n",
        "content/igs/west.yaml:5:5: 'Grobbendonk' ligt in Antwerpen, niet in West-Vlaanderen",
        "      - Grobbendonk",
        "        ^",
        "    hint: kies de juiste gemeente, of zet ook Antwerpen bij 'province', "
        "bv. province: [West-Vlaanderen, Antwerpen]",
    ),
    case(
        "mergedmun",
        "igs/waas.yaml",
        "name: Waas\nprovince: Oost-Vlaanderen\nmunicipalities:\n  - Kruibeke\n  - Temse\n"
        "  - Beveren-Kruibeke-Zwijndrecht\nsummary: Drie gemeenten.\n",
        "content/igs/waas.yaml:6:5: 'Beveren-Kruibeke-Zwijndrecht' en 'Kruibeke' (regel 4) zijn deels dezelfde gemeente",
        "      - Beveren-Kruibeke-Zwijndrecht",
        "        ^",
        "    hint: 'Beveren-Kruibeke-Zwijndrecht' is sinds 2025 Beveren, Kruibeke en Zwijndrecht samen: "
        "noem elk van hen één keer, of alleen 'Beveren-Kruibeke-Zwijndrecht'",
    ),
    case(
        "members",
        "igs/west.yaml",
        "name: West\nprovince: West-Vlaanderen\nmunicipalities:\n  - Brugge\nsummary: Een gemeente.\n",
        "content/igs/west.yaml:4:3: een IGS telt minstens twee gemeenten",
        "      - Brugge",
        "      ^",
        "    hint: vul de lijst aan, of zet 'members_complete: false' als de ledenlijst niet bekend is",
    ),
    case(
        "unknownmun",
        "igs/west.yaml",
        "name: West\nprovince: West-Vlaanderen\nmunicipalities:\n  - Bruge\n  - Dame\nsummary: Twee gemeenten.\n",
        "content/igs/west.yaml:4:5: onbekende gemeente 'Bruge'",
        "      - Bruge",
        "        ^",
        "    hint: bedoelde je 'Brugge', 'Bree' of 'Beringen'?",
        "content/igs/west.yaml:5:5: onbekende gemeente 'Dame'",
        "      - Dame",
        "        ^",
        "    hint: bedoelde je 'Damme' of 'Hamme'?",
    ),
    case(
        "photo",
        "igs/west.yaml",
        "name: West\nprovince: West-Vlaanderen\nmunicipalities: [Brugge, Damme]\nsummary: Twee gemeenten.\ncoordinator:\n  name: Jan\n  photo: images/jan.jpg\n",
        "content/igs/west.yaml:7:10: afbeelding 'images/jan.jpg' bestaat niet",
        "      photo: images/jan.jpg",
        "             ^",
        "    hint: zet het bestand in content/images/ of verbeter de naam",
        "content/igs/west.yaml:7:10: een foto heeft een beschrijving nodig (photo_alt)",
        "      photo: images/jan.jpg",
        "             ^",
        "    hint: beschrijf in een zin wie of wat er op de foto staat",
    ),
    case(
        "nofront",
        "articles/nieuw.md",
        "title: Nieuw\n---\nTekst.\n",
        "content/articles/nieuw.md:1:1: het bestand begint niet met front matter (een regel '---')",
        "    title: Nieuw",
        "    ^",
        "    hint: begin met '---', dan de velden (title:, summary: …), dan weer '---' en daarna de tekst",
    ),
    case(
        "unclosed",
        "articles/nieuw.md",
        "---\ntitle: Nieuw\ntype: news\n\nTekst.\n",
        "content/articles/nieuw.md:1:1: de front matter wordt niet afgesloten met een regel '---'",
        "    ---",
        "    ^",
        "    hint: zet een regel met enkel '---' tussen de velden en de tekst",
    ),
    case(
        "emptybody",
        "articles/nieuw.md",
        "---\ntitle: Nieuw\ntype: news\ndate: 2024-01-01\nsummary: Kort.\n---\n<!-- nog schrijven -->\n",
        "content/articles/nieuw.md:7:1: dit verhaal heeft geen tekst onder de front matter",
        "    <!-- nog schrijven -->",
        "    ^",
        "    hint: schrijf de tekst onder de tweede '---' regel (commentaar tussen <!-- en --> telt niet mee)",
    ),
    case(
        "h1",
        "articles/nieuw.md",
        "---\ntitle: Nieuw\ntype: news\ndate: 2024-01-01\nsummary: Kort.\n---\nTekst.\n\n# Titel\n\n```\n# code\n```\n",
        "content/articles/nieuw.md:9:1: een kop met één # in de tekst",
        "    # Titel",
        "    ^",
        "    hint: gebruik ## voor tussentitels; de titel komt uit 'title'",
    ),
    case(
        "notfields",
        "pages/nieuw.md",
        "---\n- title: Nieuw\n- summary: Kort.\n---\nTekst.\n",
        "content/pages/nieuw.md:2:1: dit moet een reeks velden zijn, elk als 'naam: waarde' op een eigen regel",
        "    - title: Nieuw",
        "    ^",
        "    hint: bv. title: Mijn titel",
    ),
    case(
        "brokenlink",
        "articles/nieuw.md",
        "---\ntitle: Nieuw\ntype: news\ndate: 2024-01-01\nsummary: Kort.\n---\nZie [het verhaal](/verhalen/bestaat-niet/).\n",
        "content/articles/nieuw.md:7:19: kapotte link '/verhalen/bestaat-niet/' (op /verhalen/nieuw/): deze pagina of dit bestand bestaat niet",
        "    Zie [het verhaal](/verhalen/bestaat-niet/).",
        "                      ^",
        "    hint: bedoelde je '/verhalen/nieuw/', '/verhalen/project-x/' of '/verhalen/'?",
    ),
    case(
        "link-to-a-site-without-https",
        "articles/nieuw.md",
        "---\ntitle: Nieuw\ntype: news\ndate: 2024-01-01\nsummary: Kort.\n---\nZie [hun site](www.west.be/over/).\n",
        "content/articles/nieuw.md:7:16: kapotte link 'www.west.be/over/' (op /verhalen/nieuw/): deze pagina of dit bestand bestaat niet",
        "    Zie [hun site](www.west.be/over/).",
        "                   ^",
        "    hint: een andere site? schrijf het volledige adres: https://www.west.be/over/",
    ),
    case(
        "link-to-a-content-file",
        "articles/nieuw.md",
        "---\ntitle: Nieuw\ntype: news\ndate: 2024-01-01\nsummary: Kort.\n---\nLees [het project](../articles/project-x.md).\n",
        "content/articles/nieuw.md:7:20: kapotte link '../articles/project-x.md' (op /verhalen/nieuw/): deze pagina of dit bestand bestaat niet",
        "    Lees [het project](../articles/project-x.md).",
        "                       ^",
        "    hint: een link naar een pagina van deze site gebruikt haar adres, niet haar bestand: schrijf /verhalen/project-x/",
    ),
    case(
        "relative-image-path",
        "articles/nieuw.md",
        "---\ntitle: Nieuw\ntype: news\ndate: 2024-01-01\nsummary: Kort.\n---\n![De affiche](../images/affiche.jpg)\n",
        "content/articles/nieuw.md:7:15: kapotte link '../images/affiche.jpg' (op /verhalen/nieuw/): deze pagina of dit bestand bestaat niet",
        "    ![De affiche](../images/affiche.jpg)",
        "                  ^",
        "    hint: schrijf /images/affiche.jpg: het adres van een afbeelding van de site begint met /images/",
    ),
    case(
        "link-to-an-email-address-without-mailto",
        "articles/nieuw.md",
        "---\ntitle: Nieuw\ntype: news\ndate: 2024-01-01\nsummary: Kort.\n---\nMail [ons](info@west.be).\n",
        "content/articles/nieuw.md:7:12: kapotte link 'info@west.be' (op /verhalen/nieuw/): deze pagina of dit bestand bestaat niet",
        "    Mail [ons](info@west.be).",
        "               ^",
        "    hint: een e-mailadres? schrijf mailto:info@west.be",
    ),
    case(
        "utf8",
        "pages/nieuw.md",
        b"---\ntitle: Caf\xe9\nsummary: Kort.\n---\nTekst.\n",
        "content/pages/nieuw.md:2:11: het bestand is niet in UTF-8 opgeslagen (ongeldige byte 0xe9)",
        "    title: Caf�",
        "              ^",
        "    hint: sla het bestand opnieuw op met codering UTF-8",
    ),
    case(
        "reserved",
        "pages/kaart.md",
        "---\ntitle: Kaart\nsummary: Kort.\n---\nTekst.\n",
        "content/pages/kaart.md: de naam 'kaart' is voorbehouden voor een vaste pagina van de site",
        "    hint: hernoem het bestand, bv. naar kaart-info.md",
    ),
]


@pytest.mark.parametrize(("rel", "text", "report"), CASES)
def test_mistake_is_reported_exactly(
    run_cli, content: Path, rel: str, text: str | bytes, report: tuple[str, ...]
) -> None:
    write(content, rel, text)
    code, lines = check(run_cli, content)
    assert code == 1
    count = sum(1 for line in report if not line.startswith(" "))
    noun = "fout" if count == 1 else "fouten"
    # Every other mistake stops the build before the link check, which says so.
    links_checked = any("kapotte link" in line for line in report)
    assert lines == [
        *report,
        *([] if links_checked else [LINKS_NOT_CHECKED]),
        f"Build mislukt: {count} {noun} gevonden. Er is niets gepubliceerd of gewijzigd in de uitvoermap.",
    ]
    assert_carets_under_columns(lines)


def assert_carets_under_columns(lines: list[str]) -> None:
    """Each caret sits under column `col` of the source line shown above it (a tab counts as one column)."""
    for i, line in enumerate(lines):
        if not line.startswith("content/") or i + 2 >= len(lines) or lines[i + 2].strip() != "^":
            continue
        path, line_no, col = line.split(": ", 1)[0].rsplit(":", 2)
        source = Path(path).read_bytes().decode("utf-8", "replace").splitlines()[int(line_no) - 1]
        assert lines[i + 1] == "    " + source.lstrip("\ufeff").expandtabs(1)
        assert lines[i + 2].index("^") - 4 == int(col) - 1


def test_sample_site_itself_has_no_errors(run_cli, content: Path) -> None:
    code, out, err = run_cli("check", "--content", "content")
    assert (code, err) == (0, "")
    assert out.startswith("Geen fouten")


def test_all_mistakes_are_reported_at_once(run_cli, content: Path) -> None:
    """Errors in several files come out together, sorted by file and line, with one summary."""
    write(content, "igs/west.yaml", "name: West\nprovince: Brabant\nmunicipalities: [Brugge, Damme]\nsumary: x\n")
    write(
        content, "articles/nieuw.md", "---\ntitle: Nieuw\ntype: news\ndate: 2024-02-30\nsummary: Kort.\n---\n# Titel\n"
    )
    write(content, "pages/kaart.md", "---\ntitle: Kaart\nsummary: Kort.\n---\nTekst.\n")
    code, lines = check(run_cli, content)
    assert code == 1
    locations = [line.split(": ", 1)[0] for line in lines if line.startswith("content/")]
    assert locations == [
        "content/articles/nieuw.md:4:7",
        "content/articles/nieuw.md:7:1",
        "content/igs/west.yaml:2:11",
        "content/igs/west.yaml:4:1",
        "content/pages/kaart.md",
    ]
    assert lines[-1].startswith("Build mislukt: 5 fouten gevonden.")


def test_a_report_that_stopped_before_the_link_check_says_so(run_cli, content: Path) -> None:
    """A broken link is found only on the rendered site: with a mistake elsewhere the editor is told
    that the links are still to be checked, and with only broken links not."""
    write(
        content,
        "articles/nieuw.md",
        "---\ntitle: Nieuw\ntype: news\ndate: 2024-01-01\nsummary: Kort.\n---\n[x](/nergens/)\n",
    )
    code, lines = check(run_cli, content)
    assert code == 1
    assert LINKS_NOT_CHECKED not in lines
    assert "kapotte link '/nergens/'" in lines[0]
    write(content, "igs/west.yaml", "name: West\nprovince: Brabant\nmunicipalities: [Brugge, Damme]\nsummary: Twee.\n")
    code, lines = check(run_cli, content)
    assert code == 1
    assert not any("kapotte link" in line for line in lines)
    assert lines[-2:] == [
        LINKS_NOT_CHECKED,
        "Build mislukt: 1 fout gevonden. Er is niets gepubliceerd of gewijzigd in de uitvoermap.",
    ]


def test_front_matter_lines_count_in_the_files_own_numbering(run_cli, content: Path) -> None:
    """A mistake on line 9 of a Markdown file is reported on line 9, not on line 8 of the front matter."""
    text = "---\ntitle: Nieuw\ntype: news\ndate: 2024-01-01\nsummary: Kort.\ntags:\n  - een\n  - twee\nigs: nord\n---\nTekst.\n"
    write(content, "articles/nieuw.md", text)
    _, lines = check(run_cli, content)
    assert lines[:4] == [
        "content/articles/nieuw.md:9:6: onbekend IGS 'nord'",
        "    igs: nord",
        "         ^",
        "    hint: bedoelde je 'noord'?",
    ]


def test_crlf_and_bom_files_keep_their_positions(run_cli, content: Path) -> None:
    text = "\ufeffname: West\r\nprovince: Brabant\r\nmunicipalities: [Brugge, Damme]\r\nsummary: Twee.\r\n"
    write(content, "igs/west.yaml", text.encode("utf-8"))
    _, lines = check(run_cli, content)
    assert lines[0] == "content/igs/west.yaml:2:11: ongeldige waarde 'Brabant' voor 'province'"
    assert lines[1:3] == ["    province: Brabant", "              ^"]


def test_a_merged_municipality_and_its_part_in_two_igs(run_cli, content: Path) -> None:
    """'Pajottegem' (a name only since 2025) stands for Galmaarden, Gooik and Herne: one of them in
    another IGS is the same municipality twice (the map would give its area to both)."""
    write(
        content,
        "igs/west.yaml",
        "name: West\nprovince: Vlaams-Brabant\nmunicipalities: [Gooik, Lennik]\nsummary: Twee.\n",
    )
    write(
        content,
        "igs/zenne.yaml",
        "name: Zenne\nprovince: Vlaams-Brabant\nmunicipalities: [Halle, Pajottegem]\nsummary: Twee.\n",
    )
    _, lines = check(run_cli, content)
    assert lines[0] == (
        "content/igs/zenne.yaml:3:25: 'Pajottegem' hoort al bij het IGS 'west', als 'Gooik' (content/igs/west.yaml:3)"
    )


def test_municipality_in_two_igs_names_both_files(run_cli, content: Path) -> None:
    write(
        content,
        "igs/west.yaml",
        "name: West\nprovince: Antwerpen\nmunicipalities:\n  - Grobbendonk\n  - herentals\nsummary: Twee.\n",
    )
    _, lines = check(run_cli, content)
    assert lines[0] == "content/igs/west.yaml:5:5: 'herentals' hoort al bij het IGS 'noord' (content/igs/noord.yaml:5)"


@pytest.mark.parametrize(
    ("mistake", "report"),
    [
        ("members_complete: false\n", None),  # an incomplete member list may be short
        ("members_note: één gemeente bekend\n", "een IGS telt minstens twee gemeenten"),
    ],
)
def test_members_complete_false_allows_a_short_list(run_cli, content: Path, mistake: str, report: str | None) -> None:
    write(
        content,
        "igs/west.yaml",
        f"name: West\nprovince: Antwerpen\nmunicipalities: [Grobbendonk]\nsummary: Een.\n{mistake}",
    )
    code, lines = check(run_cli, content)
    if report is None:
        assert code == 0, lines
    else:
        assert lines[0] == f"content/igs/west.yaml:3:17: {report}"


def test_heading_one_inside_a_code_block_is_allowed(run_cli, content: Path) -> None:
    body = "Tekst.\n\n```\n# geen kop maar code\n```\n\n## Tussentitel\n"
    write(content, "articles/nieuw.md", f"---\ntitle: Nieuw\ntype: news\ndate: 2024-01-01\nsummary: Kort.\n---\n{body}")
    code, lines = check(run_cli, content)
    assert code == 0, lines


def test_a_date_that_looks_like_text_is_fine_in_a_text_field(run_cli, content: Path) -> None:
    """YAML would read these as a date and a number; in a text field they are just text."""
    write(
        content,
        "igs/west.yaml",
        "name: 2025-02-30\nprovince: Antwerpen\nmunicipalities: [Grobbendonk, Lier]\nsummary: 42\n",
    )
    code, lines = check(run_cli, content)
    assert code == 0, lines


def test_output_folder_is_untouched_after_an_error(run_cli, content: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    code, _, err = run_cli("build", "--content", "content", "--output", str(out))
    assert code == 0, err
    before = tree_bytes(out)
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    write(content, "igs/noord.yaml", "name: Noord\n\tprovince: Antwerpen\n")
    code, _, err = run_cli("build", "--content", "content", "--output", str(out))
    assert code == 1
    assert "content/igs/noord.yaml:2:1: tab-teken gevonden" in err
    assert err.rstrip().endswith("Er is niets gepubliceerd of gewijzigd in de uitvoermap.")
    assert tree_bytes(out) == before
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*")} == stamps
    assert sorted(p.name for p in tmp_path.iterdir()) == [".site.build-state", "content", "site"]


def test_the_editors_guide_lists_only_messages_pinned_here() -> None:
    """Every message in the error tables of docs/editors.md is one of the reports above, word for word."""
    guide = (ROOT / "docs" / "editors.md").read_text(encoding="utf-8")
    section = guide.split("## Wat betekent deze foutmelding?", 1)[1].split("\n## ", 1)[0]
    # A "|" in a table cell is written as a backslash and "|".
    messages = [line.split("`")[1].replace("\\|", "|") for line in section.splitlines() if line.startswith("| `")]
    reported = [line.split(": ", 1)[1] for param in CASES for line in param.values[2] if line.startswith("content/")]
    assert len(messages) >= 40
    assert [m for m in messages if not any(m in line for line in reported)] == []

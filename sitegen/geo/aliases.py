"""Hand-checked tables for `sitegen/geo/generate.py`: the municipal mergers of 2019 and 2025 in Flanders.

Checked against Statbel's municipalities of 2019-2024 and 2025 and its deelgemeenten table (whose
codes still start with the NIS code a village had before 2019). Keep them that way when you add one.
"""

from __future__ import annotations

MERGERS_2025: dict[str, tuple[str, ...]] = {
    # current NIS code -> the municipalities of 2019-2024 that form it since 2025-01-01
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

MERGERS_2019: dict[str, tuple[str, str]] = {
    # NIS code until 2018 -> (name, NIS code of the municipality it became part of on 2019-01-01)
    "12030": ("Puurs", "12041"),
    "12034": ("Sint-Amands", "12041"),
    "44001": ("Aalter", "44084"),
    "44029": ("Knesselare", "44084"),
    "44011": ("Deinze", "44083"),
    "44049": ("Nevele", "44083"),
    "44036": ("Lovendegem", "44085"),
    "44072": ("Waarschoot", "44085"),
    "44080": ("Zomergem", "44085"),
    "45017": ("Kruishoutem", "45068"),
    "45057": ("Zingem", "45068"),
    "71047": ("Opglabbeek", "72042"),
    "72040": ("Meeuwen-Gruitrode", "72042"),
    "72025": ("Neerpelt", "72043"),
    "72029": ("Overpelt", "72043"),
}
"""The municipal mergers of 2019-01-01 in Flanders (7 new municipalities out of 15 old ones)."""

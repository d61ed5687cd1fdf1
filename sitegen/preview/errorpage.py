"""The page every URL shows while the site cannot be built: each error with its place, line and hint."""

from __future__ import annotations

import html
from pathlib import Path

from ..errors import ContentError, source_line
from .http import LIVERELOAD_TAG

_ERROR_CSS = """
body{margin:0;font:1rem/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1c2326;background:#fff}
main{max-width:60rem;margin:0 auto;padding:2rem 1.25rem}
h1{font-size:1.6rem;line-height:1.25;margin:0 0 .75rem;color:#8a1c1c}
.lead{font-size:1.1rem;margin:0 0 1.5rem}
ol{padding-left:1.5rem}
li{margin:0 0 1.5rem}
h2{font-size:1rem;margin:0 0 .25rem}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
pre{background:#f3f4f4;border-left:4px solid #8a1c1c;padding:.75rem 1rem;overflow-x:auto;margin:.5rem 0}
.caret{color:#8a1c1c;font-weight:bold}
.hint{margin:.25rem 0 0}
.note{border-top:1px solid #ccd0d2;padding-top:1rem;color:#3d474b}
"""


def error_page(errors: list[ContentError], root: Path, port: int) -> bytes:
    """One accessible Dutch page listing every error; it reloads itself on the next save."""
    count = len(errors)
    noun = "fout" if count == 1 else "fouten"
    items = []
    for error in errors:
        parts = [f"<h2><code>{html.escape(error.location)}</code></h2>", f"<p>{html.escape(error.message)}</p>"]
        source = source_line(root / error.path, error.line) if error.line else None
        if source is not None:
            shown = source.expandtabs(1)
            caret = " " * min(max(error.col - 1, 0), len(shown)) + "^"
            label = f"Regel {error.line} van {error.path}"
            parts.append(
                f'<pre aria-label="{html.escape(label)}">{html.escape(shown)}\n'
                f'<span class="caret" aria-hidden="true">{caret}</span></pre>'
            )
        if error.hint:
            parts.append(f'<p class="hint"><strong>Tip:</strong> {html.escape(error.hint)}</p>')
        items.append("<li>" + "".join(parts) + "</li>")
    page = f"""<!DOCTYPE html>
<html lang="nl-BE">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{count} {noun} in de inhoud · Voorbeeldweergave</title>
<style>{_ERROR_CSS}</style>
{LIVERELOAD_TAG.format(port=port)}
</head>
<body>
<main>
<h1>De site kan niet gebouwd worden: {count} {noun}</h1>
<p class="lead">Verbeter {"de fout" if count == 1 else "de fouten"} hieronder en sla het bestand op.
Deze pagina laadt dan vanzelf opnieuw.</p>
<ol>
{chr(10).join(items)}
</ol>
<p class="note">Dit is de voorbeeldweergave van <code>python build.py serve</code>. Zolang er fouten zijn, toont
elk adres deze lijst. De gepubliceerde site verandert niet.</p>
</main>
</body>
</html>
"""
    return page.encode("utf-8")

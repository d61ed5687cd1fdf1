"""`_headers`: the HTTP headers the site should be served with, in the file Netlify and Cloudflare
Pages read from the published folder (GitHub Pages cannot set headers; other hosts copy them into
their server configuration, see the README).

Every page carries its Content-Security-Policy as a meta tag, but a meta tag covers only that HTML
page: an image, a feed or an SVG opened directly gets no policy at all, and a meta tag cannot say
`frame-ancestors`. The header policy is derived from the pages' own: for each directive, every
source any page allows (so that the header, which browsers combine with the meta tag and enforce
both, never blocks what a page needs), plus `frame-ancestors`. Pages stay as strict as their meta
tag; everything else gets the site's policy, in which no script runs that is not a file of the site.
"""

from __future__ import annotations

import html
import re
from collections.abc import Collection, Mapping

from .files import fact_space, facts

HEADERS_PATH = "_headers"
# The meta-tag policy of each page version (sitegen/files.py): an unchanged page is not read again.
POLICIES = fact_space("csp")
_META_CSP = re.compile(
    rb"""<meta\s+http-equiv=["']Content-Security-Policy["']\s+content=(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE
)
# Fetch directives fall back to default-src when a page leaves them out; the others do not.
_FETCH = frozenset(
    {
        "child-src", "connect-src", "font-src", "frame-src", "img-src", "manifest-src", "media-src",
        "object-src", "script-src", "script-src-attr", "script-src-elem", "style-src", "style-src-attr",
        "style-src-elem", "worker-src",
    }
)  # fmt: skip
EXTRA_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("X-Frame-Options", "SAMEORIGIN"),  # for browsers without frame-ancestors
)


def parse_csp(policy: str) -> dict[str, tuple[str, ...]]:
    """A policy as {directive: sources}, in the order written (the first of a repeated one counts)."""
    parsed: dict[str, tuple[str, ...]] = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            parsed.setdefault(words[0].lower(), tuple(words[1:]))
    return parsed


def meta_policies(files: Mapping[str, bytes]) -> dict[str, str | None]:
    """The meta-tag policy of each HTML page in `files`, as written (None for a page without one);
    a page whose version the last build read is not read again (sitegen/files.py)."""
    return facts(files, POLICIES, _pages(files), _meta_policy)


def _pages(files: Mapping[str, bytes]) -> list[str]:
    return sorted(rel for rel in files if rel.endswith(".html"))


def page_policies(
    files: Mapping[str, bytes], known: Mapping[str, str | None] | None = None, made_after: Collection[str] = ()
) -> list[dict[str, tuple[str, ...]]]:
    """The distinct meta-tag policies of the HTML pages in `files`, in path order of their first page
    (the site policy is a union: a policy repeated by thousands of pages counts once). `known`,
    where given: `meta_policies` of the files before those `made_after` were added or replaced; the
    pages among these are read."""
    added = {rel for rel in made_after if rel.endswith(".html")}
    if known is None:
        found = meta_policies(files)
    elif not added:  # (a search index adds no page) every page's, in path order: not listed again
        found = known
    else:
        found = {
            rel: known[rel] if rel in known and rel not in added else _meta_policy(files[rel]) for rel in _pages(files)
        }
    policies = dict.fromkeys(found.values())
    return [parse_csp(html.unescape(policy)) for policy in policies if policy is not None]


def _meta_policy(page: bytes) -> str | None:
    """The policy of a page's meta tag (as written, entities and all), if it has one."""
    end = page.find(b"</head>")
    match = _META_CSP.search(page, 0, end if end >= 0 else len(page))
    if match is None:
        return None
    return (match.group(1) if match.group(1) is not None else match.group(2)).decode("utf-8")


def effective(policy: Mapping[str, tuple[str, ...]], directive: str) -> tuple[str, ...] | None:
    """The sources `policy` allows for `directive`; None when it does not restrict it."""
    if directive in policy:
        return policy[directive]
    if directive in _FETCH:
        return policy.get("default-src")
    return None


def site_policy(policies: list[dict[str, tuple[str, ...]]]) -> dict[str, tuple[str, ...]]:
    """Per directive, every source any page allows; a directive some page leaves open stays open."""
    directives = list(dict.fromkeys(d for policy in policies for d in policy))
    union: dict[str, tuple[str, ...]] = {}
    for directive in directives:
        allowed = [effective(policy, directive) for policy in policies]
        if any(sources is None for sources in allowed):
            continue
        merged = list(dict.fromkeys(s for sources in allowed for s in sources or () if s != "'none'"))
        union[directive] = tuple(merged) or ("'none'",)
    union["frame-ancestors"] = ("'self'",)
    return union


def headers_file(
    files: Mapping[str, bytes],
    base_path: str,
    known: Mapping[str, str | None] | None = None,
    made_after: Collection[str] = (),
) -> bytes:
    """The `_headers` file for the site in `files`, served under `base_path` (`known`, `made_after`:
    see page_policies)."""
    policy = site_policy(page_policies(files, known, made_after))
    csp = "; ".join(" ".join((directive, *sources)) for directive, sources in policy.items())
    lines = [
        "# HTTP headers for Netlify and Cloudflare Pages (written by build.py; see the README).",
        f"{base_path}*",
        f"  Content-Security-Policy: {csp}",
        *(f"  {name}: {value}" for name, value in EXTRA_HEADERS),
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")

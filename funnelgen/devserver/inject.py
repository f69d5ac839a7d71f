"""What the dev server adds to the HTML it serves: the client script, and a policy that lets it run.

Built pages carry a Content-Security-Policy `<meta>` that allows only their own inline code by
hash. The server adds the hashes of its script and of the stylesheet the script inserts, and
makes sure `connect-src` allows the page's own origin (for the event stream). Nothing else in
the page changes, and a build never contains any of this.
"""

from __future__ import annotations

import html
import json
import re
from functools import cache
from pathlib import Path

from funnelgen.tracking import csp_hash

HERE = Path(__file__).parent
EVENTS_PATH = "/__funnelgen/events"
"""The server-sent event stream the client script listens to."""
MARKER = "funnelgen-preview"
"""The id of the element the client script adds; never in build output."""

_META = re.compile(r"<meta\b[^>]*>", re.IGNORECASE)
_HTTP_EQUIV_CSP = re.compile(r"""\bhttp-equiv\s*=\s*["']?content-security-policy\b""", re.IGNORECASE)
_CONTENT = re.compile(r"""(\bcontent\s*=\s*)(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
_BODY_END = re.compile(r"</body\s*>", re.IGNORECASE)


@cache
def client_css() -> str:
    return (HERE / "client.css").read_text(encoding="utf-8")


@cache
def client_js() -> str:
    source = (HERE / "client.js").read_text(encoding="utf-8")
    return source.replace("__CSS__", json.dumps(client_css()).replace("</", "<\\/"))


def allow_client(policy: str) -> str:
    """The policy with the client script, its stylesheet and the event stream allowed."""
    needs = {"script-src": csp_hash(client_js()), "style-src": csp_hash(client_css()),
             "connect-src": "'self'"}
    directives = [part.split() for part in policy.split(";") if part.strip()]
    fallback = next((d[1:] for d in directives if d[0].lower() == "default-src"), ["'self'"])
    for name, source in needs.items():
        found = next((d for d in directives if d[0].lower() == name), None)
        if found is None:  # the directive falls back to default-src: keep what that allowed
            directives.append([name, *fallback])
            found = directives[-1]
        if "'none'" in found:
            found.remove("'none'")
        if source not in found:
            found.append(source)
    return "; ".join(" ".join(d) for d in directives)


def _rewrite_meta(match: re.Match[str]) -> str:
    tag = match.group(0)
    if not _HTTP_EQUIV_CSP.search(tag):
        return tag

    def content(found: re.Match[str]) -> str:
        policy = html.unescape(found.group(2) if found.group(2) is not None else found.group(3))
        return f'{found.group(1)}"{html.escape(allow_client(policy))}"'

    return _CONTENT.sub(content, tag, count=1)


def inject(page: bytes, digest: str, base_path: str = "") -> bytes:
    """``page`` as the dev server serves it: with the client script and a policy that allows it.

    ``digest`` names the version of the page being sent; the script reports it back so the
    server can tell it to reload when the page has changed since. ``base_path`` is where the site
    is served, encoded as in a URL ('' or '/shop', '/caf%C3%A9'): the script says so on a page
    outside it.
    """
    text = page.decode("utf-8", errors="surrogateescape")
    text = _META.sub(_rewrite_meta, text)
    tag = (f'<script data-digest="{html.escape(digest)}" data-base="{html.escape(base_path)}/">'
           f"{client_js()}</script>\n")
    ends = list(_BODY_END.finditer(text))
    at = ends[-1].start() if ends else len(text)
    return (text[:at] + tag + text[at:]).encode("utf-8", errors="surrogateescape")

"""Hostile strings: what an attacker (or a careless copy-paste) might put in a site's YAML.

Each string that could run script calls ``__pwned(n)`` (or ``alert(n)``) when it runs, so a
browser test that defines the marker sees any string that got through. Template strings
compute a number that cannot appear by chance (``{{ 1234*5 }}`` → 6170), so a page showing
the number instead of the braces evaluated marketer text as a template.

Used by tests/test_xss.py (every text and URL field of every step type, in every theme, in
Chromium) and tests/test_fuzz.py (as seeds).
"""

from __future__ import annotations

import base64

TEMPLATE_RESULT = "6170"
"""What ``{{ 1234*5 }}`` gives if it is ever evaluated."""

_B64 = base64.b64encode(b"<script>__pwned(12)</script>").decode()

HOSTILE: list[str] = [
    # Markup and event handlers
    "<script>__pwned(1)</script>",
    "<img src=x onerror=__pwned(2)>",
    '"><svg onload=__pwned(3)>',
    "'><svg onload=__pwned(4)>",
    '" autofocus onfocus="__pwned(5)" x="',
    "' autofocus onfocus='__pwned(6)' x='",
    # Dangerous URLs, as written and disguised
    "javascript:__pwned(7)",
    "JaVaScRiPt:__pwned(8)",
    "java\tscript:__pwned(9)",
    " javascript:__pwned(10)",
    "data:text/html,<script>__pwned(11)</script>",
    f"data:text/html;base64,{_B64}",
    "vbscript:msgbox(13)",
    "/\"><svg/onload=__pwned(14)>",
    "https://evil.example/\"><script>__pwned(15)</script>",
    "mailto:\"><svg/onload=__pwned(16)>",
    "#\"onmouseover=\"__pwned(17)",
    # Template syntax: Jinja2 and its cousins
    "{{ 1234*5 }}",
    "{% raw %}{{ 1234*5 }}{% endraw %}",
    "{{ config }}{{ self.__init__.__globals__ }}",
    "{% include '/etc/passwd' %}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{# a comment #}{{ lipsum.__globals__ }}",
    "${1234*5} #{1234*5} <%= 1234*5 %> {page} {site}",
    # Breaking out of the element a value lands in
    "</style><script>__pwned(25)</script>",
    "</script><script>__pwned(26)</script>",
    "</title><script>__pwned(27)</script>",
    "</textarea></noscript><script>__pwned(28)</script>",
    "<!--<script>__pwned(29)</script>-->",
    "--><script>__pwned(30)</script>",
    "<![CDATA[<script>__pwned(31)</script>]]>",
    # Unicode tricks
    "line\u2028separator\u2029</script><script>__pwned(32)</script>",
    "\u202egnp.exe<script>__pwned(33)</script>",
    "zero\u200bwidth\u200d\ufeffjoin<img src=x onerror=__pwned(34)>",
    "\uff1cscript\uff1e__pwned(35)\uff1c/script\uff1e",
    # CSS
    "expression(__pwned(36))",
    "red;background:url(javascript:__pwned(37))",
    # Entities that must stay text
    "&lt;script&gt;__pwned(38)&lt;/script&gt;",
    "&#60;img src=x onerror=__pwned(39)&#62;",
    # Markdown that would make a link or image of a script URL, or raw HTML
    "[click me](javascript:__pwned(40))",
    "![pic](javascript:__pwned(41))",
    "[x]: javascript:__pwned(42)\n\n[click me][x]",
    "<a href=\"javascript:__pwned(43)\">click me</a>",
    "<https://evil.example/\"onmouseover=\"__pwned(44)>",
    "`</code><script>__pwned(45)</script>`",
    # Script contexts
    "\"; __pwned(46); //",
    "'}); __pwned(47); //",
    # Elements that act without a click
    "<details open ontoggle=__pwned(48)>",
    "<iframe srcdoc=\"<script>parent.__pwned(49)</script>\"></iframe>",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:__pwned(50)\">",
    "<base href=\"javascript:__pwned(51)//\">",
    "<svg><animate onbegin=__pwned(52) attributeName=x dur=1s>",
    "<math><mtext><table><mglyph><style><img src=x onerror=__pwned(53)>",
    "<x onclick=alert(54)>click</x><script>alert(54)</script>",
    # Size
    "A" * 10_000 + "<script>__pwned(55)</script>",
]

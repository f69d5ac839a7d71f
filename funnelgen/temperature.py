"""Traffic temperature: the site's rules compiled to the JSON the browser runtime evaluates.

The semantics live in one place, twice written: `classify` here and `classify` in
`runtime/funnelgen.js` evaluate the same compiled rules over the same visitor record, and
a shared table of cases (tests/temperature_cases.yml) proves they agree.

A visitor record::

    {"utm": {"utm_source": "fb", ...},   # UTM of the visitor's last touch
     "ref": "www.google.com",            # external referrer host of the last touch ("" = direct)
     "params": {"gclid": "..."},         # query parameters of this page and of the last touch
     "returning": true,                  # came back after a break of 30+ minutes
     "visited": ["webinar/register"],    # steps seen before this page
     "opted_in": false, "clicked_checkout": false,
     "prev": "warm",                     # temperature reached before (it only rises)
     "override": "hot"}                  # ?temp= on the URL
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from funnelgen.schema.site import Condition, Rule, TemperatureRules
from funnelgen.schema.types import TEMPERATURES

Compiled = dict[str, Any]

REFERRER_GROUPS: dict[str, list[str]] = {
    "search": [
        "google.*", "bing.com", "duckduckgo.com", "search.yahoo.com",
        "yandex.*", "baidu.com", "ecosia.org", "search.brave.com", "startpage.com", "qwant.com",
    ],
    "social": [
        "facebook.com", "instagram.com", "t.co", "twitter.com", "x.com", "linkedin.com", "lnkd.in",
        "pinterest.*", "reddit.com", "youtube.com", "tiktok.com", "threads.net",
    ],
    "direct": [""],
}
UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term")
PAID_MEDIUMS = ["cpc", "ppc", "cpm", "cpv", "paid*", "display", "banner", "retargeting"]

DEFAULT_RULES: list[dict[str, Any]] = [
    {"name": "own email list or already a lead", "temperature": "hot",
     "when": {"any": [{"utm_medium": ["email", "newsletter"]}, {"utm_source": ["email", "newsletter"]},
                      {"opted_in": True}, {"clicked_checkout": True}]}},
    {"name": "first visit from a paid ad", "temperature": "cold",
     "when": {"utm_medium": PAID_MEDIUMS, "returning": False}},
    {"name": "returning visitor", "temperature": "warm", "when": {"returning": True}},
    {"name": "organic, social or referral", "temperature": "warm",
     "when": {"any": [{"utm_medium": ["organic", "social", "referral"]}, {"referrer": "*"}]}},
]
"""The book's definitions: own list or prior opt-in → hot; paid first visit → cold;
returning, organic, social or referral → warm; anything else (direct, first visit) → cold.
Any referrer from another site is organic, social or referral traffic: naming the `search` and
`social` groups too would send the same answer in every page, 300 bytes longer."""


def compile_rules(settings: TemperatureRules) -> Compiled:
    """The rules as the runtime reads them: `[{t, lower, all: [condition…]}]` and a default."""
    rules = settings.rules if settings.rules is not None else default_rules()
    compiled: Compiled = {"default": settings.default, "rules": [_rule(rule) for rule in rules]}
    params = sorted({name for rule in rules for name in _params(rule.when)})
    if params:  # the only query parameters the runtime keeps: never an email= in a link
        compiled["params"] = params
    return compiled


def _params(when: Condition) -> Iterator[str]:
    """The query parameters a condition reads."""
    yield from when.param
    for option in when.any or []:
        yield from _params(option)


def default_rules() -> list[Rule]:
    return [Rule.model_validate(rule) for rule in DEFAULT_RULES]


def _rule(rule: Rule) -> Compiled:
    compiled: dict[str, Any] = {"t": rule.temperature, "all": _conditions(rule.when)}
    if rule.lower:  # absent means false: four pages' worth of rules, a few bytes each
        compiled["lower"] = True
    return compiled


def _conditions(when: Condition) -> list[Compiled]:
    out: list[Compiled] = []
    for key in UTM_KEYS:
        value = getattr(when, key)
        if value is not None:
            out.append({"k": "utm", "f": key, "v": _values(value)})
    if when.referrer is not None:
        patterns: list[str] = []
        for value in _values(when.referrer):
            patterns += REFERRER_GROUPS.get(value.lower(), [value])  # Search, Social too
        out.append({"k": "ref", "v": patterns})
    for name, value in sorted(when.param.items()):
        out.append({"k": "param", "f": name, "v": _values(value)})
    for flag in ("returning", "opted_in", "clicked_checkout"):
        value = getattr(when, flag)
        if value is not None:
            out.append({"k": flag, "v": value})
    if when.visited is not None:
        out.append({"k": "visited", "v": when.visited})
    if when.any:
        out.append({"k": "any", "v": [_conditions(option) for option in when.any]})
    return out


def _values(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def glob(pattern: str, value: str | None) -> bool:
    """Case-insensitive match where `*` stands for any text; a missing value matches only ''."""
    pattern, value = pattern.lower(), (value or "").lower()
    if value == "":
        return pattern == ""
    if "*" not in pattern:
        return pattern == value
    regex = ".*".join(re.escape(part) for part in pattern.split("*"))
    return re.fullmatch(regex, value) is not None


def _any_glob(patterns: list[str], value: str | None) -> bool:
    return any(glob(p, value) for p in patterns)


def matches(condition: Compiled, visitor: dict[str, Any]) -> bool:
    kind = condition["k"]
    if kind == "utm":
        return _any_glob(condition["v"], (visitor.get("utm") or {}).get(condition["f"]))
    if kind == "ref":  # the host, or a domain it is under: facebook.com stands for m.facebook.com too
        parts = (visitor.get("ref") or "").split(".")
        return any(_any_glob(condition["v"], ".".join(parts[i:])) for i in range(max(1, len(parts) - 1)))
    if kind == "param":
        return _any_glob(condition["v"], (visitor.get("params") or {}).get(condition["f"]))
    if kind == "visited":
        return bool(condition["v"] in (visitor.get("visited") or []))
    if kind == "any":
        return any(all(matches(c, visitor) for c in option) for option in condition["v"])
    return bool(visitor.get(kind)) == bool(condition["v"])


def classify(compiled: Compiled, visitor: dict[str, Any]) -> str:
    """The visitor's temperature: ?temp= wins; else the first matching rule; never lower than
    before unless that rule says `lower: true`."""
    override = str(visitor.get("override") or "").lower()  # ?temp=Hot too
    if override in TEMPERATURES:
        return override
    found, lower = compiled["default"], False
    for rule in compiled["rules"]:
        if all(matches(c, visitor) for c in rule["all"]):
            found, lower = rule["t"], rule.get("lower", False)
            break
    previous = visitor.get("prev")
    if previous in TEMPERATURES and not lower and TEMPERATURES.index(found) < TEMPERATURES.index(previous):
        return str(previous)
    return str(found)

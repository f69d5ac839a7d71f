"""Fuzzing: generated and mutated YAML never makes funnelgen fail with anything but its own error.

Hypothesis writes `site.yml` or a funnel file of a small site: random structures dumped as
YAML, valid files with values swapped, keys dropped or added, and their bytes flipped,
inserted or deleted, plus the classic monsters (deep nesting, huge scalars, "billion laughs"
aliases, unknown tags, several documents, stray bytes). `funnelgen check` (and, for a smaller
share, `funnelgen build`) must then succeed or raise `Abort` whose every problem names a
file, in one line, within a deadline; a failed build leaves the previous output as it was.

Runs are reproducible (`derandomize=True`, no example database).
``FUNNELGEN_FUZZ_EXAMPLES`` sets the number of examples (default 300 for check, a sixth of
that for build).
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import FUNNEL_YML, SITE_YML, snapshot
from hostile import HOSTILE
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from funnelgen.commands.build import build
from funnelgen.commands.check import check
from funnelgen.errors import Abort
from funnelgen.load import MAX_DEPTH, MAX_FILE_BYTES, MAX_NODES
from funnelgen.write import spare_path, template_cache_path

EXAMPLES = int(os.environ.get("FUNNELGEN_FUZZ_EXAMPLES", "300"))
CPU_SECONDS = 2.0
"""Each example's bound, in CPU time (the same on a busy machine as on an idle one)."""
DEADLINE_MS = 10_000  # wall-clock, for hypothesis: catches a hang on a busy 2-core machine
FUZZ = settings(max_examples=EXAMPLES, deadline=DEADLINE_MS, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.large_base_example])
OUTCOMES: Counter[str] = Counter()

# A valid site that uses most keys, to mutate (the tiny site of conftest is the other one).
RICH_SITE = """\
name: Fuzz Co
base_url: https://fuzz.example/
theme: clean
brand: {colors: {primary: "#123456"}, font: serif}
seo: {title: "{page} | {site}", description: Fuzzing}
legal: {privacy: https://fuzz.example/privacy, company: Fuzz LLC}
index: true
tracking: {ga4: {measurement_id: G-ABC123}, beacon: {url: /collect}}
temperature:
  rules:
    - {name: list, temperature: hot, when: {utm_medium: [email], any: [{returning: true}]}}
consent: {mode: banner, text: We measure.}
hosting: {targets: [netlify], redirects: [{from: /go, to: /tiny/}]}
"""
RICH_FUNNEL = """\
title: Rich funnel
steps:
  - id: story
    type: bridge
    headline: A story
    body: "Some **Markdown** with [a link](https://fuzz.example/)."
    video: {url: "https://www.youtube.com/watch?v=dQw4w9WgXcQ", title: Watch}
    by_temperature: {hot: {headline: Welcome back}}
    skip_for: [hot]
  - id: join
    type: webinar
    headline: Join
    webinar: {starts: "2030-12-10 19:00", timezone: America/New_York}
    form: {provider: custom, action: "https://mail.example/s", hidden: {tag: x}}
  - id: offer
    type: offer
    headline: Offer
    price: {amount: 47, compare_at: 97, plans: [{amount: 19, count: 3, checkout: "https://buy.example/p"}]}
    checkout: https://buy.example/c
    testimonials: [{quote: Good, name: Ann}]
    faq: [{question: "Why?", answer: Because.}]
  - id: more
    type: upsell
    headline: More
    price: {amount: 97}
    accept: {checkout: "https://buy.example/m"}
    decline: {to: thanks}
  - id: thanks
    type: thankyou
    headline: Thanks
    next_steps: [Check your email]
"""
VALID = {"site.yml": [SITE_YML, RICH_SITE], "funnels/tiny.yml": [FUNNEL_YML, RICH_FUNNEL]}


# --- strategies -------------------------------------------------------------------------------

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=40),
    st.sampled_from(HOSTILE[:-1]), st.dates(), st.datetimes(),
    st.sampled_from(["clean", "optin", "offer", "thankyou", "https://x.example/", "assets/x.png",
                     "content/x.md", "../../etc/passwd", "/etc/passwd", "yes", "no", "on", "~", "#fff"]),
)
keys = st.one_of(st.text(max_size=12), st.sampled_from(
    ["name", "base_url", "title", "steps", "id", "type", "headline", "form", "provider", "action",
     "price", "amount", "checkout", "theme", "body", "body_file", "next", "cta", "text", "to"]))
structures = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=5), st.dictionaries(keys, inner, max_size=5)), max_leaves=40)


def dumped(value: Any) -> str:
    return yaml.safe_dump(value, allow_unicode=True, sort_keys=False)


@st.composite
def mutated_structure(draw: st.DrawFn) -> str:
    """A valid file, parsed, with values replaced, keys dropped or added; dumped again."""
    data = yaml.safe_load(draw(st.sampled_from(VALID[draw(st.sampled_from(sorted(VALID)))])))
    for _ in range(draw(st.integers(1, 4))):
        paths = list(_paths(data))
        path = draw(st.sampled_from(paths))
        parent = data
        for part in path[:-1]:
            parent = parent[part]
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "replace" or not path:
            if path:
                parent[path[-1]] = draw(structures)
            else:
                data = draw(structures)
                break
        elif action == "delete" and isinstance(parent, dict):
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(keys)] = draw(structures)
        elif isinstance(parent, list):
            parent.append(draw(structures))
    return dumped(data)


TEXT_KEYS = {"name", "title", "description", "company", "text", "headline", "body", "quote",
             "question", "answer", "note", "label"}
"""Keys whose value is plain text (or Markdown) in the valid files: any text fits."""


@st.composite
def swapped_text(draw: st.DrawFn) -> str:
    """A valid file with some of its text values replaced by any text (most of these build)."""
    data = yaml.safe_load(draw(st.sampled_from(VALID[draw(st.sampled_from(sorted(VALID)))])))
    texts = [path for path in _paths(data) if path and isinstance(_at(data, path), str)
             and path[-1] in TEXT_KEYS]
    for path in draw(st.lists(st.sampled_from(texts), min_size=1, max_size=6, unique=True)):
        _at(data, path[:-1])[path[-1]] = draw(st.one_of(st.text(max_size=60), st.sampled_from(HOSTILE[:-1])))
    return dumped(data)


def _at(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        data = data[part]
    return data


def _paths(data: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _paths(value, (*path, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _paths(value, (*path, i))


@st.composite
def mutated_bytes(draw: st.DrawFn) -> bytes:
    """A valid file with a few bytes flipped, inserted or deleted."""
    data = bytearray(draw(st.sampled_from([t for ts in VALID.values() for t in ts])).encode())
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["flip", "insert", "delete", "copy"]))
        if action == "flip" and at < len(data):
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif action == "insert":
            data[at:at] = draw(st.one_of(
                st.binary(min_size=1, max_size=4),
                st.sampled_from([b"&a ", b"*a", b"!!python/object ", b"!x ", b"<<: ", b"- ", b": ", b"\t",
                                 b"---\n", b"...\n", b"%YAML 1.1\n", b"[", b"{", b"'", b'"', b"#", b"\x00",
                                 b"\r", b"\xef\xbb\xbf", b"\xff", "\u2028".encode(), b"? "])))
        elif action == "delete":
            del data[at:at + draw(st.integers(1, 12))]
        else:  # repeat a slice: duplicate keys, lines out of place
            start = draw(st.integers(0, len(data)))
            data[at:at] = data[start:start + draw(st.integers(1, 40))]
    return bytes(data)


@st.composite
def monsters(draw: st.DrawFn) -> str:
    """Files made to be slow or huge: each must be refused (or read) quickly."""
    kind = draw(st.sampled_from(["laughs", "deep-block", "deep-flow", "long", "wide", "tags",
                                 "documents", "alias-loop", "merge", "json-anchor"]))
    n = draw(st.integers(1, 10))
    if kind == "laughs":
        width, levels = draw(st.integers(2, 12)), draw(st.integers(2, 12))
        lines = ['a0: &a0 ["lol"]'] + [
            f"a{i}: &a{i} [{', '.join(f'*a{i - 1}' for _ in range(width))}]" for i in range(1, levels + 1)]
        return "\n".join(lines) + "\n"
    if kind == "deep-block":
        depth = draw(st.integers(MAX_DEPTH - 2, 3000))
        return "title: x\nsteps:\n" + "".join("  " * i + "  - \n" for i in range(depth))
    if kind == "deep-flow":
        depth = draw(st.integers(MAX_DEPTH - 2, 100_000))
        return "title: x\nsteps: " + "[" * depth + "]" * depth + "\n"
    if kind == "long":
        return f"title: {'x' * draw(st.integers(1, MAX_FILE_BYTES + 10))}\nsteps: []\n"
    if kind == "wide":
        count = draw(st.integers(1, 2 * MAX_NODES // 10))
        return "title: x\nsteps: [" + ",".join(["1"] * count) + "]\n"
    if kind == "tags":
        tag = draw(st.sampled_from(["!!python/object/apply:os.system", "!!python/name:os.system",
                                    "!custom", "!!binary", "!!set", "!!omap", "!!pairs", "!<tag:x>",
                                    "!!python/object/new:list", "!!js/function"]))
        return f"title: {tag} [a]\nsteps: []\n"
    if kind == "documents":
        return "title: x\n---\n" * n
    if kind == "alias-loop":
        return f"a: &a [*a{', *a' * n}]\n"
    if kind == "merge":
        return "base: &b {type: thankyou}\nsteps:\n" + "  - <<: *b\n    id: s\n" * n
    return '{"title": &t "x", "steps": [' + ", ".join(["*t"] * n) + "]}\n"


fuzzed_text = st.one_of(
    structures.map(dumped), swapped_text(), swapped_text(), mutated_structure(), mutated_bytes(), monsters(),
    st.binary(max_size=200), st.text(max_size=200).map(str.encode),
)


# --- the checks ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def fuzz_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fuzz") / "site"
    (root / "funnels").mkdir(parents=True)
    return root


def write(root: Path, name: str, data: str | bytes) -> None:
    """The fuzzed file as ``name``; the site's other file as the tiny site has it."""
    files = {"site.yml": SITE_YML, "funnels/tiny.yml": FUNNEL_YML, name: data}
    for rel, content in files.items():
        path = root / rel
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def assert_own_error(exc: Abort) -> None:
    assert exc.problems, "an Abort with no problem in it"
    for problem in exc.problems:
        assert problem.file, f"a problem that names no file: {problem}"
        assert "\n" not in str(problem) and "\r" not in str(problem), f"not one line: {str(problem)!r}"


@pytest.mark.parametrize(("name", "index"), [(n, i) for n in sorted(VALID) for i in range(2)])
def test_the_files_the_fuzzer_mutates_are_valid(fuzz_root: Path, name: str, index: int) -> None:
    write(fuzz_root, name, VALID[name][index])
    assert check(fuzz_root).pages > 0


@FUZZ
@given(name=st.sampled_from(["site.yml", "funnels/tiny.yml"]), data=fuzzed_text)
def test_check_survives_any_yaml(fuzz_root: Path, name: str, data: str | bytes) -> None:
    write(fuzz_root, name, data)
    started = time.process_time()
    try:
        check(fuzz_root)
        OUTCOMES["check: ok"] += 1
    except Abort as exc:
        assert_own_error(exc)
        OUTCOMES["check: refused"] += 1
    assert time.process_time() - started < CPU_SECONDS


@settings(FUZZ, max_examples=max(1, EXAMPLES // 6))
@given(name=st.sampled_from(["site.yml", "funnels/tiny.yml"]),
       data=st.one_of(swapped_text(), mutated_structure(), mutated_bytes(), monsters()))
def test_build_survives_any_yaml_and_keeps_the_previous_output(
    fuzz_root: Path, name: str, data: str | bytes
) -> None:
    out = fuzz_root.parent / "out"
    write(fuzz_root, name, "title: Good\nsteps: [{id: ok, type: thankyou, headline: Good}]\n"
          if name.startswith("funnels/") else SITE_YML)
    build(fuzz_root, out, cache=False)
    before = snapshot(out)
    write(fuzz_root, name, data)
    started = time.process_time()
    try:
        build(fuzz_root, out, cache=False)
        OUTCOMES["build: ok"] += 1
    except Abort as exc:
        assert_own_error(exc)
        assert snapshot(out) == before
        OUTCOMES["build: refused"] += 1
    assert time.process_time() - started < CPU_SECONDS
    assert sorted(p.name for p in out.parent.iterdir() if p not in (spare_path(out), template_cache_path(out))) == [
        "out", "site"]


def test_fuzz_figures() -> None:
    """Prints what the fuzz tests above did (run after them, in file order)."""
    total = sum(OUTCOMES.values())
    assert total > 0 or not OUTCOMES
    print(f"\nfuzz examples: {total}", dict(sorted(OUTCOMES.items())))


# --- the monsters, one by one, against the clock ----------------------------------------------

def laughs(width: int, levels: int) -> str:
    lines = ['a0: &a0 ["lol"]'] + [
        f"a{i}: &a{i} [{', '.join(f'*a{i - 1}' for _ in range(width))}]" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


MONSTERS = {
    "billion-laughs": laughs(10, 9),
    "billion-laughs-wide": laughs(1000, 3),
    "laughs-in-flow-json": '{"a": &a ["x","x","x","x","x","x","x","x","x","x"], "b": &b [' + ",".join(["*a"] * 1000)
                           + '], "c": [' + ",".join(["*b"] * 1000) + "]}\n",
    "deep-flow": "title: x\nsteps: " + "[" * 100_000 + "]" * 100_000 + "\n",
    "deep-block": "title: x\nsteps:\n" + "".join("  " * i + "  - \n" for i in range(2000)),
    "deep-mapping": "".join("  " * i + f"k{i}:\n" for i in range(5000)),
    "long-text-laughs": 'title: &t "' + "x" * 1_000_000 + '"\nsteps: [' + ",".join(["*t"] * 1000) + "]\n",
    "too-big": "title: " + "x" * (MAX_FILE_BYTES + 1) + "\n",
    "many-values": "title: x\nsteps: [" + ",".join(["1"] * (MAX_NODES + 1)) + "]\n",
    "many-keys": "title: x\n" + "".join(f"k{i}: 1\n" for i in range(100_000)),
    "long-line": "title: " + "x " * 900_000 + "\n",
    "colon-then-spaces": "title: a: b" + " " * 200_000 + "z\n",  # the hint for ': ' in a value
    "hash-then-spaces": "title: z #a" + " " * 200_000 + "b\nsteps: [\n",  # text cut by a comment
}


@pytest.mark.parametrize("name", ["site.yml", "funnels/tiny.yml"])
@pytest.mark.parametrize("monster", list(MONSTERS))
def test_monsters_are_refused_quickly(monster: str, name: str, fuzz_root: Path) -> None:
    write(fuzz_root, name, MONSTERS[monster])
    started = time.process_time()  # CPU time: the same on a busy machine as on an idle one
    with pytest.raises(Abort) as caught:
        check(fuzz_root)
    assert time.process_time() - started < 5, f"{monster} took too long"
    assert_own_error(caught.value)
    assert {p.file for p in caught.value.problems} == {name}


MARKDOWN_MONSTERS = {"quotes": ">" * 40_000 + " x", "lists": "- " * 40_000 + "x",
                     "html": "<div>" * 40_000 + "x" + "</div>" * 40_000}


@pytest.mark.parametrize("monster", list(MARKDOWN_MONSTERS))
def test_markdown_nested_too_deep_is_refused_quickly(monster: str, fuzz_root: Path) -> None:
    write(fuzz_root, "site.yml", SITE_YML + "markdown: {allow_html: true}\n")
    (fuzz_root / "content").mkdir(exist_ok=True)
    (fuzz_root / "content" / "deep.md").write_text(MARKDOWN_MONSTERS[monster], encoding="utf-8")
    funnel = FUNNEL_YML.replace("    headline: Join the list\n",
                                "    headline: Join the list\n    body_file: content/deep.md\n", 1)
    assert funnel != FUNNEL_YML
    (fuzz_root / "funnels" / "tiny.yml").write_text(funnel, encoding="utf-8")
    started = time.process_time()
    with pytest.raises(Abort) as caught:
        check(fuzz_root)
    assert time.process_time() - started < 5, f"{monster} took too long"  # it took a minute
    assert [str(p) for p in caught.value.problems] == [
        "content/deep.md:1: nested more than 100 levels deep (quotes '>', lists or HTML); sanitising it "
        "would take minutes: flatten it"]


# --- errors name the right key -------------------------------------------------------------------

def test_an_error_in_a_webinar_step_names_its_key_not_the_webinar_block(fuzz_root: Path) -> None:
    """pydantic names the member of the step union ('webinar') in its error locations; a
    webinar step also has a key 'webinar', which must not be mistaken for it (found by the XSS
    test: `steps[0].webinar.id` at the line of the webinar block)."""
    write(fuzz_root, "funnels/tiny.yml", (
        "title: T\nsteps:\n  - id: Bad Id\n    type: webinar\n    headline: H\n"
        "    webinar: {starts: '2030-12-10 19:00', timezone: Europe/Nowhere}\n"
        "    form: {provider: netlify}\n"))
    with pytest.raises(Abort) as caught:
        check(fuzz_root)
    assert [str(p) for p in caught.value.problems] == [
        "funnels/tiny.yml:3: steps[0].id: 'Bad Id' is not a valid slug: use lowercase letters, digits "
        "and single '-', e.g. 'bad-id'",
        "funnels/tiny.yml:6: steps[0].webinar.timezone: 'Europe/Nowhere' is not a time zone: did you "
        "mean Europe/Jersey?",
    ]


def test_dates_and_numbers_in_text_fields_say_what_to_write(fuzz_root: Path) -> None:
    write(fuzz_root, "site.yml", dumped({"name": date(2030, 1, 2), "base_url": "https://x.example/",
                                         "seo": {"description": datetime(2030, 1, 2, 3, 4)}}))
    with pytest.raises(Abort) as caught:
        check(fuzz_root)
    assert_own_error(caught.value)

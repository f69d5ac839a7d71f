"""Unit tests of funnelgen.load: safe YAML with the line of every key and list item."""

from __future__ import annotations

import os
from collections.abc import Collection
from datetime import date
from pathlib import Path

import pytest

from funnelgen import load
from funnelgen.errors import Abort, Problem
from funnelgen.load import load_yaml, read_text
from funnelgen.schema import Funnel
from funnelgen.site import prepare
from funnelgen.validate import MIN_FILES_PER_WORKER, validate


def _load(tmp_path: Path, text: str | bytes, name: str = "funnels/x.yml") -> load.Source:
    path = tmp_path / "x.yml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return load_yaml(path, name)


def _problems(tmp_path: Path, text: str | bytes) -> list[str]:
    with pytest.raises(Abort) as caught:
        _load(tmp_path, text)
    return [str(p) for p in caught.value.problems]


FUNNEL = """\
title: Demo        # line 1
steps:
  - id: join       # line 3
    type: optin
    benefits:
      - Fast       # line 6
      - Free
  - id: thanks     # line 8
    type: thankyou
"""


def test_lines_of_keys_and_list_items(tmp_path: Path) -> None:
    source = _load(tmp_path, FUNNEL)
    assert source.lines[("title",)] == 1
    assert source.lines[("steps",)] == 2
    assert source.lines[("steps", 0)] == 3
    assert source.lines[("steps", 0, "id")] == 3
    assert source.lines[("steps", 0, "type")] == 4
    assert source.lines[("steps", 0, "benefits", 0)] == 6
    assert source.lines[("steps", 0, "benefits", 1)] == 7
    assert source.lines[("steps", 1)] == 8
    assert source.lines[("steps", 1, "type")] == 9


def test_line_falls_back_to_the_nearest_enclosing_key(tmp_path: Path) -> None:
    source = _load(tmp_path, FUNNEL)
    assert source.line(("steps", 1, "headline")) == 8  # missing key: its step's line
    assert source.line(("nowhere", 3)) == 1
    assert source.problem(("steps", 0, "form"), "missing") == Problem(
        "funnels/x.yml", 3, "steps[0].form", "missing"
    )


def test_data_is_plain_dicts_lists_and_scalars(tmp_path: Path) -> None:
    source = _load(tmp_path, FUNNEL)
    assert source.data == {
        "title": "Demo",
        "steps": [
            {"id": "join", "type": "optin", "benefits": ["Fast", "Free"]},
            {"id": "thanks", "type": "thankyou"},
        ],
    }


def test_windows_line_endings_keep_line_numbers(tmp_path: Path) -> None:
    source = _load(tmp_path, FUNNEL.replace("\n", "\r\n").encode())
    assert source.lines[("steps", 1)] == 8


def test_on_yes_no_keys_stay_text(tmp_path: Path) -> None:
    source = _load(tmp_path, "on: click\nyes: 1\nno: 2\noff: 3\ny: 4\n")
    assert list(source.data) == ["on", "yes", "no", "off", "y"]


def test_values_keep_what_was_typed_when_yaml_reads_them_as_not_text(tmp_path: Path) -> None:
    source = _load(tmp_path, "a: yes\nb: 1.50\nc: 2026-01-02\nd: Hello\ne: '2026'\nf:\n")
    assert source.data == {"a": True, "b": 1.5, "c": date(2026, 1, 2), "d": "Hello",
                           "e": "2026", "f": None}
    assert source.texts == {("a",): "yes", ("b",): "1.50", ("c",): "2026-01-02"}


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    source = _load(tmp_path, "\ufefftitle: Café\n".encode())
    assert source.data == {"title": "Café"}
    assert source.lines[("title",)] == 1


def test_empty_file_is_none(tmp_path: Path) -> None:
    assert _load(tmp_path, "").data is None
    assert _load(tmp_path, "# only a comment\n").data is None


def test_not_utf8_names_the_line(tmp_path: Path) -> None:
    assert _problems(tmp_path, b"a: 1\nb: 2\nc: caf\xe9\n") == [
        "funnels/x.yml:3: byte 0xe9 is not UTF-8; save the file as UTF-8 "
        "(in most editors: File > Save with Encoding > UTF-8)"
    ]


def test_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.yml"
    path.write_bytes(b"a: " + b"x" * load.MAX_FILE_BYTES + b"\n")
    with pytest.raises(Abort) as caught:
        read_text(path, "funnels/big.yml")
    assert str(caught.value) == "funnels/big.yml: file is larger than 2,000,000 bytes"


def test_size_limit_is_inclusive(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(load, "MAX_FILE_BYTES", 10)
    assert _load(tmp_path, "a: 1234567").data == {"a": 1234567}  # exactly 10 bytes
    assert _problems(tmp_path, "a: 12345678") == ["funnels/x.yml: file is larger than 10 bytes"]


def test_duplicate_key_names_both_lines(tmp_path: Path) -> None:
    assert _problems(tmp_path, "steps:\n  - id: a\n    headline: One\n    headline: Two\n") == [
        "funnels/x.yml:4: steps[0].headline: duplicate key 'headline' (first on line 3); keep only one"
    ]


def test_merge_keys_are_refused(tmp_path: Path) -> None:
    assert _problems(tmp_path, "base: &b {x: 1}\nother:\n  <<: *b\n") == [
        "funnels/x.yml:3: other: merge keys ('<<') are not supported; write the keys out"
    ]


@pytest.mark.parametrize("tag", ["!!python/object/apply:os.system", "!!python/name:os.system",
                                 "!!binary"])
def test_tags_are_refused(tmp_path: Path, tag: str) -> None:
    assert _problems(tmp_path, f"a:\n  b: {tag} x\n") == [
        f"funnels/x.yml:2: a.b: the YAML tag '{tag}' is not allowed; remove it"
    ]


def test_text_that_starts_like_a_tag_is_put_in_quotes(tmp_path: Path) -> None:
    assert _problems(tmp_path, "a:\n  b: !Important news\n") == [
        "funnels/x.yml:2: a.b: text cannot start with '!' unless it is in quotes (YAML reads it as a tag): "
        "write b: \"!Important news\""
    ]


def test_tag_on_a_list_is_refused_too(tmp_path: Path) -> None:
    text = 'a: !!python/object/apply:os.system ["echo hi"]\n'
    assert _problems(tmp_path, text) == [
        "funnels/x.yml:1: a: the YAML tag '!!python/object/apply:os.system' is not allowed; remove it"
    ]


def test_standard_tags_are_fine(tmp_path: Path) -> None:
    assert _load(tmp_path, "a: !!str 2026\nb: !!int '7'\n").data == {"a": "2026", "b": 7}


def test_alias_bomb_is_refused_without_expanding_it(tmp_path: Path) -> None:
    # 10**12 values if expanded; counting them shares the work, so this takes milliseconds.
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 12)]
    assert _problems(tmp_path, "\n".join(lines)) == [
        "funnels/x.yml:6: a5: aliases (*name) make this more than 200,000 values; "
        "write the values out instead"
    ]


def test_small_aliases_are_fine(tmp_path: Path) -> None:
    source = _load(tmp_path, "a: &x [1, 2]\nb: *x\n")
    assert source.data == {"a": [1, 2], "b": [1, 2]}
    assert source.lines[("b", 1)] == 1  # the items are where the anchor wrote them


def test_alias_inside_itself_is_refused(tmp_path: Path) -> None:
    assert _problems(tmp_path, "title: x\nsteps: &s\n  - *s\n") == [
        "funnels/x.yml:2: steps: an alias (*name) is used inside the value it refers to; "
        "write the values out instead"
    ]


def test_too_many_values_without_aliases(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(load, "MAX_NODES", 100)
    assert _problems(tmp_path, "title: x\nsteps: [" + "1, " * 100 + "]\n") == [
        "funnels/x.yml:2: steps: more than 100 values: too many for one file"
    ]


def test_deep_nesting_is_refused(tmp_path: Path) -> None:
    text = "a:\n" + "".join("  " * i + "  - \n" for i in range(load.MAX_DEPTH + 5))
    assert _problems(tmp_path, text) == [
        f"funnels/x.yml:{load.MAX_DEPTH + 2}: a: nested more than 64 levels deep"
    ]


def test_very_deep_flow_nesting_is_refused(tmp_path: Path) -> None:
    assert _problems(tmp_path, "a: " + "[" * 100_000 + "]" * 100_000) == [
        "funnels/x.yml:1: nested more than 64 levels deep"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: b: c\n", "funnels/x.yml:1: a value contains ': '; put the whole value in quotes: "
                      'a: "b: c"'),
        ("a: x\n b: y\n", "funnels/x.yml:2: this line is indented differently from the lines "
                          "above; line it up"),
        ("a:\n\tb: 1\n", "funnels/x.yml:2: this line is indented with a tab; indent with spaces only"),
        ('a: "open\nb: 2\n', "funnels/x.yml:1: a quote opened on this line is never closed"),
        ("a: 1\n---\nb: 2\n", "funnels/x.yml:2: a second document starts here ('---'); "
                              "keep one document per file"),
        ("a: *nope\n", "funnels/x.yml:1: an alias (*name) here has no anchor (&name) above it; "
                       "write the value out"),
        ("a: `cmd`\n", "funnels/x.yml:1: text cannot start with '`' unless it is in quotes (YAML reads it as "
                       "a reserved character): write a: \"`cmd`\""),
        ("a: [x, y\nb: 2\n", "funnels/x.yml:1: the '[' on this line is never closed: end the list with ']'"),
        ("a: [x,\n  y\nb: 2\n", "funnels/x.yml:1: the '[' on this line is never closed: end the list with ']'"),
        ("a: {x: 1\nb: 2\n", "funnels/x.yml:1: the '{' on this line is never closed: end the set of keys "
                             "with '}'"),
        ("a: 1\nb: [x, y\n", "funnels/x.yml:2: the '[' on this line is never closed: end the list with ']'"),
        ("a: {x: 1, y: [1, 2}\n", "funnels/x.yml:1: the '[' on this line is closed with '}': write ']' instead"),
        ("a: {x: 1 y: 2}\n", "funnels/x.yml:1: a ',' is missing before 'y', or the ': ' after it is part of "
                            "the text: then put the text in quotes: x: \"1 y: 2\""),
        ("a: [1, 2]]\n", "funnels/x.yml:1: this ']' closes nothing: remove it, or add the '[' it closes"),
        ("a:\n  - x\n - y\n", "funnels/x.yml:3: this line is indented 1 space and the line above 2: line it "
                              "up with its neighbours"),
        ("title: T\nsteps:\n  - id: a\n    type optin\n    headline: H\n",
         "funnels/x.yml:4: a ':' is missing after 'type': write type: optin"),
        ("title: T\nsteps:\n  - id: a\n    headline:Get the plan\n    type: optin\n",
         "funnels/x.yml:4: put a space after the ':' of 'headline': write headline: Get the plan"),
        ("name Sunny Yoga\nbase_url: https://a.example/\n",
         "funnels/x.yml:1: a ':' is missing after 'name': write name: Sunny Yoga"),
        ("a:\n  b: *Special* offer\n", "funnels/x.yml:2: text cannot start with '*' unless it is in quotes "
                                      "(YAML reads it as an alias): write b: \"*Special* offer\""),
        ("a: [NEW] course\n", "funnels/x.yml:1: text cannot start with '[' unless it is in quotes (YAML "
                              "reads it as a list): write a: \"[NEW] course\""),
        ("a: > quote\nb: 1\n", "funnels/x.yml:1: text cannot start with '>' unless it is in quotes (YAML "
                               "reads it as the start of a block of text): write a: \"> quote\""),
        ("a: - first\n", "funnels/x.yml:1: text cannot start with '-' unless it is in quotes (YAML reads it "
                         "as a list item): write a: \"- first\""),
        ("cta: {text: Step 1: go}\n", "funnels/x.yml:1: the ': ' inside this text ends it there: put the text "
                                      "in quotes: text: \"Step 1: go\""),
        ("cta: {text: Buy now #1 deal}\n", "funnels/x.yml:1: the ' #' inside this text starts a comment, which "
                                           "hides the rest of the line: put the text in quotes: text: "
                                           "\"Buy now #1 deal\""),
        ("cta: {text: Yes, send it}\n", "funnels/x.yml:1: cta.text: the ',' after 'Yes' ends the value of "
                                        "'text' there; to keep 'send it' in it, put the whole value in quotes: "
                                        "text: \"Yes, send it\""),
        ("steps:\n  - id: a\n    type: optin\n    id: b\n", "funnels/x.yml:4: steps[0].id: duplicate key "
         "'id' (first on line 2); keep only one, or write '- ' before it to start another item of the list"),
    ],
    ids=["colon-in-value", "indentation", "tab", "unclosed-quote", "two-documents",
         "undefined-alias", "backtick", "unclosed-list", "unclosed-list-over-two-lines", "unclosed-keys",
         "unclosed-list-at-the-end", "list-closed-with-a-brace", "missing-comma", "stray-bracket",
         "list-item-indented-less", "key-without-colon", "colon-without-space", "first-key-without-colon",
         "text-starting-with-star", "text-starting-with-a-bracket", "text-starting-with-gt",
         "text-starting-with-a-dash", "colon-inside-braces", "hash-inside-braces", "comma-inside-braces",
         "dash-forgotten"],
)
def test_syntax_errors_say_what_to_write(tmp_path: Path, text: str, expected: str) -> None:
    assert _problems(tmp_path, text) == [expected]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("title: x\nsteps:\n  - id: a\n    headline: 'Don't miss the free training'\n",
         "funnels/x.yml:4: headline: the ' in Don't ends the quoted text: write \"Don't miss the free "
         "training\" (double quotes), or double the ' inside single quotes ('Don''t …')"),
        ('headline: "She said "yes" to the plan"\n',
         "funnels/x.yml:1: headline: the \" in \"yes\" ends the quoted text: write 'She said \"yes\" to the "
         "plan' (single quotes), or \\\" for each \" inside double quotes (\"She said \\\"yes\\\" …\")"),
        ("benefits:\n  - 'It's yours for life'   # a note\n",
         "funnels/x.yml:2: the ' in It's ends the quoted text: write \"It's yours for life\" (double quotes), "
         "or double the ' inside single quotes ('It''s …')"),
        ("headline: 'It''s Bob's day'\n",  # a doubled '' is fine: the next one is not
         "funnels/x.yml:1: headline: the ' in Bob's ends the quoted text: write \"It's Bob's day\" "
         "(double quotes), or double the ' inside single quotes ('It''s Bob''s …')"),
        ("headline: 'Don't say \"no\"'\n",
         "funnels/x.yml:1: headline: the ' in Don't ends the quoted text: write \"Don't say \\\"no\\\"\" "
         "(double quotes), or double the ' inside single quotes ('Don''t …')"),
        ('headline: "It\'s "the" one"\n',
         "funnels/x.yml:1: headline: the \" in \"the\" ends the quoted text: write 'It''s \"the\" one' "
         "(single quotes), or \\\" for each \" inside double quotes (\"It's \\\"the\\\" …\")"),
        ('headline: "Save \\n "now" today"\n',  # an escape: single quotes would show it as typed
         "funnels/x.yml:1: headline: the \" in \"now\" ends the quoted text: write \\\" for each \" inside "
         "the double quotes (\"Save \\n \\\"now\\\" …\")"),
        ("headline: 'Yes' or 'No'\n",
         "funnels/x.yml:1: headline: the ' after Yes ends the quoted text: to show the quotes, put the "
         "whole value in double quotes: \"'Yes' or 'No'\""),
        ("headline: 'Free' training\n",  # no quote at the end: the quotes are meant to show
         "funnels/x.yml:1: the quoted text ends before the value does: to show the quotes, put the whole value "
         "in double quotes: headline: \"'Free' training\""),
    ],
    ids=["apostrophe", "double-quotes-inside-double-quotes", "list-item-with-a-comment", "doubled-quote",
         "both-quotes", "apostrophe-in-double-quotes", "escape-in-double-quotes", "quoted-words",
         "quoted-word-then-text"],
)
def test_a_quote_inside_a_quoted_value_is_named_not_blamed_on_indentation(
        tmp_path: Path, text: str, expected: str) -> None:
    assert _problems(tmp_path, text) == [expected]


def test_what_a_closed_quote_message_suggests_reads_back_as_the_text(tmp_path: Path) -> None:
    assert _load(tmp_path, "a: \"Don't miss the free training\"\nb: 'Don''t'\n").data == {
        "a": "Don't miss the free training", "b": "Don't"}
    assert _load(tmp_path, "a: 'She said \"yes\" to the plan'\nb: \"She said \\\"yes\\\"\"\n").data == {
        "a": 'She said "yes" to the plan', "b": 'She said "yes"'}


def test_hash_colour_read_as_comment_is_refused(tmp_path: Path) -> None:
    assert _problems(tmp_path, "brand:\n  colors:\n    primary: #1d4ed8\n") == [
        "funnels/x.yml:3: brand.colors.primary: YAML reads #1d4ed8 as a comment, so this is "
        'empty; put it in quotes: primary: "#1d4ed8"'
    ]


def test_text_cut_short_by_a_hash_yaml_reads_as_a_comment_is_refused(tmp_path: Path) -> None:
    assert _problems(tmp_path, "title: The #1 studio day\n") == [
        "funnels/x.yml:1: title: YAML reads '#1 studio day' as a comment, so the text stops before it; "
        "put the whole value in quotes: title: 'The #1 studio day'"
    ]
    assert _problems(tmp_path, "steps:\n  - id: a\n    headline: It's day #2   # the second day\n") == [
        "funnels/x.yml:3: steps[0].headline: YAML reads '#2' as a comment, so the text stops before it; "
        "put the whole value in quotes: headline: \"It's day #2\""
    ]


def test_a_backslash_in_double_quotes_is_explained_not_called_an_open_quote(tmp_path: Path) -> None:
    assert _problems(tmp_path, 'title: "Save to C:\\Users\\me"\n') == [
        "funnels/x.yml:1: a backslash (\\) inside double quotes starts an escape such as \\n; write \\\\ for a "
        "backslash, or put the value in single quotes"
    ]


def test_a_comment_with_a_space_after_its_hash_and_quoted_hashes_are_fine(tmp_path: Path) -> None:
    assert _load(tmp_path, "a: fine # a note\nb: \"Day #3\"\nc: 'Day #4'\nd: C#\ne: x #\n").data == {
        "a": "fine", "b": "Day #3", "c": "Day #4", "d": "C#", "e": "x"
    }


def test_an_ordinary_comment_after_an_empty_value_is_fine(tmp_path: Path) -> None:
    assert _load(tmp_path, "logo:   # none yet\nbrand: # the look\n  font: sans\n").data == {
        "logo": None, "brand": {"font": "sans"}
    }


def test_every_file_that_does_not_parse_is_reported_together(tmp_path: Path) -> None:
    (tmp_path / "funnels").mkdir()
    (tmp_path / "site.yml").write_text("name: [\n", encoding="utf-8")
    (tmp_path / "funnels" / "a.yml").write_text("a: 1\na: 2\n", encoding="utf-8")
    (tmp_path / "funnels" / "b.yml").write_text("title: ok\n", encoding="utf-8")
    with pytest.raises(Abort) as caught:
        prepare(tmp_path)
    assert [str(p) for p in caught.value.problems] == [
        "funnels/a.yml:2: a: duplicate key 'a' (first on line 1); keep only one",
        "site.yml:2: the file ends before the value above it does: close each '[', '{' and quote it opens",
    ]


def test_a_folder_without_site_yml(tmp_path: Path) -> None:
    with pytest.raises(Abort) as caught:
        prepare(tmp_path / "missing")
    assert str(caught.value).endswith("no site.yml in this folder (run 'funnelgen new DIR' to start one)")


def _many_funnels(root: Path, count: int, broken: Collection[int] = (), wrong: Collection[int] = ()) -> None:
    """``count`` funnel files; those numbered in ``broken`` do not parse, those in ``wrong`` have no steps."""
    (root / "funnels").mkdir(parents=True)
    (root / "site.yml").write_text("name: Many\nbase_url: https://example.com\n", encoding="utf-8")
    for i in range(count):
        steps = "steps: []\n" if i in wrong else f"steps:\n  - id: s{i}\n    type: thankyou\n    headline: Hi {i}\n"
        text = "title: [\n" if i in broken else f"title: Funnel {i}\n{steps}"
        (root / "funnels" / f"f{i:03}.yml").write_text(text, encoding="utf-8")


def test_funnel_files_checked_by_several_processes_come_out_as_in_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    count = 3 * MIN_FILES_PER_WORKER
    _many_funnels(tmp_path / "ok", count)
    alone = prepare(tmp_path / "ok", jobs=1).plan
    parsers = tmp_path / "parsers"
    parse = load.load_yaml

    def parse_noting_process(path: Path, name: str) -> load.Source:
        with parsers.open("a") as noted:
            noted.write(f"{os.getpid()}\n")
        return parse(path, name)

    monkeypatch.setattr(load, "load_yaml", parse_noting_process)  # forked workers inherit it
    shared = prepare(tmp_path / "ok", jobs=3).plan
    assert len(set(parsers.read_text().split()) - {str(os.getpid())}) > 1  # site.yml: this one
    assert [(name, s.record) for name, s in shared.surveyed.items()] == \
        [(name, s.record) for name, s in alone.surveyed.items()]
    assert list(shared.surveyed) == [f"funnels/f{i:03}.yml" for i in range(count)]
    assert alone.held and not shared.held  # workers keep their funnels: they are loaded again to render


def test_broken_funnel_files_are_all_reported_when_checked_by_several_processes(tmp_path: Path) -> None:
    _many_funnels(tmp_path, 3 * MIN_FILES_PER_WORKER, broken={0, 100, 191}, wrong={5, 150})
    for jobs in (1, 3):
        with pytest.raises(Abort) as caught:
            prepare(tmp_path, jobs=jobs)
        assert [p.file for p in caught.value.problems] == ["funnels/f000.yml", "funnels/f100.yml",
                                                           "funnels/f191.yml"]


def test_funnel_files_that_do_not_fit_the_schema_are_all_reported_from_several_processes(tmp_path: Path) -> None:
    _many_funnels(tmp_path, 3 * MIN_FILES_PER_WORKER, wrong={5, 150, 191})
    for jobs in (1, 3):
        with pytest.raises(Abort) as caught:
            prepare(tmp_path, jobs=jobs)
        assert [(p.file, p.line, p.key) for p in caught.value.problems] == [
            (f"funnels/f{i:03}.yml", 2, "steps") for i in (5, 150, 191)]


NEXT_FUNNEL = """\
title: Guide
steps:
  - id: join
    type: bridge
    headline: Hi
    next: {next}
  - id: thanks
    type: thankyou
    headline: Done
"""


@pytest.mark.parametrize(
    ("written", "to"),
    [
        ("https://example.com/webinar/register/", "'https://example.com/webinar/register/'"),
        ("webinar/register", "'/webinar/register/'"),
        ("/webinar/register/", "'/webinar/register/'"),
        ("'mailto:hi@example.com'", "'mailto:hi@example.com'"),
        ("'ftp:x'", "an https:// URL or a site path such as /webinar/register/"),
        ("../secret", "an https:// URL or a site path such as /webinar/register/"),
    ],
    ids=["url", "other-funnel-step", "site-path", "mailto", "not-a-link", "not-a-page"],
)
def test_next_written_as_a_url_or_path_lists_the_steps_and_points_to_links(
        tmp_path: Path, written: str, to: str) -> None:
    shown = written.strip("'")
    source = _load(tmp_path, NEXT_FUNNEL.format(next=written))
    assert validate(source, Funnel) == (None, [Problem(
        "funnels/x.yml", 6, "steps[0].next",
        f"'{shown}' is not a step id: next is the id of a step in this same funnel (steps: join, "
        f"thanks); to lead to another funnel or site, add a link: links: [{{text: …, to: {to}}}]")])


def test_next_that_is_not_a_slug_still_gets_a_slug_suggestion(tmp_path: Path) -> None:
    source = _load(tmp_path, NEXT_FUNNEL.format(next="Thank You"))
    assert [p.message for p in validate(source, Funnel)[1]] == [
        "'Thank You' is not a valid slug: use lowercase letters, digits and single '-', e.g. 'thank-you'"]

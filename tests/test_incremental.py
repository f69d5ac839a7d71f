"""Parallel and incremental builds: faster, and never different from a clean single-process build."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import Result
from conftest import FUNNEL_YML, MakeSite, snapshot

from funnelgen import incremental, spool, validate
from funnelgen import site as site_module
from funnelgen.commands import build as build_command
from funnelgen.commands.build import Discard, build, render_site
from funnelgen.errors import Abort
from funnelgen.site import prepare
from funnelgen.validate import MIN_FILES_PER_WORKER
from funnelgen.write import spare_path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.corpus import make_corpus

RunCli = Callable[..., Result]


def _pages(folder: Path) -> dict[str, bytes]:
    """Everything a visitor can fetch (the marker only tells the next build what it may reuse)."""
    return {name: data for name, data in snapshot(folder).items() if name != ".funnelgen"}


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    make_corpus(site, funnels=12, seed=7)
    return site


def test_a_parallel_build_is_byte_identical_to_a_single_process_build(corpus: Path, tmp_path: Path) -> None:
    one = build(corpus, tmp_path / "one", jobs=1, cache=False)
    many = build(corpus, tmp_path / "many", jobs=4, cache=False)
    assert one.pages == many.pages == 72  # 12 funnels × 5 steps, and each entry at the funnel URL
    assert snapshot(tmp_path / "one") == snapshot(tmp_path / "many")


def test_funnels_planned_by_workers_and_rendered_from_the_spool_build_the_same_bytes(tmp_path: Path) -> None:
    site = tmp_path / "site"
    make_corpus(site, funnels=2 * MIN_FILES_PER_WORKER + 3, seed=11)
    build(site, tmp_path / "kept", jobs=1, cache=False)  # the funnels stay in this process to render
    build(site, tmp_path / "streamed", jobs=2, cache=False)  # pages wait in the spool to render
    assert snapshot(tmp_path / "kept") == snapshot(tmp_path / "streamed")


def test_a_site_too_big_to_keep_in_one_process_builds_the_same_bytes(
        corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    build(corpus, tmp_path / "kept", jobs=1, cache=False)
    monkeypatch.setattr(validate, "MAX_KEPT_FUNNELS", 5)  # 12 funnels: their pages wait in the spool
    assert not prepare(corpus, jobs=1).plan.held
    build(corpus, tmp_path / "streamed", jobs=1, cache=False)
    assert snapshot(tmp_path / "kept") == snapshot(tmp_path / "streamed")


def _no_room_for_temporary_files(monkeypatch: pytest.MonkeyPatch) -> None:
    def full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(spool.tempfile, "TemporaryFile", full)


def test_a_big_site_with_no_room_for_its_pages_to_wait_loads_each_funnel_again_to_the_same_bytes(
        corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    build(corpus, tmp_path / "kept", jobs=1, cache=False)
    monkeypatch.setattr(validate, "MAX_KEPT_FUNNELS", 5)
    _no_room_for_temporary_files(monkeypatch)
    assert all(s.spooled is None for s in prepare(corpus, jobs=1).plan.surveyed.values())
    build(corpus, tmp_path / "loaded again", jobs=1, cache=False)
    assert snapshot(tmp_path / "kept") == snapshot(tmp_path / "loaded again")


def test_the_pages_waiting_to_be_rendered_leave_no_file_behind(
        corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    temporary = tmp_path / "temporary"
    temporary.mkdir()
    monkeypatch.setattr(spool.tempfile, "tempdir", str(temporary))
    monkeypatch.setattr(validate, "MAX_KEPT_FUNNELS", 5)
    prepared = prepare(corpus, jobs=1)
    assert all(s.spooled is not None for s in prepared.plan.surveyed.values())
    assert list(temporary.iterdir()) == []  # unnamed files: nothing to remove, however the build ends
    render_site(prepared, Discard())
    assert list(temporary.iterdir()) == []


class _Pages(Discard):
    """An output that keeps the pages written to it."""

    def __init__(self) -> None:
        self.pages: dict[str, bytes] = {}

    def write(self, name: str, content: str | bytes) -> None:
        self.pages[name] = content.encode() if isinstance(content, str) else content


def test_a_funnel_saved_while_a_big_site_builds_is_built_as_checked_and_the_next_build_takes_the_save(
        corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(validate, "MAX_KEPT_FUNNELS", 5)
    prepared = prepare(corpus, jobs=1)  # planned, not kept: the pages wait in the spool
    _change(corpus / "funnels/f03.yml", lambda f: f["steps"][0].update(headline="Saved meanwhile"))
    written = _Pages()
    render_site(prepared, written)
    assert b"Saved meanwhile" not in written.pages["f03/index.html"]  # as checked, not half a save
    build(corpus, tmp_path / "out", jobs=1)
    assert b"Saved meanwhile" in (tmp_path / "out/f03/index.html").read_bytes()


def test_a_funnel_saved_while_a_big_site_loads_each_funnel_again_stops_the_build(
        corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(validate, "MAX_KEPT_FUNNELS", 5)
    _no_room_for_temporary_files(monkeypatch)
    prepared = prepare(corpus, jobs=1)  # planned, not kept, no spool: each is loaded again to render
    _edit(corpus / "funnels/f03.yml", "title: '", "title: 'Saved meanwhile: ")
    with pytest.raises(Abort, match=r"^funnels/f03\.yml: changed while the site was being built; build again$"):
        render_site(prepared, Discard())


def test_a_markdown_file_saved_while_the_pages_render_stops_the_build_and_the_next_build_takes_it(
        corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    build(corpus, out, jobs=1)
    before = snapshot(out)
    story = next((corpus / "content").glob("*.md"))

    def render_while_saving(*args: Any, **kwargs: Any) -> Any:
        report = render_site(*args, **kwargs)  # some pages hold the old text, as if saved halfway
        _edit(story, "\n", "\nSaved meanwhile. ")
        return report

    monkeypatch.setattr(build_command, "render_site", render_while_saving)
    with pytest.raises(Abort, match="changed while the site was being built; the output folder was left"):
        build(corpus, out, jobs=1, cache=False)  # every page rendered
    assert snapshot(out) == before
    monkeypatch.undo()
    build(corpus, out, jobs=1)  # not "up to date": the save is built
    assert any(b"Saved meanwhile" in data for data in snapshot(out).values())
    clean = tmp_path / "clean"
    build(corpus, clean, cache=False)
    assert _pages(out) == _pages(clean)


def test_a_markdown_file_saved_while_the_site_loads_stops_the_build_and_the_next_build_takes_it(
        corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    build(corpus, out, jobs=1)
    before = snapshot(out)
    story = next((corpus / "content").glob("*.md"))
    read_site = site_module.validate_site

    def read_then_save(*args: Any, **kwargs: Any) -> Any:
        valid = read_site(*args, **kwargs)  # the funnels are planned with the text as it was
        _edit(story, "\n", "\nSaved meanwhile. ")
        return valid

    monkeypatch.setattr(site_module, "validate_site", read_then_save)
    with pytest.raises(Abort, match="changed while the site was being built; the output folder was left"):
        build(corpus, out, jobs=1, cache=False)
    assert snapshot(out) == before
    monkeypatch.undo()
    build(corpus, out, jobs=1)  # not "up to date": the save is built
    assert any(b"Saved meanwhile" in data for data in snapshot(out).values())


def test_a_markdown_file_in_a_linked_folder_is_rebuilt_when_edited_like_any_other(corpus: Path, tmp_path: Path) -> None:
    notes = corpus / "notes"
    story = next((corpus / "content").glob("*.md"))
    notes.mkdir()
    story.rename(notes / story.name)
    (corpus / "content/linked").symlink_to("../notes")  # inside the site: a clean build takes it
    for funnel in (corpus / "funnels").glob("*.yml"):
        _edit_all(funnel, f"content/{story.name}", f"content/linked/{story.name}")
    out = tmp_path / "out"
    build(corpus, out, jobs=1)
    _edit(notes / story.name, "\n", "\nEdited through the link. ")
    build(corpus, out, jobs=1)
    assert any(b"Edited through the link" in data for data in snapshot(out).values())


@pytest.mark.parametrize("entry", ["pipe", "dangling link", "link out of the site"])
def test_an_entry_that_is_not_a_file_added_to_assets_ends_the_next_build_as_a_clean_one(
        entry: str, corpus: Path, tmp_path: Path) -> None:
    (corpus / "assets").mkdir(exist_ok=True)
    out = tmp_path / "out"
    build(corpus, out, jobs=1)
    target = corpus / "assets/new.jpg"
    if entry == "pipe":
        os.mkfifo(target)
    elif entry == "dangling link":
        target.symlink_to("missing.jpg")
    else:  # a folder elsewhere on the disk, not read through the link (a pipe there would block)
        (tmp_path / "elsewhere").mkdir()
        os.mkfifo(tmp_path / "elsewhere/blocks-whoever-reads-it")
        target.symlink_to(tmp_path / "elsewhere")

    def outcome(into: Path) -> str | dict[str, bytes]:
        try:
            build(corpus, into, jobs=1)
        except Abort as problem:
            return str(problem)
        return _pages(into)

    assert outcome(out) == outcome(tmp_path / "clean")


def _edit_all(path: Path, old: str, new: str) -> None:
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


def _change(path: Path, change: Callable[[dict[str, Any]], object]) -> None:
    """Edit a funnel file as data, as a marketer's editor would (quoting stays valid)."""
    funnel = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(funnel)
    path.write_text(yaml.safe_dump(funnel, sort_keys=False, allow_unicode=True), encoding="utf-8")


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


EDITS: list[tuple[str, Callable[[Path], None]]] = [
    ("step copy", lambda site: _change(site / "funnels/f03.yml", lambda f: f["steps"][0].update(headline="New"))),
    ("another step copy", lambda site: _change(site / "funnels/f04.yml", lambda f: f["steps"][1].update(headline="2"))),
    ("step added", lambda site: _change(site / "funnels/f05.yml", lambda f: f["steps"].insert(
        0, {"id": "intro", "type": "bridge", "headline": "A new first step"}))),
    ("step removed", lambda site: _change(site / "funnels/f05.yml", lambda f: f["steps"].pop(0))),
    ("funnel removed", lambda site: (site / "funnels/f07.yml").unlink()),
    ("theme template changed", lambda site: (site / "templates/blocks").mkdir(parents=True) or
     (site / "templates/blocks/footer.html").write_text("<footer>Changed footer</footer>\n")),
    ("site option changed", lambda site: _edit(site / "site.yml", "name: ", "name: Renamed ")),
    ("markdown file changed", lambda site: _edit(next((site / "content").glob("*.md")), "\n", "\nEdited. ", )),
]


def test_incremental_output_equals_a_clean_build_after_every_edit(corpus: Path, tmp_path: Path) -> None:
    incremental = tmp_path / "incremental"
    build(corpus, incremental)
    for name, edit in EDITS:
        edit(corpus)
        previous = snapshot(incremental)
        report = build(corpus, incremental)
        clean = tmp_path / f"clean-{name.replace(' ', '-')}"
        build(corpus, clean, cache=False)
        assert _pages(incremental) == _pages(clean), f"after: {name}"
        assert snapshot(spare_path(incremental)) == previous, f"the spare is the build before: {name}"
        if name in ("step copy", "step added", "step removed"):
            assert report.rendered == len(_funnel_pages(clean, "f03" if name == "step copy" else "f05")), name
        if name in ("theme template changed", "site option changed", "markdown file changed"):
            assert report.rendered == report.pages, f"{name} must re-render everything"


SAVES = int(os.environ.get("FUNNELGEN_SAVES", "24"))
SAVES_SEED = int(os.environ.get("FUNNELGEN_SAVES_SEED", "20261127"))


def test_incremental_output_equals_a_clean_build_after_a_random_day_of_saves(corpus: Path, tmp_path: Path) -> None:
    """A marketer's day at random (seeded): copy saved, edits undone, funnels added and removed,
    the site root switched between the funnel list and a home funnel, a broken template, a
    --no-cache build, pages deleted from the output or its spare. After every build the output
    equals a clean build, and the spare is the build it replaced."""
    rng = random.Random(SAVES_SEED)
    out, clean = tmp_path / "out", tmp_path / "clean"
    funnels = corpus / "funnels"
    originals = {path.name: path.read_text(encoding="utf-8") for path in funnels.glob("*.yml")}
    site_yml = (corpus / "site.yml").read_text(encoding="utf-8")
    home = ""
    build(corpus, out)
    done: list[str] = []
    for n in range(SAVES):
        names = sorted(path.name for path in funnels.glob("*.yml"))
        action = rng.choice(["save", "save", "save", "undo", "add", "remove", "root", "break",
                             "no cache", "delete from output", "delete from spare"])
        done.append(action)
        if action == "save":
            _change(funnels / rng.choice(names), partial(_set_headline, rng.randrange(2), f"Save {n}"))
        elif action == "undo":
            name = rng.choice(names)
            (funnels / name).write_text(originals.get(name, originals["f01.yml"]), encoding="utf-8")
        elif action == "add":
            (funnels / f"new{n}.yml").write_text(originals[rng.choice(sorted(originals))], encoding="utf-8")
        elif action == "remove" and len(names) > 3:
            (funnels / rng.choice([name for name in names if name != f"{home}.yml"])).unlink()
        elif action == "root":
            home = "" if home else rng.choice(names).removesuffix(".yml")
            root = f"home: {home}\n" if home else "index: true\n"
            (corpus / "site.yml").write_text(site_yml.replace("index: true\n", root), encoding="utf-8")
        elif action == "break":
            (corpus / "templates/blocks").mkdir(parents=True, exist_ok=True)
            (corpus / "templates/blocks/footer.html").write_text("{{ no_such_variable }}")
            before = snapshot(out)
            with pytest.raises(Abort, match="no_such_variable"):
                build(corpus, out)
            assert snapshot(out) == before, f"a failed build changed the output: {done}"
            shutil.rmtree(corpus / "templates")
        elif action.startswith("delete from"):
            folder = out if action.endswith("output") else spare_path(out)
            pages = sorted(folder.rglob("index.html"))
            if pages:
                rng.choice(pages).unlink()
        previous = snapshot(out)
        report = build(corpus, out, cache=action != "no cache")
        shutil.rmtree(clean, ignore_errors=True)
        build(corpus, clean, cache=False)
        assert _pages(out) == _pages(clean), f"after {done}"
        if not report.up_to_date:
            assert snapshot(spare_path(out)) == previous, f"the spare is not the build before, after {done}"


def _set_headline(step: int, headline: str, funnel: dict[str, Any]) -> None:
    funnel["steps"][step]["headline"] = headline


def _funnel_pages(out: Path, slug: str) -> list[str]:
    return [p for p in _pages(out) if p.startswith(f"{slug}/")]


def test_an_unchanged_site_is_up_to_date_and_nothing_is_touched(corpus: Path, tmp_path: Path, run_cli: RunCli) -> None:
    out = tmp_path / "out"
    build(corpus, out)
    before = {p: p.stat().st_ino for p in out.rglob("*")}
    result = run_cli("build", corpus, "-o", out)
    assert result.exit_code == 0
    assert "Up to date: 72 pages from 12 funnels, nothing changed since the last build" in result.stdout
    assert {p: p.stat().st_ino for p in out.rglob("*")} == before  # the very same files


def test_a_build_started_from_another_folder_is_up_to_date(corpus: Path, tmp_path: Path, run_cli: RunCli,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    build(corpus.absolute(), out.absolute())
    monkeypatch.chdir(tmp_path)
    result = run_cli("build", "site", "-o", "out")
    assert "Up to date: 72 pages" in result.stdout, result.stdout


def test_a_theme_that_now_extends_another_rerenders_every_page(corpus: Path, tmp_path: Path) -> None:
    """site.yml is the same; only the site's own theme says it builds on another theme now."""
    _edit(corpus / "site.yml", "theme: clean\ntheme_options: {button_style: pill}", "theme: ./brand")
    (corpus / "brand").mkdir()
    (corpus / "brand/theme.yml").write_text("name: brand\nextends: clean\n")
    out = tmp_path / "out"
    build(corpus, out)
    (corpus / "brand/theme.yml").write_text("name: brand\nextends: minimal\n")
    report = build(corpus, out)
    assert not report.up_to_date and report.rendered == report.pages == 72
    build(corpus, tmp_path / "clean", cache=False)
    assert _pages(out) == _pages(tmp_path / "clean")


def test_a_no_change_build_answers_without_loading_the_pipeline(corpus: Path, tmp_path: Path) -> None:
    """What makes it fast: YAML, pydantic, Jinja and Markdown are not even imported."""
    out = tmp_path / "out"
    build(corpus, out)
    script = (
        "import runpy, sys\n"
        f"sys.argv = ['funnelgen', 'build', {str(corpus)!r}, '-o', {str(out)!r}]\n"
        "try:\n    runpy.run_module('funnelgen', run_name='__main__')\n"
        "except SystemExit as exit:\n    assert not exit.code, exit.code\n"
        "print(sorted(m for m in ('yaml', 'pydantic', 'jinja2', 'markdown') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert "Up to date: 72 pages from 12 funnels" in result.stdout
    assert result.stdout.rstrip().endswith("[]")


def test_another_version_of_a_library_that_shapes_the_pages_rerenders_every_page(
        corpus: Path, tmp_path: Path) -> None:
    """After `pip install -U pyromark`, Markdown may come out otherwise: no page is reused."""
    out = tmp_path / "out"
    build(corpus, out)
    upgraded = tmp_path / "upgraded"  # found first on sys.path, as a newer install would be
    (upgraded / "pyromark-99.0.dist-info").mkdir(parents=True)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(upgraded), os.environ.get("PYTHONPATH")]))}
    command = [sys.executable, "-m", "funnelgen", "build", str(corpus), "-o", str(out)]
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    assert "Built 72 pages" in result.stdout and "reused" not in result.stdout, result.stdout
    again = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    assert "Up to date: 72 pages" in again.stdout, again.stdout


def test_no_cache_renders_every_page(corpus: Path, tmp_path: Path, run_cli: RunCli) -> None:
    out = tmp_path / "out"
    build(corpus, out)
    result = run_cli("build", corpus, "-o", out, "--no-cache")
    assert result.exit_code == 0
    assert "Built 72 pages" in result.stdout and "reused" not in result.stdout


@pytest.mark.parametrize("deleted", ["f02/index.html", "index.html", "sitemap.xml"])
def test_a_file_deleted_from_the_output_is_rebuilt(corpus: Path, tmp_path: Path, deleted: str) -> None:
    out = tmp_path / "out"
    build(corpus, out)
    (out / deleted).unlink()
    report = build(corpus, out)
    assert not report.up_to_date
    assert (out / deleted).is_file()


def test_a_new_host_in_one_funnel_rerenders_every_page(corpus: Path, tmp_path: Path) -> None:
    """Every page carries the site's CSP: a funnel that adds a form host changes all of them."""
    out = tmp_path / "out"
    build(corpus, out)
    funnel = corpus / "funnels/f04.yml"
    text = funnel.read_text(encoding="utf-8")
    action = json.loads(json.dumps(text.split("action: ", 1)[1].split("\n", 1)[0]))
    funnel.write_text(text.replace(action, "https://forms.new-host.example/subscribe"), encoding="utf-8")
    report = build(corpus, out)
    assert report.rendered == report.pages
    assert "https://forms.new-host.example" in (out / "f01/index.html").read_text(encoding="utf-8")


def test_the_warnings_of_reused_funnels_are_still_reported(make_site: Callable[..., Path], tmp_path: Path) -> None:
    site = make_site({"funnels/sale.yml": """\
        title: Sale
        steps:
          - {id: buy, type: offer, headline: Buy, price: {amount: 9}, checkout: "https://pay.example/x"}
        """})
    out = tmp_path / "out"
    warning = "funnels/sale.yml:3: steps[0]: offer has no testimonials: add testimonials: with a customer's quote and name"
    assert [str(w) for w in build(site, out).warnings] == [warning]
    unchanged = build(site, out)
    assert unchanged.up_to_date and [str(w) for w in unchanged.warnings] == [warning]
    _edit(site / "funnels/tiny.yml", "Join the list", "Join the list today")
    partly = build(site, out)
    assert partly.rendered < partly.pages and [str(w) for w in partly.warnings] == [warning]
    with pytest.raises(Abort, match=r"offer has no testimonials.*\(--strict\)"):
        build(site, out, strict=True)


def test_a_warning_about_a_funnels_body_file_is_reported_while_the_funnel_is_reused(
        make_site: Callable[..., Path], tmp_path: Path) -> None:
    site = make_site({"funnels/sale.yml": """\
        title: Sale
        steps:
          - {id: read, type: bridge, headline: Read, body_file: content/story.md, next: buy}
          - {id: buy, type: offer, headline: Buy, price: {amount: 9}, checkout: "https://pay.example/x",
             testimonials: [{quote: Good., name: Ann}]}
        """, "content/story.md": "Story.\n\n<iframe src='https://frame.example/'></iframe>\n",
        "site.yml": "name: Tiny Co\nbase_url: https://tiny.example/\nmarkdown: {allow_html: true}\n"})
    out = tmp_path / "out"
    warning = ("content/story.md:3: <iframe> is taken out of the page: raw HTML keeps only headings, paragraphs, "
               "lists, links, pictures, tables and b, i, em, strong, u, s, del, mark, small, sub, sup, code and abbr; "
               "show a video with the step's video: key")
    assert [str(w) for w in build(site, out).warnings] == [warning]
    _edit(site / "funnels/tiny.yml", "Join the list", "Join the list today")
    partly = build(site, out)
    assert partly.rendered < partly.pages and [str(w) for w in partly.warnings] == [warning]
    unchanged = build(site, out)
    assert unchanged.up_to_date and [str(w) for w in unchanged.warnings] == [warning]  # once


def test_a_webinar_or_deadline_that_goes_by_is_warned_of_though_no_file_changed(
        make_site: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = make_site({"funnels/live.yml": """\
        title: Live
        steps:
          - id: seat
            type: webinar
            headline: Save your seat
            webinar: {starts: 2031-03-06 19:00, timezone: America/New_York}
            deadline: {text: Seats go fast, until: '2031-03-05T23:59:00-05:00'}
            form: {provider: custom, action: "https://mail.example/subscribe"}
          - {id: thanks, type: thankyou, headline: See you there}
        """})
    out = tmp_path / "out"
    deadline = ("funnels/live.yml:7: steps[0].deadline.until: 2031-03-05T23:59:00-05:00 is past: the page announces "
                "a deadline that is over; write a later date, or remove the deadline")
    webinar = ("funnels/live.yml:6: steps[0].webinar.starts: 2031-03-06 19:00 (America/New_York) is past: the page "
               "invites visitors to a webinar that has started; write its next date")
    monkeypatch.setattr(incremental, "now", lambda: datetime(2031, 3, 1, tzinfo=UTC))
    assert build(site, out).warnings == []
    monkeypatch.setattr(incremental, "now", lambda: datetime(2031, 3, 6, 12, tzinfo=UTC))  # the deadline went by
    unchanged = build(site, out)
    assert unchanged.up_to_date and [str(w) for w in unchanged.warnings] == [deadline]
    monkeypatch.setattr(incremental, "now", lambda: datetime(2031, 3, 8, tzinfo=UTC))  # and the webinar started
    _edit(site / "funnels/tiny.yml", "Join the list", "Join the list today")
    partly = build(site, out)
    assert partly.rendered < partly.pages and [str(w) for w in partly.warnings] == [webinar, deadline]
    assert [str(w) for w in build(site, out).warnings] == [webinar, deadline]  # reported once each
    _edit(site / "funnels/live.yml", "Save your seat", "Save your seat now")
    assert [str(w) for w in build(site, out).warnings] == [webinar, deadline]  # and when rendered again
    again = build(site, out)
    assert again.up_to_date and [str(w) for w in again.warnings] == [webinar, deadline]


def test_a_theme_reached_through_a_link_that_now_points_elsewhere_is_a_new_theme(
        make_site: Callable[..., Path], tmp_path: Path) -> None:
    site = make_site({"site.yml": "name: Tiny Co\nbase_url: https://tiny.example/\ntheme: ./current\n",
                      "themes/calm/theme.yml": "name: calm\nextends: clean\n",
                      "themes/loud/theme.yml": "name: loud\nextends: bold\n"})
    (site / "current").symlink_to("themes/calm")
    out = tmp_path / "out"
    build(site, out)
    (site / "current").unlink()
    (site / "current").symlink_to("themes/loud")  # site.yml and both theme folders are unchanged
    report = build(site, out)
    assert not report.up_to_date and report.rendered == report.pages
    build(site, tmp_path / "clean", cache=False)
    assert snapshot(out) == snapshot(tmp_path / "clean")


def test_a_netlify_form_name_taken_by_a_funnel_that_is_not_rebuilt_is_still_refused(
        make_site: Callable[..., Path], tmp_path: Path) -> None:
    site = make_site({"funnels/a.yml": """\
        title: A
        steps:
          - {id: join, type: optin, headline: Join, form: {provider: netlify, name: launch-list}, next: done}
          - {id: done, type: thankyou, headline: Thanks}
        """})
    out = tmp_path / "out"
    build(site, out)
    _edit(site / "funnels/tiny.yml", "provider: custom\n      action: https://mail.example/subscribe",
          "provider: netlify\n      name: launch-list")
    with pytest.raises(Abort) as refused:
        build(site, out)  # a.yml is unchanged: its pages would be reused, its form name still counts
    assert str(refused.value) == ("funnels/tiny.yml:8: steps[0].form.name: Netlify form name 'launch-list' is "
                                  "already used by funnels/a.yml: Netlify would mix their sign-ups; give this "
                                  "form its own name (form: {name: …})")


def test_long_builds_show_progress_as_plain_lines_in_logs(tmp_path: Path, run_cli: RunCli) -> None:
    site = tmp_path / "site"
    make_corpus(site, funnels=62, seed=2)
    result = run_cli("build", site, "-o", tmp_path / "out")
    assert result.exit_code == 0
    progress = [line for line in result.stderr.splitlines() if "pages (" in line]
    assert progress == ["  77/310 pages (24%)", "  155/310 pages (50%)", "  233/310 pages (75%)",
                        "  310/310 pages (100%)"] or [p.rsplit("(", 1)[1] for p in progress] == [
                        "25%)", "50%)", "75%)", "100%)"]


def test_check_of_a_site_split_among_workers_names_the_broken_template(corpus: Path, run_cli: RunCli) -> None:
    (corpus / "templates/steps").mkdir(parents=True)
    (corpus / "templates/steps/thankyou.html").write_text(
        '{% extends "page.html" %}\n{% block main %}{{ nope.x }}{% endblock %}\n')
    result = run_cli("check", corpus)
    assert result.exit_code == 1
    assert "templates/steps/thankyou.html:2: template error: 'nope' is undefined" in result.stderr


def test_removing_a_funnel_that_an_unchanged_funnel_links_to_is_an_error(corpus: Path, tmp_path: Path) -> None:
    """The funnel that links is reused from the last build, not read again: its links are checked
    all the same, in its Markdown file and in its funnel file."""
    first, second = sorted((corpus / "funnels").glob("*.yml"))[:2]
    linker = yaml.safe_load(first.read_text(encoding="utf-8"))
    linker["steps"][0]["links"] = [{"text": "The other course", "to": f"/{second.stem}/"}]
    first.write_text(yaml.safe_dump(linker, sort_keys=False), encoding="utf-8")
    story = corpus / "content" / f"{first.stem}.md"
    story.write_text(story.read_text(encoding="utf-8") + f"\n\nOr [start here](/{second.stem}/).\n", encoding="utf-8")
    out = tmp_path / "out"
    build(corpus, out)
    before = _pages(out)
    second.unlink()
    with pytest.raises(Abort) as refused:
        build(corpus, out)
    lines = story.read_text(encoding="utf-8").count("\n")
    assert [(p.file, p.key) for p in refused.value.problems] == [
        (f"content/{first.stem}.md", ""), (f"funnels/{first.name}", "steps[0].links[0].to")]
    assert refused.value.problems[0].line == lines
    assert all(f"link '/{second.stem}/' leads to no page of this site" in p.message for p in refused.value.problems)
    assert _pages(out) == before


@pytest.mark.parametrize("new", ["funnels/a-copy.yml", "funnels/z-copy.yml"])
def test_two_funnels_with_one_slug_are_named_alike_by_an_incremental_build_and_a_full_one(
        new: str, make_site: MakeSite, run_cli: Callable[..., Result], tmp_path: Path) -> None:
    site, out = make_site({"funnels/tiny.yml": "slug: tiny\n" + FUNNEL_YML}), tmp_path / "out"
    assert run_cli("build", site, "-o", out, "-q").exit_code == 0
    (site / new).write_text("slug: tiny\n" + FUNNEL_YML.replace("Tiny funnel", "A copy"))
    incremental = run_cli("build", site, "-o", out, "-q")
    full = run_cli("build", site, "-o", tmp_path / "full", "-q", "--no-cache")
    assert incremental.exit_code == full.exit_code == 1
    assert incremental.stderr == full.stderr
    later = max(new, "funnels/tiny.yml")
    assert full.stderr.startswith(f"{later}:1: slug: funnel slug 'tiny' is already used by "
                                  f"{min(new, 'funnels/tiny.yml')}; choose another slug")


def test_a_linked_folder_in_assets_replaced_by_the_folder_itself_is_published_at_the_next_build(
        make_site: MakeSite, run_cli: Callable[..., Result], tmp_path: Path) -> None:
    """As the warning says to: the link was never followed, so the copy is new to the build."""
    site, out = make_site({"shared/dot.svg": "<svg/>"}), tmp_path / "out"
    (site / "assets").mkdir()
    (site / "assets/extra").symlink_to("../shared")
    assert "assets/extra: is a link to a folder" in run_cli("build", site, "-o", out, "-q").stderr
    (site / "assets/extra").unlink()
    shutil.copytree(site / "shared", site / "assets/extra")
    assert run_cli("build", site, "-o", out, "-q").exit_code == 0
    assert run_cli("build", site, "-o", tmp_path / "fresh", "-q", "--no-cache").exit_code == 0
    assert [p.name for p in (out / "assets/extra").iterdir()] == [p.name for p in (tmp_path / "fresh/assets/extra").iterdir()]
    shutil.rmtree(site / "assets/extra")  # and back to a link: its files are gone again
    (site / "assets/extra").symlink_to("../shared")
    assert run_cli("build", site, "-o", out, "-q").exit_code == 0
    assert not (out / "assets/extra").exists()


def test_a_folder_link_in_assets_whose_folder_goes_away_is_noticed(
        make_site: MakeSite, run_cli: Callable[..., Result], tmp_path: Path) -> None:
    site, out = make_site({"shared/dot.svg": "<svg/>"}), tmp_path / "out"
    (site / "assets").mkdir()
    (site / "assets/lib").symlink_to("../shared")
    assert run_cli("build", site, "-o", out, "-q").exit_code == 0
    (site / "shared").rename(site / "shared.moved")
    result = run_cli("build", site, "-o", out, "-q")
    assert (result.exit_code, result.stderr) == (1, "assets/lib: is a link to '../shared', which is not there (moved "
                                                    "or removed?): point the link to where it is now, or put it here "
                                                    "instead\n")

"""The output folder: replaced whole or not at all, and nothing outside it is ever touched."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from conftest import FUNNEL_YML, SITE_YML, MakeSite, snapshot

from funnelgen.commands.build import build
from funnelgen.errors import Abort
from funnelgen.write import MARKER, OutputWriter, spare_path, template_cache_path


def test_a_rebuild_replaces_the_whole_previous_output(make_site: MakeSite, tmp_path: Path) -> None:
    site = make_site()
    out = tmp_path / "out"
    build(site, out)
    (site / "funnels/tiny.yml").write_text((site / "funnels/tiny.yml").read_text().replace("id: thanks", "id: welcome"))
    build(site, out)
    assert (out / "tiny/welcome/index.html").is_file()
    assert not (out / "tiny/thanks").exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".out")) == [
        ".out.funnelgen-spare", ".out.funnelgen-templates"]


def _edit_headline(site: Path, headline: str, funnel: str = "tiny") -> None:
    """Change the headline of a funnel's first step, as a marketer's save does."""
    path = site / f"funnels/{funnel}.yml"
    path.write_text(re.sub(r"headline: Join.*", f"headline: {headline}", path.read_text()))


def _files(out: Path) -> dict[str, int]:
    """Each file of a build with its inode: the same number is the very same file."""
    return {p.relative_to(out).as_posix(): p.stat().st_ino for p in out.rglob("*") if p.is_file()}


def test_the_previous_build_is_kept_beside_the_output_as_its_spare(make_site: MakeSite, tmp_path: Path) -> None:
    site = make_site({"funnels/other.yml": FUNNEL_YML.replace("Tiny funnel", "Other funnel")})
    out = tmp_path / "out"
    build(site, out)
    assert not spare_path(out).exists()  # nothing to keep yet
    edits = [("tiny", "Join now"), ("other", "Join now"), ("tiny", "Join today"), ("other", "Join today"),
             ("tiny", "Join the list"), ("other", "Join the list")]
    for funnel, headline in edits:
        previous = snapshot(out)
        _edit_headline(site, headline, funnel)
        build(site, out)
        assert snapshot(spare_path(out)) == previous  # updating it never changed a file the output shares
        assert f"{headline}</h1>" in (out / funnel / "index.html").read_text()
    previous = snapshot(out)
    build(site, out, cache=False)  # every file written again
    assert snapshot(spare_path(out)) == previous == snapshot(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".out.funnelgen-spare", ".out.funnelgen-templates", "out", "site"]


def test_the_spare_of_another_site_setup_never_lends_a_page(make_site: MakeSite, tmp_path: Path) -> None:
    """The spare's index.html was the list of funnels; now the root shows a funnel's entry page."""
    site = make_site({"site.yml": SITE_YML + "index: true\n",
                      "funnels/other.yml": FUNNEL_YML.replace("Tiny funnel", "Other funnel")})
    out, clean = tmp_path / "out", tmp_path / "clean"
    build(site, out)
    (site / "site.yml").write_text(SITE_YML + "home: tiny\n")
    build(site, out)  # the index build is now the spare
    _edit_headline(site, "Join now", "other")
    build(site, out)
    build(site, clean, cache=False)
    assert snapshot(out) == snapshot(clean)


def test_a_rebuild_rewrites_only_the_files_that_changed(make_site: MakeSite, tmp_path: Path) -> None:
    site = make_site({"funnels/other.yml": FUNNEL_YML.replace("Tiny funnel", "Other funnel")})
    out = tmp_path / "out"
    build(site, out)
    _edit_headline(site, "Join now")
    build(site, out)  # the first rebuild makes the spare
    before = _files(out)
    _edit_headline(site, "Join today")
    report = build(site, out)
    after = _files(out)
    assert report.rendered == 3  # tiny's two steps, and its entry at the funnel's address
    assert after.keys() == before.keys()
    rewritten = sorted(name for name in after if after[name] != before[name])
    assert [name for name in rewritten if name.startswith(("tiny/", "other/", "assets/"))] == [
        "tiny/index.html", "tiny/join/index.html", "tiny/thanks/index.html"]
    assert (out / "tiny/index.html").read_text().count("Join today") >= 1


def test_a_full_rebuild_writes_over_the_spares_own_files_instead_of_making_new_ones(
        make_site: MakeSite, tmp_path: Path) -> None:
    """Making a file just after removing one is slow on some file systems (ext4 without a journal)."""
    site = make_site({"funnels/other.yml": FUNNEL_YML.replace("Tiny funnel", "Other funnel")})
    out = tmp_path / "out"
    build(site, out)
    build(site, out, cache=False)  # the first build becomes the spare; no file of it is shared
    pages = list(spare_path(out).rglob("*.html"))
    for page in pages:
        page.chmod(0o600)  # a mark that a file written over keeps, and a new file would not have
    _edit_headline(site, "Join now")
    build(site, out, cache=False)
    assert pages and {(out / p.relative_to(spare_path(out))).stat().st_mode & 0o777 for p in pages} == {0o600}
    assert "Join now</h1>" in (out / "tiny/index.html").read_text()


def test_a_build_that_fails_halfway_leaves_the_spare_to_be_redone(make_site: MakeSite, tmp_path: Path) -> None:
    site = make_site({"funnels/other.yml": FUNNEL_YML.replace("Tiny funnel", "Other funnel")})
    out, clean = tmp_path / "out", tmp_path / "clean"
    build(site, out)
    _edit_headline(site, "Join now")
    build(site, out)
    before = snapshot(out)
    (site / "templates/blocks").mkdir(parents=True)
    (site / "templates/blocks/footer.html").write_text("{{ no_such_variable }}")  # fails while writing
    with pytest.raises(Abort, match="'no_such_variable' is undefined"):
        build(site, out)
    assert snapshot(out) == before
    (site / "templates/blocks/footer.html").write_text("<footer>Fixed</footer>")
    build(site, out)
    build(site, clean, cache=False)
    assert snapshot(out) == snapshot(clean)
    assert snapshot(spare_path(out)) == before


def test_a_spare_funnelgen_did_not_make_is_left_alone(make_site: MakeSite, tmp_path: Path) -> None:
    site, out = make_site(), tmp_path / "out"
    mine = spare_path(out)
    mine.mkdir()
    (mine / "notes.txt").write_text("not funnelgen's")
    for headline in ("Join now", "Join today"):
        _edit_headline(site, headline)
        build(site, out)
    assert snapshot(mine) == {"notes.txt": b"not funnelgen's"}
    assert "Join today" in (out / "tiny/index.html").read_text()


def test_a_spare_folder_linked_elsewhere_is_never_written_through(make_site: MakeSite, tmp_path: Path) -> None:
    site, out = make_site(), tmp_path / "out"
    for headline in ("Join now", "Join today"):
        _edit_headline(site, headline)
        build(site, out)
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "join").mkdir(parents=True)
    (elsewhere / "join/index.html").write_text("someone's page")
    (elsewhere / "thanks").mkdir()
    shutil.rmtree(spare_path(out) / "tiny")
    (spare_path(out) / "tiny").symlink_to(elsewhere)
    (site / "funnels/tiny.yml").write_text((site / "funnels/tiny.yml").read_text().replace("id: thanks", "id: done"))
    build(site, out)
    assert snapshot(elsewhere) == {"join/index.html": b"someone's page"}
    assert not (out / "tiny").is_symlink() and (out / "tiny/done/index.html").is_file()


def test_templates_compiled_by_one_build_serve_the_next_until_they_change(make_site: MakeSite,
                                                                         tmp_path: Path) -> None:
    site, out = make_site(), tmp_path / "out"
    build(site, out)
    compiled = snapshot(template_cache_path(out))
    assert len(compiled) > 5  # every template the pages use (step pages, holding their partials), the site's files
    _edit_headline(site, "Join now")
    build(site, out)
    assert snapshot(template_cache_path(out)) == compiled  # nothing compiled again
    (site / "templates/blocks").mkdir(parents=True)
    footer = Path(__file__).parents[1] / "themes/base/templates/blocks/footer.html"
    (site / "templates/blocks/footer.html").write_text(footer.read_text() + "<p>Made in Lisbon</p>\n")
    build(site, out)
    assert "Made in Lisbon" in (out / "tiny/index.html").read_text()
    (site / "templates/blocks/footer.html").write_text(footer.read_text() + "<p>Made in Porto</p>\n")
    build(site, out)  # the same template, changed: compiled again, not taken from the cache
    assert "Made in Porto" in (out / "tiny/index.html").read_text()


def test_templates_compiled_by_another_funnelgen_are_removed(make_site: MakeSite, tmp_path: Path) -> None:
    site, out = make_site(), tmp_path / "out"
    cache = template_cache_path(out)
    cache.mkdir()
    (cache / "0123abcd-5f2e.cache").write_bytes(b"compiled by another version")
    (cache / "notes").mkdir()  # not a file of ours
    build(site, out)
    assert "0123abcd-5f2e.cache" not in snapshot(cache)
    assert (cache / "notes").is_dir() and len(snapshot(cache)) > 5


def test_a_template_cache_linked_elsewhere_is_never_written_through(make_site: MakeSite, tmp_path: Path) -> None:
    site, out, elsewhere = make_site(), tmp_path / "out", tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "notes.txt").write_text("someone's notes")
    template_cache_path(out).symlink_to(elsewhere)
    build(site, out)
    assert snapshot(elsewhere) == {"notes.txt": b"someone's notes"}
    assert "Join the list" in (out / "tiny/index.html").read_text()


def test_a_failed_build_leaves_the_previous_output_untouched(make_site: MakeSite, tmp_path: Path) -> None:
    site = make_site()
    out = tmp_path / "out"
    build(site, out)
    before = snapshot(out)
    (site / "templates").mkdir()
    (site / "templates/blocks").mkdir()
    (site / "templates/blocks/footer.html").write_text("{{ no_such_variable }}")
    with pytest.raises(Abort, match="template error: 'no_such_variable' is undefined"):
        build(site, out)
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".out.funnelgen-templates", "out", "site"]


def test_funnelgen_refuses_to_replace_a_folder_it_did_not_make(make_site: MakeSite, tmp_path: Path) -> None:
    out = tmp_path / "precious"
    out.mkdir()
    (out / "thesis.docx").write_text("years of work")
    with pytest.raises(Abort, match=r"refusing to replace .*precious: it was not made by funnelgen"):
        build(make_site(), out)
    assert (out / "thesis.docx").read_text() == "years of work"


def test_an_empty_folder_may_become_the_output(make_site: MakeSite, tmp_path: Path) -> None:
    out = tmp_path / "empty"
    out.mkdir()
    site = make_site()
    build(site, out)
    assert (out / MARKER).is_file()
    assert not spare_path(out).exists()  # the empty folder was not kept as a spare without a marker
    build(site, out, cache=False)
    assert (spare_path(out) / MARKER).is_file()  # the first build is the next one's spare


@pytest.mark.parametrize("where", [".", "funnels/out", "assets/out", ".."])
def test_the_output_may_not_hold_or_sit_inside_the_site_sources(make_site: MakeSite, where: str) -> None:
    site = make_site()
    before = snapshot(site.parent)
    with pytest.raises(Abort, match="refusing to write"):
        build(site, site / where)
    assert snapshot(site.parent) == before


def test_a_file_in_place_of_the_output_is_not_replaced(make_site: MakeSite, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.write_text("mine")
    with pytest.raises(Abort, match="it is a file"):
        build(make_site(), out)
    assert out.read_text() == "mine"


def test_staging_left_by_a_killed_build_is_cleaned_but_only_ours(make_site: MakeSite, tmp_path: Path) -> None:
    out = tmp_path / "out"
    ours = tmp_path / ".out.abc12345.funnelgen-tmp"
    ours.mkdir()
    (ours / MARKER).write_text("")
    theirs = tmp_path / ".out.keep.funnelgen-tmp"
    theirs.mkdir()
    (theirs / "notes.txt").write_text("not funnelgen's")
    build(make_site(), out)
    assert not ours.exists()
    assert (theirs / "notes.txt").read_text() == "not funnelgen's"


def test_a_build_leaves_the_staging_folders_of_an_output_with_a_longer_name_alone(
        make_site: MakeSite, tmp_path: Path) -> None:
    site = make_site()
    building = tmp_path / ".public.v2.deadbeef.funnelgen-tmp"  # public.v2's build, in progress
    (building / "tiny").mkdir(parents=True)
    (building / MARKER).write_text("")
    swapping = tmp_path / ".public.v2.0badf00d.funnelgen-tmp.old"  # public.v2, between two renames
    (swapping / "tiny").mkdir(parents=True)
    (swapping / MARKER).write_text("")
    odd = tmp_path / ".out[1].12345678.funnelgen-tmp"  # a glob would take 'out1' for 'out[1]'
    (odd / "tiny").mkdir(parents=True)
    (odd / MARKER).write_text("")
    build(site, tmp_path / "public")
    build(site, tmp_path / "out1")
    assert (building / "tiny").is_dir() and (swapping / "tiny").is_dir() and (odd / "tiny").is_dir()
    assert (tmp_path / "public" / MARKER).is_file()


def test_the_writer_refuses_paths_outside_the_output(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    with OutputWriter(tmp_path / "out", site) as writer:
        for bad in ("../escape.html", "/etc/passwd", "a/../../escape.html"):
            with pytest.raises(Abort, match="outside the output folder"):
                writer.write(bad, "x")
        writer.write("a/index.html", "x")
        with pytest.raises(Abort, match="written twice"):
            writer.write("a/index.html", "y")
    assert not (tmp_path / "escape.html").exists()
    assert not (tmp_path / "out").exists()  # never committed

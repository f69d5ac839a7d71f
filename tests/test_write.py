"""The output folder: replaced whole or not at all, and nothing outside it is ever touched."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import MakeSite, snapshot

from funnelgen.commands.build import build
from funnelgen.errors import Abort
from funnelgen.write import MARKER, OutputWriter


def test_a_rebuild_replaces_the_whole_previous_output(make_site: MakeSite, tmp_path: Path) -> None:
    site = make_site()
    out = tmp_path / "out"
    build(site, out)
    (site / "funnels/tiny.yml").write_text((site / "funnels/tiny.yml").read_text().replace("id: thanks", "id: welcome"))
    build(site, out)
    assert (out / "tiny/welcome/index.html").is_file()
    assert not (out / "tiny/thanks").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []  # no staging left


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
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "site"]


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
    build(make_site(), out)
    assert (out / MARKER).is_file()


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
    ours = tmp_path / ".out.abc123.funnelgen-tmp"
    ours.mkdir()
    (ours / MARKER).write_text("")
    theirs = tmp_path / ".out.keep.funnelgen-tmp"
    theirs.mkdir()
    (theirs / "notes.txt").write_text("not funnelgen's")
    build(make_site(), out)
    assert not ours.exists()
    assert (theirs / "notes.txt").read_text() == "not funnelgen's"


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

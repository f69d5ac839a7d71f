"""Paths: no slug, asset, content include, template or theme can make a build read or write
outside the site folder or the output folder (`..`, absolute paths, `..\\`, `%2e%2e`, links
pointing out); and `-o` never replaces a folder funnelgen did not make.

Each refusal is one clear line; the tests also look outside, to prove nothing was read into the
output (a secret file's text never appears in it) and nothing was written beside it.
(`-o` at the site, in its sources, at a folder without the marker: tests/test_write.py.)
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import Result
from conftest import FUNNEL_YML, SITE_YML, MakeSite, snapshot

from funnelgen.commands.build import build
from funnelgen.errors import Abort
from funnelgen.load import ContainedLoader
from funnelgen.write import template_cache_path

RunCli = Callable[..., Result]
SECRET = "TOP-SECRET-7f3a"
ESCAPES = ["..", "../secret", "../../etc/passwd", "/etc/passwd", "..\\secret", "..\\..\\secret",
           "%2e%2e", "%2e%2e/secret", "a/../../secret", "./secret", "~/secret", "file:///etc/passwd"]


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder beside the site with a secret in it, which no build may read or touch."""
    folder = tmp_path / "outside"
    folder.mkdir()
    for name in ("secret.md", "secret.png", "secret.html", "secret.svg", "theme.yml"):
        (folder / name).write_text(f"{SECRET}\n")
    return folder


def built_text(out: Path) -> str:
    return "".join(p.read_text(encoding="utf-8", errors="replace") for p in out.rglob("*") if p.is_file())


def refused(run_cli: RunCli, site: Path, out: Path) -> list[str]:
    """The lines of a build that must fail; nothing may be written anywhere but the templates
    funnelgen compiled, in its own folder beside the output."""
    compiled = template_cache_path(out).relative_to(site.parent).as_posix() + "/"

    def files() -> dict[str, bytes]:
        return {name: data for name, data in snapshot(site.parent).items() if not name.startswith(compiled)}

    before = files()
    result = run_cli("build", site, "-o", out)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert files() == before
    return result.stderr.splitlines()


# --- names that become paths --------------------------------------------------------------------

@pytest.mark.parametrize("value", ESCAPES)
@pytest.mark.parametrize("key", ["slug", "steps[0].id", "steps[0].slug", "steps[0].next"])
def test_a_slug_is_never_a_path(key: str, value: str, make_site: MakeSite, run_cli: RunCli,
                                tmp_path: Path) -> None:
    funnel = FUNNEL_YML
    if key == "slug":
        funnel = f"slug: '{value}'\n" + funnel
    elif key == "steps[0].id":
        funnel = funnel.replace("id: join", f"id: '{value}'")
    else:
        funnel = funnel.replace("    type: optin\n", f"    type: optin\n    {key[9:]}: '{value}'\n")
    site = make_site({"funnels/tiny.yml": funnel})
    lines = refused(run_cli, site, tmp_path / "out")
    refusal = "is not a step id" if key.endswith("next") and "/" in value else "is not a valid slug"
    assert any(f"{key}: " in line and refusal in line for line in lines), lines


@pytest.mark.parametrize("name", ["x..\\y.yml", "%2e%2e.yml", "a b.YAML"])
def test_a_funnel_file_name_is_never_a_path(name: str, make_site: MakeSite, run_cli: RunCli,
                                            tmp_path: Path) -> None:
    site = make_site({"funnels/tiny.yml": None, f"funnels/{name}": FUNNEL_YML})
    lines = refused(run_cli, site, tmp_path / "out")
    assert len(lines) == 1 and lines[0].startswith(f"funnels/{name}:1: file name '{Path(name).stem}' is not "
                                                   "a valid URL: rename the file to "), lines


@pytest.mark.parametrize("name", ["..yml", ".hidden.yml", "..\\x.yml"])
def test_a_hidden_funnel_file_is_never_read(name: str, make_site: MakeSite, run_cli: RunCli,
                                            tmp_path: Path) -> None:
    site = make_site({"funnels/tiny.yml": None, f"funnels/{name}": FUNNEL_YML})
    assert refused(run_cli, site, tmp_path / "out") == ["funnels/: no funnel files: add funnels/<name>.yml"]


@pytest.mark.parametrize("value", ["assets/../site.yml", "assets/../../outside/secret.png", "/etc/passwd",
                                   "assets\\..\\..\\outside\\secret.png", "assets/%2e%2e/%2e%2e/secret.png",
                                   "assets//etc/passwd", "assets/./logo.svg", "file:///etc/passwd",
                                   "assets/" + "x" * 300 + ".png"])
@pytest.mark.parametrize("key", ["brand.logo", "seo.favicon", "seo.image"])
def test_an_asset_reference_is_never_a_path_out(key: str, value: str, make_site: MakeSite, run_cli: RunCli,
                                                tmp_path: Path, outside: Path) -> None:
    parent, child = key.split(".")
    site = make_site({"site.yml": SITE_YML + f"{parent}:\n  {child}: '{value}'\n", "assets/logo.svg": "<svg/>"})
    lines = refused(run_cli, site, tmp_path / "out")
    assert len(lines) == 1 and lines[0].startswith(f"site.yml:4: {key}: "), lines


@pytest.mark.parametrize("value", ["content/../../outside/secret.md", "/etc/passwd.md", "../outside/secret.md",
                                   "content\\..\\..\\outside\\secret.md", "content/%2e%2e/%2e%2e/outside/secret.md",
                                   "content/" + "x" * 300 + ".md"])
def test_a_content_include_is_never_a_path_out(value: str, make_site: MakeSite, run_cli: RunCli,
                                               tmp_path: Path, outside: Path) -> None:
    funnel = FUNNEL_YML.replace("    headline: Join the list\n",
                                f"    headline: Join the list\n    body_file: '{value}'\n")
    site = make_site({"funnels/tiny.yml": funnel})
    lines = refused(run_cli, site, tmp_path / "out")
    assert len(lines) == 1 and lines[0].startswith("funnels/tiny.yml:6: steps[0].body_file: "), lines


@pytest.mark.parametrize("markdown", ["![x](assets/../../outside/secret.png)", "![x](../outside/secret.png)",
                                      "![x](file:///etc/passwd)", "[x](file:///etc/passwd)"])
def test_markdown_never_brings_a_file_from_outside(markdown: str, make_site: MakeSite, run_cli: RunCli,
                                                   tmp_path: Path, outside: Path) -> None:
    funnel = FUNNEL_YML.replace("    headline: Join the list\n",
                                f"    headline: Join the list\n    body: '{markdown}'\n")
    site, out = make_site({"funnels/tiny.yml": funnel}), tmp_path / "out"
    result = run_cli("build", site, "-o", out)
    assert "Traceback" not in result.output
    assert result.exit_code == 1
    assert result.stderr.startswith("funnels/tiny.yml:6: steps[0].body: "), result.stderr
    assert not out.exists()


# --- links that point out ---------------------------------------------------------------------

@pytest.mark.parametrize(("link", "target", "expected"), [
    ("assets/logo.svg", "secret.svg", "assets/logo.svg: links to a file outside the site folder; copy the "
                                      "file into assets/ instead"),
    ("assets", "", "assets: links to a folder outside the site folder"),
    ("content/story.md", "secret.md", "funnels/tiny.yml:6: steps[0].body_file: 'content/story.md' links to a "
                                      "file outside the site folder"),
    ("content", "", "funnels/tiny.yml:6: steps[0].body_file: 'content/story.md' links to a file outside"),
    ("templates/blocks/footer.html", "secret.html", "templates/blocks/footer.html: links to a file outside "
                                                    "the site folder; copy the template into templates/ instead"),
    ("templates/blocks", "", "templates/blocks: links to a file outside the site folder"),
    ("templates", "", "templates: links to a file outside the site folder"),
    ("funnels/other.yml", "secret.md", "funnels/other.yml: links to a file outside the site folder; copy the "
                                       "file in instead"),
    ("funnels", "", "funnels/: links to a folder outside the site folder; copy the funnel files in instead"),
    ("site.yml", "theme.yml", "site.yml: links to a file outside the site folder; copy the file in instead"),
])
def test_a_link_in_the_site_pointing_out_is_refused(link: str, target: str, expected: str, make_site: MakeSite,
                                                    run_cli: RunCli, tmp_path: Path, outside: Path) -> None:
    funnel = FUNNEL_YML.replace("    headline: Join the list\n",
                                "    headline: Join the list\n    body_file: content/story.md\n")
    site = make_site({"funnels/tiny.yml": funnel, "site.yml": SITE_YML + "brand: {logo: assets/logo.svg}\n"})
    (outside / "blocks").mkdir()
    (outside / "blocks" / "footer.html").write_text(SECRET)
    (outside / "footer.html").write_text(SECRET)
    (outside / "logo.svg").write_text(SECRET)
    (outside / "story.md").write_text(SECRET)
    if not link.startswith("content"):
        (site / "content").mkdir()
        (site / "content/story.md").write_text("Once upon a time.\n")
    if link.startswith("assets/"):
        pass
    elif link != "assets":
        (site / "assets").mkdir()
        (site / "assets/logo.svg").write_text("<svg/>")
    path = site / link
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_dir():
        shutil.rmtree(path)
    path.unlink(missing_ok=True)
    path.symlink_to(outside / target if target else (outside / "blocks" if link == "templates/blocks" else outside))
    lines = refused(run_cli, site, tmp_path / "out")
    assert any(line.startswith(expected) for line in lines), lines
    assert not any(SECRET in line for line in lines)  # its text is not shown either


@pytest.mark.parametrize("where", ["assets/loop.png", "templates/blocks/footer.html", "funnels/loop.yml",
                                   "site.yml"])
def test_a_link_that_leads_back_to_itself_is_one_clear_line(where: str, make_site: MakeSite, run_cli: RunCli,
                                                              tmp_path: Path) -> None:
    site = make_site()
    (site / where).parent.mkdir(parents=True, exist_ok=True)
    (site / where).unlink(missing_ok=True)
    (site / where).symlink_to(site / where)
    assert refused(run_cli, site, tmp_path / "out") == [
        f"{where}: is a link that leads back to itself (a loop of links); replace it with the file, or remove it"]


@pytest.mark.parametrize("where", ["assets/gone.png", "funnels/gone.yml"])
def test_a_link_to_a_file_that_is_not_there_says_where_it_pointed(where: str, make_site: MakeSite,
                                                                  run_cli: RunCli, tmp_path: Path) -> None:
    site = make_site()
    (site / where).parent.mkdir(parents=True, exist_ok=True)
    (site / where).symlink_to("../drafts/gone.yml")
    assert refused(run_cli, site, tmp_path / "out") == [
        f"{where}: is a link to '../drafts/gone.yml', which is not there (moved or removed?): point the link to "
        "where it is now, or put it here instead"]


def test_a_file_behind_a_linked_folder_in_assets_says_the_link_is_not_followed(make_site: MakeSite,
                                                                                run_cli: RunCli, tmp_path: Path) -> None:
    site = make_site({"site.yml": SITE_YML + "seo: {image: assets/img/share.svg}\n", "shared/share.svg": "<svg/>"})
    (site / "assets").mkdir()
    (site / "assets/img").symlink_to("../shared")
    assert refused(run_cli, site, tmp_path / "out") == [
        "site.yml:3: seo.image: no file 'assets/img/share.svg' in the site folder: assets/img is a link to a folder, "
        "which is not followed: copy the folder into assets/ instead"]


def test_an_assets_folder_that_links_outside_the_site_is_refused(make_site: MakeSite, run_cli: RunCli,
                                                                   tmp_path: Path, outside: Path) -> None:
    """Every file in it would be refused, and files added there later would go unnoticed."""
    site = make_site()
    (site / "assets").symlink_to(outside)
    assert refused(run_cli, site, tmp_path / "out") == [
        "assets: links to a folder outside the site folder; make assets/ a folder of the site, with the files "
        "copied in"]


def test_an_asset_whose_name_is_not_utf8_is_one_clear_line(make_site: MakeSite, run_cli: RunCli,
                                                             tmp_path: Path) -> None:
    site = make_site({"assets/logo.svg": "<svg/>"})
    with open(os.path.join(os.fsencode(site / "assets"), b"caf\xe9.svg"), "w") as file:  # Latin-1, as a zip names it
        file.write("<svg/>")
    assert refused(run_cli, site, tmp_path / "out") == [
        "assets/caf\ufffd.svg: its name is not UTF-8 (an old tool or a zip file named it): rename it, typing the "
        "name again"]


@pytest.mark.parametrize("where", ["assets/pipe.png", "templates/blocks/footer.html", "funnels/pipe.yml"])
def test_a_pipe_in_the_site_is_refused_not_waited_on(where: str, make_site: MakeSite, run_cli: RunCli,
                                                     tmp_path: Path) -> None:
    site = make_site()
    (site / where).parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(site / where)  # reading it would wait for a writer for ever
    assert refused(run_cli, site, tmp_path / "out") == [
        f"{where}: is not a plain file (a pipe or a device); remove it from {where.split('/')[0]}/"]


def test_a_pipe_or_folder_for_site_yml_is_refused_and_a_missing_one_named_even_after_a_build(
        make_site: MakeSite, run_cli: RunCli, tmp_path: Path) -> None:
    site = make_site()
    out = tmp_path / "out"
    assert run_cli("build", site, "-o", out).exit_code == 0
    (site / "site.yml").unlink()
    os.mkfifo(site / "site.yml")
    assert refused(run_cli, site, out) == ["site.yml: is not a plain file (a pipe or a device); remove it"]
    (site / "site.yml").unlink()
    (site / "site.yml").mkdir()
    assert refused(run_cli, site, out) == ["site.yml: is a folder, not a YAML file; rename it"]
    (site / "site.yml").rmdir()
    assert refused(run_cli, site, out) == [f"{site}: no site.yml in this folder: give the folder that holds "
                                           "site.yml, or start a site here with funnelgen new ."]


def test_a_theme_folder_is_allowed_anywhere_as_documented(make_site: MakeSite, run_cli: RunCli,
                                                          tmp_path: Path) -> None:
    theme = tmp_path / "shared-theme"
    (theme / "templates").mkdir(parents=True)
    (theme / "theme.yml").write_text("name: shared\nextends: clean\n")
    (theme / "templates" / "style.css").write_text("body{color:#123456}\n")
    site, out = make_site({"site.yml": SITE_YML + f"theme: {theme}\n"}), tmp_path / "out"
    assert run_cli("build", site, "-o", out).exit_code == 0
    assert "#123456" in (out / "tiny/join/index.html").read_text()


@pytest.mark.parametrize("include", ["../../outside/secret.html", "/etc/passwd", "../theme.yml",
                                     "..\\..\\outside\\secret.html", "%2e%2e/%2e%2e/outside/secret.html"])
def test_a_template_cannot_include_a_file_outside_the_theme(include: str, make_site: MakeSite, run_cli: RunCli,
                                                            tmp_path: Path, outside: Path) -> None:
    site = make_site({"templates/blocks/footer.html": f"{{% include '{include}' %}}\n"})
    lines = refused(run_cli, site, tmp_path / "out")
    assert len(lines) == 1 and ("not found" in lines[0] or "template error" in lines[0]), lines
    assert SECRET not in "".join(lines)


def test_a_theme_folder_with_a_link_pointing_out_is_refused(make_site: MakeSite, run_cli: RunCli,
                                                            tmp_path: Path, outside: Path) -> None:
    site = make_site({"site.yml": SITE_YML + "theme: ./mytheme\n",
                      "mytheme/theme.yml": "name: mine\nextends: clean\n"})
    (site / "mytheme/templates/blocks").mkdir(parents=True)
    (site / "mytheme/templates/blocks/footer.html").symlink_to(outside / "secret.html")
    lines = refused(run_cli, site, tmp_path / "out")
    assert any("footer.html: links to a file outside its folder" in line for line in lines), lines


def test_the_contained_loader_refuses_links_out_and_reads_the_rest(tmp_path: Path, outside: Path) -> None:
    import jinja2

    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "ok.html").write_text("fine")
    (tmp_path / "t" / "inner.html").symlink_to(tmp_path / "t" / "ok.html")
    (tmp_path / "t" / "out.html").symlink_to(outside / "secret.html")
    env = jinja2.Environment(loader=ContainedLoader([str(tmp_path / "t")]), autoescape=True)
    assert env.get_template("ok.html").render() == "fine"
    assert env.get_template("inner.html").render() == "fine"
    with pytest.raises(Abort, match=r"out\.html: links to a file outside its folder"):
        env.get_template("out.html")
    with pytest.raises(jinja2.TemplateNotFound):
        env.get_template("../outside/secret.html")


# --- -o --------------------------------------------------------------------------------------

@pytest.fixture
def readable_site() -> Iterator[Path]:
    """A site in a folder any user can read (pytest's own temporary folders are root's only)."""
    folder = Path(tempfile.mkdtemp(prefix="funnelgen-paths-"))
    try:
        (folder / "site" / "funnels").mkdir(parents=True)
        (folder / "site" / "site.yml").write_text(SITE_YML)
        (folder / "site" / "funnels" / "tiny.yml").write_text(FUNNEL_YML)
        for path in [folder, *folder.rglob("*")]:
            path.chmod(path.stat().st_mode | stat.S_IROTH | stat.S_IXOTH)
        yield folder / "site"
    finally:
        shutil.rmtree(folder)


def as_nobody(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run funnelgen as the user nobody, who cannot delete what matters even if funnelgen tried."""
    setpriv = shutil.which("setpriv")
    if setpriv is None or os.geteuid() != 0:
        pytest.fail("this test runs funnelgen as 'nobody' with setpriv, which needs root and "
                    "util-linux: as on CI", pytrace=False)
    return subprocess.run([setpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                           sys.executable, "-m", "funnelgen", *map(str, args)],
                          capture_output=True, text=True, timeout=60, check=False, cwd="/")


def test_the_root_folder_is_never_the_output(readable_site: Path) -> None:
    listing = sorted(os.listdir("/"))
    result = as_nobody("build", readable_site, "-o", "/")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr == ("refusing to write to /: it is the root of the file system; "
                             "choose another -o folder\n")
    assert sorted(os.listdir("/")) == listing


def test_the_home_folder_is_never_the_output(readable_site: Path, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / ".bashrc").write_text("# mine\n")
    monkeypatch.setenv("HOME", str(home))
    for out, said in ((home, "is your home folder"), (home.parent, "holds your home folder")):
        with pytest.raises(Abort, match=f"refusing to write to {out}: it {said}"):
            build(readable_site, out)
    assert sorted(p.name for p in home.iterdir()) == [".bashrc"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home"]


@pytest.mark.parametrize("where", ["mytheme/out", "link-to-theme/out"])
def test_the_output_never_sits_in_a_theme_folder(where: str, make_site: MakeSite, tmp_path: Path) -> None:
    theme = tmp_path / "mytheme"
    theme.mkdir()
    (theme / "theme.yml").write_text("name: mine\nextends: clean\n")
    (tmp_path / "link-to-theme").symlink_to(theme)
    site = make_site({"site.yml": SITE_YML + "theme: ../mytheme\n"})
    before = snapshot(tmp_path)
    with pytest.raises(Abort, match=f"refusing to write to {tmp_path / where}: it is inside the theme folder "
                                    f"{theme}"):
        build(site, tmp_path / where)  # every build would then change the theme, and render everything
    assert snapshot(tmp_path) == before


def test_an_output_folder_that_holds_the_theme_is_refused_before_the_theme_is_moved(
        make_site: MakeSite, tmp_path: Path) -> None:
    site = make_site()
    out = tmp_path / "out"
    build(site, out)
    theme = out / "mytheme"  # put there by hand: the next build would replace the folder
    (theme / "templates").mkdir(parents=True)
    (theme / "theme.yml").write_text("name: mine\nextends: clean\n")
    (site / "site.yml").write_text(SITE_YML + "theme: ../out/mytheme\n")
    before = snapshot(tmp_path)
    with pytest.raises(Abort, match=f"refusing to write to {out}: it holds the theme folder {theme}"):
        build(site, out)
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("where", ["site/../site", "site/./funnels/..", "link-to-site", "site/content/out",
                                   "site/templates/out"])
def test_the_output_never_holds_or_sits_in_the_site_however_it_is_written(
    where: str, make_site: MakeSite, tmp_path: Path
) -> None:
    site = make_site()
    (tmp_path / "link-to-site").symlink_to(site)
    before = snapshot(tmp_path)
    with pytest.raises(Abort, match="refusing to write to"):
        build(site, Path(tmp_path / where))
    assert snapshot(tmp_path) == before

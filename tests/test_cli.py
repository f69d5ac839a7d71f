"""The command line as a marketer uses it: messages, exit codes, and the installed command."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import Result
from conftest import FUNNEL_YML, SITE_YML, MakeSite, snapshot

from funnelgen import __version__

RunCli = Callable[..., Result]
FUNNELGEN = shutil.which("funnelgen", path=str(Path(sys.executable).parent))


def installed(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed funnelgen command, as a marketer types it."""
    assert FUNNELGEN, "the funnelgen command is not installed in this environment (run make test)"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run([FUNNELGEN, *map(str, args)], capture_output=True, text=True, env=env, cwd=cwd,
                          check=False)


def ctrl_c(command: list[str], when: Callable[[], bool], cwd: Path | None = None,
           sent: signal.Signals = signal.SIGINT) -> subprocess.CompletedProcess[str]:
    """Run ``command`` and press Ctrl-C once ``when()`` holds: SIGINT to its whole process group,
    as a terminal sends it (or ``sent``: SIGTERM, as a cancelled CI job does)."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd,
                               start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while not when() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert process.poll() is None, "it ended before Ctrl-C: " + process.communicate()[1]
        os.killpg(process.pid, sent)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    return subprocess.CompletedProcess(command, process.returncode, out, err)


SLOW_FOOTER = ("<footer>{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}"
               "</footer>\n")
"""A footer that takes hours to render: a build or check of it is still running when Ctrl-C comes."""


def test_version(run_cli: RunCli) -> None:
    result = run_cli("--version")
    assert result.exit_code == 0
    assert result.stdout == f"funnelgen, version {__version__}\n"


def test_build_prints_a_line_per_funnel_and_a_summary(run_cli: RunCli, make_site: MakeSite, tmp_path: Path) -> None:
    result = run_cli("build", make_site(), "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "  tiny   2 steps  /tiny/  Tiny funnel"
    assert lines[1].startswith("Built 3 pages (7 files) from 1 funnel in ")
    assert lines[1].endswith(f"→ {tmp_path / 'out'}")


def test_a_big_site_lists_only_the_funnels_it_rendered(run_cli: RunCli, make_site: MakeSite, tmp_path: Path) -> None:
    many = {f"funnels/f{i:02d}.yml": FUNNEL_YML.replace("Tiny funnel", f"Funnel {i}") for i in range(25)}
    site, out = make_site({**many, "funnels/tiny.yml": None}), tmp_path / "out"
    assert len(run_cli("build", site, "-o", out).stdout.splitlines()) == 26  # all 25, and the summary
    (site / "funnels/f07.yml").write_text(many["funnels/f07.yml"].replace("Funnel 7", "Funnel seven"))
    lines = run_cli("build", site, "-o", out).stdout.splitlines()
    assert lines[:2] == ["  f07   2 steps  /f07/  Funnel seven", "  … and 24 unchanged funnels (-v lists them)"]
    assert lines[2].startswith("Built 75 pages (")
    assert run_cli("build", site, "-o", out).stdout.splitlines()[0].startswith("  … and 25 unchanged funnels")
    verbose = run_cli("build", site, "-o", out, "-v").stdout.splitlines()
    assert "  f24   2 steps  /f24/  Funnel 24  (unchanged)" in verbose


def test_quiet_prints_nothing_on_success(run_cli: RunCli, make_site: MakeSite, tmp_path: Path) -> None:
    result = run_cli("build", make_site(), "-o", tmp_path / "out", "-q")
    assert result.exit_code == 0
    assert result.output == ""


def test_build_defaults_to_a_public_folder_in_the_site(run_cli: RunCli, make_site: MakeSite) -> None:
    site = make_site()
    assert run_cli("build", site).exit_code == 0
    assert (site / "public/tiny/join/index.html").is_file()


def test_a_bad_site_exits_1_with_one_line_per_problem_and_writes_nothing(
    run_cli: RunCli, make_site: MakeSite, tmp_path: Path
) -> None:
    site = make_site({"funnels/tiny.yml": "title: T\nsteps:\n  - id: a\n    type: bridge\n    headline: H\n    next: nope\n"})
    result = run_cli("build", site, "-o", tmp_path / "out")
    assert result.exit_code == 1
    assert result.stderr == "funnels/tiny.yml:6: steps[0].next: no step 'nope' in this funnel (steps: a)\n"
    assert not (tmp_path / "out").exists()


def test_usage_errors_exit_2(run_cli: RunCli, tmp_path: Path) -> None:
    assert run_cli("build", tmp_path / "missing").exit_code == 2
    assert run_cli("frobnicate").exit_code == 2
    assert run_cli("schema", "nope").exit_code == 2


@pytest.mark.parametrize(("typed", "said"), [
    ("build --ouput out", "funnelgen build: no such option --ouput (did you mean --output?); "
                          "see funnelgen build --help"),
    ("build -x", "funnelgen build: no such option -x; see funnelgen build --help"),
    ("biuld", "funnelgen: no such command biuld (did you mean build?); see funnelgen --help"),
    ("publish", "funnelgen: no such command publish (commands: build, check, deploy, new, schema, serve, "
                "themes); see funnelgen --help"),
    ("build nowhere", "funnelgen build: no folder nowhere; give the folder that holds site.yml "
                      "(e.g. funnelgen build mysite); see funnelgen build --help"),
    ("themes nowhere", "funnelgen themes: no folder nowhere; give the folder that holds site.yml "
                       "(e.g. funnelgen themes mysite); see funnelgen themes --help"),
    ("build -j 0", "funnelgen build: invalid value for -j: '0' is not a number of processes; give a whole "
                   "number, 1 or more (e.g. -j 4); see funnelgen build --help"),
    ("build -j all", "funnelgen build: invalid value for -j: 'all' is not a number of processes; give a whole "
                     "number, 1 or more (e.g. -j 4); see funnelgen build --help"),
    ("build -o", "funnelgen build: option '-o' requires an argument; see funnelgen build --help"),
    ("new", "funnelgen new: missing argument 'DIRECTORY'; see funnelgen new --help"),
    ("deploy", "funnelgen deploy: missing option '--git'; see funnelgen deploy --help"),
    ("schema", "funnelgen schema: missing argument '{site|funnel|docs}'. Choose from: site, funnel, docs; "
               "see funnelgen schema --help"),
    ("--nope", "funnelgen: no such option --nope; see funnelgen --help"),
])
def test_every_usage_mistake_is_one_line_saying_what_to_type(tmp_path: Path, typed: str, said: str) -> None:
    result = installed(*typed.split(), cwd=tmp_path)
    assert (result.returncode, result.stderr) == (2, said + "\n")
    assert result.stdout == ""
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("given", "said"), [
    ("mysite/site.yml", "funnelgen build: mysite/site.yml is a file; give the folder that holds site.yml "
                        "(funnelgen build mysite); see funnelgen build --help"),
    ("mysite/funnels/tiny.yml", "funnelgen build: mysite/funnels/tiny.yml is a file; give the folder that holds "
                                "site.yml (funnelgen build mysite); see funnelgen build --help"),
])
def test_a_file_given_as_the_site_names_its_folder(tmp_path: Path, given: str, said: str) -> None:
    (tmp_path / "mysite" / "funnels").mkdir(parents=True)
    (tmp_path / "mysite" / "site.yml").write_text(SITE_YML)
    (tmp_path / "mysite" / "funnels" / "tiny.yml").write_text(FUNNEL_YML)
    result = installed("build", given, cwd=tmp_path)
    assert (result.returncode, result.stderr) == (2, said + "\n")


@pytest.mark.parametrize("name", ["site.yaml", "Site.yml", "site.yml.txt"])
def test_a_site_yml_named_otherwise_is_named_for_what_it_is(run_cli: RunCli, tmp_path: Path, name: str) -> None:
    (tmp_path / "mysite").mkdir()  # .yaml; capitals Windows and macOS ignore; Notepad's .txt
    (tmp_path / "mysite" / name).write_text(SITE_YML)
    result = run_cli("check", tmp_path / "mysite")
    assert result.exit_code == 1
    assert result.stderr == f"{tmp_path / 'mysite'}: no site.yml in this folder: rename {name} to site.yml\n"


def test_funnelgen_alone_shows_its_help(tmp_path: Path) -> None:
    result = installed(cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("Usage: funnelgen [OPTIONS] COMMAND [ARGS]...\n")
    assert "  build   Build the site in SITE" in result.stderr


@pytest.mark.parametrize(("sent", "code", "said"), [(signal.SIGINT, 130, "Ctrl-C"), (signal.SIGTERM, 143, "terminated")])
def test_ctrl_c_during_a_build_leaves_the_output_as_it_was(make_site: MakeSite, tmp_path: Path, sent: signal.Signals,
                                                           code: int, said: str) -> None:
    """And so does SIGTERM (a CI job cancelled, docker stop): no staging folder or lock is left."""
    site, out = make_site(), tmp_path / "out"
    assert installed("build", site, "-o", out, "-q").returncode == 0
    before = snapshot(out)
    (site / "templates/blocks").mkdir(parents=True)
    (site / "templates/blocks/footer.html").write_text(SLOW_FOOTER)
    assert FUNNELGEN
    writing = lambda: any(tmp_path.glob(".out.*.funnelgen-tmp"))  # noqa: E731 - the new build is being written
    result = ctrl_c([FUNNELGEN, "build", str(site), "-o", str(out)], writing, sent=sent)
    assert (result.returncode, result.stderr) == (code, f"Stopped ({said}); the output folder was left as it was.\n")
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".out.funnelgen-templates", "out", "site"]


def test_ctrl_c_during_a_check_says_nothing_was_written(make_site: MakeSite) -> None:
    site = make_site({"templates/blocks/footer.html": SLOW_FOOTER})
    before = snapshot(site.parent)
    assert FUNNELGEN
    started = time.monotonic()
    result = ctrl_c([FUNNELGEN, "check", str(site)], lambda: time.monotonic() - started > 1)
    assert (result.returncode, result.stderr) == (130, "Stopped (Ctrl-C); nothing was written.\n")
    assert snapshot(site.parent) == before


def pressed_in_the_swap(sent: str, before_main: str = "") -> str:
    """A script that runs funnelgen's command line, sending itself ``sent`` as the new build is
    swapped in; ``before_main``: a line that sets it up further."""
    return f"""if True:
        import os, signal, sys
        from funnelgen import write
        from funnelgen.cli import main
        swap = write.OutputWriter.commit
        def commit(self, marker):
            os.kill(os.getpid(), signal.{sent})
            swap(self, marker)
        write.OutputWriter.commit = commit
        {before_main}
        sys.argv[0] = "funnelgen"
        main()
    """


@pytest.mark.parametrize(("sent", "code", "said"), [("SIGINT", 130, "Ctrl-C"), ("SIGTERM", 143, "terminated")])
def test_ctrl_c_while_the_new_build_is_swapped_in_lets_the_swap_finish(make_site: MakeSite, tmp_path: Path,
                                                                      sent: str, code: int, said: str) -> None:
    """Ctrl-C (or SIGTERM) during the swap is held until the swap is done; then the line says so."""
    site, out = make_site(), tmp_path / "out"
    assert installed("build", site, "-o", out, "-q").returncode == 0
    (site / "funnels/tiny.yml").write_text(FUNNEL_YML.replace("Join the list", "Join us"))
    result = subprocess.run([sys.executable, "-c", pressed_in_the_swap(sent), "build", str(site), "-o", str(out)],
                            capture_output=True, text=True, check=False)
    assert (result.returncode, result.stderr) == (
        code, f"Stopped ({said}) after the build had finished; the output folder is up to date.\n")
    assert "Join us" in (out / "tiny/join/index.html").read_text()
    assert installed("build", site, "-o", out).stdout.splitlines()[-1].startswith("Up to date: 3 pages")


@pytest.mark.parametrize(("sent", "code", "said"), [("SIGINT", 130, "Ctrl-C"), ("SIGTERM", 143, "terminated")])
def test_ctrl_c_pressed_again_while_a_stopped_build_cleans_up_leaves_nothing_behind(
        make_site: MakeSite, tmp_path: Path, sent: str, code: int, said: str) -> None:
    """The second Ctrl-C (or SIGTERM) is taken as the same request: it cut the cleanup short."""
    site, out = make_site(), tmp_path / "out"
    pressed_twice = """if True:
        import os, signal, sys
        from funnelgen import write
        from funnelgen.cli import main
        from funnelgen.commands import build
        key, remove = build.site_key, write.remove_tree
        def site_key(*args):
            os.kill(os.getpid(), signal.SENT)  # once the pages are written
            return key(*args)
        def remove_tree(path):
            os.kill(os.getpid(), signal.SENT)  # again, as the stopped build removes its staging folder
            remove(path)
        build.site_key, write.remove_tree = site_key, remove_tree
        sys.argv[0] = "funnelgen"
        main()
    """
    result = subprocess.run([sys.executable, "-c", pressed_twice.replace("SENT", sent), "build", str(site),
                             "-o", str(out)], capture_output=True, text=True, check=False)
    assert (result.returncode, result.stderr) == (code, f"Stopped ({said}); the output folder was left as it was.\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".out.funnelgen-templates", "site"]


def test_a_stop_python_drops_while_pages_render_stops_the_build_before_its_swap(make_site: MakeSite,
                                                                                 tmp_path: Path) -> None:
    """The HTML sanitiser drops an exception raised in its callback, and with it the link it was
    checking: the build went on and published that page without its href."""
    site, out = make_site(), tmp_path / "out"
    assert installed("build", site, "-o", out, "-q").returncode == 0
    before = snapshot(out)
    (site / "funnels/tiny.yml").write_text(FUNNEL_YML.replace("Join the list", "Join us"))
    dropped = """if True:
        import os, signal, sys
        from funnelgen.cli import main
        from funnelgen.commands import build

        class Finalized:
            def __del__(self):
                os.kill(os.getpid(), signal.SIGINT)  # what it raises here, Python prints and drops

        at_address = build.at_address
        def rendered(html, url):
            Finalized()
            return at_address(html, url)
        build.at_address = rendered
        sys.argv[0] = "funnelgen"
        main()
    """
    result = subprocess.run([sys.executable, "-c", dropped, "build", str(site), "-o", str(out), "-j", "1"],
                            capture_output=True, text=True, check=False)
    assert (result.returncode, result.stderr) == (130, "Stopped (Ctrl-C); the output folder was left as it was.\n")
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".out.funnelgen-templates", "out", "site"]


def test_a_stop_inside_pythons_own_machinery_says_the_commands_line(capsys: pytest.CaptureFixture[str]) -> None:
    from funnelgen.cli import _stops_on_ctrl_c

    @_stops_on_ctrl_c("Stopped (Ctrl-C); nothing was written.")
    def command() -> None:  # as the codecs re-raise a stop that comes while they encode a host name
        raise KeyboardInterrupt("encoding with 'idna' codec failed (KeyboardInterrupt: )")

    with pytest.raises(SystemExit) as ended:
        command()
    assert (ended.value.code, capsys.readouterr().err) == (130, "Stopped (Ctrl-C); nothing was written.\n")


def test_a_build_started_with_ctrl_c_ignored_keeps_ignoring_it(make_site: MakeSite, tmp_path: Path) -> None:
    """As a shell script starts `funnelgen build … &`: Ctrl-C pressed for the script is not for it."""
    site, out = make_site(), tmp_path / "out"
    (site / "templates/blocks").mkdir(parents=True)
    (site / "templates/blocks/footer.html").write_text("<footer>{% for a in range(10) %}{% for b in range(50000) %}{% endfor %}{% endfor %}</footer>\n")
    assert FUNNELGEN
    ignoring = lambda: signal.signal(signal.SIGINT, signal.SIG_IGN)  # noqa: E731 - what the shell does
    build = subprocess.Popen([FUNNELGEN, "build", str(site), "-o", str(out), "-j", "2"], preexec_fn=ignoring,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while not any(tmp_path.glob(".out.*.funnelgen-tmp")) and time.monotonic() < deadline:
            time.sleep(0.01)
        os.killpg(build.pid, signal.SIGINT)  # to every process of it, workers too
        _, err = build.communicate(timeout=120)
    finally:
        if build.poll() is None:
            os.killpg(build.pid, signal.SIGKILL)
            build.wait()
    assert (build.returncode, err) == (0, "")
    assert (out / "tiny/join/index.html").is_file()


def test_a_stop_that_python_drops_still_ends_the_command_with_its_exit_code() -> None:
    """Python drops an exception raised in some of its own handlers (at a fork, in a finalizer):
    the work then finishes, and the command says it was stopped as it finished."""
    dropped = """if True:
        import os, signal
        from funnelgen.cli import _stops_on_ctrl_c

        class Finalized:
            def __del__(self):
                os.kill(os.getpid(), signal.SIGTERM)  # what it raises here, Python prints and drops

        @_stops_on_ctrl_c("Stopped (Ctrl-C); nothing was written.")
        def command():
            Finalized()
            print("Checked 3 pages")

        command()
    """
    result = subprocess.run([sys.executable, "-c", dropped], capture_output=True, text=True, check=False)
    assert result.returncode == 143
    assert result.stdout == "Checked 3 pages\n"
    assert result.stderr == "Stopped (terminated) as it finished; what it printed above was done.\n"  # no traceback


def test_ctrl_c_during_the_swap_of_a_build_that_ignores_it_changes_nothing(make_site: MakeSite,
                                                                           tmp_path: Path) -> None:
    site, out = make_site(), tmp_path / "out"
    ignoring = "signal.signal(signal.SIGINT, signal.SIG_IGN)"  # as `funnelgen build &` in a script starts
    result = subprocess.run([sys.executable, "-c", pressed_in_the_swap("SIGINT", ignoring), "build", str(site), "-o",
                             str(out), "-q"], capture_output=True, text=True, check=False)
    assert (result.returncode, result.stderr) == (0, "")


@pytest.mark.parametrize("spare", [".public.funnelgen-spare", ".public.0a1b2c3d.funnelgen-tmp"])
def test_build_into_the_spare_of_another_output_is_refused(make_site: MakeSite, spare: str) -> None:
    site = make_site()
    assert installed("build", site, "-q").returncode == 0
    assert installed("build", site, "-q", "--no-cache").returncode == 0  # public's spare is there now
    before = snapshot(site)
    result = installed("build", "site", "-o", f"site/{spare}", cwd=site.parent)
    what = ("spare of site/public (the build before last, which each build of public rewrites)"
            if spare.endswith("spare") else "staging folder of site/public (which the next build of public removes)")
    assert (result.returncode, result.stderr) == (
        1, f"refusing to write to site/{spare}: it is funnelgen's {what}; to build public, write -o site/public, "
           "or choose another -o folder\n")
    assert snapshot(site) == before


@pytest.mark.parametrize(("out", "said"), [
    ("site/.public.funnelgen-lock", "funnelgen's lock file of site/public"),
    ("site/.public.funnelgen-templates/x", "inside .public.funnelgen-templates, funnelgen's folder of the "
                                            "templates compiled for site/public"),
    ("site/.public.funnelgen-spare/x", "inside .public.funnelgen-spare, funnelgen's spare of site/public (the "
                                       "build before last, which each build of public rewrites)"),
])
def test_build_into_or_inside_a_file_kept_beside_another_output_is_refused(make_site: MakeSite, out: str,
                                                                          said: str) -> None:
    site = make_site()
    result = installed("build", "site", "-o", out, cwd=site.parent)  # the next build of public would fail
    assert (result.returncode, result.stderr) == (
        1, f"refusing to write to {out}: it is {said}; to build public, write -o site/public, or choose another "
           "-o folder\n")
    assert not (site.parent / out).exists()


def test_warnings_are_printed_and_strict_makes_them_fail(run_cli: RunCli, make_site: MakeSite, tmp_path: Path) -> None:
    funnel = """\
        title: T
        steps:
          - {id: sale, type: offer, headline: Buy, price: {amount: 9}, checkout: "https://pay.example/x"}
        """
    site = make_site({"funnels/tiny.yml": funnel})
    relaxed = run_cli("build", site, "-o", tmp_path / "out")
    assert relaxed.exit_code == 0
    assert "warning: funnels/tiny.yml:3: steps[0]: offer has no testimonials: add testimonials: with a customer's quote and name\n" in relaxed.stderr
    strict = run_cli("build", site, "-o", tmp_path / "out2", "--strict")
    assert strict.exit_code == 1
    assert strict.stderr == "funnels/tiny.yml:3: steps[0]: offer has no testimonials: add testimonials: with a customer's quote and name (--strict)\n"
    assert not (tmp_path / "out2").exists()


def test_check_runs_every_check_and_writes_nothing(run_cli: RunCli, make_site: MakeSite) -> None:
    site = make_site()
    before = snapshot(site)
    result = run_cli("check", site)
    assert result.exit_code == 0
    assert result.stdout.startswith("OK: 1 funnel, 3 pages, 0 warnings")
    assert snapshot(site) == before


def test_check_catches_template_errors_too(run_cli: RunCli, make_site: MakeSite) -> None:
    site = make_site({"templates/blocks/hero.html": "{% if %}\n"})
    result = run_cli("check", site)
    assert result.exit_code == 1
    assert result.stderr.startswith("templates/blocks/hero.html:1: template error:")  # named from the site folder


def test_a_missing_include_is_named_where_it_is_included(run_cli: RunCli, make_site: MakeSite) -> None:
    site = make_site({"templates/blocks/footer.html": "<footer>\n{% include 'blocks/nothere.html' %}\n"})
    result = run_cli("check", site)
    assert result.exit_code == 1
    assert result.stderr == ("templates/blocks/footer.html:2: template 'blocks/nothere.html' not found in "
                             "theme 'clean' or the site's templates/\n"), result.stderr


@pytest.mark.parametrize(("template", "message"), [
    ("{{ page.link('nosuch') }}", "template error: page.link: no step 'nosuch' in this funnel (steps: join, thanks)"),
    ("{{ 'lots' | money('USD') }}", "template error: InvalidOperation: "),
    ("{{ page.asset('assets/missing.png') }}", "template error: no file 'assets/missing.png' in the site's "
                                               "assets folder"),
])
def test_a_template_mistake_is_one_line_naming_the_template(run_cli: RunCli, make_site: MakeSite, template: str,
                                                            message: str) -> None:
    site = make_site({"templates/blocks/footer.html": f"<footer>\n{template}\n</footer>\n"})
    result = run_cli("check", site)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr.startswith(f"templates/blocks/footer.html:2: {message}"), result.stderr


def test_a_page_html_that_drops_the_head_stops_the_build(run_cli: RunCli, make_site: MakeSite) -> None:
    site = make_site({"templates/page.html": "<!doctype html><html><body>{% block main %}{% endblock %}</body></html>\n"})
    result = run_cli("check", site)
    assert result.exit_code == 1
    assert result.stderr.startswith("templates/page.html: the steps/optin.html page it makes has no "
                                    "id=\"funnelgen-config\" script, so no temperature, tracking or policy: keep "
                                    "page.html's <head>"), result.stderr


def test_the_money_filter_takes_a_plain_number_as_documented(run_cli: RunCli, make_site: MakeSite,
                                                             tmp_path: Path) -> None:
    site = make_site({"templates/blocks/footer.html": "<footer>{{ 47 | money('USD') }} {{ 19.5 | money('EUR') }}</footer>\n"})
    assert run_cli("build", site, "-o", tmp_path / "out").exit_code == 0
    assert "<footer>$47 €19.50</footer>" in (tmp_path / "out" / "tiny/join/index.html").read_text()


def test_a_template_that_is_not_utf8_names_the_line_of_the_first_bad_byte(run_cli: RunCli,
                                                                         make_site: MakeSite) -> None:
    site = make_site({"templates/blocks/footer.html": b"<footer>\n\xff\xfe</footer>\n"})
    result = run_cli("build", site, "-o", site.parent / "out")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr.endswith("templates/blocks/footer.html:2: byte 0xff is not UTF-8; save the file as UTF-8 "
                                  "(in most editors: File > Save with Encoding > UTF-8)\n"), result.stderr


def test_new_makes_a_site_that_builds_at_once(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli("new", tmp_path / "mysite")
    assert result.exit_code == 0
    assert run_cli("check", tmp_path / "mysite", "--strict").exit_code == 0
    assert run_cli("build", tmp_path / "mysite").exit_code == 0


def test_new_prints_a_next_command_that_works_when_pasted(run_cli: RunCli, tmp_path: Path) -> None:
    target = tmp_path / "Mein Ordner ü"
    result = run_cli("new", target)
    assert result.exit_code == 0, result.output
    command = result.stdout.splitlines()[-1].strip()
    assert command == f"funnelgen build '{target}'"
    pasted = subprocess.run(["sh", "-c", command.replace("funnelgen", shlex.quote(str(FUNNELGEN)), 1)],
                            capture_output=True, text=True, check=False)
    assert pasted.returncode == 0, pasted.stderr
    assert (target / "public" / "index.html").is_file()


def test_the_starter_site_points_at_the_reference_that_exists(tmp_path: Path) -> None:
    starter = (Path(__file__).parents[1] / "funnelgen" / "starter" / "site.yml").read_text()
    assert "docs/reference.md" in starter
    assert (Path(__file__).parents[1] / "docs" / "reference.md").is_file()


def test_a_title_with_terminal_escapes_prints_them_as_text(run_cli: RunCli, make_site: MakeSite,
                                                          tmp_path: Path) -> None:
    escaped = r"Tiny\rX\u202e"  # as YAML writes them inside double quotes: a page can hold them
    site = make_site({"funnels/tiny.yml": FUNNEL_YML.replace("title: Tiny funnel", f'title: "{escaped}"')})
    result = run_cli("build", site, "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "/tiny/  Tiny\\rX\\u202e\n" in result.stdout
    assert not any(c in result.output for c in "\r\u202e")
    # Terminal escapes no page can show are refused, and the refusal prints them as text too.
    escaped = r"\x1b[2J\x1b]0;pwn\x07Tiny"
    site = make_site({"funnels/tiny.yml": FUNNEL_YML.replace("title: Tiny funnel", f'title: "{escaped}"')},
                     name="escapes")
    result = run_cli("build", site, "-o", tmp_path / "out2")
    assert result.exit_code == 1
    assert result.stderr == ("funnels/tiny.yml:1: title: the escape for '\\x1b' in these quotes is an invisible "
                             "control character, which no page can show; remove it\n")


def test_new_never_overwrites_a_file(run_cli: RunCli, tmp_path: Path) -> None:
    target = tmp_path / "mysite"
    target.mkdir()
    (target / "site.yml").write_text("name: mine\n")
    result = run_cli("new", target)
    assert result.exit_code == 1
    assert "site.yml already exists; funnelgen new never overwrites files" in result.stderr
    assert (target / "site.yml").read_text() == "name: mine\n"
    assert sorted(p.name for p in target.iterdir()) == ["site.yml"]


def test_new_where_a_file_stands_in_the_way_is_one_line(run_cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x\n")
    (tmp_path / "mysite").mkdir()
    (tmp_path / "mysite" / "assets").write_text("not a folder\n")
    for target, blocker in ((tmp_path / "afile" / "sub", tmp_path / "afile"),
                            (tmp_path / "mysite", tmp_path / "mysite" / "assets")):
        result = run_cli("new", target)
        assert result.exit_code == 1 and "Traceback" not in result.output
        assert result.stderr == f"{blocker} is a file where funnelgen new needs a folder (choose another folder)\n"
    assert sorted(p.name for p in (tmp_path / "mysite").iterdir()) == ["assets"]


def test_new_never_writes_through_a_link_out_of_the_folder(run_cli: RunCli, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    dangling, linked = tmp_path / "dangling", tmp_path / "linked"
    dangling.mkdir()
    (dangling / "site.yml").symlink_to(elsewhere / "site.yml")  # points at nothing yet
    linked.mkdir()
    (linked / "funnels").symlink_to(elsewhere)
    assert run_cli("new", dangling).stderr == (f"{dangling / 'site.yml'} already exists; funnelgen new never "
                                               "overwrites files (choose an empty or new folder)\n")
    assert run_cli("new", linked).stderr == (f"{linked / 'funnels'} is a link; funnelgen new only writes "
                                             "into plain folders (choose an empty or new folder)\n")
    assert list(elsewhere.iterdir()) == []


def test_new_with_a_name_too_long_is_one_line(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli("new", tmp_path / ("a" * 256))
    assert result.exit_code == 1
    assert result.stderr == (f"cannot write {tmp_path / ('a' * 256)}: file name too long; nothing was created: "
                             "choose a shorter name\n")


def test_build_into_a_folder_name_too_long_is_one_line(run_cli: RunCli, make_site: MakeSite, tmp_path: Path) -> None:
    result = run_cli("build", make_site(), "-o", tmp_path / ("a" * 256))
    assert result.exit_code == 1
    assert result.stderr == f"cannot write {tmp_path / ('a' * 256)}: file name too long\n"


@pytest.mark.parametrize("kind", ["site", "funnel"])
def test_schema_validates_the_starter_site_as_an_editor_would(run_cli: RunCli, tmp_path: Path, kind: str) -> None:
    schema = json.loads(run_cli("schema", kind).stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    hover = schema["properties"]["base_url" if kind == "site" else "title"]["description"]
    assert hover.startswith("Where the site will live" if kind == "site" else "Name of the funnel"), hover
    run_cli("new", tmp_path / "s")
    files = [tmp_path / "s/site.yml"] if kind == "site" else sorted((tmp_path / "s/funnels").glob("*.yml"))
    for file in files:
        jsonschema.validate(yaml.safe_load(file.read_text()), schema)
    with pytest.raises(jsonschema.ValidationError):
        bad = yaml.safe_load(files[0].read_text()) | {"unknwon_key": 1}
        jsonschema.validate(bad, schema)


@pytest.mark.parametrize("kind", ["site", "funnel"])
def test_an_editor_shows_what_every_key_is_for(run_cli: RunCli, kind: str) -> None:
    schema = json.loads(run_cli("schema", kind).stdout)
    undescribed = []
    for name, model in [("", schema), *schema.get("$defs", {}).items()]:
        undescribed += [f"{name}.{key}" for key, spec in model.get("properties", {}).items()
                        if not spec.get("description")]
    assert undescribed == [], "keys without a docstring under their field: " + ", ".join(undescribed)


def test_docs_reference_is_generated_from_the_schema(run_cli: RunCli) -> None:
    committed = (Path(__file__).parent.parent / "docs/reference.md").read_text(encoding="utf-8")
    assert run_cli("schema", "docs").stdout == committed, "run `make docs` to regenerate docs/reference.md"


def test_the_installed_command_builds_a_site(make_site: MakeSite, tmp_path: Path) -> None:
    assert FUNNELGEN, "the funnelgen command is not installed in this environment (run make test)"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    ok = subprocess.run([FUNNELGEN, "build", str(make_site()), "-o", str(tmp_path / "out")],
                        capture_output=True, text=True, env=env, cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert "Built 3 pages" in ok.stdout
    bad = subprocess.run([FUNNELGEN, "build", str(tmp_path / "out")], capture_output=True, text=True,
                         env=env, cwd=tmp_path)
    assert bad.returncode == 1
    assert bad.stderr.strip().endswith("no site.yml in this folder: it is a folder funnelgen built; give the "
                                       "site's folder, the one that holds site.yml")
    assert "Traceback" not in bad.stderr


def test_build_into_a_folder_inside_a_previous_output_is_refused(run_cli: RunCli, make_site: MakeSite) -> None:
    """The next build of public/ would swallow public/sub, and a deploy of public/ would publish it
    (with its compiled templates): so -o may not point inside a folder funnelgen builds."""
    site = make_site()
    assert run_cli("build", site).exit_code == 0
    before = snapshot(site)
    result = run_cli("build", site, "-o", site / "public/sub")
    assert result.exit_code == 1
    assert result.stderr == (f"refusing to write to {site / 'public/sub'}: it is inside {site / 'public'}, a "
                             "folder that funnelgen builds (each build replaces it whole); "
                             "choose an -o folder outside it\n")
    assert snapshot(site) == before


def test_build_into_a_folder_below_a_file_names_the_file(run_cli: RunCli, make_site: MakeSite,
                                                         tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    result = run_cli("build", make_site(), "-o", tmp_path / "notes.txt/out")
    assert result.exit_code == 1
    assert result.stderr == (f"refusing to write to {tmp_path / 'notes.txt/out'}: {tmp_path / 'notes.txt'} "
                             "is a file, not a folder; choose another -o folder\n")
    assert (tmp_path / "notes.txt").read_text() == "mine"


@pytest.mark.parametrize("where", ["funnels", "content/out", "site.yml"])
def test_every_refused_output_folder_says_to_choose_another(run_cli: RunCli, make_site: MakeSite,
                                                            where: str) -> None:
    site = make_site({"content/a.md": "# A\n"})
    result = run_cli("build", site, "-o", site / where)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"refusing to write to {site / where}: ")
    assert result.stderr.endswith("; choose another -o folder\n")
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize("command", ["build", "check"])
def test_run_from_inside_the_site_names_the_site_folder_to_give(run_cli: RunCli, make_site: MakeSite,
                                                                command: str, monkeypatch: pytest.MonkeyPatch) -> None:
    site = make_site(name="my site")
    monkeypatch.chdir(site / "funnels")
    result = run_cli(command)
    assert result.exit_code == 1
    assert result.stderr == (f"{site / 'funnels'}: no site.yml in this folder; it is inside the site {site}: "
                             f"run funnelgen {command} ..\n")
    assert not (site / "funnels/public").exists()
    monkeypatch.chdir(site.parent)
    result = run_cli(command, "my site/funnels")
    assert result.stderr == (f"my site/funnels: no site.yml in this folder; it is inside the site my site: "
                             f"run funnelgen {command} 'my site'\n")
    assert run_cli(command, "my site", "-q").exit_code == 0


def test_new_into_a_folder_named_like_an_option_prints_a_command_that_works_when_pasted(
        run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run_cli("new", "--", "-launch")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["Created 6 files in -launch. Next:", "  funnelgen build ./-launch"]
    pasted = subprocess.run(["sh", "-c", f"{shlex.quote(str(FUNNELGEN))} build ./-launch"], cwd=tmp_path,
                            capture_output=True, text=True, check=False)
    assert pasted.returncode == 0, pasted.stderr
    assert (tmp_path / "-launch/public/index.html").is_file()


def test_new_with_an_empty_name_is_bad_usage_and_writes_nothing(tmp_path: Path) -> None:
    result = installed("new", "", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == ("funnelgen new: invalid value for 'DIRECTORY': it is empty; give the folder to create, "
                             "e.g. funnelgen new mysite; see funnelgen new --help\n")
    assert list(tmp_path.iterdir()) == []


def test_new_in_the_current_folder_says_so(run_cli: RunCli, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run_cli("new", ".")
    assert result.stdout.splitlines() == ["Created 6 files in this folder. Next:", "  funnelgen build ."]


@pytest.mark.parametrize("command", ["build", "deploy"])
def test_a_quoted_tilde_in_the_output_folder_is_refused_not_made_into_a_folder(
        run_cli: RunCli, make_site: MakeSite, command: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """`-o "~/Sites/launch"` in quotes reaches funnelgen unexpanded: it must not make a folder named '~'
    (a later `rm -rf ~` meant for it takes the home folder)."""
    site = make_site()
    monkeypatch.chdir(site)
    before = snapshot(site)
    remote = ["--git", str(site.parent / "nowhere.git")] if command == "deploy" else []
    result = run_cli(command, ".", *remote, "-o", "~/Sites/launch")
    assert result.exit_code == 2
    assert result.stderr == (
        f"funnelgen {command}: invalid value for '-o' / '--output': '~/Sites/launch' starts with '~', which only "
        f"the shell expands, outside quotes; write it in full ({Path('~/Sites/launch').expanduser()}); "
        f"see funnelgen {command} --help\n")
    assert snapshot(site) == before
    assert not (site / "~").exists()
    assert run_cli("build", ".", "-o", "./~launch", "-q").exit_code == 0  # written as a path, it is one


@pytest.mark.parametrize("command", ["build", "deploy"])
def test_an_empty_output_folder_is_refused_as_empty(run_cli: RunCli, make_site: MakeSite, command: str) -> None:
    """`-o "$OUT"` with OUT unset: it is not the current folder."""
    site = make_site()
    remote = ["--git", str(site.parent / "nowhere.git")] if command == "deploy" else []
    result = run_cli(command, site, *remote, "-o", "")
    assert result.exit_code == 2
    assert result.stderr == (f"funnelgen {command}: invalid value for '-o' / '--output': is empty: write the "
                             f"output folder after -o (or leave -o out for SITE/public); see funnelgen {command} "
                             "--help\n")


def test_an_output_folder_written_after_an_equals_sign_is_refused(run_cli: RunCli, make_site: MakeSite) -> None:
    """`-o=out`: click reads the value '=out', and would make a folder named '=out'."""
    site = make_site()
    result = run_cli("build", site, "-o=out")
    assert result.exit_code == 2
    assert result.stderr == ("funnelgen build: invalid value for '-o' / '--output': '=out' starts with '=': write "
                             "-o out (a space after -o, not '='); see funnelgen build --help\n")


@pytest.mark.parametrize("kind", ["site", "docs"])
def test_schema_into_a_full_disk_is_one_line_not_a_traceback(kind: str, tmp_path: Path) -> None:
    assert FUNNELGEN, "the funnelgen command is not installed in this environment (run make test)"
    with open("/dev/full", "w") as full:  # what `funnelgen schema site > x.json` meets on a full disk
        result = subprocess.run([FUNNELGEN, "schema", kind], stdout=full, stderr=subprocess.PIPE, text=True,
                                check=False, cwd=tmp_path)
    what = "reference" if kind == "docs" else "schema"
    assert result.returncode == 1
    assert result.stderr == f"cannot write the {what}: no space left on device; free some space or write it elsewhere\n"


def test_new_keeps_the_build_out_of_git(run_cli: RunCli, tmp_path: Path) -> None:
    site = tmp_path / "mysite"
    assert run_cli("new", site).exit_code == 0
    subprocess.run(["git", "init", "--quiet", site], check=True)
    assert run_cli("build", site, "-q").exit_code == 0
    assert run_cli("build", site, "-q", "--no-cache").exit_code == 0  # the spare and compiled templates too
    listed = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=site,
                            capture_output=True, text=True, check=True).stdout.splitlines()
    assert sorted(line[3:] for line in listed) == [".gitattributes", ".gitignore", "assets/logo.svg",
                                                   "content/offer.md", "funnels/guide.yml", "site.yml"]


def test_a_new_site_builds_the_same_from_a_checkout_on_windows(run_cli: RunCli, tmp_path: Path) -> None:
    """Git for Windows checks text files out with CRLF line ends (core.autocrlf); an SVG with
    them would be published under another name, and every page showing it would change."""
    site = tmp_path / "mysite"
    assert run_cli("new", site).exit_code == 0
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "--quiet", site], check=True)
    subprocess.run([*git, "-C", site, "add", "-A"], check=True)
    subprocess.run([*git, "-C", site, "commit", "--quiet", "-m", "site"], check=True)
    windows = tmp_path / "windows"
    subprocess.run([*git, "-c", "core.autocrlf=true", "clone", "--quiet", site, windows], check=True)
    assert b"\r\n" not in (windows / "assets/logo.svg").read_bytes()
    assert run_cli("build", site, "-o", tmp_path / "linux-out", "-q").exit_code == 0
    assert run_cli("build", windows, "-o", tmp_path / "windows-out", "-q").exit_code == 0
    assert snapshot(tmp_path / "windows-out") == snapshot(tmp_path / "linux-out")


def test_new_leaves_a_gitignore_already_there_and_says_what_to_add(run_cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("*.log\n")
    result = run_cli("new", tmp_path)
    assert result.exit_code == 0, result.output
    assert (tmp_path / ".gitignore").read_text() == "*.log\n"
    assert result.stdout.splitlines()[-1] == ("Your .gitignore was kept: add public/ and .public.funnelgen-* "
                                              "to it, to keep the build out of git.")
    assert (tmp_path / ".gitattributes").read_text().endswith("\n* -text\n")


def test_a_dot_funnelgen_file_of_someone_elses_above_the_output_is_no_reason_to_refuse(
        run_cli: RunCli, make_site: MakeSite, tmp_path: Path) -> None:
    (tmp_path / ".funnelgen").write_text("editor: vim\n")  # not a build's marker: tmp_path is no output
    result = run_cli("build", make_site(), "-o", tmp_path / "out", "-q")
    assert result.exit_code == 0, result.output
    assert (tmp_path / ".funnelgen").read_text() == "editor: vim\n"


def test_new_that_fails_halfway_takes_back_what_it_wrote_so_it_can_run_again(tmp_path: Path) -> None:
    assert FUNNELGEN, "the funnelgen command is not installed in this environment (run make test)"
    import resource

    def small_files_only() -> None:  # the starter's funnel file (1.6 KB) is the third it writes
        resource.setrlimit(resource.RLIMIT_FSIZE, (1000, 1000))

    site = tmp_path / "mysite"
    failed = subprocess.run([FUNNELGEN, "new", str(site)], capture_output=True, text=True, check=False,
                            preexec_fn=small_files_only)
    assert failed.returncode == 1, failed.stderr
    assert failed.stderr == (f"cannot write {site / 'funnels/guide.yml'}: file too large; nothing was created: "
                             "choose a folder you can write to\n")
    assert not site.exists(), "the folders it made are gone too"
    again = subprocess.run([FUNNELGEN, "new", str(site)], capture_output=True, text=True, check=False)
    assert again.returncode == 0, again.stderr


def test_new_that_fails_halfway_leaves_the_folders_that_were_there_before(tmp_path: Path) -> None:
    assert FUNNELGEN, "the funnelgen command is not installed in this environment (run make test)"
    import resource

    def small_files_only() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (1000, 1000))

    site = tmp_path / "mysite"
    (site / "assets").mkdir(parents=True)  # the user's own, before funnelgen new
    failed = subprocess.run([FUNNELGEN, "new", str(site)], capture_output=True, text=True, check=False,
                            preexec_fn=small_files_only)
    assert failed.returncode == 1, failed.stderr
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == ["mysite", "mysite/assets"]


def test_new_stopped_with_ctrl_c_takes_back_what_it_wrote(tmp_path: Path) -> None:
    """Ctrl-C after the second file: `main()`, the installed command's entry point, with a copy
    that is interrupted there."""
    stopped_after_two = """if True:
        import shutil, sys
        from funnelgen.cli import main
        copied, copy = [], shutil.copyfile
        def copy_then_ctrl_c(source, target):
            if len(copied) == 2:
                raise KeyboardInterrupt
            copied.append(target)
            return copy(source, target)
        shutil.copyfile = copy_then_ctrl_c
        sys.argv[0] = "funnelgen"
        main()
    """
    site = tmp_path / "mysite"
    result = subprocess.run([sys.executable, "-c", stopped_after_two, "new", str(site)], capture_output=True,
                            text=True, check=False)
    assert (result.returncode, result.stderr) == (130, "Stopped (Ctrl-C); nothing was created.\n")
    assert list(tmp_path.iterdir()) == [], "neither its files nor its folders are left"
    assert installed("new", site).returncode == 0


@pytest.mark.parametrize(("command", "stopped_in"), [
    (["themes"], "funnelgen.commands.themes.themes_text"),
    (["schema", "docs"], "funnelgen.commands.reference.full_reference"),
])
def test_ctrl_c_in_any_command_is_one_line(command: list[str], stopped_in: str) -> None:
    """Not click's 'Aborted!': every command says it stopped, and exits 130."""
    module, name = stopped_in.rsplit(".", 1)
    stopped = f"""if True:
        import sys, {module}
        from funnelgen.cli import main
        def ctrl_c(*args, **kwargs):
            raise KeyboardInterrupt
        {module}.{name} = ctrl_c
        sys.argv[0] = "funnelgen"
        main()
    """
    result = subprocess.run([sys.executable, "-c", stopped, *command], capture_output=True, text=True,
                            check=False)
    assert (result.returncode, result.stderr) == (130, "Stopped (Ctrl-C).\n")

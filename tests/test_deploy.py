"""`funnelgen deploy --git`: the built folder becomes a commit on a branch of a real git remote.

Each test makes a real bare repository with `git init --bare` and a user's repository holding
the site, with work in progress in its working tree and index, and proves the deploy leaves
every bit of the user's repository as it was.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import Result
from conftest import FUNNEL_YML, SITE_YML, snapshot

from funnelgen import __version__

RunCli = Callable[..., Result]
FUNNELGEN = shutil.which("funnelgen", path=str(Path(sys.executable).parent))


def git(*args: str | Path, cwd: Path) -> str:
    run = subprocess.run(["git", *map(str, args)], cwd=cwd, capture_output=True, text=True, check=True)
    return run.stdout.strip()


@pytest.fixture(autouse=True)
def git_identity(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same git settings on every machine: only this file, no system or user config."""
    config = tmp_path / "gitconfig"
    config.write_text("[user]\n\tname = Dana Deployer\n\temail = dana@tiny.example\n"
                      "[init]\n\tdefaultBranch = main\n", encoding="utf-8")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


@dataclass
class Project:
    """A user's repository with a site in it, a bare remote, and where the site builds."""

    repo: Path
    site: Path
    remote: Path
    out: Path

    def user_state(self) -> dict[str, object]:
        """Everything of the user's repository a deploy must not change."""
        git_dir = self.repo / ".git"
        return {
            "files": snapshot(self.repo / "site"),
            "status": git("status", "--porcelain=v1", "--untracked-files=all", cwd=self.repo),
            "index": (git_dir / "index").read_bytes(),
            "HEAD": (git_dir / "HEAD").read_text(),
            "refs": git("for-each-ref", "--format=%(refname) %(objectname)", cwd=self.repo),
            "head": git("rev-parse", "HEAD", cwd=self.repo),
        }

    def branch(self, name: str = "gh-pages") -> dict[str, str]:
        """The files on ``name`` in the remote, with their text."""
        names = git("ls-tree", "-r", "--name-only", name, cwd=self.remote).splitlines()
        return {n: git("show", f"{name}:{n}", cwd=self.remote) for n in names}

    def commits(self, name: str = "gh-pages") -> list[str]:
        return git("rev-list", name, cwd=self.remote).splitlines()


@pytest.fixture
def project(tmp_path: Path) -> Project:
    remote = tmp_path / "remote.git"
    git("init", "--quiet", "--bare", remote, cwd=tmp_path)
    repo = tmp_path / "user"
    site = repo / "site"
    (site / "funnels").mkdir(parents=True)
    (site / "site.yml").write_text(SITE_YML, encoding="utf-8")
    (site / "funnels/tiny.yml").write_text(FUNNEL_YML, encoding="utf-8")
    (site / "notes.md").write_text("draft\n", encoding="utf-8")
    git("init", "--quiet", cwd=repo)
    git("add", ".", cwd=repo)
    git("commit", "--quiet", "-m", "My site", cwd=repo)
    # Work in progress: a staged change, an unstaged change and an untracked file.
    (site / "notes.md").write_text("draft, staged\n", encoding="utf-8")
    git("add", "site/notes.md", cwd=repo)
    (site / "notes.md").write_text("draft, staged, then edited\n", encoding="utf-8")
    (site / "todo.txt").write_text("untracked\n", encoding="utf-8")
    return Project(repo, site, remote, tmp_path / "out")


def deploy(run_cli: RunCli, project: Project, *args: str | Path) -> Result:
    return run_cli("deploy", project.site, "--git", project.remote, "-o", project.out, *args)


def test_a_deploy_commits_the_built_files_on_the_branch_and_leaves_the_user_repository_alone(
    project: Project, run_cli: RunCli
) -> None:
    before = project.user_state()
    result = deploy(run_cli, project)
    assert result.exit_code == 0, result.output
    assert project.user_state() == before, "the user's working tree, index, HEAD and refs are untouched"
    files = project.branch()
    assert sorted(files) == ["404.html", "_headers", "robots.txt", "sitemap.xml", "tiny/index.html",
                             "tiny/join/index.html", "tiny/thanks/index.html"]  # not the .funnelgen marker
    assert files["tiny/join/index.html"] == (project.out / "tiny/join/index.html").read_text().strip()
    [commit] = project.commits()
    head = git("rev-parse", "--short", "HEAD", cwd=project.repo)
    assert git("log", "-1", "--format=%s|%an <%ae>", "gh-pages", cwd=project.remote) == (
        f"Deploy {head} + uncommitted changes with funnelgen {__version__}|Dana Deployer <dana@tiny.example>")
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Built 3 pages in ")
    assert lines[-1] == f"Deployed 7 files to gh-pages of {project.remote}: 7 added, 0 changed, 0 removed (commit {commit[:7]})."


def test_a_second_deploy_without_changes_makes_no_commit(project: Project, run_cli: RunCli) -> None:
    assert deploy(run_cli, project).exit_code == 0
    first = project.commits()
    result = deploy(run_cli, project)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == (
        f"Nothing to deploy: gh-pages of {project.remote} already has these 7 files; no commit made.")
    assert project.commits() == first


def test_a_dry_run_lists_the_changes_and_pushes_nothing(project: Project, run_cli: RunCli) -> None:
    result = deploy(run_cli, project, "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1:] == [
        "  added    404.html", "  added    _headers", "  added    robots.txt", "  added    sitemap.xml",
        "  added    tiny/index.html", "  added    tiny/join/index.html", "  added    tiny/thanks/index.html",
        f"Would deploy 7 files to gh-pages of {project.remote}: 7 added, 0 changed, 0 removed. "
        "Nothing was pushed (--dry-run).",
    ]
    assert git("for-each-ref", cwd=project.remote) == "", "nothing was pushed"


def test_a_changed_page_shows_as_changed_and_the_branch_keeps_its_history(project: Project, run_cli: RunCli) -> None:
    assert deploy(run_cli, project).exit_code == 0
    [first] = project.commits()
    funnel = project.site / "funnels/tiny.yml"
    funnel.write_text(funnel.read_text().replace("Thanks for joining", "Welcome aboard"), encoding="utf-8")
    result = deploy(run_cli, project, "--dry-run")
    assert result.stdout.splitlines()[1:] == [
        "  changed  tiny/thanks/index.html",
        f"Would deploy 7 files to gh-pages of {project.remote}: 0 added, 1 changed, 0 removed. "
        "Nothing was pushed (--dry-run).",
    ]
    assert project.commits() == [first]
    result = deploy(run_cli, project, "-m", "New thank-you headline")
    assert result.exit_code == 0, result.output
    second, parent = project.commits()
    assert parent == first and git("rev-parse", "gh-pages^", cwd=project.remote) == first
    assert git("rev-parse", "gh-pages", cwd=project.remote) == second
    assert git("log", "-1", "--format=%s", "gh-pages", cwd=project.remote) == "New thank-you headline"
    assert "Welcome aboard" in project.branch()["tiny/thanks/index.html"]


def test_a_removed_page_is_removed_from_the_branch(project: Project, run_cli: RunCli) -> None:
    (project.site / "funnels/extra.yml").write_text("title: Extra\nsteps:\n  - {id: done, type: thankyou, headline: Hi}\n")
    assert deploy(run_cli, project).exit_code == 0
    (project.site / "funnels/extra.yml").unlink()
    result = deploy(run_cli, project, "--verbose")
    assert result.exit_code == 0, result.output
    assert "  removed  extra/done/index.html" in result.stdout.splitlines()
    assert "  removed  extra/index.html" in result.stdout.splitlines()
    assert not any(name.startswith("extra/") for name in project.branch())


def test_deploy_to_a_remote_of_the_users_repository_by_name_and_another_branch(project: Project, run_cli: RunCli) -> None:
    git("remote", "add", "origin", project.remote, cwd=project.repo)
    before = project.user_state()
    result = run_cli("deploy", project.site, "--git", "origin", "--branch", "site", "-o", project.out)
    assert result.exit_code == 0, result.output
    assert "Deployed 7 files to site of origin" in result.stdout
    assert project.user_state() == before
    assert "tiny/join/index.html" in project.branch("site")
    assert git("for-each-ref", "--format=%(refname)", cwd=project.remote) == "refs/heads/site"


def test_deploy_can_publish_the_output_folder_as_it_is(project: Project, run_cli: RunCli) -> None:
    assert run_cli("build", project.site, "-o", project.out).exit_code == 0
    (project.out / "extra.txt").write_text("kept as built\n")
    result = deploy(run_cli, project, "--no-build")
    assert result.exit_code == 0, result.output
    assert project.branch()["extra.txt"] == "kept as built"
    result = run_cli("deploy", project.site, "--git", project.remote, "-o", project.out.parent / "none", "--no-build")
    assert result.exit_code == 1
    assert result.stderr == (f"nothing to deploy: {project.out.parent / 'none'} is not a folder built by funnelgen "
                             "(no .funnelgen file in it); run funnelgen build first\n")


def test_a_git_repository_made_in_the_output_folder_is_never_published(project: Project, run_cli: RunCli) -> None:
    assert run_cli("build", project.site, "-o", project.out).exit_code == 0
    git("init", "--quiet", project.out, cwd=project.repo)  # its config would carry this token
    git("remote", "add", "origin", "https://dana:TOKEN123@git.example/site.git", cwd=project.out)
    (project.out / "tiny" / ".git").write_text("gitdir: /elsewhere/worktrees/tiny\n")  # a worktree's
    result = deploy(run_cli, project, "--no-build")
    assert result.exit_code == 0, result.output
    assert not [name for name in project.branch() if ".git" in name.split("/")]
    assert not [text for text in project.branch().values() if "TOKEN123" in text]
    assert result.stderr == "".join(
        f"warning: {project.out / name} was not published: a git repository or worktree in the output folder is "
        "never deployed, and a build replaces the folder, so keep it elsewhere\n" for name in (".git", "tiny/.git"))


def test_strict_fails_a_deploy_of_the_output_as_built_with_warnings(project: Project, run_cli: RunCli) -> None:
    (project.site / "funnels/tiny.yml").write_text(FUNNEL_YML.replace("    headline: Join the list\n", (
        "    headline: Join the list\n    image: {src: 'https://img.example/a.png'}\n")), encoding="utf-8")
    built = run_cli("build", project.site, "-o", project.out)
    assert built.exit_code == 0 and "image has no alt text" in built.stderr
    result = deploy(run_cli, project, "--no-build", "--strict")
    assert result.exit_code == 1
    assert result.stderr.endswith("image has no alt text: describe it, or write alt: \"\" if it is decorative "
                                  "(--strict)\n"), result.stderr
    assert not (project.remote / "refs/heads/gh-pages").exists()  # nothing was pushed


def test_a_remote_set_with_a_relative_path_is_found_from_any_folder(project: Project, run_cli: RunCli,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    git("remote", "add", "pages", "../remote.git", cwd=project.repo)  # git reads it from the top folder
    monkeypatch.chdir(project.repo.parent.parent)  # neither the repository nor the site
    result = run_cli("deploy", project.site, "--git", "pages", "-o", project.out)
    assert result.exit_code == 0, result.output
    assert "tiny/join/index.html" in project.branch()


def test_quiet_prints_only_problems_on_a_dry_run_too(project: Project, run_cli: RunCli) -> None:
    result = deploy(run_cli, project, "--dry-run", "-q")
    assert result.exit_code == 0, result.output
    assert result.stdout == "" and result.stderr == ""


def test_an_unreachable_remote_is_one_line_and_exit_1(project: Project, run_cli: RunCli) -> None:
    result = run_cli("deploy", project.site, "--git", "file:///nowhere/at/all.git", "-o", project.out)
    assert result.exit_code == 1
    [line] = result.stderr.splitlines()
    assert line == "cannot reach file:///nowhere/at/all.git: '/nowhere/at/all.git' does not appear to be a git repository"
    result = run_cli("deploy", project.site, "--git", "upstream", "-o", project.out)
    assert result.exit_code == 1
    assert result.stderr == (f"'upstream' is not a git URL, a folder, or a remote of the repository that holds "
                             f"{project.site}: give the remote's URL, e.g. git@github.com:you/site.git\n")


def test_a_remote_git_would_read_as_an_option_runs_nothing(project: Project, run_cli: RunCli, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    result = run_cli("deploy", project.site, "--git", f"--upload-pack=touch {marker};:", "-o", project.out)
    assert result.exit_code == 1
    assert result.stderr == f"'--upload-pack=touch {marker};:' is not a git URL, a folder or a remote name: it starts with '-'\n"
    git("config", "remote.sneaky.url", f"--upload-pack=touch {marker};:", cwd=project.repo)
    result = run_cli("deploy", project.site, "--git", "sneaky", "-o", project.out)
    assert result.stderr == "the URL of remote 'sneaky' starts with '-', which git would read as an option\n"
    assert not marker.exists()


def test_a_rejected_push_is_one_line_and_exit_1(project: Project, run_cli: RunCli) -> None:
    hook = project.remote / "hooks/pre-receive"
    hook.write_text("#!/bin/sh\necho 'deploys are frozen' >&2\nexit 1\n")
    hook.chmod(0o755)
    result = deploy(run_cli, project)
    assert result.exit_code == 1
    assert result.stderr == f"the push to gh-pages of {project.remote} was rejected: pre-receive hook declined\n"
    assert git("for-each-ref", cwd=project.remote) == ""


def test_a_branch_name_git_refuses_is_refused(project: Project, run_cli: RunCli) -> None:
    result = deploy(run_cli, project, "--branch", "no..dots")
    assert result.exit_code == 1
    assert result.stderr == "'no..dots' is not a valid branch name; give one like --branch gh-pages\n"


def test_a_bad_site_deploys_nothing(project: Project, run_cli: RunCli) -> None:
    (project.site / "funnels/tiny.yml").write_text(textwrap.dedent("""\
        title: T
        steps:
          - {id: a, type: bridge, headline: H, next: nope}
        """))
    result = deploy(run_cli, project)
    assert result.exit_code == 1
    assert result.stderr == "funnels/tiny.yml:3: steps[0].next: no step 'nope' in this funnel (steps: a)\n"
    assert git("for-each-ref", cwd=project.remote) == ""


def test_a_branch_checked_out_in_the_target_repository_says_what_to_deploy_to_instead(
        project: Project, run_cli: RunCli, tmp_path: Path) -> None:
    checkout = tmp_path / "checkout"
    git("init", "--quiet", checkout, cwd=tmp_path)
    git("commit", "--quiet", "--allow-empty", "-m", "start", cwd=checkout)
    result = run_cli("deploy", project.site, "--git", checkout, "--branch", "main", "-o", project.out)
    assert result.exit_code == 1
    assert result.stderr == (f"the push to main of {checkout} was rejected: branch is currently checked out there; "
                             "deploy to another --branch (gh-pages), or to a bare repository\n")
    assert run_cli("deploy", project.site, "--git", checkout, "-o", project.out, "-q").exit_code == 0
    assert "tiny/index.html" in git("ls-tree", "-r", "--name-only", "gh-pages", cwd=checkout)


@pytest.mark.parametrize("where", ["absolute", "relative"])
def test_a_folder_that_is_not_there_says_how_to_make_it(project: Project, run_cli: RunCli, tmp_path: Path,
                                                        where: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project.repo)
    remote = str(tmp_path / "sites.git") if where == "absolute" else "../sites.git"
    result = run_cli("deploy", project.site, "--git", remote, "-o", project.out)
    assert result.exit_code == 1
    assert result.stderr == (f"no folder {remote}: make the repository to deploy to first "
                             f"(git init --bare {remote}), or give a git URL or a remote name\n")
    assert not (tmp_path / "sites.git").exists()
    git("init", "--quiet", "--bare", remote, cwd=project.repo)  # what the message says to type
    assert run_cli("deploy", project.site, "--git", remote, "-o", project.out, "-q").exit_code == 0


def test_a_remote_name_for_a_site_in_no_repository_says_to_give_a_url(project: Project, run_cli: RunCli,
                                                                      tmp_path: Path) -> None:
    loose = tmp_path / "loose"
    loose.mkdir()
    (loose / "site.yml").write_text(SITE_YML, encoding="utf-8")
    (loose / "funnels").mkdir()
    (loose / "funnels/tiny.yml").write_text(FUNNEL_YML, encoding="utf-8")
    result = run_cli("deploy", loose, "--git", "origin", "-o", project.out)
    assert result.exit_code == 1
    assert result.stderr == (f"'origin' is not a git URL or a folder, and {loose} is in no git repository to name "
                             "a remote of: give the remote's URL, e.g. git@github.com:you/site.git\n")
    assert not project.out.exists()


def test_a_deploy_does_not_publish_an_output_a_build_is_writing(project: Project, run_cli: RunCli) -> None:
    """A build in another terminal swaps the output in while the deploy reads it: the branch would get
    pages of two builds. The deploy waits for no one: it stops, naming the build."""
    import fcntl
    import os

    from funnelgen.write import lock_path

    assert deploy(run_cli, project, "--dry-run", "-q").exit_code == 0  # the output is built
    with open(lock_path(project.out), "w") as held:  # what a running build holds
        fcntl.flock(held, fcntl.LOCK_EX)
        held.write(f"{os.getpid()}\n")
        held.flush()
        result = deploy(run_cli, project, "--no-build")
    assert result.exit_code == 1
    assert result.stderr == (f"another funnelgen build is writing {project.out} (pid {os.getpid()}); "
                             "try again when it has finished\n")
    assert git("for-each-ref", cwd=project.remote) == "", "nothing was pushed"
    assert deploy(run_cli, project, "--no-build", "-q").exit_code == 0
    assert not lock_path(project.out).exists()


def installed(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed funnelgen command, as a marketer types it."""
    assert FUNNELGEN, "the funnelgen command is not installed in this environment (run make test)"
    return subprocess.run([FUNNELGEN, *map(str, args)], capture_output=True, text=True, cwd=cwd, check=False)


def title(project: Project) -> str:
    return git("log", "-1", "--format=%s", "gh-pages", cwd=project.remote)


def test_a_deploy_of_committed_work_is_titled_with_its_commit_alone(project: Project) -> None:
    """The build in site/public (not ignored here) and what builds keep beside it are no
    uncommitted change of the site."""
    git("add", "--all", cwd=project.repo)
    git("commit", "--quiet", "-m", "Work done", cwd=project.repo)
    head = git("rev-parse", "--short", "HEAD", cwd=project.repo)
    result = installed("deploy", project.site, "--git", project.remote, "-q")
    assert (result.returncode, result.stderr) == (0, "")
    assert (project.site / "public/tiny/index.html").is_file()
    assert title(project) == f"Deploy {head} with funnelgen {__version__}"


def test_a_dry_run_runs_no_program_the_repository_s_own_settings_name(project: Project, run_cli: RunCli) -> None:
    marker = project.repo.parent / "ran"
    hook = project.repo.parent / "fsmonitor.sh"
    hook.write_text(f"#!/bin/sh\necho ran >> {marker}\n", encoding="utf-8")
    hook.chmod(0o755)
    git("config", "core.fsmonitor", hook, cwd=project.repo)
    result = deploy(run_cli, project, "--dry-run")
    assert result.exit_code == 0, result.output
    assert not marker.exists(), "git status ran the repository's fsmonitor program"


def test_a_deploy_with_a_changed_funnel_not_committed_says_so(project: Project) -> None:
    git("add", "--all", cwd=project.repo)
    git("commit", "--quiet", "-m", "Work done", cwd=project.repo)
    funnel = project.site / "funnels/tiny.yml"
    funnel.write_text(funnel.read_text().replace("Thanks for joining", "Welcome aboard"), encoding="utf-8")
    index = (project.repo / ".git/index").read_bytes()
    head = git("rev-parse", "--short", "HEAD", cwd=project.repo)
    result = installed("deploy", project.site, "--git", project.remote, "-o", project.out, "-q")
    assert (result.returncode, result.stderr) == (0, "")
    assert title(project) == f"Deploy {head} + uncommitted changes with funnelgen {__version__}"
    assert (project.repo / ".git/index").read_bytes() == index, "git status did not refresh the user's index"


def test_ctrl_c_during_the_push_says_the_branch_may_have_the_commit(project: Project) -> None:
    pushing = project.remote / "pushing"
    hook = project.remote / "hooks/pre-receive"
    hook.write_text(f"#!/bin/sh\ntouch '{pushing}'\nsleep 60\n")  # a slow remote
    hook.chmod(0o755)
    assert FUNNELGEN
    process = subprocess.Popen([FUNNELGEN, "deploy", str(project.site), "--git", str(project.remote), "-o",
                                str(project.out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while not pushing.exists() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        os.killpg(process.pid, signal.SIGINT)  # Ctrl-C: the terminal's whole process group
        _, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert (process.returncode, stderr) == (
        130, f"Stopped (Ctrl-C) during the push: gh-pages of {project.remote} may or may not have the new "
             "commit; run funnelgen deploy again to be sure.\n")
    hook.unlink()
    again = installed("deploy", project.site, "--git", project.remote, "-o", project.out)
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[-1].startswith("Deployed 7 files to gh-pages")


def test_deploy_from_the_spare_of_the_output_is_refused(project: Project) -> None:
    assert installed("build", project.site, "-o", project.out, "-q").returncode == 0
    assert installed("build", project.site, "-o", project.out, "-q", "--no-cache").returncode == 0
    spare = project.out.parent / ".out.funnelgen-spare"
    assert spare.is_dir()
    result = installed("deploy", project.site, "--git", project.remote, "-o", spare, "--no-build")
    assert (result.returncode, result.stderr) == (
        1, f"refusing to deploy {spare}: it is funnelgen's spare of {project.out} (the build before last, "
           f"which each build of out rewrites); to deploy out, write -o {project.out}, or choose another -o folder\n")
    assert git("for-each-ref", cwd=project.remote) == "", "nothing was pushed"

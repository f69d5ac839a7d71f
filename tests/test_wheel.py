"""The built wheel, installed as a user would (not editable), carries its themes and starter."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_wheel_installs_and_builds_a_site_without_the_source_tree(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist), str(ROOT)],
                   check=True, capture_output=True, cwd=tmp_path)
    [wheel] = dist.glob("funnelgen-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "funnelgen/themes/clean/theme.yml" in names
    assert "funnelgen/themes/base/templates/page.html" in names
    assert "funnelgen/runtime/funnelgen.js" in names
    assert {"funnelgen/runtime/funnelgen.min.js", "funnelgen/runtime/funnelgen-core.min.js"} <= set(names)
    assert "funnelgen/starter/site.yml" in names

    target = tmp_path / "installed"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
                    "--target", str(target), str(wheel)], check=True, capture_output=True)
    env = {**os.environ, "PYTHONPATH": str(target)}
    where = subprocess.run([sys.executable, "-c", "import funnelgen; print(funnelgen.__file__)"],
                           capture_output=True, text=True, env=env, cwd=tmp_path, check=True)
    assert where.stdout.startswith(str(target))  # the wheel's copy, not the source tree

    run = [sys.executable, "-m", "funnelgen"]
    subprocess.run([*run, "new", "site"], env=env, cwd=tmp_path, check=True, capture_output=True)
    built = subprocess.run([*run, "build", "site", "-o", "out"], env=env, cwd=tmp_path,
                           capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    page = (tmp_path / "out/guide/get-the-guide/index.html").read_text(encoding="utf-8")
    assert "<style>" in page
    runtime = (target / "funnelgen/runtime/funnelgen-core.min.js").read_text(encoding="utf-8").strip()
    assert f"<script>{runtime}</script>" in page  # the runtime came from the wheel and was inlined (the
    # starter site sends nothing anywhere: the runtime without analytics)

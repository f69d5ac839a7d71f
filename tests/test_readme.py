"""The README's full example is a real site: it builds as written."""

from __future__ import annotations

import re
from pathlib import Path

from funnelgen.commands.build import build

README = Path(__file__).resolve().parent.parent / "README.md"


def test_the_readme_example_builds(tmp_path: Path) -> None:
    text = README.read_text(encoding="utf-8")
    site_yml = re.search(r"`site.yml`:\n\n```yaml\n(.*?)```", text, re.S)
    funnel_yml = re.search(r"`funnels/webinar.yml`:\n\n```yaml\n(.*?)```", text, re.S)
    assert site_yml and funnel_yml
    site = tmp_path / "site"
    (site / "funnels").mkdir(parents=True)
    (site / "site.yml").write_text(site_yml.group(1))
    (site / "funnels/webinar.yml").write_text(funnel_yml.group(1))
    for ref in set(re.findall(r"(assets/[\w.-]+|content/[\w.-]+)", site_yml.group(1) + funnel_yml.group(1))):
        path = site / ref
        path.parent.mkdir(exist_ok=True)
        path.write_text("<svg xmlns='http://www.w3.org/2000/svg' width='4' height='4'/>" if ref.endswith(".svg") else "x")
    report = build(site, tmp_path / "out")
    assert [f.slug for f in report.funnels] == ["webinar"]
    assert (tmp_path / "out/webinar/templates/index.html").is_file()

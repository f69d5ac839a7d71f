"""The floor: the least a Python YAML + Markdown + Jinja2 generator must do for these pages.

    python bench/floor.py SITE OUT

Parse each funnel file, convert each step's Markdown, render one small template, write one
file per step. No validation, no checks, no theme chain, no assets: nothing a real tool can
skip is left out, and nothing it cannot skip is added.
"""

from __future__ import annotations

import sys
from pathlib import Path

import jinja2
import markdown
import yaml

TEMPLATE = jinja2.Template(
    "<!doctype html><html lang=en><head><meta charset=utf-8><title>{{ step.headline }}</title></head>"
    "<body><h1>{{ step.headline }}</h1>{{ body }}"
    "{% for item in step.benefits or [] %}<li>{{ item }}</li>{% endfor %}"
    "{% for t in step.testimonials or [] %}<blockquote>{{ t.quote }} {{ t.name }}</blockquote>{% endfor %}"
    "{% for q in step.faq or [] %}<details><summary>{{ q.question }}</summary>{{ q.answer }}</details>"
    "{% endfor %}</body></html>",
    autoescape=True,
)


def main(site: Path, out: Path) -> None:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    for path in sorted((site / "funnels").glob("*.yml")):
        funnel = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
        for step in funnel["steps"]:
            text = step.get("body") or ""
            if "body_file" in step:
                text = (site / step["body_file"]).read_text(encoding="utf-8")
            html = TEMPLATE.render(step=step, body=jinja2.utils.markupsafe.Markup(markdown.markdown(text)))
            target = out / path.stem / step["id"] / "index.html"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(html, encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))

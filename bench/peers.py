"""The same pages for the peers: a Pelican project and an MkDocs project made from a corpus.

Each funnel step becomes one Markdown page holding what funnelgen renders from it: the
headline, the body, the benefits, testimonials and FAQ. The peers' default themes render it.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import yaml


def _pages(site: Path) -> list[tuple[str, str, str, str]]:
    """(funnel, step id, title, Markdown) for every step of a corpus site."""
    pages = []
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    for path in sorted((site / "funnels").glob("*.yml")):
        funnel: dict[str, Any] = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
        for step in funnel["steps"]:
            body = step.get("body") or ""
            if "body_file" in step:
                body = (site / step["body_file"]).read_text(encoding="utf-8")
            parts = [body]
            parts += [f"- {item}" for item in step.get("benefits", [])]
            parts += [f"> {t['quote']}\n>\n> — {t['name']}" for t in step.get("testimonials", [])]
            parts += [f"### {q['question']}\n\n{q['answer']}" for q in step.get("faq", [])]
            pages.append((path.stem, step["id"], step["headline"], "\n\n".join(parts)))
    return pages


def make_pelican(site: Path, project: Path) -> None:
    content = project / "content" / "pages"
    content.mkdir(parents=True, exist_ok=True)
    for funnel, step, title, text in _pages(site):
        meta = f"Title: {title}\nSlug: {funnel}-{step}\n\n"
        (content / f"{funnel}-{step}.md").write_text(meta + text, encoding="utf-8")
    (project / "pelicanconf.py").write_text(textwrap.dedent("""\
        AUTHOR = "bench"
        SITENAME = "bench"
        SITEURL = ""
        TIMEZONE = "UTC"
        DEFAULT_LANG = "en"
        PATH = "content"
        PAGE_PATHS = ["pages"]
        ARTICLE_PATHS = []
        FEED_ALL_ATOM = None
        CATEGORY_FEED_ATOM = None
        TRANSLATION_FEED_ATOM = None
        DISPLAY_PAGES_ON_MENU = False
        PAGE_URL = "{slug}/"
        PAGE_SAVE_AS = "{slug}/index.html"
        """), encoding="utf-8")


def make_mkdocs(site: Path, project: Path) -> None:
    docs = project / "docs"
    docs.mkdir(parents=True, exist_ok=True)
    (docs / "index.md").write_text("# bench\n", encoding="utf-8")
    for funnel, step, title, text in _pages(site):
        folder = docs / funnel
        folder.mkdir(exist_ok=True)
        (folder / f"{step}.md").write_text(f"# {title}\n\n{text}", encoding="utf-8")
    # a one-entry nav: otherwise every page lists every other page, O(pages²) work
    (project / "mkdocs.yml").write_text("site_name: bench\nnav:\n  - index.md\n", encoding="utf-8")

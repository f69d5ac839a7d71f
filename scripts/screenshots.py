"""Screenshots of the demo funnel in every built-in theme, for the README: `make screenshots`.

    python scripts/screenshots.py [--theme bold] [--step offer] [--out docs/screenshots]

Builds `sites/demo` once per theme into a temporary folder, serves it on 127.0.0.1 and, with
Debian's Chromium (never a downloaded one), photographs the bridge, the webinar registration and
the offer (from its price box on, which is what tells the themes apart) on a phone (390×844 at
2×, two screens high) and on a desktop (1280×800, 1600 px high). Writes
`docs/screenshots/<theme>-<step>-<phone|desktop>.png` as 256-colour PNGs so the repository stays
small. The demo keeps its brand (logo, colours); its `theme_options` are the demo's choices for
its own theme, so the other themes are shown with their defaults.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from io import BytesIO
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from funnelgen.commands.build import build  # noqa: E402
from funnelgen.theme import builtin_themes  # noqa: E402

DEMO = ROOT / "sites" / "demo"
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking"]
# name → (page, element the shot starts at: none for the top of the page)
STEPS: dict[str, tuple[str, str | None]] = {
    "story": ("free-training/story/", None),            # the bridge: a story and a video
    "register": ("free-training/register/", None),      # the webinar registration
    "offer": ("free-training/system/", "#buy"),         # the sales page, from its price box on
}
PHONE: dict[str, Any] = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
                         "is_mobile": True, "has_touch": True}
DESKTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 800}, "device_scale_factor": 1}
PHONE_SCREENS = 2
DESKTOP_HEIGHT = 1600
# The pages ask for the system's UI font. Headless Linux would answer DejaVu Sans, which no visitor
# sees; when Roboto (what Android phones show; Debian: fonts-roboto-unhinted) is installed, the
# screenshots use it instead. Only this Chromium process is told so, through FONTCONFIG_FILE.
FONTCONFIG = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <alias binding="strong"><family>system-ui</family><prefer><family>Roboto</family></prefer></alias>
  <alias binding="strong"><family>sans-serif</family><prefer><family>Roboto</family></prefer></alias>
</fontconfig>
"""


def demo_site(theme: str, into: Path) -> Path:
    """A copy of the demo site that uses ``theme`` (with its defaults when it is not the demo's)."""
    site = into / f"demo-{theme}"
    shutil.copytree(DEMO, site, ignore=shutil.ignore_patterns("public", "public.*"))
    config = yaml.safe_load((site / "site.yml").read_text(encoding="utf-8"))
    if config.get("theme", "clean") != theme:
        config["theme"] = theme
        config.pop("theme_options", None)
    (site / "site.yml").write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True),
                                   encoding="utf-8")
    return site


def build_demo(theme: str, into: Path) -> Path:
    """The demo built with ``theme``; returns the output folder."""
    out = into / f"out-{theme}"
    build(demo_site(theme, into), out)
    return out


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serving(folder: Path) -> Iterator[str]:
    """``folder`` on a free port of 127.0.0.1, as `python -m http.server` serves it."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             functools.partial(_Quiet, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# Load every lazy image now and wait until each is decoded, and for the fonts.
SETTLE_JS = """async () => {
  for (const image of document.images) image.loading = "eager";
  await Promise.all([...document.images].map(image => image.decode().catch(() => null)));
  await document.fonts.ready;
  return document.documentElement.scrollHeight;
}"""


def small_png(png: bytes) -> bytes:
    """A screenshot as a 256-colour PNG: a fraction of the size, hardly different to the eye."""
    from PIL import Image

    image = Image.open(BytesIO(png)).convert("RGB")
    quantized = image.quantize(colors=256, method=Image.Quantize.MEDIANCUT,
                               dither=Image.Dither.NONE)
    buffer = BytesIO()
    quantized.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _has_font(family: str) -> bool:
    try:
        found = subprocess.run(["fc-list", f":family={family}", "family"], capture_output=True,
                               text=True, check=False)
    except FileNotFoundError:
        return False
    return bool(found.stdout.strip())


def _screenshot(page: Any, base: str, step: str, options: dict[str, Any]) -> bytes:
    """One step as PNG: from the top of the page, or from a little above ``STEPS[step]``'s element;
    two screens high on a phone, DESKTOP_HEIGHT on a desktop, never past the end of the page."""
    url, start = STEPS[step]
    page.goto(base + url, wait_until="load")
    full = page.evaluate(SETTLE_JS)
    top = 0
    if start is not None:
        top = max(0, int(page.locator(start).evaluate("e => e.getBoundingClientRect().top + scrollY")) - 24)
    width, height = options["viewport"]["width"], options["viewport"]["height"]
    limit = height * PHONE_SCREENS if options.get("is_mobile") else DESKTOP_HEIGHT
    clip = {"x": 0, "y": top, "width": width, "height": min(full - top, limit)}
    png: bytes = page.screenshot(clip=clip, full_page=True)
    return png


def shoot(themes: list[str], steps: list[str], out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        env = dict(os.environ)
        if _has_font("Roboto"):
            (Path(tmp) / "fonts.conf").write_text(FONTCONFIG, encoding="utf-8")
            env["FONTCONFIG_FILE"] = str(Path(tmp) / "fonts.conf")
        else:
            print("Roboto is not installed (Debian: fonts-roboto-unhinted): using the default font")
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS, env=env)
        try:
            for theme in themes:
                site = build_demo(theme, Path(tmp))
                with serving(site) as base:
                    for device, options in (("phone", PHONE), ("desktop", DESKTOP)):
                        context = browser.new_context(reduced_motion="reduce", **options)
                        page = context.new_page()
                        for step in steps:
                            path = out / f"{theme}-{step}-{device}.png"
                            path.write_bytes(small_png(_screenshot(page, base, step, options)))
                            written.append(path)
                            print(f"  {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}"
                                  f"  {path.stat().st_size // 1024} KB")
                        context.close()
        finally:
            browser.close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--theme", action="append", choices=builtin_themes(),
                        help="only this theme (repeatable; default: every built-in theme)")
    parser.add_argument("--step", action="append", choices=sorted(STEPS),
                        help="only this step (repeatable; default: all)")
    parser.add_argument("--out", type=Path, default=OUT, help="folder for the PNGs")
    args = parser.parse_args()
    written = shoot(args.theme or builtin_themes(), args.step or list(STEPS), args.out)
    print(f"{len(written)} screenshots in {args.out}")


if __name__ == "__main__":
    main()

"""Themes: how a site finds its theme (built-in, folder, installed package), the `extends:` chain,
theme options, a site overriding one partial or adding CSS, and `funnelgen themes`.

Each test builds a tiny real site; the installed theme is a real package that pip installs
(offline, from a folder) into a temporary `sys.path` entry.
"""

from __future__ import annotations

import base64
import hashlib
import importlib
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import Result
from conftest import snapshot

from funnelgen.commands.build import build
from funnelgen.errors import Abort
from funnelgen.load import Source
from funnelgen.render import SettledEnvironment
from funnelgen.theme import builtin_themes, installed_themes, resolve_theme, theme_chain
from funnelgen.write import MARKER

MakeSite = Callable[..., Path]
RunCli = Callable[..., Result]
SITE_YML = "name: Tiny Co\nbase_url: https://tiny.example/\n"

# A theme in the site's folder that builds on clean: its theme.css adds to clean's rules.
WARM_THEME = {
    "themes/warm/theme.yml": """\
        name: warm
        description: Clean, but warmer.
        extends: clean
        options:
          primary: {default: "#b45309", description: Buttons and links.}
          glow: {default: "0.5rem", description: Size of the button glow.}
          corners: {default: soft, choices: [soft, sharp], description: Box corners.}
        """,
    "themes/warm/templates/theme.css": """\
        {% include "clean.css" %}
        .button { box-shadow: 0 0 {{ theme.options.glow }} var(--accent); }
        """,
}


def css_of(out: Path, page: str = "tiny/join/index.html") -> str:
    html = (out / page).read_text(encoding="utf-8")
    found = re.search(r"<style>(.*?)</style>", html, re.S)
    assert found is not None
    return found.group(1)


def site_source(root: Path) -> Source:
    return Source(root / "site.yml", "site.yml", {}, {("theme",): 3, ("theme_options",): 4})


def test_the_built_in_themes() -> None:
    assert builtin_themes() == ["bold", "clean", "minimal"]


@pytest.mark.parametrize("theme", ["bold", "clean", "minimal"])
def test_every_built_in_theme_builds_and_restyles_the_base(make_site: MakeSite, tmp_path: Path, theme: str) -> None:
    out = tmp_path / "out"
    build(make_site({"site.yml": SITE_YML + f"theme: {theme}\n"}), out)
    css = css_of(out)
    assert css.startswith(":root{--primary:")  # base.css first
    own = {"clean": ".testimonial blockquote{font-size:1.0625em}",
           "bold": "--band:color-mix(in srgb,var(--primary) 25%,#05070c)",
           "minimal": '--head:Charter,"Bitstream Charter"'}[theme]
    assert own in css
    assert "{%" not in css and "{{" not in css


def test_a_folder_theme_extends_a_built_in_one_and_ends_at_base(make_site: MakeSite, tmp_path: Path) -> None:
    site = make_site({**WARM_THEME, "site.yml": SITE_YML + "theme: ./themes/warm\ntheme_options: {corners: sharp}\n"})
    chain = resolve_theme("./themes/warm", site, {"corners": "sharp"}, site_source(site))
    assert [t.manifest.name for t in chain.themes] == ["warm", "clean", "base"]
    assert chain.options["primary"] == "#b45309"  # the child's default wins over clean's and base's
    assert chain.options["max_width"] == "42rem"  # inherited from clean
    assert chain.options["corners"] == "sharp"
    out = tmp_path / "out"
    build(site, out)
    css = css_of(out)
    assert "--primary:#b45309" in css
    assert ".testimonial blockquote{font-size:1.0625em}" in css  # clean's rules, by name
    assert css.endswith(".button{box-shadow:0 0 0.5rem var(--accent)}")  # then warm's


def test_extends_a_folder_relative_to_the_extending_theme(tmp_path: Path) -> None:
    for name, extends in (("child", "../parent"), ("parent", "bold")):
        folder = tmp_path / "themes" / name
        folder.mkdir(parents=True)
        (folder / "theme.yml").write_text(f"name: {name}\nextends: {extends}\n")
    chain = theme_chain("./themes/child", tmp_path)
    assert [t.manifest.name for t in chain] == ["child", "parent", "bold", "base"]


def test_a_theme_that_extends_itself_is_refused(tmp_path: Path) -> None:
    for name, extends in (("a", "../b"), ("b", "../a")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "theme.yml").write_text(f"name: {name}\nextends: {extends}\n")
    with pytest.raises(Abort) as caught:
        theme_chain("./a", tmp_path)
    assert str(caught.value).endswith("/b/theme.yml:2: extends: '../a' leads back to theme 'a' (a → b → a), so the "
                                 "chain never ends: extend a built-in theme such as clean instead")


@pytest.mark.parametrize(("extends", "message"), [
    ("bolt", "extends: no theme 'bolt': did you mean 'bold'?"),
    ("dark", "extends: no theme 'dark' (built-in themes: bold, clean, minimal; or a folder such as ./mytheme)"),
    ("./nowhere", "extends: no folder 'themes/mine/nowhere': a theme folder holds theme.yml (at least "
                  "'name:', and 'extends:' to build on another theme); or name a built-in theme (bold, clean, "
                  "minimal)"),
    ("../mne", "extends: no folder 'themes/mne': did you mean '../mine'?"),
], ids=["misspelt-name", "unknown-name", "missing-folder", "misspelt-folder"])
def test_an_extends_that_leads_nowhere_names_the_line_of_theme_yml(make_site: MakeSite, run_cli: RunCli,
                                                                   tmp_path: Path, extends: str, message: str) -> None:
    site = make_site({"site.yml": SITE_YML + "theme: ./themes/mine\n",
                      "themes/mine/theme.yml": f"name: mine\nextends: {extends}\n"})
    result = run_cli("build", site, "-o", tmp_path / "out")
    assert result.exit_code == 1
    start, _, end = message.partition("…")
    assert result.stderr.startswith("themes/mine/theme.yml:2: " + start)
    assert result.stderr.endswith(end + "\n") and result.stderr.count("\n") == 1


def test_a_folder_theme_named_as_a_built_in_one_is_told_to_take_its_own_name(
        make_site: MakeSite, run_cli: RunCli, tmp_path: Path) -> None:
    site = make_site({"site.yml": SITE_YML + "theme: ./themes/mine\n",
                      "themes/mine/theme.yml": "name: clean\nextends: clean\n"})
    result = run_cli("build", site, "-o", tmp_path / "out")
    assert result.exit_code == 1
    assert result.stderr == ("themes/mine/theme.yml:1: name: 'clean' is the name of a built-in theme: give this "
                             "theme its own (name: mine)\n")


def test_an_option_key_written_short_gets_the_key_it_shortens(make_site: MakeSite, run_cli: RunCli,
                                                              tmp_path: Path) -> None:
    site = make_site({"site.yml": SITE_YML + "theme: ./themes/mine\n",
                      "themes/mine/theme.yml": "name: mine\nextends: clean\noptions:\n  glow: {default: soft, "
                                               "desc: How much.}\n"})
    result = run_cli("build", site, "-o", tmp_path / "out")
    assert result.stderr == ("themes/mine/theme.yml:4: options.glow.desc: unknown key 'desc': did you mean "
                             "'description'?\n")


@pytest.mark.parametrize(("option", "message"), [
    ("glow: {default: huge, choices: [soft, strong], description: Glow.}",
     "options.glow.default: 'huge' is not one of its choices: soft, strong"),
    ("button_style: {default: square, description: Square buttons.}",
     "options.button_style.default: 'square' is not one of the choices it keeps from theme 'clean': "
     "filled, outline, pill"),
], ids=["own-choices", "inherited-choices"])
def test_an_option_default_outside_its_choices_is_refused(make_site: MakeSite, run_cli: RunCli, tmp_path: Path,
                                                          option: str, message: str) -> None:
    site = make_site({"site.yml": SITE_YML + "theme: ./themes/mine\n",
                      "themes/mine/theme.yml": f"name: mine\nextends: clean\noptions:\n  {option}\n"})
    result = run_cli("build", site, "-o", tmp_path / "out")
    assert result.exit_code == 1
    assert result.stderr == (f"themes/mine/theme.yml:4: {message}; make the default one of them, or write "
                             "choices: that include it\n")


@pytest.mark.parametrize(("option", "message"), [
    ('banner: {default: "on", choices: [on, off], description: Banner.}',
     'options.banner.choices: YAML reads on, off, yes and no as true and false: put each such choice in quotes, '
     'e.g. choices: ["on", "off"]'),
    ('banner: {default: on, choices: ["on", "off"], description: Banner.}',
     'options.banner.default: on is not one of its choices: on, off; put it in quotes: "on"'),
], ids=["choices", "default"])
def test_an_option_written_on_or_off_without_quotes_is_told_to_quote_it(
        make_site: MakeSite, run_cli: RunCli, tmp_path: Path, option: str, message: str) -> None:
    site = make_site({"site.yml": SITE_YML + "theme: ./themes/mine\n",
                      "themes/mine/theme.yml": f"name: mine\nextends: clean\noptions:\n  {option}\n"})
    result = run_cli("build", site, "-o", tmp_path / "out")
    assert result.exit_code == 1
    assert result.stderr == f"themes/mine/theme.yml:4: {message}\n"


@pytest.mark.parametrize(("option", "message"), [
    ("max_width: {default: 40, description: Column.}",
     "options.max_width.default: 40 is a number, but theme 'clean' declares max_width as text ('42rem'): "
     "write text such as '42rem'"),
    ("primary: {default: bluish, description: Buttons.}",
     "options.primary.default: 'bluish' is not a colour, but theme 'clean' declares primary as a colour "
     "('#1d4ed8'): write a colour such as '#1d4ed8'"),
], ids=["number-for-text", "text-for-a-colour"])
def test_a_redeclared_option_keeps_the_kind_of_value_the_css_expects(make_site: MakeSite, run_cli: RunCli,
                                                                    tmp_path: Path, option: str,
                                                                    message: str) -> None:
    site = make_site({"site.yml": SITE_YML + "theme: ./themes/mine\n",
                      "themes/mine/theme.yml": f"name: mine\nextends: clean\noptions:\n  {option}\n"})
    result = run_cli("build", site, "-o", tmp_path / "out")
    assert result.exit_code == 1
    assert result.stderr == f"themes/mine/theme.yml:4: {message}\n"


def test_a_redeclared_option_may_narrow_text_to_a_colour(make_site: MakeSite, tmp_path: Path) -> None:
    site = make_site({"site.yml": SITE_YML + "theme: ./themes/mine\n",
                      "themes/mine/theme.yml": "name: mine\nextends: bold\noptions:\n"
                                               "  band: {default: '#111111', description: Band.}\n"})
    build(site, tmp_path / "out")
    assert "--band:#111111" in css_of(tmp_path / "out")


@pytest.mark.parametrize(("files", "message"), [
    ({"themes/warm/templates/theme.css": '{% include "clean.css" %}\n{% include "theme.css" %}\n'},
     "themes/warm/templates/theme.css:2: template error: themes/warm/templates/theme.css → "
     "themes/warm/templates/theme.css: a template that includes or extends itself never ends"),
    ({"templates/page.html": '{% extends "blocks/shell.html" %}\n',
      "templates/blocks/shell.html": '{% extends "page.html" %}\n'},
     "templates/page.html:1: template error: templates/page.html → templates/blocks/shell.html → "
     "templates/page.html: a template that includes or extends itself never ends"),
    ({"themes/warm/templates/theme.css": ".button { color: {{ theme.options.glwo }}; }\n"},
     "themes/warm/templates/theme.css:1: template error: theme 'warm' has no option 'glwo': did you mean "
     "theme.options.glow? (options: accent, background, button_style, corners, glow, max_width, primary, "
     "radius, text; a theme declares its own under options: in its theme.yml)"),
    ({"templates/blocks/footer.html": "<footer>{{ site.brand.colours }}</footer>\n"},
     "templates/blocks/footer.html:1: template error: no key 'colours' here: did you mean 'colors'? "
     "(keys: colors, font, logo, logo_alt)"),
    ({"themes/warm/templates/theme.css": '{% include "clen.css" %}\n'},
     "themes/warm/templates/theme.css:1: template 'clen.css' not found in theme 'warm' or the site's "
     "templates/; did you mean 'clean.css'?"),
], ids=["includes-itself", "extends-in-a-loop", "misspelt-option", "misspelt-key", "misspelt-include"])
def test_a_template_mistake_is_one_line_saying_what_to_write(make_site: MakeSite, run_cli: RunCli, tmp_path: Path,
                                                            files: dict[str, str], message: str) -> None:
    site = make_site({**WARM_THEME, **files, "site.yml": SITE_YML + "theme: ./themes/warm\n"})
    out = tmp_path / "out"
    build(make_site({"site.yml": SITE_YML}, name="good"), out)
    before = snapshot(out)
    result = run_cli("build", site, "-o", out)
    assert result.exit_code == 1
    assert result.stderr.startswith(message)
    assert result.stderr.count("\n") == 1
    assert snapshot(out) == before  # the last good build is still there


@pytest.mark.parametrize(("options", "message"), [
    ("{button_styl: pill}", "theme_options.button_styl: theme 'bold' has no option 'button_styl': "
                            "did you mean 'button_style'? (options: accent, background, band, "
                            "button_style, cta_color, max_width, primary, radius, text)"),
    ("{cta_color: red}", "theme_options.cta_color: 'red' is not one of: accent, primary"),
    ("{cta_color: Primary}", "theme_options.cta_color: 'Primary' is not one of: accent, primary: did you mean "
                             "'primary'?"),
    ("{button_style: off}", "theme_options.button_style: 'off' is not one of: filled, outline, pill"),
    ("{button_style: }", "theme_options.button_style: is empty: write one of: filled, outline, pill"),
    ("{max_width: 40}", "theme_options.max_width: expected text, got 40; write it like the default, '46rem', "
                        "in quotes"),
    ("{max_width: }", "theme_options.max_width: expected text, got nothing; write it like the default, '46rem', "
                      "in quotes"),
    ("{band: 'red; } body { display: none'}", "theme_options.band: 'red; } body { display: none' has "
                                              "characters that are not allowed in a theme option"),
    ('{max_width: "42rem\'"}', "theme_options.max_width: \"42rem'\" has a quote (') that is never closed, "
                               "which would break the page's whole stylesheet; close it or remove it"),
    ("{max_width: 'calc(100% - 2rem'}", "theme_options.max_width: 'calc(100% - 2rem' has a '(' that is never "
                                        "closed, which would break the page's whole stylesheet"),
], ids=["unknown", "choice", "choice-case", "choice-read-as-false", "choice-empty", "type", "empty", "unsafe", "unclosed-quote",
        "unclosed-bracket"])
def test_theme_options_are_checked(make_site: MakeSite, tmp_path: Path, options: str, message: str) -> None:
    site = make_site({"site.yml": SITE_YML + f"theme: bold\ntheme_options: {options}\n"})
    with pytest.raises(Abort) as caught:
        build(site, tmp_path / "out")
    assert message in str(caught.value)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("option", "value", "message"), [
    ("seal: {default: true, description: Show the seal.}", "seal: 0", "seal: expected true/false, got 0"),
    ("glow: {default: 2, description: Glow size.}", "glow: true", "glow: expected a number, got true"),
    ("button_style: {default: pill, description: Rounder buttons.}", "button_style: banana",
     "button_style: 'banana' is not one of: filled, outline, pill"),
    ("glow: {default: 'on', choices: ['on', 'off'], description: Glow.}", "glow: off",
     "glow: 'off' is not one of: on, off; put it in quotes: \"off\""),
], ids=["true-false-is-not-a-number", "a-number-is-not-true", "redeclared-keeps-its-choices", "yaml-off"])
def test_a_folder_themes_options_are_checked_as_documented(make_site: MakeSite, tmp_path: Path, option: str,
                                                          value: str, message: str) -> None:
    site = make_site({"site.yml": SITE_YML + f"theme: ./themes/mine\ntheme_options: {{{value}}}\n",
                      "themes/mine/theme.yml": f"name: mine\nextends: clean\noptions:\n  {option}\n"})
    with pytest.raises(Abort) as caught:
        build(site, tmp_path / "out")
    assert f"theme_options.{message}" in str(caught.value)


def test_theme_options_reach_the_css(make_site: MakeSite, tmp_path: Path) -> None:
    site = make_site({"site.yml": SITE_YML + "theme: bold\n"
                      "theme_options: {band: '#2a0845', cta_color: primary, max_width: 50rem}\n"})
    out = tmp_path / "out"
    build(site, out)
    css = css_of(out)
    assert "--band:#2a0845" in css
    assert "--cta:var(--primary);--on-cta:var(--on-primary)" in css
    assert "--max-width:50rem" in css


@pytest.mark.parametrize("theme", ["bold", "clean", "minimal"])
def test_a_site_overrides_one_partial_and_keeps_the_rest_of_the_theme(
    make_site: MakeSite, tmp_path: Path, theme: str
) -> None:
    site = make_site({
        "site.yml": SITE_YML + f"theme: {theme}\n",
        "templates/blocks/hero.html": '<header class="hero mine"><h1>{{ step.headline | upper }}</h1></header>\n',
    })
    out = tmp_path / "out"
    build(site, out)
    page = (out / "tiny/join/index.html").read_text(encoding="utf-8")
    assert '<header class="hero mine"><h1>JOIN THE LIST</h1></header>' in page
    assert '<form class="optin-form"' in page  # every other template still comes from the theme
    assert f"step--optin buttons--{'filled'}" in page


@pytest.mark.parametrize("theme", ["bold", "clean", "minimal"])
def test_a_sites_copy_of_a_partial_renders_exactly_as_the_themes_own(make_site: MakeSite, tmp_path: Path,
                                                                     theme: str) -> None:
    plain = make_site({"site.yml": SITE_YML + f"theme: {theme}\n"})
    build(plain, tmp_path / "plain-out")
    footer = (Path(importlib.import_module("funnelgen").__file__).parent.parent / "themes/base/templates"
              / "blocks/footer.html").read_text(encoding="utf-8")
    copied = make_site({"site.yml": SITE_YML + f"theme: {theme}\n", "templates/blocks/footer.html": footer},
                       name="copied")
    build(copied, tmp_path / "copied-out")  # rendered in the sandbox, to the same bytes
    pages = {name: data for name, data in snapshot(tmp_path / "plain-out").items() if name != MARKER}
    assert {name: data for name, data in snapshot(tmp_path / "copied-out").items() if name != MARKER} == pages


# Partials as theme authors write them: each feature of `include` the pages rely on.
PARTIALS = {
    "templates/blocks/hero.html": """\
        {% set shout = step.headline | upper %}
        <header class="hero">{% include "blocks/mine/title.html" %}
        <p>after: {{ local | default("not seen") }}</p>
        <ul>{% for item in ["one", "two"] %}{% include "blocks/mine/item.html" %}{% endfor %}</ul>
        {% with label = "Go on" %}{% include "blocks/mine/label.html" %}{% endwith %}
        {% include "blocks/mine/" ~ "named.html" %}
        {% include ["blocks/mine/nowhere.html", "blocks/mine/named.html"] %}
        {% include "blocks/mine/nowhere.html" ignore missing %}
        {% include "blocks/mine/blocks.html" %}
        {% include "blocks/mine/plain.html" without context %}
        </header>
        """,
    "templates/blocks/mine/title.html": """\
        {% set local = "set in title" %}
        {% macro tag(text) %}<em>{{ text }}</em>{% endmacro %}
        <h1>{{ shout }} {{ tag(local) }}</h1>{% include "blocks/mine/deep.html" %}
        """,
    "templates/blocks/mine/deep.html": """\
        {% from "blocks/copy.html" import copy with context %}
        <p class="deep">{{ copy("headline") }} / {{ local }} / {{ site.name }}</p>
        """,
    "templates/blocks/mine/item.html": "<li>{{ item }} of {{ step.id }}</li>\n",
    "templates/blocks/mine/label.html": "<b>{{ label }}</b>\n",
    "templates/blocks/mine/named.html": "<i>named {{ step.type }}</i>\n",
    "templates/blocks/mine/blocks.html": "{% block note %}<small>{{ step.id }}</small>{% endblock %}\n",
    "templates/blocks/mine/plain.html": "<s>{{ shout | default('no context') }}</s>\n",
    "templates/blocks/mine/brand.html": "<p class=brand>{{ site.name }}</p>\n",
    # a name set at the top, and again later in the block: the first button has the first
    "templates/steps/optin.html": """\
        {% extends "page.html" %}
        {% set event = "top_cta_click" %}
        {% include "blocks/mine/named.html" %}
        {% block main %}
        {% set href = "#form" %}{% set label = "Get the list" %}
        {% include "blocks/hero.html" %}
        {% include "blocks/cta.html" %}
        {% include "blocks/form.html" %}
        {% autoescape false %}{% include "blocks/mine/brand.html" %}{% endautoescape %}
        {% set event = "bottom_cta_click" %}
        {% include "blocks/cta.html" %}
        {% endblock %}
        """,
}


def test_partials_render_the_same_written_into_the_page_as_included_while_it_renders(
        make_site: MakeSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """funnelgen compiles each template with the partials it includes written into it (faster);
    the pages are those Jinja's own include makes, byte for byte."""
    site = make_site({"site.yml": SITE_YML.replace("Tiny Co", '"Tiny & Co <Beta>"'),
                      **{name: textwrap.dedent(text) for name, text in PARTIALS.items()}})
    build(site, tmp_path / "written-in")
    monkeypatch.setattr(SettledEnvironment, "inline_includes", False)
    build(site, tmp_path / "included", cache=False)
    page = (tmp_path / "written-in/tiny/join/index.html").read_text(encoding="utf-8")
    for shown in ("<h1>JOIN THE LIST <em>set in title</em></h1>", "<p>after: not seen</p>",
                  '<p class="deep">Join the list / set in title / Tiny &amp; Co &lt;Beta&gt;</p>',
                  "<li>one of join</li>", "<li>two of join</li>", "<b>Go on</b>",
                  "<i>named optin</i>\n<i>named optin</i>", "<small>join</small>", "<s>no context</s>",
                  'data-event="top_cta_click"', 'data-event="bottom_cta_click"',
                  "<p class=brand>Tiny &amp; Co &lt;Beta&gt;</p>"):  # escaped as the partial's own name says
        assert shown in page
    pages = {name: data for name, data in snapshot(tmp_path / "included").items() if name != MARKER}
    assert {name: data for name, data in snapshot(tmp_path / "written-in").items() if name != MARKER} == pages


def test_the_built_in_themes_partials_are_written_into_their_pages(make_site: MakeSite) -> None:
    """What makes rendering faster: no include of the built-in pages is left to render time but a
    button's (cta.html reads the label and link each step sets around it) and the thank-you
    page's questions (faq.html loops with a name thankyou.html uses too)."""
    from funnelgen.site import prepare
    env = prepare(make_site({"site.yml": SITE_YML + "theme: bold\n"})).renderer.env
    assert env.loader is not None

    def included(environment: SettledEnvironment, name: str) -> set[str]:
        code = environment.compile(env.loader.get_source(env, name)[0], name, raw=True)
        return set(re.findall(r"\btemplate = environment\.get_template\('([^']+)'", code))

    for step in ("bridge", "optin", "offer", "upsell", "thankyou"):
        assert "blocks/hero.html" in included(env.as_written(), f"steps/{step}.html")
        assert included(env, f"steps/{step}.html") <= {"blocks/cta.html", "blocks/faq.html"}


def test_a_partial_in_a_loop_does_not_see_loop_as_in_jinja(make_site: MakeSite, run_cli: RunCli) -> None:
    site = make_site({
        "templates/blocks/hero.html": '{% for item in [1, 2] %}{% include "blocks/mine/item.html" %}{% endfor %}\n',
        "templates/blocks/mine/item.html": "<p>{{ item }}</p>\n<p>{{ loop.index }}</p>\n",
    })
    result = run_cli("build", site, "-o", site.parent / "out")
    assert result.exit_code == 1
    assert result.stderr == "templates/blocks/mine/item.html:2: template error: 'loop' is undefined\n"


def test_a_site_template_that_replaces_nothing_is_a_warning(make_site: MakeSite, run_cli: RunCli,
                                                            tmp_path: Path) -> None:
    site = make_site({
        "templates/footer.html": "<footer>mine</footer>\n",  # meant blocks/footer.html
        "templates/blocks/header.html": '<header>{% include "blocks/mine.html" %}</header>\n',
        "templates/blocks/mine.html": "mine\n",  # used by the header above
        "templates/extra.css": "a { color: red; }\n",  # included by the theme's style.css
        "templates/blocks/extras.css": "a { color: blue; }\n",  # a typo of one
    })
    warnings = [f"templates/{name}: replaces no template of theme 'clean' and no template uses it, so it "
                f"changes nothing; did you mean templates/{meant}?"
                for name, meant in [("blocks/extras.css", "extra.css"), ("footer.html", "blocks/footer.html")]]
    result = run_cli("build", site, "-o", tmp_path / "out")
    assert result.exit_code == 0 and result.stderr.splitlines() == [f"warning: {w}" for w in warnings]
    result = run_cli("build", site, "-o", tmp_path / "strict", "--strict")
    assert result.exit_code == 1 and result.stderr.splitlines()[:2] == [f"{w} (--strict)" for w in warnings]


REACH_PYTHON = {
    "globals": "{{ lipsum.__globals__['os'].system('touch MARK') }}",
    "attr-filter": "{{ (lipsum | attr('__globals__'))['os'].system('touch MARK') }}",
    "class-walk": "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "format": '{{ "{0.__class__}".format(site) }}',
}


@pytest.mark.parametrize("where", ["templates/blocks/footer.html", "themes/mine/templates/blocks/footer.html"])
@pytest.mark.parametrize("attack", list(REACH_PYTHON))
def test_a_template_that_comes_with_the_site_cannot_reach_python(
        make_site: MakeSite, run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        where: str, attack: str) -> None:
    files = {where: "<footer>{{ site.name }}</footer>\n" + REACH_PYTHON[attack] + "\n"}
    if where.startswith("themes/"):
        files |= {"site.yml": SITE_YML + "theme: ./themes/mine\n", "themes/mine/theme.yml": "name: mine\n"}
    site = make_site(files)
    monkeypatch.chdir(tmp_path)
    result = run_cli("build", site, "-o", tmp_path / "out")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"{where}:2: template error: ")
    assert "cannot reach Python" in result.stderr and len(result.stderr.splitlines()) == 1
    assert not (tmp_path / "MARK").exists() and not (site / "MARK").exists()
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("theme", ["bold", "clean", "minimal"])
def test_a_site_adds_css_in_templates_extra_css(make_site: MakeSite, tmp_path: Path, theme: str) -> None:
    site = make_site({
        "site.yml": SITE_YML + f"theme: {theme}\nbrand: {{colors: {{primary: '#7c3aed'}}}}\n",
        "templates/extra.css": "/* mine */\n.hero h1 { color: {{ site.brand.colors.primary }}; }\n",
    })
    out = tmp_path / "out"
    build(site, out)
    css = css_of(out)
    assert css.endswith(".hero h1{color:#7c3aed}")  # last: it wins over the theme's rules
    html = (out / "tiny/join/index.html").read_text(encoding="utf-8")
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in html  # the Content-Security-Policy allows exactly this CSS


def test_css_pasted_with_its_style_tags_is_one_clear_error(make_site: MakeSite, run_cli: RunCli,
                                                           tmp_path: Path) -> None:
    site = make_site({"templates/extra.css": "/* from the old site */\n<style>\n.hero h1 { color: red; }\n</style>\n"})
    result = run_cli("build", site, "-o", tmp_path / "out")
    assert result.exit_code == 1
    assert result.stderr == ("templates/extra.css:2: a <style> tag in CSS: this file goes inside the page's <style> "
                             "element already; write only the CSS rules, without <style> and </style>\n")
    assert not (tmp_path / "out").exists()


CSS_ADDRESS = ("finds no file: this CSS is inlined into every page, and a theme's static/ files (as the site's "
               "assets/) are published under fingerprinted names, so no address here can reach them; show the "
               "picture from a template with page.asset(\"{ref}\"), or write it here as a data: URL")


def test_css_cannot_name_the_themes_static_files(make_site: MakeSite, run_cli: RunCli, tmp_path: Path) -> None:
    """The stylesheet is inlined into each page, and static/ files get fingerprinted names: a url() of a
    file would find nothing on any page. A data: URL, a remote one or a fragment is left alone."""
    site = make_site({**WARM_THEME, "site.yml": SITE_YML + "theme: ./themes/warm\n",
                      "themes/warm/static/paper.png": "png",
                      "themes/warm/templates/theme.css": """\
                          {% include "clean.css" %}
                          /* url(static/paper.png) in a comment is no address */
                          body { background: url(static/paper.png); }
                          .hero { background-image: url("../static/paper.png"); }
                          .seal { background: url(data:image/svg+xml,%3Csvg%3E%3C/svg%3E), url(#shade); }
                          """,
                      "templates/extra.css": ".band { background: url('/assets/band.jpg'); }\n"})
    result = run_cli("build", site, "-o", tmp_path / "out")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "templates/extra.css:1: url('/assets/band.jpg') " + CSS_ADDRESS.format(ref="assets/band.jpg"),
        "themes/warm/templates/theme.css:3: url(static/paper.png) " + CSS_ADDRESS.format(ref="static/paper.png"),
        "themes/warm/templates/theme.css:4: url(\"../static/paper.png\") " + CSS_ADDRESS.format(ref="static/paper.png"),
        "3 problems; nothing was written.",
    ]
    assert not (tmp_path / "out").exists()


def test_an_import_in_the_css_is_refused_as_it_would_load_nothing(make_site: MakeSite, run_cli: RunCli,
                                                                  tmp_path: Path) -> None:
    site = make_site({"templates/extra.css": '.new::after { content: "@import is not a rule in a string"; }\n'
                                             '@import "fonts.css";\n'
                                             "@import url(https://fonts.googleapis.com/css2?family=Inter);\n"})
    result = run_cli("build", site, "-o", tmp_path / "out")
    assert result.exit_code == 1
    message = ("loads nothing: this CSS is inlined into every page after the theme's rules, where browsers "
               "ignore an @import; copy the rules it would load here instead (for a web font, its @font-face "
               "rules: the site's policy allows their https:// fonts)")
    assert result.stderr.splitlines() == [
        f"templates/extra.css:2: @import 'fonts.css' {message}",
        f"templates/extra.css:3: @import 'https://fonts.googleapis.com/css2?family=Inter' {message}",
        "2 problems; nothing was written."]


def test_a_css_picture_the_policy_could_not_allow_is_refused(make_site: MakeSite, run_cli: RunCli,
                                                             tmp_path: Path) -> None:
    site = make_site({"templates/extra.css": ".a { background: url(http://cdn.example/a.png); }\n"
                                             ".b { background: url(//cdn.example/b.png); }\n"
                                             ".c { background: url(https://*.cdn.example/c.png); }\n"})
    result = run_cli("build", site, "-o", tmp_path / "out")
    assert result.stderr.splitlines() == [
        "templates/extra.css:1: url(http://cdn.example/a.png): the site's policy allows only https:// addresses: "
        "write https://cdn.example/a.png",
        "templates/extra.css:2: url(//cdn.example/b.png): the site's policy allows only https:// addresses: "
        "write https://cdn.example/b.png",
        "templates/extra.css:3: url(https://*.cdn.example/c.png): 'https://*.cdn.example/c.png' has no valid domain "
        "name after '//': use letters, digits, '-' and '.', e.g. https://cdn.example.com/photo.jpg",
        "3 problems; nothing was written."]


def test_the_policy_allows_the_pictures_and_fonts_the_css_loads_from_other_hosts(
        make_site: MakeSite, tmp_path: Path) -> None:
    site = make_site({"templates/extra.css": ".hero { background: url('https://cdn.example/bg.png'); }\n"
                                             "@font-face { font-family: Inter; src: url(https://fonts.gstatic.com"
                                             "/s/inter.woff2) format('woff2'); }\n"})
    build(site, tmp_path / "out")
    page = (tmp_path / "out" / "tiny" / "index.html").read_text(encoding="utf-8")
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', page)
    assert policy
    assert "img-src 'self' data: https://cdn.example;" in policy[1]
    assert "font-src 'self' https://fonts.gstatic.com;" in policy[1]
    build(make_site(name="plain"), tmp_path / "plain-out")  # no remote font: no font-src, as before
    assert "font-src" not in (tmp_path / "plain-out" / "tiny" / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("script", ['<script>console.log("hi")</script>', "<SCRIPT>x()</SCRIPT>",
                                    '<script src="https://widgets.example/chat.js" async></script>'])
def test_a_script_a_template_writes_that_the_policy_would_block_is_refused(
        make_site: MakeSite, run_cli: RunCli, tmp_path: Path, script: str) -> None:
    site = make_site({"templates/blocks/footer.html": f"<footer>\n  <p>Tiny Co</p>\n  {script}\n</footer>\n"})
    result = run_cli("build", site, "-o", tmp_path / "out")
    assert result.exit_code == 1
    assert result.stderr == (f"templates/blocks/footer.html:3: {re.sub('</script>$', '', script, flags=re.I)!r}: the site's "
                             "Content-Security-Policy blocks a script a template writes (it allows the runtime and "
                             "your tracking snippets): put the code in tracking.head or tracking.body, or react to "
                             "events with funnelgen.on\n")
    snippet = f"tracking:\n  body: {json.dumps(script)}\n"  # the same code as a snippet is allowed
    allowed = make_site({"site.yml": SITE_YML + snippet}, name="allowed")
    assert run_cli("build", allowed, "-o", tmp_path / "allowed-out", "-q").exit_code == 0


def test_a_script_that_never_runs_in_a_template_is_not_refused(make_site: MakeSite, tmp_path: Path) -> None:
    footer = ("<footer>\n<!-- <script>old()</script> -->{# <script>draft()</script> #}\n"
              '<script type="text/template"><p>{{ "{{" }} name }}</p></script>\n'
              '<script type="application/ld+json">{"@type": "Organization"}</script>\n</footer>\n')
    build(make_site({"templates/blocks/footer.html": footer}), tmp_path / "out")
    assert '<script type="text/template">' in (tmp_path / "out" / "tiny" / "index.html").read_text(encoding="utf-8")


def test_the_consent_banner_css_is_only_on_sites_with_a_banner(make_site: MakeSite, tmp_path: Path) -> None:
    build(make_site(), tmp_path / "plain")
    assert ".consent-banner" not in css_of(tmp_path / "plain")
    for theme in builtin_themes():
        site = make_site({"site.yml": SITE_YML + f"theme: {theme}\nconsent: {{mode: banner}}\n"}, name=theme)
        build(site, tmp_path / f"out-{theme}")
        assert ".consent-banner{position:fixed;" in css_of(tmp_path / f"out-{theme}")


def test_static_files_of_the_chain_most_specific_wins(tmp_path: Path) -> None:
    for name, extends, files in (("child", "../parent", {"logo.svg": "child", "css/x.css": "child"}),
                                 ("parent", None, {"logo.svg": "parent", "font.woff2": "parent"})):
        folder = tmp_path / name
        for rel, text in files.items():
            (folder / "static" / rel).parent.mkdir(parents=True, exist_ok=True)
            (folder / "static" / rel).write_text(text)
        (folder / "theme.yml").write_text(f"name: {name}\n" + (f"extends: {extends}\n" if extends else ""))
    chain = resolve_theme("./child", tmp_path, {}, site_source(tmp_path))
    static = {rel: path.read_text() for rel, path in chain.static_files().items()}
    assert static == {"css/x.css": "child", "font.woff2": "parent", "logo.svg": "child"}


ICON_FOOTER = ('<footer class="site-footer"><img src="{{ page.asset("static/icons/seal.svg") }}" alt="" '
               'width="24" height="24"></footer>\n')


def test_a_themes_static_files_are_published_with_a_fingerprint(make_site: MakeSite, tmp_path: Path) -> None:
    seal = '<svg xmlns="http://www.w3.org/2000/svg" width="24" height="24"/>'
    site = make_site({**WARM_THEME, "site.yml": SITE_YML + "theme: ./themes/warm\n",
                      "themes/warm/static/icons/seal.svg": seal,
                      "themes/warm/templates/blocks/footer.html": ICON_FOOTER})
    out = tmp_path / "out"
    build(site, out)
    [published] = (out / "assets/theme/icons").iterdir()
    assert re.fullmatch(r"seal\.[0-9a-f]{10}\.svg", published.name)
    assert published.read_text() == seal
    page = (out / "tiny/join/index.html").read_text(encoding="utf-8")
    assert f'<img src="../../assets/theme/icons/{published.name}" alt="" width="24" height="24">' in page


def test_a_missing_static_file_is_one_clear_error(make_site: MakeSite, run_cli: RunCli, tmp_path: Path) -> None:
    site = make_site({**WARM_THEME, "site.yml": SITE_YML + "theme: ./themes/warm\n",
                      "themes/warm/templates/blocks/footer.html": ICON_FOOTER})
    result = run_cli("build", site, "-o", tmp_path / "out")
    assert result.exit_code == 1
    assert result.stderr == ("themes/warm/templates/blocks/footer.html:1: template error: no file "
                             "'icons/seal.svg' in the theme's static/ folder\n")  # named from the site folder


@pytest.mark.parametrize(("call", "error"), [
    ('page.image("assets/nope.jpg").src', "no file 'assets/nope.jpg' in the site's assets folder"),
    ('page.image("static/nope.svg", "logo").src', "no file 'nope.svg' in the theme's static/ folder"),
    ('page.image("https://cdn.example/x.png", "cntent").src',
     "page.image(…, 'cntent'): no such place for a picture; write one of 'content', 'photo', 'logo', 'poster'"),
])
def test_a_picture_a_template_asks_for_that_cannot_be_shown_is_one_clear_error(
        make_site: MakeSite, run_cli: RunCli, tmp_path: Path, call: str, error: str) -> None:
    site = make_site({"templates/blocks/footer.html": f'<footer><img src="{{{{ {call} }}}}" alt=""></footer>\n'})
    result = run_cli("build", site, "-o", tmp_path / "out")
    assert result.exit_code == 1
    assert result.stderr == f"templates/blocks/footer.html:1: template error: {error}\n"


def test_a_link_that_cannot_work_in_a_templates_own_markdown_is_named_in_the_template(
        make_site: MakeSite, run_cli: RunCli, tmp_path: Path) -> None:
    site = make_site({"templates/blocks/footer.html": '<footer>\n{{ page.markdown("[x](javascript:alert(1))") }}'
                                                      '</footer>\n'})
    result = run_cli("build", site, "-o", tmp_path / "out")
    assert result.exit_code == 1
    assert result.stderr == ("templates/blocks/footer.html:2: template error: link 'javascript:alert(1)' in the "
                             "Markdown cannot work: write an https:// URL, mailto:, tel:, or a site path such as "
                             "/funnel/step/\n")


def test_a_static_file_linking_out_of_the_theme_is_refused(make_site: MakeSite, run_cli: RunCli,
                                                          tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("password")
    site = make_site({**WARM_THEME, "site.yml": SITE_YML + "theme: ./themes/warm\n"})
    (site / "themes/warm/static").mkdir()
    (site / "themes/warm/static/notes.txt").symlink_to(secret)
    result = run_cli("build", site, "-o", tmp_path / "out")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"{site}/themes/warm/static/notes.txt: links to a file outside")
    assert not (tmp_path / "out").exists()


# --- a theme published as a Python package -------------------------------------------------

PACKAGE = {
    "pyproject.toml": """\
        [build-system]
        requires = ["hatchling"]
        build-backend = "hatchling.build"

        [project]
        name = "funnelgen-theme-sunrise"
        version = "1.2.0"

        [project.entry-points."funnelgen.themes"]
        sunrise = "funnelgen_theme_sunrise"
        clean = "funnelgen_theme_sunrise.impostor"

        [tool.hatch.build.targets.wheel]
        packages = ["funnelgen_theme_sunrise"]
        """,
    "funnelgen_theme_sunrise/__init__.py": "",
    "funnelgen_theme_sunrise/theme.yml": """\
        name: sunrise
        description: Warm morning colours on top of bold.
        extends: bold
        options:
          accent: {default: "#fb923c", description: The sunrise orange.}
        """,
    "funnelgen_theme_sunrise/templates/theme.css": """\
        {% include "bold.css" %}
        .hero { background: linear-gradient(#7c2d12, #431407); }
        """,
    "funnelgen_theme_sunrise/impostor/__init__.py": "",
    "funnelgen_theme_sunrise/impostor/theme.yml": "name: impostor\ndescription: Tries to replace clean.\n",
}


@pytest.fixture(scope="module")
def sunrise_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package installed with pip (no network: no index, no build isolation) into a folder."""
    source = tmp_path_factory.mktemp("sunrise-src")
    for rel, text in PACKAGE.items():
        (source / rel).parent.mkdir(parents=True, exist_ok=True)
        (source / rel).write_text(textwrap.dedent(text), encoding="utf-8")
    target = tmp_path_factory.mktemp("site-packages")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
                    "--no-build-isolation", "--target", str(target), str(source)],
                   check=True, capture_output=True, cwd=source)
    assert (target / "funnelgen_theme_sunrise/templates/theme.css").is_file()
    return target


@pytest.fixture
def with_sunrise(sunrise_package: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.syspath_prepend(str(sunrise_package))  # also invalidates the import caches
    yield sunrise_package
    importlib.invalidate_caches()


def test_a_broken_install_without_its_themes_says_so_in_one_line(make_site: MakeSite, tmp_path: Path) -> None:
    package = tmp_path / "broken" / "funnelgen"  # funnelgen copied without the themes beside it
    shutil.copytree(Path(importlib.import_module("funnelgen").__file__).parent, package,
                    ignore=shutil.ignore_patterns("__pycache__", "themes"))
    out = tmp_path / "out"
    result = subprocess.run([sys.executable, "-m", "funnelgen", "build", str(make_site()), "-o", str(out)],
                            capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(package.parent)},
                            cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"funnelgen's built-in themes are missing from {package / 'themes'}" in result.stderr
    assert "reinstall" in result.stderr
    assert not out.exists()


def test_an_installed_theme_is_found_by_its_entry_point(with_sunrise: Path, make_site: MakeSite, tmp_path: Path) -> None:
    installed = installed_themes()
    assert {"sunrise", "clean"} <= set(installed)
    assert installed["sunrise"].package == "funnelgen-theme-sunrise 1.2.0"
    assert installed["sunrise"].folder() == with_sunrise / "funnelgen_theme_sunrise"

    site = make_site({"site.yml": SITE_YML + "theme: sunrise\n"})
    chain = resolve_theme("sunrise", site, {}, site_source(site))
    assert [t.manifest.name for t in chain.themes] == ["sunrise", "bold", "base"]
    out = tmp_path / "out"
    build(site, out)
    css = css_of(out)
    assert "--band:color-mix" in css  # bold's rules, through the package's theme.css
    assert css.endswith(".hero{background:linear-gradient(#7c2d12,#431407)}")
    assert "--accent:#fb923c" in css


def test_a_built_in_theme_wins_over_an_installed_one_of_the_same_name(
    with_sunrise: Path, make_site: MakeSite, tmp_path: Path
) -> None:
    site = make_site()  # theme: clean, the default
    chain = resolve_theme("clean", site, {}, site_source(site))
    assert [t.manifest.name for t in chain.themes] == ["clean", "base"]


def test_an_unknown_theme_names_the_built_in_and_installed_ones(with_sunrise: Path, tmp_path: Path) -> None:
    with pytest.raises(Abort) as caught:
        theme_chain("dawn", tmp_path)
    assert str(caught.value) == ("theme: no theme 'dawn' (built-in themes: bold, clean, minimal; "
                                 "installed: clean, sunrise; or a folder such as ./mytheme)")


# --- funnelgen themes ----------------------------------------------------------------------

def test_funnelgen_themes_lists_every_theme_and_its_options(run_cli: RunCli) -> None:
    result = run_cli("themes")
    assert result.exit_code == 0, result.output
    out = result.output
    for theme in ("bold", "clean", "minimal"):
        assert re.search(rf"^   {theme} +\S", out, re.M), out  # the summary line, no site mark
        assert re.search(rf"^{theme} \(built-in; extends base\)$", out, re.M), out
    bold = out[out.index("\nbold (built-in"):out.index("\nclean (built-in")]
    assert re.search(r"^    cta_color +accent +Button colour: .* One of: accent, primary\.$", bold, re.M | re.S)
    assert re.search(r"^    max_width +46rem +Width of the text column\.$", bold, re.M)
    assert "Installed themes (Python packages with a 'funnelgen.themes' entry point):\n  none\n" in out


def test_funnelgen_themes_marks_the_one_a_site_uses(run_cli: RunCli, make_site: MakeSite) -> None:
    site = make_site({"site.yml": SITE_YML + "theme: minimal\ntheme_options: {text_font: brand}\n"
                                             "brand: {colors: {primary: '#0f5e4b'}}\n"})
    result = run_cli("themes", site)
    assert result.exit_code == 0, result.output
    assert f"{site} uses the theme 'minimal' (marked *)." in result.output
    assert re.search(r"^ \* minimal +One narrow column", result.output, re.M)
    minimal = result.output[result.output.index("\nminimal * (built-in"):]
    assert re.search(r"text_font +serif +Typeface .* This site: brand\.", minimal, re.S)
    assert re.search(r"primary +#9a3412 +Button and link .* This site: #0f5e4b\s+\(brand\.colors\.primary\)\.",
                     minimal, re.S)


def test_funnelgen_themes_marks_base_when_a_site_uses_it(run_cli: RunCli, make_site: MakeSite) -> None:
    site = make_site({"site.yml": SITE_YML + "theme: base\ntheme_options: {radius: '0'}\n"})
    result = run_cli("themes", site)
    assert result.exit_code == 0, result.output
    assert f"{site} uses the theme 'base' (marked *)." in result.output
    assert re.search(r"^ \* base +The skeleton every theme extends", result.output, re.M)
    base = result.output[result.output.index("\nbase * (built-in: the skeleton every theme extends)"):]
    assert re.search(r"radius +0\.5rem +Corner rounding .* This site: 0\.", base, re.S)
    assert "\nbase" not in run_cli("themes").output  # listed only for a site that uses it


def test_funnelgen_themes_lists_a_folder_theme_and_installed_ones(
    run_cli: RunCli, make_site: MakeSite, with_sunrise: Path
) -> None:
    site = make_site({**WARM_THEME, "site.yml": SITE_YML + "theme: ./themes/warm\n"})
    result = run_cli("themes", site)
    assert result.exit_code == 0, result.output
    out = result.output
    assert re.search(r"^ \* \./themes/warm +Clean, but warmer\.$", out, re.M), out
    assert re.search(r"^\./themes/warm \* \(folder .*; extends clean → base\)$", out, re.M), out
    assert re.search(r"^   sunrise +Warm morning colours on top of bold\.$", out, re.M), out
    assert re.search(r"^   clean +\(hidden by the built-in theme 'clean', which wins\) Tries to replace clean\.$",
                     out, re.M), out  # the installed theme's own description, not the built-in's
    assert re.search(r"^sunrise \(installed: funnelgen-theme-sunrise 1\.2\.0; extends bold → base\)$", out, re.M)


@pytest.mark.parametrize(("setting", "expected"), [
    ("theme: nonexist\n", ["site.yml:3: theme: no theme 'nonexist' (built-in themes: bold, clean, minimal; or a "
                           "folder such as ./mytheme)"]),
    ("theme_options: {button_style: nope, bogus: 1}\n",
     ["site.yml:3: theme_options.bogus: theme 'clean' has no option 'bogus': (options: accent, background, "
      "button_style, max_width, primary, radius, text)",
      "site.yml:3: theme_options.button_style: 'nope' is not one of: filled, outline, pill",
      "2 problems; nothing was written."]),
])
def test_funnelgen_themes_with_a_theme_the_build_would_refuse_lists_then_says_why(
        run_cli: RunCli, make_site: MakeSite, setting: str, expected: list[str]) -> None:
    site = make_site({"site.yml": SITE_YML + setting})
    result = run_cli("themes", site)
    assert "Built-in themes:" in result.stdout  # the listing is what they need to choose another
    if "nonexist" in setting:  # nothing is marked: the first line says so
        assert result.stdout.startswith(f"{site} names the theme 'nonexist', which cannot be used (see the end).")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == expected


def test_funnelgen_themes_with_a_broken_site_says_why(run_cli: RunCli, make_site: MakeSite) -> None:
    site = make_site({"site.yml": SITE_YML + "theme: [clean]\n"})
    result = run_cli("themes", site)
    assert result.exit_code == 1
    assert result.stderr.startswith("site.yml:3: theme: ")


@pytest.mark.parametrize(("theme", "colours", "warning"), [
    ("clean", 'brand: {colors: {primary: "#ffd700"}}',
     "site.yml:3: brand.colors.primary: '#ffd700' against '#ffffff' has a contrast of 1.4:1, and text needs 4.5:1 "
     "to be read easily: choose a darker colour, e.g. '#8a7400'"),
    ("minimal", 'brand: {colors: {background: "#555555"}}',
     "site.yml:3: brand.colors.background: '#555555' against '#9a3412' has a contrast of 1.0:1, and text needs "
     "4.5:1 to be read easily: choose a lighter colour, e.g. '#cccccc'"),
    ("bold", 'theme_options: {accent: "#333"}',
     "site.yml:3: theme_options.accent: '#333' against '#111827' has a contrast of 1.4:1, and text needs 4.5:1 "
     "to be read easily: choose a lighter colour, e.g. '#818181'"),
    ("clean", 'brand: {colors: {primary: "#777777"}}',  # 4.48:1 is short of 4.5:1, never shown as 4.5
     "site.yml:3: brand.colors.primary: '#777777' against '#ffffff' has a contrast of 4.4:1, and text needs 4.5:1 "
     "to be read easily: choose a darker colour, e.g. '#767676'"),
    ("bold", 'theme_options: {band: "#f0f0f0"}',
     "site.yml:3: theme_options.band: '#f0f0f0' against '#ffffff' has a contrast of 1.1:1, and text needs 4.5:1 "
     "to be read easily: choose a darker colour, e.g. '#626262'"),  # its notes too, 80% white on it
])
def test_a_brand_colour_that_makes_text_hard_to_read_is_a_warning_with_a_readable_shade(
        make_site: MakeSite, tmp_path: Path, theme: str, colours: str, warning: str) -> None:
    site = make_site({"site.yml": f"{SITE_YML}{colours}\ntheme: {theme}\n"})
    assert [str(w) for w in build(site, tmp_path / "out").warnings] == [warning]
    shade = warning.rsplit("'", 2)[1]
    fixed = make_site({"site.yml": f"{SITE_YML}{colours.replace(colours.split(chr(34))[1], shade)}\n"
                                   f"theme: {theme}\n"}, name="fixed")
    assert build(fixed, tmp_path / "fixed-out").warnings == []  # the shade it suggests is readable


def test_colours_a_site_leaves_to_the_theme_and_colours_written_otherwise_than_in_hex_are_not_judged(
        make_site: MakeSite, tmp_path: Path) -> None:
    site = make_site({"site.yml": f"{SITE_YML}theme: bold\ntheme_options: {{accent: gold, band: \"#111111\"}}\n"})
    assert build(site, tmp_path / "out").warnings == []


def test_a_theme_contrast_rule_naming_no_colour_is_a_theme_error(make_site: MakeSite, tmp_path: Path) -> None:
    site = make_site({
        "site.yml": f"{SITE_YML}theme: ./pale\n",
        "pale/theme.yml": "name: pale\noptions:\n  ink: {default: \"#111111\", contrast_with: [paper], "
                          "description: Text.}\n",
    })
    with pytest.raises(Abort) as refused:
        build(site, tmp_path / "out")
    assert str(refused.value) == ("pale/theme.yml:3: options.ink.contrast_with: 'paper' is neither a hex colour nor "
                                  "a colour option of the theme: write a colour such as '#ffffff', or one of: "
                                  "accent, background, ink, primary, text")


BUILTIN_TEMPLATES = Path(__file__).parent.parent / "themes/base/templates"


@pytest.mark.parametrize("theme", builtin_themes())
def test_one_words_file_translates_every_word_a_theme_writes(tmp_path: Path, theme: str) -> None:
    """A site in another language copies templates/words.html and translates it: no other
    template to copy, and none of the theme's English left on any page."""
    from tests.test_theme_pages import every_step_site

    words = (BUILTIN_TEMPLATES / "words.html").read_text(encoding="utf-8")
    names = re.findall(r"{% (?:set|macro) (\w+)", words)
    translated = re.sub(r'{% set (\w+) = "[^"]*" %}', r'{% set \1 = "DE-\1" %}', words)
    translated = re.sub(r"{% macro (\w+)\(([^)]*)\) %}.*?{% endmacro %}", lambda found: (
        f"{{% macro {found[1]}({found[2]}) %}}DE-{found[1]} "
        + " ".join(f"{{{{ {arg.strip()} }}}}" for arg in found[2].split(",")) + "{% endmacro %}"), translated)
    site = every_step_site(theme, tmp_path)
    (site / "templates").mkdir(exist_ok=True)
    (site / "templates/words.html").write_text(translated, encoding="utf-8")
    (site / "funnels/bare.yml").write_text(textwrap.dedent("""\
        title: Bare
        steps:
          - {id: story, type: bridge, headline: A story}
          - {id: buy, type: offer, headline: The kit, price: {amount: 49, plans: [{amount: 19, count: 3,
             checkout: "https://buy.example/3"}]}, checkout: "https://buy.example/kit",
             testimonials: [{quote: Good., name: Ann}]}
        """), encoding="utf-8")  # no cta text: the theme's own words for the buttons
    out = tmp_path / "out"
    build(site, out)
    pages = "\n".join(page.read_text(encoding="utf-8") for page in sorted(out.rglob("*.html")))
    assert [name for name in names if f"DE-{name}" not in pages] == []
    written = "\n".join(path.read_text(encoding="utf-8") for path in site.rglob("*.yml"))
    english = [phrase for phrase in re.findall(r'{% set \w+ = "([^"]{12,})" %}', words) if phrase not in written]
    assert [phrase for phrase in english if phrase in pages] == []  # the longer phrases, but the site's own
    assert "payments of" not in pages and "minutes)" not in pages


def test_a_words_file_copied_from_an_older_theme_names_the_word_it_lacks(make_site: MakeSite, run_cli: RunCli,
                                                                         tmp_path: Path) -> None:
    words = (BUILTIN_TEMPLATES / "words.html").read_text(encoding="utf-8")
    site = make_site({"templates/words.html": words.replace('{% set skip_link = "Skip to content" %}\n', "")})
    result = run_cli("build", site, "-o", tmp_path / "out")
    assert result.exit_code == 1
    assert result.stderr.endswith("page.html:40: template error: words.html has no 'skip_link': copy the words that "
                                  "are new from the base theme's templates/words.html into yours\n"), result.stderr


FOOTER = (BUILTIN_TEMPLATES / "blocks/footer.html").read_text(encoding="utf-8")
HERO = (BUILTIN_TEMPLATES / "blocks/hero.html").read_text(encoding="utf-8")


def footer_with(*lines: str, **others: str) -> dict[str, str]:
    """A site's copy of the theme's footer with ``lines`` added at its end (and ``others``,
    other templates of the site by name)."""
    return {"templates/blocks/footer.html": FOOTER + "".join(f"{line}\n" for line in lines),
            **{f"templates/blocks/{name}.html": text for name, text in others.items()}}


def at_added_line(added: int, error: str) -> str:
    """The problem as said at one of the lines `footer_with` added (1: the first)."""
    return f"templates/blocks/footer.html:{FOOTER.count(chr(10)) + added}: template error: {error}"


HEADLINE_LINE = HERO.splitlines().index('<h1>{{ copy("headline") }}</h1>') + 1


@pytest.mark.parametrize(("files", "error"), [
    (footer_with("<p>{{ words.privacy_polcy }}</p>"),
     at_added_line(1, "words.html has no 'privacy_polcy': did you mean 'privacy_policy'?")),
    # a macro called without an argument: the call is wrong, not the macro (here funnelgen's own)
    (footer_with('<p>{{ words.payments(3, "month") }}</p>'),
     at_added_line(1, "parameter 'amount' was not provided")),
    (footer_with('{% from "blocks/mine.html" import badge %}', '{{ badge("new") }}',
                 mine="{% macro badge(name, n) %}<b>{{ name }} {{ n }}</b>{% endmacro %}\n"),
     at_added_line(2, "parameter 'n' was not provided")),
    # ... inside a {% call %} layout: the line that left it out, not the layout's {{ caller() }}
    (footer_with("{% macro box() %}<div>{{ caller() }}</div>{% endmacro %}", "{% call box() %}",
                 '{{ words.payments(3, "month") }}', "{% endcall %}"),
     at_added_line(3, "parameter 'amount' was not provided")),
    # ... and passed on to another macro: where it was left out
    (footer_with("{% macro fmt(t) %}<b>{{ t | upper }}</b>{% endmacro %}",
                 "{% macro card(title) %}<div>{{ fmt(title) }}</div>{% endmacro %}", "{{ card() }}"),
     at_added_line(3, "parameter 'title' was not provided")),
    # a partial that a macro includes: where the partial goes wrong
    (footer_with('{% macro section() %}{% include "blocks/mine.html" %}{% endmacro %}', "{{ section() }}",
                 mine="<p>\n{{ site.nmae }}</p>\n"),
     "templates/blocks/mine.html:2: template error: no key 'nmae' here: did you mean 'name'?"),
    # the theme's copy macro, given a field the step does not have: said where it is called
    ({"templates/blocks/hero.html": HERO.replace('copy("headline")', 'copy("headlin")')},
     f"templates/blocks/hero.html:{HEADLINE_LINE}: template error: copy('headlin'): optin steps have no "
     "'headlin': did you mean 'headline'? (their keys: "),
    # ... where another macro has a default for an argument of the same name
    (footer_with('{% import "blocks/mine.html" as ui %}', "{{ ui.card() }}",
                 mine='{% macro heading(text, title=none) %}<h2>{{ text }}</h2>{% endmacro %}\n'
                      '{% macro card(title) %}<div>{{ heading(title) }}</div>{% endmacro %}\n'),
     at_added_line(2, "parameter 'title' was not provided")),
    # ... passed on under the same name to the theme's copy(): where it was left out
    (footer_with('{% import "blocks/mine.html" as m with context %}', "{{ m.headline() }}",
                 mine='{% from "blocks/copy.html" import copy with context %}\n'
                      '{% macro headline(field) %}<b>{{ copy(field) }}</b>{% endmacro %}\n'),
     at_added_line(2, "parameter 'field' was not provided")),
    # a macro of the site's own, misspelt: named as its template, not as words.html
    (footer_with('{% import "blocks/mine.html" as m %}', '{{ m.hedline("x") }}',
                 mine="{% macro headline(text) %}<b>{{ text }}</b>{% endmacro %}\n"),
     at_added_line(2, "blocks/mine.html has no 'hedline': did you mean 'headline'?")),
    # what to write instead of a name, filter or test that is not there
    (footer_with("<p>{{ stpe.headline }}</p>"), at_added_line(1, "'stpe' is undefined; did you mean 'step'?")),
    (footer_with("<p>{{ 5 | mony('USD') }}</p>"), at_added_line(1, "no filter named 'mony'; did you mean 'money'?")),
    (footer_with("{% if site.name is strng %}<p>x</p>{% endif %}"),
     at_added_line(1, "no test named 'strng'; did you mean 'string'?")),
    # the footer is on the 404 page and the funnel list too, which are not steps
    (footer_with("<p>{{ step.headline }}</p>"),
     at_added_line(1, "'step' is undefined: 404.html is not a step page, and only step pages have 'step'; test "
                      "it first: {% if step is defined %}")),
    (footer_with("{% if step is defined %}<p>{{ step.price }}</p>{% endif %}"),
     at_added_line(1, "no key 'price' here (keys: ")),
])
def test_a_template_mistake_is_named_where_the_theme_author_made_it(
        make_site: MakeSite, run_cli: RunCli, tmp_path: Path, files: dict[str, str], error: str) -> None:
    result = run_cli("build", make_site(files), "-o", tmp_path / "out")
    assert result.exit_code == 1
    assert result.stderr.startswith(error), result.stderr


def test_a_key_only_some_steps_have_is_tested_with_is_defined(make_site: MakeSite, run_cli: RunCli,
                                                              tmp_path: Path) -> None:
    footer = footer_with("{% if step is defined and step.price %}<p>{{ step.price.amount }}</p>{% endif %}")
    result = run_cli("build", make_site(footer), "-o", tmp_path / "out")
    assert result.exit_code == 1
    assert result.stderr.endswith("); a key only some pages have is tested with 'is defined': "
                                  "{% if step.price is defined %}\n"), result.stderr
    fixed = footer_with("{% if step is defined and step.price is defined %}<p>{{ step.price.amount }}</p>{% endif %}")
    result = run_cli("build", make_site(fixed, name="fixed"), "-o", tmp_path / "fixed-out")
    assert result.exit_code == 0, result.stderr


def test_an_unused_site_template_is_not_told_to_become_a_name_only_it_mentions(make_site: MakeSite,
                                                                               tmp_path: Path) -> None:
    site = make_site({"templates/partials/announce.html":
                      '<aside>{% include "partials/announce-inner.html" ignore missing %}</aside>\n'})
    assert [str(w) for w in build(site, tmp_path / "out").warnings] == [
        "templates/partials/announce.html: replaces no template of theme 'clean' and no template uses it, so it "
        "changes nothing"]

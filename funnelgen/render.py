"""Stage 4, render: pages → HTML through the theme chain. Templates hold all markup."""

from __future__ import annotations

import contextlib
import difflib
import json
import os
import posixpath
import re
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache, cached_property, partial
from html import unescape
from pathlib import Path
from typing import Any, TypeVar

import jinja2
import jinja2.sandbox
from jinja2 import nodes
from jinja2.compiler import find_undeclared
from jinja2.visitor import NodeTransformer
from markupsafe import Markup, escape
from pydantic import BaseModel

from funnelgen import __version__, providers, tracking
from funnelgen.errors import Abort, Problem, display_path
from funnelgen.images import ROLES
from funnelgen.incremental import files_key
from funnelgen.load import ContainedLoader
from funnelgen.localize import event_time, money
from funnelgen.markdown import ID, Flaw, MarkdownError, MarkdownRenderer, line_of
from funnelgen.plan import Asset, Page, Plan, form_name
from funnelgen.schema import Site
from funnelgen.schema.blocks import video_embed
from funnelgen.schema.funnel import CopyOverride, form_of, links_of, markdown_of
from funnelgen.schema.types import TEMPERATURES
from funnelgen.temperature import compile_rules
from funnelgen.theme import ThemeChain, builtin_themes_dir, template_files

T = TypeVar("T")

RUNTIME = Path(__file__).parent / "runtime" / "funnelgen.min.js"  # `make runtime` writes both
CORE_RUNTIME = Path(__file__).parent / "runtime" / "funnelgen-core.min.js"
"""The runtime without analytics, consent banner and held-back snippets: for a site that sends
nothing anywhere, 2 KB less on each of its pages."""
RUNTIME_SETTINGS = 'id="funnelgen-config"'
"""Every step page carries the runtime's settings: a page without them has lost base's <head>."""
FONT_STACKS = {
    "sans": 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
    "serif": 'Charter, "Bitstream Charter", "Sitka Text", Cambria, Georgia, serif',
    "rounded": 'ui-rounded, "SF Pro Rounded", "Hiragino Maru Gothic ProN", Quicksand, sans-serif',
    "mono": 'ui-monospace, "Cascadia Code", "Source Code Pro", Menlo, Consolas, monospace',
}


ROOT = "%%funnelgen-root%%/"
"""Stands for the site root in a rendered step; replaced per address the page is written at."""


def root_relative(to_url: str) -> str:
    """A site path as a link from a page of unknown depth: ROOT + the path."""
    if not to_url.startswith("/") or to_url.startswith("//"):
        return to_url
    return ROOT + to_url[1:]


def at_address(html: str, url: str) -> str:
    """A rendered step as written at ``url``: its links made relative to that folder."""
    depth = url.count("/") - 1
    return html.replace(ROOT, "../" * depth if depth else "./")


def relative_url(from_url: str, to_url: str) -> str:
    """A link from one site path to another that works under any base path."""
    if not to_url.startswith("/") or to_url.startswith("//"):
        return to_url
    path, _, fragment = to_url.partition("#")
    start = from_url if from_url.endswith("/") else posixpath.dirname(from_url) + "/"
    rel = posixpath.relpath(path, start)
    if path.endswith("/"):
        rel = "./" if rel == "." else rel + "/"
    return rel + (f"#{fragment}" if fragment else "")


@dataclass(frozen=True)
class ImageView:
    """A picture as a template shows it: its URL and pixel size and, for a local PNG, JPEG or
    WebP, its versions as `srcset` values (URL and width, narrowest first)."""

    src: str
    width: int | None
    height: int | None
    srcset: str = ""
    """Every version as WebP, for a `<source type="image/webp">` (`webp` true) or, when the
    original is WebP already, for the `<img>` itself."""
    webp: bool = False
    """`srcset` is WebP and `src` is not: show them in a `<picture>`."""
    display: int | None = None
    """CSS width of a fixed-size place (logo, photo), for `sizes`; None across the column."""

    def __str__(self) -> str:  # `{{ page.image(…) }}` alone is its address
        return self.src


class SiteView:
    """What a template sees as `page` on a page that is no step (the funnel list, the 404 page):
    links and pictures of the site, written with ROOT for the address the page is written at."""

    def __init__(self, renderer: Renderer, url: str) -> None:
        self._renderer = renderer
        self.url = url

    def link(self, target: str) -> str:
        """Where a link goes: a site path or URL (a step id means nothing outside a funnel)."""
        if target.startswith("/assets/"):  # a download: the published, fingerprinted file
            return self.asset(target[1:])
        return root_relative(target)

    def root(self) -> str:
        return ROOT

    def asset(self, ref: str) -> str:
        """The address of a site asset (`assets/…`) or a theme's static file (`static/…`)."""
        asset = self._renderer.plan.assets.get(ref)
        if asset is None and ref.startswith("static/"):
            missing = ref.removeprefix("static/")
            raise jinja2.UndefinedError(f"no file '{missing}' in the theme's static/ folder")
        if asset is None and ref.startswith("assets/"):
            raise jinja2.UndefinedError(f"no file '{ref}' in the site's assets folder")
        return ROOT + asset.output if asset else ref

    @property
    def share_image(self) -> str | None:
        """The full address of the site's share picture (seo.image), for `og:image`."""
        ref = self._renderer.plan.site.seo.image
        asset = self._renderer.plan.assets.get(ref) if ref else None
        return self._renderer.plan.site.base_url + asset.output if asset else ref

    def image(self, ref: str, role: str = "content") -> ImageView:
        """A picture for one place on the page (images.ROLES): remote ones keep their URL."""
        if role not in ROLES:
            raise jinja2.UndefinedError(f"page.image(…, '{role}'): no such place for a picture; write one of "
                                        f"{', '.join(repr(r) for r in ROLES)}")
        asset = self._renderer.plan.assets.get(ref)
        if asset is None:
            return ImageView(self.asset(ref), None, None)  # refuses a missing file of the site or theme
        picture = asset.pictures.get(role)
        if picture is None:
            return ImageView(self.asset(ref), asset.width, asset.height)
        srcset = ", ".join(f"{ROOT}{v.output} {v.width}w" for v in picture.srcset)
        return ImageView(ROOT + picture.src.output, asset.width, asset.height, srcset, picture.webp,
                         picture.display)


class PageView(SiteView):
    """What a template sees as `page` on a step: the page's facts and its link helpers."""

    def __init__(self, renderer: Renderer, page: Page) -> None:
        super().__init__(renderer, page.url)
        self._page = page
        self.noindex = not page.indexable
        self.step_type = page.step.type

    def link(self, target: str) -> str:
        """Where a `to:` goes (step id, site path or URL), relative to this page."""
        if target.startswith("/assets/"):
            return super().link(target)
        try:
            return root_relative(self._page.planned.resolve(target))
        except KeyError:
            steps = ", ".join(self._page.planned.step_urls)
            message = f"page.link: no step '{target}' in this funnel (steps: {steps})"
            raise jinja2.UndefinedError(message) from None

    @cached_property
    def hero(self) -> ImageView | None:
        """The picture at the top of the page, preloaded: a video's poster, or the step's image."""
        step = self._page.step
        if step.video and step.video.poster and self.video and self.video["kind"] != "file":
            return self.image(step.video.poster)
        if step.image and not step.video:
            return self.image(step.image.src)
        return None

    def markdown(self, text: str | None) -> Markup:
        if not text:
            return Markup("")
        return Markup(self._renderer.markdown.convert(text))

    def absolute(self, ref: str) -> str:
        asset = self._renderer.plan.assets.get(ref)
        path = asset.output if asset else ref
        return self._renderer.plan.site.base_url + path.lstrip("/") if asset else path

    @cached_property
    def next(self) -> str | None:
        return root_relative(self._page.next_url) if self._page.next_url else None

    @cached_property
    def canonical(self) -> str:
        return self._renderer.plan.site.base_url + self._page.canonical.lstrip("/")

    @cached_property
    def title(self) -> str:
        site, step = self._renderer.plan.site, self._page.step
        return site.seo.title.format(
            page=step.seo.title or step.headline, funnel=self._page.funnel.title, site=site.name
        )

    @cached_property
    def description(self) -> str | None:
        site, step = self._renderer.plan.site, self._page.step
        return step.seo.description or self._page.funnel.description or site.seo.description

    @cached_property
    def share_image(self) -> str | None:
        ref = self._page.step.seo.image or self._renderer.plan.site.seo.image
        return self.absolute(ref) if ref else None

    @cached_property
    def body(self) -> Markup:
        return self.markdown(self._page.body)

    @cached_property
    def video(self) -> dict[str, str] | None:
        video = self._page.step.video
        if video is None:
            return None
        kind, ref = video_embed(video.url) or ("file", video.url)
        if kind == "youtube":
            return {"kind": kind, "watch": f"https://www.youtube.com/watch?v={ref}",
                    "embed": f"https://www.youtube-nocookie.com/embed/{ref}?autoplay=1&rel=0"}
        if kind == "vimeo":  # ref: the id, or id/hash of an unlisted video
            video_id, _, unlisted = ref.partition("/")
            private = f"h={unlisted}&" if unlisted else ""
            return {"kind": kind, "watch": f"https://vimeo.com/{ref}",
                    "embed": f"https://player.vimeo.com/video/{video_id}?{private}autoplay=1&dnt=1"}
        return {"kind": "file", "watch": self.asset(ref), "embed": self.asset(ref)}

    @cached_property
    def form(self) -> dict[str, Any] | None:
        """The opt-in form with provider field names, ids and where it posts."""
        form = form_of(self._page.step)
        if form is None:
            return None
        page = self._page
        form_id = f"{page.planned.slug}-{page.step.id}"
        if form.provider == "netlify":  # Netlify shows its success page at the form's action
            action = self._renderer.plan.site.base_path + (page.next_url or page.url)
        else:
            action = form.action or ""
        fields = [
            {"id": f"{form_id}-{f.name}", "name": providers.field_name(form.provider, f.name),
             "label": f.label, "type": f.type, "required": f.required, "placeholder": f.placeholder,
             "autocomplete": f.autocomplete or providers.autocomplete(f.name, f.type)}
            for f in form.fields
        ]
        chosen: dict[str, str | None] = {str(key): name for key, name in form.carry.items()}
        names = {key: chosen.get(key, providers.carry_field_name(form.provider, key))
                 for key in providers.CARRY_KEYS}
        carry = [{"name": name, "key": key, "value": "cold" if key == "temperature" else ""}
                 for key, name in names.items() if name]
        return {"id": form_id, "name": form_name(page.planned.slug, page.step.id, form), "action": action,
                "fields": fields, "carry": carry}

    def carry(self, checkout_url: str) -> str:
        """`data-carry` of a checkout link: which query parameters the runtime adds to it, as
        `what=parameter` pairs (`what` alone when the parameter is named the same), comma-separated.
        Parameter names are letters, digits and `_.[]-` (schema), so the list needs no quoting."""
        carry = tracking.checkout_carry(checkout_url, self._page.step.checkout_carry)
        return ",".join(key if key == name else f"{key}={name}" for key, name in sorted(carry.items()))

    def copy(self, field: str) -> list[dict[str, Any]]:
        """A copy field with its per-temperature versions, for the `copy` macro.

        The first entry is the base copy, with `hide` naming the temperatures that replace it;
        each other entry is one temperature's copy. CSS shows the one matching the
        temperature the runtime sets before first paint; without JavaScript the base shows.
        """
        step = self._page.step
        if field != "body" and field not in type(step).model_fields:
            fields = sorted(type(step).model_fields)
            near = difflib.get_close_matches(field, fields, n=1)
            hint = f"did you mean '{near[0]}'? " if near else ""
            raise jinja2.UndefinedError(f"copy('{field}'): {step.type} steps have no '{field}': {hint}"
                                        f"(their keys: {', '.join(fields)})")
        base = self._page.body if field == "body" else getattr(step, field)
        overrides: list[tuple[str, Any]] = []
        for temp in TEMPERATURES:
            override: CopyOverride | None = step.by_temperature.get(temp)
            value = getattr(override, field) if override else None
            if value is not None:
                overrides.append((temp, value))
        versions = [{"temp": "", "hide": " ".join(t for t, _ in overrides), "value": base}]
        return versions + [{"temp": t, "hide": "", "value": v} for t, v in overrides]

    @cached_property
    def config(self) -> Markup:
        """The runtime's settings, as JSON that is safe inside a <script> element."""
        page = self._page
        data: dict[str, Any] = {"funnel": page.planned.slug, "step": page.step.id, "type": page.step.type}
        if page.step.skip_for and self.next:
            data["skip"], data["next"] = list(page.step.skip_for), self.next
        return Markup(_script_json(data)[:-1] + "," + self._renderer.site_config[1:])


class SettledEnvironment(jinja2.Environment):
    """A Jinja environment whose globals are settled before its templates render.

    Each template gets a plain copy of the globals, not Jinja's live view of them (a ChainMap):
    every include and macro call copies the globals into a new context, and walking a ChainMap
    there took a quarter of the rendering time. A template loaded before the globals changed
    keeps the old ones; clear the template cache after changing them."""

    inline_includes = True
    """Whether a template is compiled with the templates it includes written into it (`_Inliner`)."""

    def make_globals(self, d: Mapping[str, Any] | None) -> dict[str, Any]:
        return {**self.globals, **(d or {})}

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        if not self.inline_includes or not name or _escapes_otherwise(tree):
            return tree
        inliner = _Inliner(self, [name], _stored(tree), [MAX_INLINED])
        inliner.outside_blocks = tree.find(nodes.Extends) is None  # Jinja's own ways with a child's
        inlined: nodes.Template = inliner.visit(tree)
        return inlined

    @cached_property
    def templates_key(self) -> str:
        """Every template this environment can load, as one hash: a compiled template holds those
        it includes, so its own source does not say whether it is up to date."""
        assert isinstance(self.loader, jinja2.FileSystemLoader)
        return files_key([Path(folder) for folder in self.loader.searchpath])

    def as_written(self) -> SettledEnvironment:
        """The same environment compiling each template as written, including others as it
        renders: what goes wrong there is said at the file and line it was written."""
        exact = self.overlay(cache_size=-1, bytecode_cache=None)
        exact.inline_includes = False
        return exact


_OWN_NAMES = ("loop", "caller", "varargs", "kwargs", "self", "super")
"""Names Jinja gives a template, a loop or a macro of its own: an included template does not see
those of the template that includes it."""
_OWN_CONTEXT = (nodes.Extends, nodes.Block)
"""What renders through a context of the template's own."""
MAX_INLINED = 100
"""The most partials written into one template (a partial that includes another many times, and
so on, would grow it without bound): the rest are included as it renders."""


class _Inliner(NodeTransformer):
    """Writes each `{% include "name" %}` of a template as the body of the template it names, in a
    scope of its own. Jinja makes a new context and looks the template up for every include, every
    time it renders: a page of the built-in themes has twenty of them, and they cost a sixth of
    its rendering. The page is the same: the partial sees the same names either way, and what it
    sets stays inside it.

    Left to include at render time: a name that is not written out, a list to choose from,
    `ignore missing`, `without context`, an include outside the blocks of a template that extends
    another, a template that extends or has blocks (they render through a context of their own),
    one that uses `loop`, `caller` or another name Jinja keeps from it, one that reads a name a
    template around it sets anywhere (written in, it would see that name even where it is not set
    yet, and not the page's own), one that includes itself, one escaped otherwise than the
    template that includes it (CSS in HTML) or inside an `{% autoescape %}` block, and one that
    cannot be read or parsed (rendering then says what is wrong)."""

    def __init__(self, env: SettledEnvironment, including: list[str | None], stored: frozenset[str],
                 budget: list[int]) -> None:
        self.env = env
        self.including = including
        self.stored = stored  # every name the templates around a partial set, bind or import
        self.budget = budget  # how many more partials may be written in: shared by the whole template
        self.outside_blocks = True  # whether includes outside blocks and macros are written in too

    def visit_ScopedEvalContextModifier(self, node: nodes.ScopedEvalContextModifier) -> nodes.Node:
        return node  # an {% autoescape %} block: its includes stay as they are

    def visit_Block(self, node: nodes.Block) -> nodes.Node:
        return self._inside(node)

    def visit_Macro(self, node: nodes.Macro) -> nodes.Node:
        return self._inside(node)

    def _inside(self, node: nodes.Node) -> nodes.Node:
        """A block or macro: its includes are written in even in a template that extends another
        (Jinja treats what such a template writes outside its blocks in its own way)."""
        outside, self.outside_blocks = self.outside_blocks, True
        try:
            return self.generic_visit(node)
        finally:
            self.outside_blocks = outside

    def visit_Include(self, node: nodes.Include) -> nodes.Node:
        name = node.template.value if isinstance(node.template, nodes.Const) else None
        if (not isinstance(name, str) or not self.outside_blocks or node.ignore_missing
                or not node.with_context or self.budget[0] <= 0 or name in self.including
                or self._escaped(name) != self._escaped(self.including[-1])):
            return node
        try:
            assert self.env.loader is not None
            source, filename, _ = self.env.loader.get_source(self.env, name)
            tree = jinja2.Environment._parse(self.env, source, name, filename)
        except Exception:
            return node
        read = {found.name for found in tree.find_all(nodes.Name) if found.ctx == "load"}
        if (read & self.stored or find_undeclared(tree.body, _OWN_NAMES) or _escapes_otherwise(tree)
                or any(True for _ in tree.find_all(_OWN_CONTEXT))):
            return node
        self.budget[0] -= 1
        stored = self.stored | _stored(tree)
        inlined = _Inliner(self.env, [*self.including, name], stored, self.budget).visit(tree)
        scope = nodes.Scope(inlined.body, lineno=node.lineno)
        scope.set_environment(self.env)
        return scope

    def _escaped(self, name: str | None) -> bool:
        autoescape = self.env.autoescape
        return bool(autoescape(name) if callable(autoescape) else autoescape)


def _escapes_otherwise(tree: nodes.Template) -> bool:
    """Whether a template changes how the rest of it is escaped (an extension's modifier that is
    not scoped to a block): written into another, it would change the other's too."""
    return any(type(found) is nodes.EvalContextModifier for found in tree.find_all(nodes.EvalContextModifier))


def _stored(tree: nodes.Template) -> frozenset[str]:
    """Every name a template sets, binds (loops, `with`, macro arguments) or imports."""
    names = {found.name for found in tree.find_all(nodes.Name) if found.ctx in ("store", "param")}
    names.update(found.name for found in tree.find_all(nodes.Macro))
    names.update(found.target for found in tree.find_all(nodes.Import))
    for imported in tree.find_all(nodes.FromImport):
        names.update(item if isinstance(item, str) else item[1] for item in imported.names)
    return frozenset(names)


class ThemeOptions(dict[str, Any]):
    """`theme.options`: the chain's options by name, which knows its theme to name it when a
    template asks for an option it does not have."""

    def __init__(self, theme: str, options: Mapping[str, Any]) -> None:
        super().__init__(options)
        self.theme = theme


class ThemeUndefined(jinja2.StrictUndefined):
    """Jinja's strict undefined, saying what to write instead of an option the theme lacks."""

    @property
    def _undefined_message(self) -> str:
        options, name = self._undefined_obj, self._undefined_name
        if isinstance(options, BaseModel) and isinstance(name, str):  # site.nmae: name the keys
            keys = sorted(type(options).model_fields)
            near = difflib.get_close_matches(name, keys, n=1)
            if near:
                return f"no key '{name}' here: did you mean '{near[0]}'? (keys: {', '.join(keys)})"
            return (f"no key '{name}' here (keys: {', '.join(keys)}); a key only some pages have is tested "
                    f"with 'is defined': {{% if step.{name} is defined %}}")
        if isinstance(options, jinja2.environment.TemplateModule) and isinstance(name, str):  # words.html
            module = getattr(options, "__name__", "the template")
            if module == "words.html" and name in _base_words():  # an older copy of words.html
                return (f"words.html has no '{name}': copy the words that are new from the base theme's "
                        "templates/words.html into yours")
            names = sorted(known for known in vars(options) if not known.startswith("_"))
            near = difflib.get_close_matches(name, names, n=1)
            return f"{module} has no '{name}'" + (f": did you mean '{near[0]}'?" if near else "")
        if not isinstance(options, ThemeOptions) or not isinstance(name, str):
            return str(super()._undefined_message)
        near = difflib.get_close_matches(name, sorted(options), n=1)
        hint = f"did you mean theme.options.{near[0]}? " if near else ""
        known = ", ".join(sorted(options))
        return (f"theme '{options.theme}' has no option '{name}': {hint}(options: {known}; "
                "a theme declares its own under options: in its theme.yml)")


class SandboxedSettledEnvironment(SettledEnvironment, jinja2.sandbox.SandboxedEnvironment):
    """The same, sandboxed: templates reach no attribute beginning with '_' and call nothing
    unsafe, so a template that came with the site cannot reach Python. It costs a tenth more
    rendering, so a site that only uses built-in or installed themes renders without it."""


class Renderer:
    """Renders every page of a plan through one Jinja environment over the theme chain."""

    def __init__(self, plan: Plan, theme: ThemeChain, markdown: MarkdownRenderer) -> None:
        self.plan = plan
        self.theme = theme
        self.sandboxed = theme.sandboxed(plan.root)
        self.env = (SandboxedSettledEnvironment if self.sandboxed else SettledEnvironment)(
            loader=ContainedLoader(theme.template_dirs(plan.root)),
            autoescape=jinja2.select_autoescape(["html", "xml"], default_for_string=True),
            undefined=ThemeUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            auto_reload=False,  # templates do not change during a build: no stat per include
            cache_size=-1,  # a plain dict: a theme has few templates, and the LRU cache locks per lookup
        )
        self.env.filters["money"] = partial(money, language=plan.site.language)
        self.env.filters["event_time"] = partial(event_time, language=plan.site.language)
        self.env.filters["isodate"] = _isodate
        self.env.globals.update(
            site=plan.site,
            theme={"name": theme.name, "options": ThemeOptions(theme.name, theme.options)},
            funnelgen_version=__version__,
            font_stack=FONT_STACKS.get(plan.site.brand.font, plan.site.brand.font),
        )
        self.markdown = markdown
        self.temperature_rules = compile_rules(plan.site.temperature)
        self.providers = tracking.providers(plan.site)
        inline_css = _minify_css(self.template("style.css", {}))
        if _STYLE_TAG.search(inline_css):
            raise Abort([self._style_tag_problem()])
        analytics = bool(self.providers) or plan.site.consent.mode == "banner"
        runtime_js = (RUNTIME if analytics else CORE_RUNTIME).read_text(encoding="utf-8").strip()
        self.policy = tracking.build_policy(plan.site, runtime_js, inline_css, _external_urls(plan))
        if blocked := self._blocked_script_problems(runtime_js):
            raise Abort(blocked)
        self.site_config = _script_json({"consent": plan.site.consent.mode, "providers": self.providers,
                                         "temperature": self.temperature_rules})
        """The runtime settings every page shares, serialized once."""
        self.env.globals.update(
            inline_css=Markup(inline_css),
            runtime_js=Markup(runtime_js),
            csp=self.policy.text(for_meta=True),
            csp_header=self.policy.text(),
            # every word the theme writes itself: the site's templates/words.html, or the theme's
            words=self._with_template("words.html", lambda template: template.module),
        )
        if self.env.cache is not None:  # style.css was loaded with the globals before these
            self.env.cache.clear()

    def keep_compiled(self, folder: Path, prefix: str) -> None:
        """Load templates compiled by an earlier build from ``folder``, and save there those
        compiled now, under names beginning with ``prefix``. Jinja compares each with its
        template's source, so a changed template is compiled again. Compiling a theme costs
        a build that renders a few pages (one funnel changed) a fifth of its time."""
        sandboxed = "-sandboxed" if self.sandboxed else ""  # compiled differently: calls are checked
        self.env.bytecode_cache = _CompiledTemplates(str(folder), f"{prefix}{sandboxed}-%s.cache")

    def page(self, page: Page, rendered_with: Sequence[Page] | None = None) -> str:
        """A step's HTML, its links against ROOT: pass it through `at_address` to write it.
        Markdown that cannot work is reported with that of the pages ``rendered_with`` it (by
        default every page of the plan)."""
        name = f"steps/{page.step.type}.html"
        pages = self.plan.pages if rendered_with is None else rendered_with
        try:
            html = self._step_html(page)
        except MarkdownError as exc:
            found = self._markdown_problems(pages)
            file, line = _template_frame(exc)
            if not found and file is not None:  # a template's own Markdown: page.markdown("[x](…)")
                raise Abort([Problem(self._shown(file), line, "", f"template error: {exc}")]) from None
            raise Abort(found or [page.planned.source.problem(("steps", page.index), str(exc))]) from None
        if RUNTIME_SETTINGS not in html:  # a theme's page.html lost its <head>, or all of it
            around = self.env.get_template("page.html").filename  # the page.html in use, the site's first
            message = (f"the {name} page it makes has no {RUNTIME_SETTINGS} script, so no temperature, "
                       "tracking or policy: keep page.html's <head> and its blocks (copy the base theme's "
                       "page.html and change only what you need)")
            raise Abort([Problem(self._shown(around) if around else name, 0, "", message)])
        anchors, ids = self._anchors_written(page)
        if (anchors or ids) and _anchor_problems(page, html, self.plan, anchors, ids):
            raise Abort(self._every_anchor_problem(pages))
        return html

    def _anchors_written(self, page: Page) -> tuple[list[Written], list[Written]]:
        """The #anchors and the heading ids the marketer wrote for a page, and where: in its
        Markdown, its links and the site's legal links. The theme's own are not looked for:
        looking at every id and anchor of every page was 5% of a build."""
        anchors: list[Written] = []
        ids: list[Written] = []
        for loc, text in markdown_of(page.step, page.body):
            if "#" in text or "id" in text:
                converted = self.markdown.convert(text)  # converted once already: this is a lookup
                anchors += [Written(anchor, loc, text) for anchor in _ANCHOR.findall(converted)]
                ids += [Written(heading, loc, text) for heading in _ID_ATTRIBUTE.findall(converted)]
        anchors += [Written(str(escape(to[1:])), loc)
                    for loc, to in links_of(page.step) if to.startswith("#")]
        legal = self.plan.site.legal
        anchors += [Written(str(escape(link[1:])), ("legal", key), in_site=True)
                    for key, link in (("privacy", legal.privacy), ("terms", legal.terms))
                    if link and link.startswith("#")]
        return anchors, ids

    def _step_html(self, page: Page) -> str:
        context = {"page": PageView(self, page), "funnel": page.funnel, "step": page.step}
        return self.template(f"steps/{page.step.type}.html", context)

    def _every_anchor_problem(self, pages: Sequence[Page]) -> list[Problem]:
        """Every #anchor that leads nowhere, and every id given twice, on these pages: looked for
        once rendering has met one, by rendering them again, so that the marketer sees them all."""
        found: dict[Problem, None] = {}
        for page in pages:
            try:
                html = self._step_html(page)
            except (Abort, MarkdownError):
                continue  # reported when its turn comes
            found.update(dict.fromkeys(_anchor_problems(page, html, self.plan, *self._anchors_written(page))))
        return list(found)

    def _blocked_script_problems(self, runtime_js: str) -> list[Problem]:
        """Each <script> a template writes that the site's policy blocks, so that it could never
        run: read from the templates once, not from every page (the runtime's own, written as
        `{{ runtime_js }}`, is allowed by its hash like the rest)."""
        problems = []
        message = ("the site's Content-Security-Policy blocks a script a template writes (it allows the "
                   "runtime and your tracking snippets): put the code in tracking.head or tracking.body, "
                   "or react to events with funnelgen.on")
        for folder in self.theme.template_dirs(self.plan.root):
            for path in template_files(folder, "*.html"):
                source = path.read_text(encoding="utf-8", errors="replace")
                written = _RUNTIME_WRITTEN.sub(lambda _: runtime_js, _TEMPLATE_COMMENT.sub("", source))
                for blocked in self.policy.blocked_scripts(written):
                    line = source.count("\n", 0, max(source.find(blocked), 0)) + 1
                    problems.append(Problem(self._shown(str(path)), line, "", f"{blocked!r}: {message}"))
        return problems

    def _markdown_problems(self, pages: Sequence[Page]) -> list[Problem]:
        """Every link and image that cannot work in the Markdown of these pages, with file, line
        and key. Looked for once rendering has met one, so that a site without any pays nothing
        for it."""
        found: dict[Problem, None] = {}
        for page in pages:
            for loc, text in markdown_of(page.step, page.body):
                try:
                    self.markdown.convert(text)
                except MarkdownError as exc:
                    for flaw in exc.flaws:
                        found[_markdown_problem(page, loc, text, flaw)] = None
        return list(found)

    def extra(self, name: str, url: str) -> str:
        """A page that is not a step (404, index) or a site file (sitemap.xml, robots.txt). The
        404 page is served at any address, so its links start at the site's base path."""
        base_path = self.plan.site.base_path
        text = self.template(name, {"url": url, "plan": self.plan, "page": SiteView(self, url),
                                    "rel": lambda target: relative_url(url, target),
                                    "site_path": lambda target: base_path + target})
        return text.replace(ROOT, base_path + "/") if name == "404.html" else at_address(text, url)

    def template(self, name: str, context: dict[str, Any]) -> str:
        return self._with_template(name, lambda template: template.render(context))

    def _with_template(self, name: str, use: Callable[[jinja2.Template], T]) -> T:
        """``use`` of template ``name``; what goes wrong is said at the template file and line."""
        try:
            return use(self.env.get_template(name))
        except Exception:  # said again, and where: by the templates as written
            pass
        return self._as_written(name, use)

    @cached_property
    def _env_as_written(self) -> SettledEnvironment:
        return self.env.as_written()

    def _as_written(self, name: str, use: Callable[[jinja2.Template], T]) -> T:
        """``use`` of template ``name`` through the templates as written, none written into
        another: a problem is said at the file and line of the template where it is."""
        try:
            return use(self._env_as_written.get_template(name))
        except jinja2.TemplateSyntaxError as exc:
            message = f"template error: {self._unknown_filter(exc.message or '') or exc.message}"
            raise Abort([Problem(self._shown(exc.filename or name), exc.lineno, "", message)]) from None
        except jinja2.TemplateNotFound as exc:
            file, line = _template_frame(exc)  # the template that includes it
            hint = _near_template(str(exc.name), self.env.list_templates())
            raise Abort([Problem(self._shown(file or name), line, "", f"template '{exc.name}' not found in "
                                 f"theme '{self.theme.name}' or the site's templates/{hint}")]) from None
        except jinja2.UndefinedError as exc:
            file, line = _template_frame(exc)
            message = f"template error: {exc.message}{self._near_name(exc.message or '', name)}"
            raise Abort([Problem(self._shown(file or name), line, "", message)]) from None
        except jinja2.exceptions.SecurityError as exc:
            file, line = _template_frame(exc)
            message = f"template error: {exc} (templates that come with the site cannot reach Python)"
            raise Abort([Problem(self._shown(file or name), line, "", message)]) from None
        except (Abort, MarkdownError):
            raise
        except RecursionError as exc:  # a template that includes or extends itself, maybe through others
            loop = _template_loop(exc)
            if loop is None:
                raise
            (file, line), names = loop
            chain = " → ".join(self._shown(n) for n in names)
            message = (f"template error: {chain}: a template that includes or extends itself never ends; "
                       "remove that include or extends (a theme builds on the one it extends by including "
                       "its own file, such as bold.css)")
            raise Abort([Problem(self._shown(file), line, "", message)]) from None
        except Exception as exc:  # a template used a value as it cannot be used (a macro as text…)
            file, line = _template_frame(exc)
            if file is None:  # not a template's doing
                raise
            message = f"template error: {self._unknown_filter(str(exc)) or f'{type(exc).__name__}: {exc}'}"
            raise Abort([Problem(self._shown(file), line, "", message)]) from None

    def _unknown_filter(self, message: str) -> str | None:
        """What to say of a filter or test no template has, with the one meant (`mony` for
        `money`); None for another problem."""
        found = _NO_FILTER.fullmatch(message)
        if not found:
            return None
        known = self.env.filters if found[1] == "filter" else self.env.tests
        near = difflib.get_close_matches(found[2], sorted(known), n=1)
        return f"no {found[1]} named '{found[2]}'" + (f"; did you mean '{near[0]}'?" if near else "")

    def _near_name(self, message: str, template: str) -> str:
        """What to write for a name no template has: one that is (`stpe` for `step`), or, for
        the names only step pages have, how to leave them out of the other pages."""
        found = _UNDEFINED_NAME.fullmatch(message)
        if not found:
            return ""
        if found[1] in ("funnel", "step") and not template.startswith("steps/"):
            return (f": {template} is not a step page, and only step pages have '{found[1]}'; "
                    f"test it first: {{% if {found[1]} is defined %}}")
        given = {*self.env.globals, *_STEP_NAMES, *_SITE_PAGE_NAMES}
        near = difflib.get_close_matches(found[1], sorted(given), n=1)
        return f"; did you mean '{near[0]}'?" if near else ""

    def _style_tag_problem(self) -> Problem:
        """Where the CSS has a <style> tag (pasted from a page): it would end the page's
        stylesheet early and leave the rest as stray markup."""
        message = ("a <style> tag in CSS: this file goes inside the page's <style> element already; "
                   "write only the CSS rules, without <style> and </style>")
        for folder in self.theme.template_dirs(self.plan.root):
            for path in template_files(folder, "*.css"):
                text = path.read_text(encoding="utf-8", errors="replace")
                found = _STYLE_TAG.search(text)
                if found:
                    line = text.count("\n", 0, found.start()) + 1
                    return Problem(self._shown(str(path)), line, "", message)
        return Problem("style.css", 0, "", message)

    def _shown(self, file: str) -> str:
        """A template's path as the marketer knows it: relative to the site when it is the site's."""
        return display_path(Path(file), self.plan.root)


class WholeThemeChecked(jinja2.BytecodeCache):
    """A cache of compiled templates that gives a template's code back only while every template
    the environment can load is as it was when it was compiled (`SettledEnvironment.templates_key`):
    a compiled template holds those it includes."""

    def get_bucket(self, environment: jinja2.Environment, name: str, filename: str | None,
                   source: str) -> jinja2.bccache.Bucket:
        key = environment.templates_key if isinstance(environment, SettledEnvironment) else ""
        return super().get_bucket(environment, name, filename, f"{source}\0{key}")


class _CompiledTemplates(WholeThemeChecked, jinja2.FileSystemBytecodeCache):
    """Jinja's cache of compiled templates in a folder, which never fails a build: a template
    that cannot be read from it or saved into it (a full disk) is compiled again."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            super().load_bytecode(bucket)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def _external_urls(plan: Plan) -> dict[str, set[str]]:
    """Absolute URLs the pages load or post to, by CSP directive, of every funnel: those
    rendered now and those reused from the previous build."""
    urls: dict[str, set[str]] = {"img": set(), "media": set(), "form": set(), "frame": set()}
    for ref in (plan.site.brand.logo, plan.site.seo.image):
        if ref and ref.startswith("https://"):
            urls["img"].add(ref)
    for record in plan.records():
        for kind, found in record.urls.items():
            urls[kind].update(found)
    return urls


def markdown_for(site: Site, assets: Mapping[str, Asset]) -> MarkdownRenderer:
    """The site's Markdown converter: its pictures from ``assets`` get their published names."""
    def lookup(ref: str) -> tuple[str, int | None, int | None, str | None] | None:
        asset = assets.get(ref)
        return (ROOT + asset.output, asset.width, asset.height, asset.kind) if asset else None

    return MarkdownRenderer(site.markdown.allow_html, lookup, ROOT)


def _markdown_problem(page: Page, loc: tuple[str | int, ...], text: str, flaw: Flaw) -> Problem:
    """A Markdown flaw where it was written: a line of the body file, or the funnel file's key."""
    if loc == ("body_file",) and page.step.body_file:
        return Problem(page.step.body_file, line_of(text, flaw.ref), "", flaw.message)
    return page.planned.source.problem(("steps", page.index, *loc), flaw.message)


_RUNTIME_WRITTEN = re.compile(r"\{\{-?\s*runtime_js\s*-?\}\}")
_TEMPLATE_COMMENT = re.compile(r"<!--.*?-->|\{#.*?#\}", re.S)  # what never reaches a browser as a script
_ANCHOR = re.compile(r'href="#([^"]+)"')
_ID_ATTRIBUTE = re.compile(r' id="([^"]+)"')
_ELEMENT_ID = re.compile(r'<([a-z][a-z0-9]*)\b[^>]*?\sid="([^"]+)"')  # slower: only to list the places
_FORM_CONTROLS = {"input", "select", "textarea", "script", "template"}


@dataclass(frozen=True)
class Written:
    """An #anchor or a heading id the marketer wrote for a page, and where."""

    value: str
    """As the page writes it (escaped), without its '#'."""
    loc: tuple[str | int, ...]
    """Its key path in the step, or in site.yml when ``in_site``."""
    text: str | None = None
    """The Markdown text that holds it, if one does."""
    in_site: bool = False


def _anchor_problems(page: Page, html: str, plan: Plan, anchors: list[Written],
                     ids: list[Written]) -> list[Problem]:
    """Each of the marketer's `#anchor` links that leads to no element of the page, and each of
    their heading ids the page has twice (a link leads to the first), where it was written."""
    missing = [a for a in dict.fromkeys(anchors)  # '#top' is the top of any page
               if a.value.lower() != "top" and f' id="{a.value}"' not in html]
    doubled = {i.value: i for i in ids if html.count(f' id="{i.value}"') > 1}  # the last place it was given
    if not missing and not doubled:
        return []
    places = list(dict.fromkeys(f"#{i}" for tag, i in _ELEMENT_ID.findall(html)
                                if tag not in _FORM_CONTROLS and not i.startswith("funnelgen")))
    found: list[tuple[Written, str, str]] = []
    lowered = {place.lower(): place for place in places}
    for anchor in missing:
        target = unescape(anchor.value)
        typed = f"#{target}".lower()  # '#faq' meant as '#faq-title'; '#detials'
        near = [place for place in lowered if place.startswith(typed + "-")] or \
            difflib.get_close_matches(typed, lowered, n=1, cutoff=0.75)
        if near:
            fix = f"did you mean '{lowered[near[0]]}'? (the page has: {', '.join(places)})"
        else:
            fix = ((f"give the heading it means that id (## Prices {{#{target}}})" if ID.fullmatch(target)
                    else "an id is letters, digits, '-' and '_'")
                   + f", or link to a place the page has: {', '.join(places) or 'none'}")
        found.append((anchor, f"#{target}", f"link '#{target}' leads to nothing on this page: {fix}"))
    for value, written in doubled.items():
        found.append((written, f"{{#{value}}}", f"the id '{value}' is on this page twice, and a link leads "
                      "only to the first: give one of them another id"))
    problems = []
    for written, ref, message in found:
        if written.text is not None:
            problems.append(_markdown_problem(page, written.loc, written.text, Flaw(ref, message)))
        elif written.in_site:
            problems.append(plan.site_source.problem(written.loc, message))
        else:
            problems.append(page.planned.source.problem(("steps", page.index, *written.loc), message))
    return problems


def _script_json(data: dict[str, Any]) -> str:
    """JSON that is safe inside a <script> element."""
    text = json.dumps(data, separators=(",", ":"), sort_keys=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _isodate(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


@cache
def _base_words() -> frozenset[str]:
    """The words the base theme's words.html has."""
    text = (builtin_themes_dir() / "base/templates/words.html").read_text(encoding="utf-8")
    return frozenset(re.findall(r"{%-?\s*(?:set|macro)\s+(\w+)", text))


def _template_frame(exc: BaseException) -> tuple[str | None, int]:
    """The template file and line in a traceback where the problem is (Jinja maps them for us):
    the innermost, but the line that calls a macro when the macro went wrong for how it was called
    (an argument left out), or when the problem is in funnelgen's own macro and the call is not."""
    found: tuple[str | None, int] = (None, 0)
    call: tuple[str | None, int] = (None, 0)  # the template line that called the innermost macro
    defined_in = None  # the template that macro is written in
    left_out = _LEFT_OUT.fullmatch(str(exc))
    without: tuple[str | None, int] | None = None  # the innermost call that left that argument out
    tb = exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_filename.endswith((".html", ".xml", ".txt", ".css")):
            found = (code.co_filename, tb.tb_lineno)
        elif code.co_name == "_invoke" and code.co_filename.endswith(_JINJA_RUNTIME):  # a macro runs
            macro = tb.tb_frame.f_locals.get("self")
            if isinstance(macro, jinja2.runtime.Macro) and macro.name != "caller":  # not a {% call %} body
                call, defined_in = found, macro._func.__code__.co_filename
                arguments = tb.tb_frame.f_locals.get("arguments") or []
                if (left_out and left_out[1] in macro.arguments[: len(arguments)]
                        and arguments[macro.arguments.index(left_out[1])] is jinja2.utils.missing
                        and tb.tb_next is not None
                        and isinstance(tb.tb_next.tb_frame.f_locals.get(left_out[1]), jinja2.Undefined)):
                    without = found  # this call left it out: not passed on, nor given a default
        tb = tb.tb_next
    if without is not None and without[0] is not None:
        return without
    if (call[0] is not None and found[0] is not None and found[0] == defined_in
            and _is_builtin(found[0]) and not _is_builtin(call[0])):
        return call
    return found


_NO_FILTER = re.compile(r"No (filter|test) named '([^']+)'(?: found)?\.")
_UNDEFINED_NAME = re.compile(r"'(\w+)' is undefined")
_STEP_NAMES = ("page", "funnel", "step")
"""What a step page's templates are given (`Renderer._step_html`)."""
_SITE_PAGE_NAMES = ("url", "plan", "page", "rel", "site_path")
"""What the other pages' templates are given (`Renderer.extra`)."""
_JINJA_RUNTIME = os.path.join("jinja2", "runtime.py")
_LEFT_OUT = re.compile(r"parameter '(\w+)' was not provided")


def _is_builtin(template: str) -> bool:
    """Whether a template file is one of funnelgen's own themes'."""
    return Path(template).is_relative_to(builtin_themes_dir())


def _near_template(name: str, templates: list[str]) -> str:
    """'; did you mean …?' for a template named with a slip ('boldd.css' for 'bold.css'): one of
    the same folder and kind whose name is close to it; else nothing."""
    folder, stem, suffix = posixpath.dirname(name), *posixpath.splitext(posixpath.basename(name))
    beside = {posixpath.splitext(posixpath.basename(t))[0]: t for t in templates
              if posixpath.dirname(t) == folder and t.endswith(suffix)}
    near = difflib.get_close_matches(stem, sorted(beside), n=1, cutoff=0.8)
    return f"; did you mean '{beside[near[0]]}'?" if near else ""


def _template_loop(exc: RecursionError) -> tuple[tuple[str, int], list[str]] | None:
    """Where templates start to repeat in a runaway traceback: the outermost template line that
    comes round again, and the templates from it back to itself."""
    frames = [(f.filename, f.lineno or 0) for f in traceback.extract_tb(exc.__traceback__)
              if f.filename.endswith((".html", ".xml", ".txt", ".css"))]
    for at, frame in enumerate(frames):
        if frame in frames[at + 1:]:
            again = frames.index(frame, at + 1)
            names = list(dict.fromkeys(f for f, _ in frames[at:again]))
            return frame, [*names, frame[0]]
    return None


_STYLE_TAG = re.compile(r"</?style\b", re.I)
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_CSS_SPACE = re.compile(r"\s*([{}:;,>])\s*")


def _minify_css(css: str) -> str:
    css = _CSS_COMMENT.sub("", css)
    css = re.sub(r"\s+", " ", css)
    return _CSS_SPACE.sub(r"\1", css).replace(";}", "}").strip()

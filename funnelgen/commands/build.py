"""`funnelgen build`: render every page and replace the output folder in one step.

Pages render in worker processes (`-j`, default every core), each writing the pages it
rendered; the output is the same byte for byte as a single-process build's. Funnels whose
inputs did not change since the previous build are taken from it (see incremental.py).
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any, Protocol

from funnelgen import hosting, images, stops
from funnelgen.errors import Abort, Problem
from funnelgen.images import Variant
from funnelgen.incremental import (
    FunnelRecord,
    Manifest,
    code_key,
    funnel_key_of,
    pages_of,
    read_manifest,
    reusable,
    site_key,
)
from funnelgen.plan import Asset
from funnelgen.render import at_address
from funnelgen.site import Prepared, prepare_against
from funnelgen.uptodate import BuildReport, FunnelReport, up_to_date
from funnelgen.workers import default_jobs, in_workers, share_out
from funnelgen.write import OutputWriter

Progress = Callable[[int, int], None]
"""Called with (pages done, pages in all) as pages are written."""

STOPPED_AFTER_SWAP = "Stopped (Ctrl-C) after the build had finished; the output folder is up to date."
"""What Ctrl-C left when it came as the new build was swapped in, or after."""


class Output(Protocol):
    def write(self, name: str, content: str | bytes) -> None: ...
    def copy(self, name: str, source: Path) -> None: ...
    def link(self, name: str, previous: Path) -> None: ...
    def keep(self, name: str, previous: Path) -> None:
        """The staging folder already holds this file (the spare's manifest says so); if it
        went missing, it is linked from the ``previous`` output folder."""
    def record(self, name: str) -> None:
        """A forked worker wrote ``name`` through its copy of this output."""


class Discard:
    """An output that keeps nothing: `check` renders everything and writes nothing."""

    def write(self, name: str, content: str | bytes) -> None:
        pass

    def copy(self, name: str, source: Path) -> None:
        pass

    def link(self, name: str, previous: Path) -> None:
        pass

    def keep(self, name: str, previous: Path) -> None:
        pass

    def record(self, name: str) -> None:
        pass


def render_site(prepared: Prepared, output: Output, *, jobs: int = 1, previous: Path | None = None,
                spare: Manifest | None = None, progress: Progress | None = None) -> BuildReport:
    """Render every page and site file of a prepared site into ``output``.

    With ``previous`` (the previous output folder), reused funnels' pages and unchanged assets
    are linked from it instead of being rendered or copied; those the ``spare`` (the manifest of
    the folder ``output`` writes into) already holds are kept as they are.
    """
    plan, renderer = prepared.plan, prepared.renderer
    spare = spare if previous is not None else None
    pages_held = _held_pages(spare, prepared) if spare is not None else set()
    files_held = set(spare.others) if spare is not None else set()  # fingerprinted: name = bytes
    report = BuildReport(out=None, warnings=plan.warnings)
    reused_pages = list(pages_of(plan.reused.values()))
    rendered_pages = sum(len(surveyed.record.outputs) for surveyed in plan.surveyed.values())
    total = rendered_pages + len(reused_pages)
    # closing(): when writing fails, the workers stop now, not whenever the generator is collected
    with contextlib.closing(_rendered(prepared, output, jobs)) as rendered:
        for done, name in enumerate(rendered, start=1):
            report.outputs.append(name)
            if progress:
                progress(done, total)
    for done, name in enumerate(reused_pages, start=rendered_pages + 1):
        assert previous is not None
        _take(output, name, previous, pages_held)
        report.outputs.append(name)
        if progress:
            progress(done, total)
    for asset in plan.assets.values():
        if previous is not None and (previous / asset.output).is_file():  # a fingerprinted name: same bytes
            _take(output, asset.output, previous, files_held)
        else:
            output.copy(asset.output, asset.source)
        report.outputs.append(asset.output)
    if isinstance(output, Discard):  # `check` encodes no picture, but reads each one the build would
        _check_pictures(plan.assets, jobs)
    else:
        report.outputs += _write_variants(plan.assets, output, previous, files_held, jobs)
    extras = [("404.html", "404.html", "/404.html"), ("sitemap.xml", "sitemap.xml", "/sitemap.xml"),
              ("robots.txt", "robots.txt", "/robots.txt")]
    if plan.site.index:
        extras.insert(1, ("index.html", "index.html", "/"))
    for name, template, url in extras:
        output.write(name, renderer.extra(template, url))
        report.outputs.append(name)
    hosting.write_files(prepared, output.write, report.outputs)
    report.funnels = _funnel_reports(prepared)
    report.pages = total
    report.rendered = rendered_pages
    report.files = len(report.outputs)
    return report


def _take(output: Output, name: str, previous: Path, held: set[str]) -> None:
    """Take file ``name`` from the previous build: kept where the spare holds it, else linked."""
    if name in held:
        output.keep(name, previous)
    else:
        output.link(name, previous / name)


def _held_pages(spare: Manifest, prepared: Prepared) -> set[str]:
    """The reused pages the spare holds just as this build makes them: those of funnels it built
    from the same inputs (same site key, policy and funnel key). Only those: a page of the
    same name may hold something else (the site root: the funnel list, then a funnel's entry)."""
    held: set[str] = set()
    if spare.site_key == prepared.site_key and spare.policy == prepared.renderer.policy.text():
        for name, record in prepared.plan.reused.items():
            theirs = spare.funnels.get(name)
            if theirs is not None and theirs.key == record.key and theirs.outputs == record.outputs:
                held.update(record.outputs)
    return held


def _write_variants(assets: dict[str, Asset], output: Output, previous: Path | None, held: set[str],
                    jobs: int) -> list[str]:
    """Write the smaller and WebP versions of pictures: linked from the previous build when it
    has them (their names follow from source, width and format), encoded otherwise, by up to
    ``jobs`` processes. Encoding is deterministic, so the bytes never depend on either."""
    names: list[str] = []
    todo: list[tuple[str, Path, list[Variant]]] = []
    for name, asset in assets.items():
        missing = []
        for variant in asset.variants():
            if previous is not None and (previous / variant.output).is_file():
                _take(output, variant.output, previous, held)
            else:
                missing.append(variant)
            names.append(variant.output)
        if missing:
            todo.append((name, asset.source, missing))
    with contextlib.closing(in_workers(_encode, todo, min(jobs, len(todo)))) as encoded:
        for files in encoded:
            for file, data in files:
                output.write(file, data)
    return names


def _check_pictures(assets: dict[str, Asset], jobs: int) -> None:
    """Read every picture the build would make smaller versions of, as it would."""
    todo = [(name, asset.source) for name, asset in assets.items() if asset.variants()]
    with contextlib.closing(in_workers(_decode, todo, min(jobs, len(todo)))) as decoded:
        for _ in decoded:
            pass


def _decode(job: tuple[str, Path]) -> None:
    name, source = job
    try:
        images.decode(source)
    except images.decode_errors() as exc:
        raise _unreadable_picture(name, exc) from None


def _encode(job: tuple[str, Path, list[Variant]]) -> list[tuple[str, bytes]]:
    name, source, variants = job
    try:
        return [(variant.output, data) for variant, data in images.encode(source, variants)]
    except images.decode_errors() as exc:
        raise _unreadable_picture(name, exc) from None


def _unreadable_picture(name: str, exc: Exception) -> Abort:
    return Abort([Problem(name, 0, "", f"cannot make smaller versions of this picture ({exc}): "
                                       "save or export it again, or replace it")])


def _funnel_reports(prepared: Prepared) -> list[FunnelReport]:
    plan = prepared.plan
    reports = {name: FunnelReport(s.record.slug, s.record.title, len(s.record.steps))
               for name, s in plan.surveyed.items()}
    reports.update({name: FunnelReport(r.slug, r.title, len(r.steps), reused=True)
                    for name, r in plan.reused.items()})
    return [reports[name] for name in sorted(reports)]


_WORKER: tuple[Prepared, Output] | None = None  # what a forked worker renders from and writes to
MIN_FUNNELS_PER_WORKER = 4  # about 20 pages: below this, starting workers costs more than it saves


def _render_funnels(names: list[str]) -> list[str]:
    assert _WORKER is not None
    prepared, output = _WORKER
    return [written for name in names for written in _write_funnel(prepared, output, name)]


def _write_funnel(prepared: Prepared, output: Output, name: str) -> Iterator[str]:
    """Render and write the pages of one funnel file, naming each as it is written. A step
    written at two addresses (its own and the funnel's, or the site root's) renders once: the
    two differ only in how their links climb to the root."""
    pages = prepared.pages_of(name)
    rendered_with = None if prepared.plan.held else pages  # Markdown problems: of the pages at hand
    rendered: dict[tuple[str, int], str] = {}
    for page in pages:
        key = (page.planned.slug, page.index)
        html = rendered.get(key)
        if html is None:
            html = rendered[key] = prepared.renderer.page(page, rendered_with)
        output.write(page.output, at_address(html, page.url).encode("utf-8"))
        yield page.output


def _rendered(prepared: Prepared, output: Output, jobs: int) -> Generator[str, None, None]:
    """Render and write every page, by up to ``jobs`` processes, a batch of funnels at a time;
    names them in plan order.

    Workers write their pages themselves, so that the file system's work is shared out too
    and no page travels back to this process."""
    global _WORKER
    names = list(prepared.plan.surveyed)
    workers, chunks = share_out(names, jobs, at_least=MIN_FUNNELS_PER_WORKER, batches_each=8)
    if workers < 2:
        for name in names:
            yield from _write_funnel(prepared, output, name)
        return
    _WORKER = (prepared, output)
    try:
        with contextlib.closing(in_workers(_render_funnels, chunks, workers)) as written:
            for pages in written:
                for page in pages:
                    output.record(page)
                    yield page
    finally:
        _WORKER = None


def manifest_of(prepared: Prepared, files: list[str]) -> Manifest:
    """What the next build needs to know to reuse this one's pages; ``files``: every file the
    build wrote."""
    plan = prepared.plan
    records = dict(plan.reused)
    warnings: dict[str, list[list[Any]]] = {}
    for warning in plan.warnings:
        warnings.setdefault(warning.file, []).append(warning.as_list())
    for name, surveyed in plan.surveyed.items():
        dated = [warning[1:] for warning in surveyed.record.dated]  # judged again at each build
        in_content = [w.as_list() for w in surveyed.warnings if w.file != name]  # about its body files
        records[name] = dataclasses.replace(
            surveyed.record, key=funnel_key_of(prepared.site_key, surveyed.source.digest),
            warnings=[w for w in warnings.get(name, []) if w not in dated] + in_content)
    of_funnels = {tuple(warning) for record in records.values() for warning in record.warnings}
    site_warnings = [w.as_list() for w in plan.warnings
                     if w.file not in records and tuple(w.as_list()) not in of_funnels]
    pages = set(pages_of(records.values()))
    return Manifest(prepared.site_key, prepared.renderer.policy.text(), records, site_warnings,
                    [str(folder) for folder in prepared.theme.folders()],
                    sorted(name for name in files if name not in pages))


def build(root: Path, out: Path, *, strict: bool = False, jobs: int | None = None, cache: bool = True,
          progress: Progress | None = None, previous: Manifest | None = None,
          reused: dict[str, FunnelRecord] | None = None, started: float | None = None) -> BuildReport:
    """Build the site at ``root`` into ``out``; on any problem ``out`` is left as it was.

    ``cache``: reuse what the previous build in ``out`` made of unchanged funnels. A caller
    that has already found the build out of date (see uptodate.py) passes the ``previous``
    manifest it read (an empty one for no cache), the funnels it found ``reused`` and the time
    it ``started``.

    Ctrl-C is a KeyboardInterrupt: a bare one while ``out`` is as it was, one with a message
    (`STOPPED_AFTER_SWAP`) once the new build is in place. Ctrl-C during the swap waits for it
    to end: ``out`` is never left half swapped.
    """
    started = time.perf_counter() if started is None else started
    if previous is None or reused is None:
        previous = read_manifest(out) if cache else Manifest()
        reused = reusable(root, previous)
        current = up_to_date(root, out, previous, reused, strict=strict, started=started)
        if current is not None:
            return current
    jobs = jobs or default_jobs()
    prepared = prepare_against(root, out, previous, strict=strict, reused=reused, jobs=jobs)
    swapped = False
    try:
        with OutputWriter(out, root, prepared.theme.folders()) as writer:
            compiled = writer.template_cache(code_key())
            if compiled is not None:
                prepared.renderer.keep_compiled(compiled, code_key())
            report = render_site(prepared, writer, jobs=jobs, previous=out if cache else None,
                                 spare=writer.base, progress=progress)
            if site_key(root, prepared.theme.folders()) != prepared.site_key:  # the pages may hold both
                raise Abort("a file of the site or of its theme changed while the site was being built; "
                            "the output folder was left as it was: build again")
            stops.raise_if_stopped()  # one Python dropped while rendering may have cut a page short
            with stops.held():
                writer.commit(manifest_of(prepared, report.outputs).text())
                swapped = True
    except KeyboardInterrupt:
        if swapped:
            raise stops.Stopped(STOPPED_AFTER_SWAP) from None
        raise
    report.out = out
    report.seconds = time.perf_counter() - started
    return report



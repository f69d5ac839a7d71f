"""What each static host gets from a build, and redirects that are checked before anything is written.

The formats follow the hosts' documentation: Netlify's and Cloudflare Pages' `_headers` and
`_redirects` (Cloudflare: at most 2,000 static redirects, 1,000 characters per redirect, 100
header rules, 2,000 characters per header line), Vercel's `vercel.json` (`cleanUrls`,
`trailingSlash`, `headers`, `redirects` with `statusCode`), GitHub Pages' `.nojekyll` and `CNAME`,
and S3 PutObject's metadata names. Redirect pages for hosts without server redirects are tried
in headless Chromium.
"""

from __future__ import annotations

import html
import json
import re
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from click.testing import Result
from conftest import MakeSite, snapshot
from markupsafe import escape
from playwright.sync_api import Route

from funnelgen.commands.build import build
from funnelgen.errors import Abort

if TYPE_CHECKING:  # imported by pytest_plugins below, which must be first to load it
    from tests.browser import NewPage, Serve

pytest_plugins = ["tests.browser"]

RunCli = Callable[..., Result]
HOSTING_FILES = {"_headers", "_redirects", "vercel.json", ".nojekyll", "CNAME", "s3-metadata.json"}
SHORT = "public, max-age=0, must-revalidate"
LONG = "public, max-age=31536000, immutable"
META_CSP = re.compile(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">')

# The minimal site of conftest (funnel `tiny`: join → thanks) with hosting settings.
SITE = """\
name: Tiny Co
base_url: https://tiny.example/
hosting:
{hosting}"""

REDIRECTS = """\
redirect_hosts: [buy.stripe.com]
redirects:
  - {from: /go/join, to: tiny/join, utm: {source: newsletter, medium: email}}
  - {from: /old-tiny/, to: tiny, status: 301}
  - {from: /buy, to: "https://buy.stripe.com/test_1?x=1", utm: {campaign: spring sale}}
"""

HEADERS = """\
# Netlify and Cloudflare Pages read this file: security headers for every response, a year's
# cache for fingerprinted assets. Pages keep the host's default Cache-Control, which makes
# browsers revalidate them, so a new build shows at once. Written by funnelgen build.

/*
  Content-Security-Policy: {csp}
  X-Content-Type-Options: nosniff
  Referrer-Policy: strict-origin-when-cross-origin
  Permissions-Policy: camera=(), microphone=(), geolocation=(), payment=()
  X-Frame-Options: DENY

/assets/*
  Cache-Control: public, max-age=31536000, immutable
"""

REDIRECT_LINES = """\
# Netlify and Cloudflare Pages read this file: the redirects of site.yml (hosting.redirects).
# Paths without a file extension are written with and without their trailing slash, because
# Cloudflare matches it exactly. Written by funnelgen build.
/go/join /tiny/join/?utm_source=newsletter&utm_medium=email {s1}
/go/join/ /tiny/join/?utm_source=newsletter&utm_medium=email {s1}
/old-tiny /tiny/ {s2}
/old-tiny/ /tiny/ {s2}
/buy https://buy.stripe.com/test_1?x=1&utm_campaign=spring%20sale {s1}
/buy/ https://buy.stripe.com/test_1?x=1&utm_campaign=spring%20sale {s1}
"""


def site_with(make_site: MakeSite, hosting: str, name: str = "site", **files: str) -> Path:
    return make_site({"site.yml": SITE.format(hosting=textwrap.indent(textwrap.dedent(hosting), "  ")),
                      **files}, name=name)


def built(make_site: MakeSite, tmp_path: Path, hosting: str) -> Path:
    out = tmp_path / "out"
    build(site_with(make_site, hosting), out)
    return out


def read(out: Path, name: str) -> str:
    return (out / name).read_text(encoding="utf-8")


def page_csp(out: Path, name: str = "tiny/join/index.html") -> str:
    found = META_CSP.search(read(out, name))
    assert found, f"no CSP meta tag in {name}"
    return html.unescape(found.group(1))


def hosting_files(out: Path) -> set[str]:
    return {p.name for p in out.iterdir() if p.name in HOSTING_FILES}


# --- what each target gets -------------------------------------------------------------------


def test_without_targets_netlify_and_cloudflare_get_their_headers_file(make_site: MakeSite, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(make_site(), out)
    assert hosting_files(out) == {"_headers"}  # no redirects: no _redirects
    expected = HEADERS.format(csp=page_csp(out) + "; frame-ancestors 'none'")
    assert read(out, "_headers") == expected


def test_the_csp_header_is_the_pages_meta_policy_plus_frame_ancestors(make_site: MakeSite, tmp_path: Path) -> None:
    site = make_site({"site.yml": SITE.format(hosting="  targets: [netlify, vercel]\n") + textwrap.dedent("""\
        tracking:
          plausible: {domain: tiny.example}
          head: <script>console.log("mine")</script>
        """)})
    out = tmp_path / "out"
    build(site, out)
    meta = {page_csp(out, p.relative_to(out).as_posix()) for p in (out / "tiny").rglob("index.html")}
    assert len(meta) == 1, "every step page carries the same policy"
    [policy] = meta
    assert "frame-ancestors" not in policy  # only honoured as a header
    assert "'unsafe-inline'" not in policy and "https://plausible.io" in policy
    header = policy + "; frame-ancestors 'none'"
    assert f"  Content-Security-Policy: {header}\n" in read(out, "_headers")
    vercel = json.loads(read(out, "vercel.json"))
    assert vercel["headers"][0]["headers"][0] == {"key": "Content-Security-Policy", "value": header}


def test_netlify_and_cloudflare_get_each_redirect_with_and_without_its_slash(make_site: MakeSite, tmp_path: Path) -> None:
    out = built(make_site, tmp_path, "targets: [netlify, cloudflare]\n" + REDIRECTS)
    assert hosting_files(out) == {"_headers", "_redirects"}
    assert read(out, "_redirects") == REDIRECT_LINES.format(s1="302", s2="301")
    assert not (out / "go").exists(), "server redirects need no pages"


def test_netlify_forces_its_redirects_over_the_redirect_pages_of_other_hosts(make_site: MakeSite, tmp_path: Path) -> None:
    # Netlify serves an existing file rather than redirect unless the rule is forced (`302!`).
    out = built(make_site, tmp_path, "targets: [netlify, github-pages]\n" + REDIRECTS)
    assert read(out, "_redirects") == REDIRECT_LINES.format(s1="302!", s2="301!")
    assert (out / "go/join/index.html").is_file()
    # Cloudflare rejects `302!` and always redirects anyway: no force when it reads the file too.
    out = built(make_site, tmp_path / "2", "targets: [netlify, cloudflare, github-pages]\n" + REDIRECTS)
    assert read(out, "_redirects") == REDIRECT_LINES.format(s1="302", s2="301")


def test_vercel_gets_clean_urls_headers_and_redirects_in_its_schema(make_site: MakeSite, tmp_path: Path) -> None:
    out = built(make_site, tmp_path, "targets: [vercel]\n" + REDIRECTS)
    assert hosting_files(out) == {"vercel.json"}
    text = read(out, "vercel.json")
    assert text.endswith("}\n")
    header = page_csp(out) + "; frame-ancestors 'none'"
    assert json.loads(text) == {
        "$schema": "https://openapi.vercel.sh/vercel.json",
        "cleanUrls": True,
        "trailingSlash": True,
        "headers": [
            {"source": "/(.*)", "headers": [
                {"key": "Content-Security-Policy", "value": header},
                {"key": "X-Content-Type-Options", "value": "nosniff"},
                {"key": "Referrer-Policy", "value": "strict-origin-when-cross-origin"},
                {"key": "Permissions-Policy", "value": "camera=(), microphone=(), geolocation=(), payment=()"},
                {"key": "X-Frame-Options", "value": "DENY"}]},
            {"source": "/assets/(.*)", "headers": [{"key": "Cache-Control", "value": LONG}]},
        ],
        # Vercel adds the trailing slash before it matches redirects (trailingSlash: true).
        "redirects": [
            {"source": "/go/join/", "destination": "/tiny/join/?utm_source=newsletter&utm_medium=email",
             "statusCode": 302},
            {"source": "/old-tiny/", "destination": "/tiny/", "statusCode": 301},
            {"source": "/buy/", "destination": "https://buy.stripe.com/test_1?x=1&utm_campaign=spring%20sale",
             "statusCode": 302},
        ],
    }


REDIRECT_PAGE = """\
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<meta http-equiv="refresh" content="0; url={href}">
<title>Redirecting to {canonical}</title>
<meta name="robots" content="noindex">
<link rel="canonical" href="{canonical}">
</head>
<body>
<p>This address has moved. <a href="{href}">Continue to {canonical}</a>.</p>
</body>
</html>
"""


def test_github_pages_gets_nojekyll_cname_and_a_page_per_redirect(make_site: MakeSite, tmp_path: Path) -> None:
    out = built(make_site, tmp_path, "targets: [github-pages]\ncname: tiny.example\n" + REDIRECTS)
    assert hosting_files(out) == {".nojekyll", "CNAME"}
    assert read(out, ".nojekyll") == ""
    assert read(out, "CNAME") == "tiny.example\n"
    csp = escape(page_csp(out))
    assert read(out, "go/join/index.html") == REDIRECT_PAGE.format(
        csp=csp, href="../../tiny/join/?utm_source=newsletter&amp;utm_medium=email",
        canonical="https://tiny.example/tiny/join/")
    assert read(out, "old-tiny/index.html") == REDIRECT_PAGE.format(
        csp=csp, href="../tiny/", canonical="https://tiny.example/tiny/")
    assert read(out, "buy/index.html") == REDIRECT_PAGE.format(
        csp=csp, href="https://buy.stripe.com/test_1?x=1&amp;utm_campaign=spring%20sale",
        canonical="https://buy.stripe.com/test_1?x=1")
    assert "go/join/index.html" not in read(out, "sitemap.xml")


def test_github_pages_without_cname_or_redirects_gets_only_nojekyll(make_site: MakeSite, tmp_path: Path) -> None:
    out = built(make_site, tmp_path, "targets: [github-pages]\n")
    assert hosting_files(out) == {".nojekyll"}
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == [
        ".funnelgen", ".nojekyll", "404.html", "robots.txt", "sitemap.xml",
        "tiny/index.html", "tiny/join/index.html", "tiny/thanks/index.html"]


def test_s3_gets_a_metadata_map_of_every_file(make_site: MakeSite, tmp_path: Path) -> None:
    out = tmp_path / "out"
    site = site_with(make_site, "targets: [s3]\n" + REDIRECTS, **{"assets/logo.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>"})
    build(site, out)
    assert hosting_files(out) == {"s3-metadata.json"}
    [logo] = [p.relative_to(out).as_posix() for p in (out / "assets").iterdir()]
    html_file = {"ContentType": "text/html; charset=utf-8", "CacheControl": SHORT}
    data = json.loads(read(out, "s3-metadata.json"))
    assert data["about"].startswith("Written by funnelgen build for Amazon S3, and not part of the site")
    assert data["files"] == {
        "404.html": html_file,
        logo: {"ContentType": "image/svg+xml", "CacheControl": LONG},
        "buy/index.html": {**html_file, "WebsiteRedirectLocation":
                           "https://buy.stripe.com/test_1?x=1&utm_campaign=spring%20sale"},
        "go/join/index.html": {**html_file, "WebsiteRedirectLocation":
                               "/tiny/join/?utm_source=newsletter&utm_medium=email"},
        "old-tiny/index.html": {**html_file, "WebsiteRedirectLocation": "/tiny/"},
        "robots.txt": {"ContentType": "text/plain; charset=utf-8", "CacheControl": SHORT},
        "sitemap.xml": {"ContentType": "application/xml", "CacheControl": SHORT},
        "tiny/index.html": html_file,
        "tiny/join/index.html": html_file,
        "tiny/thanks/index.html": html_file,
    }
    # Every file of the site is in the map; only the map itself and the marker are not.
    files = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert files - set(data["files"]) == {".funnelgen", "s3-metadata.json"}


def test_a_redirect_to_a_file_goes_to_its_published_name(make_site: MakeSite, tmp_path: Path) -> None:
    out = tmp_path / "out"
    site = site_with(make_site, "targets: [netlify, github-pages]\nredirects:\n  - {from: /guide, to: /assets/guide.pdf}\n",
                     **{"assets/guide.pdf": "%PDF-1.4 a guide"})
    build(site, out)
    [published] = [p.relative_to(out).as_posix() for p in (out / "assets").iterdir()]
    assert re.fullmatch(r"assets/guide\.[0-9a-f]{10}\.pdf", published)
    assert f"/guide /{published} 302!" in read(out, "_redirects")
    assert f'content="0; url=../{published}"' in read(out, "guide/index.html")


def test_s3_sends_redirects_into_the_sub_folder_the_site_lives_in_and_warns_they_are_301(
        make_site: MakeSite, run_cli: RunCli, tmp_path: Path) -> None:
    site = make_site({"site.yml": "name: Tiny Co\nbase_url: https://tiny.example/shop/\nhosting:\n  targets: [s3]\n"
                                  "  redirects:\n    - {from: /go, to: tiny/thanks}\n"})
    result = run_cli("build", site, "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert result.stderr == ("warning: site.yml:6: hosting.redirects[0].status: S3 answers every redirect with 301, "
                             "which browsers remember: a visitor who followed this one keeps going to the old "
                             "target after you change it; change it on another host, or not at all\n")
    data = json.loads(read(tmp_path / "out", "s3-metadata.json"))
    assert data["files"]["go/index.html"]["WebsiteRedirectLocation"] == "/shop/tiny/thanks/"


def test_netlify_cloudflare_and_vercel_send_redirects_into_the_sub_folder_the_site_lives_in(
        make_site: MakeSite, tmp_path: Path) -> None:
    site = make_site({"site.yml": "name: Tiny Co\nbase_url: https://tiny.example/shop/\nhosting:\n"
                                  "  targets: [netlify, cloudflare, vercel]\n  redirect_hosts: [other.example]\n"
                                  "  redirects:\n    - {from: /go, to: tiny/thanks}\n"
                                  "    - {from: /away, to: 'https://other.example/'}\n"})
    out = tmp_path / "out"
    build(site, out)
    lines = [line for line in read(out, "_redirects").splitlines() if line and not line.startswith("#")]
    assert lines == ["/go /shop/tiny/thanks/ 302", "/go/ /shop/tiny/thanks/ 302",
                     "/away https://other.example/ 302", "/away/ https://other.example/ 302"]
    vercel = json.loads(read(out, "vercel.json"))["redirects"]
    assert [(r["source"], r["destination"]) for r in vercel] == [("/go/", "/shop/tiny/thanks/"),
                                                                 ("/away/", "https://other.example/")]


def test_a_netlify_form_on_a_site_hosted_elsewhere_is_a_warning(make_site: MakeSite, run_cli: RunCli,
                                                                tmp_path: Path) -> None:
    funnel = "title: T\nsteps:\n  - {id: join, type: optin, headline: Join, form: {provider: netlify}}\n" \
             "  - {id: thanks, type: thankyou, headline: Thanks}\n"
    site = site_with(make_site, "targets: [github-pages]\n", **{"funnels/tiny.yml": funnel})
    result = run_cli("build", site, "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert result.stderr == ("warning: funnels/tiny.yml:3: steps[0].form.provider: Netlify Forms take sign-ups only "
                             "on Netlify, and hosting.targets is github-pages: every sign-up would be lost there; "
                             "choose your email tool's form (provider: convertkit, mailchimp, activecampaign or "
                             "custom)\n")


def test_the_home_and_404_pages_carry_the_policy_and_your_snippets_like_every_page(make_site: MakeSite,
                                                                                  tmp_path: Path) -> None:
    out = tmp_path / "out"
    site = make_site({"site.yml": "name: Tiny Co\nbase_url: https://tiny.example/\nindex: true\n"
                                  "tracking:\n  head: <meta name=\"verify\" content=\"v-123\">\n"
                                  "  body: <noscript>pixel</noscript>\n"})
    build(site, out)
    step_policy = META_CSP.search(read(out, "tiny/join/index.html"))
    assert step_policy
    for page in ("index.html", "404.html"):
        text = read(out, page)
        policy = META_CSP.search(text)
        assert policy and policy[1] == step_policy[1], page
        assert '<meta name="verify" content="v-123">' in text and "<noscript>pixel</noscript>" in text, page


@pytest.mark.parametrize(("targets", "files"), [
    ("[netlify]", {"_headers", "_redirects"}),
    ("[cloudflare]", {"_headers", "_redirects"}),
    ("[vercel]", {"vercel.json"}),
    ("[github-pages]", {".nojekyll"}),
    ("[s3]", {"s3-metadata.json"}),
    ("[netlify, cloudflare, vercel, github-pages, s3]", HOSTING_FILES - {"CNAME"}),
])
def test_each_target_gets_its_files_and_no_others(make_site: MakeSite, tmp_path: Path, targets: str,
                                                   files: set[str]) -> None:
    out = built(make_site, tmp_path, f"targets: {targets}\n" + REDIRECTS)
    assert hosting_files(out) == files
    pages = {"go/join/index.html", "old-tiny/index.html", "buy/index.html"}
    written = {p.relative_to(out).as_posix() for p in out.rglob("index.html")}
    assert (pages <= written) == ("github-pages" in targets or "s3" in targets)


def test_check_runs_the_hosting_checks_and_writes_nothing(make_site: MakeSite, run_cli: RunCli) -> None:
    site = site_with(make_site, "targets: [github-pages]\nredirects:\n  - {from: /go, to: nowhere}\n")
    before = snapshot(site)
    result = run_cli("check", site)
    assert result.exit_code == 1
    assert result.stderr == "site.yml:6: hosting.redirects[0].to: no funnel 'nowhere' (funnels: tiny)\n"
    assert snapshot(site) == before


# --- redirects are checked before anything is written ---------------------------------------

# Each case is the `hosting:` block of site.yml, whose first line is line 4.
BAD_HOSTING = {
    "loop": ("redirects:\n  - {from: /a, to: /b}\n  - {from: /b, to: /a/}\n",
             ["site.yml:5: hosting.redirects[0].to: redirect loop: /a → /b → /a; point one of them at a page"]),
    "loop-of-three": ("redirects:\n  - {from: /x, to: /a}\n  - {from: /a, to: /b}\n  - {from: /b, to: /c}\n"
                      "  - {from: /c, to: /a}\n",
                      ["site.yml:6: hosting.redirects[1].to: redirect loop: /a → /b → /c → /a; "
                       "point one of them at a page"]),
    "to-itself": ("redirects:\n  - {from: /go/, to: /go}\n",
                  ["site.yml:5: hosting.redirects[0].to: redirects to itself (/go): point it at a page"]),
    "hides-a-step": ("redirects:\n  - {from: /tiny/join/, to: tiny}\n",
                     ["site.yml:5: hosting.redirects[0].from: '/tiny/join/' is the page of step 'tiny/join'; "
                      "a redirect there would hide it: choose another path"]),
    "hides-an-entry": ("redirects:\n  - {from: /tiny, to: tiny/thanks}\n",
                       ["site.yml:5: hosting.redirects[0].from: '/tiny' is the entry page of funnel 'tiny'; "
                        "a redirect there would hide it: choose another path"]),
    "hides-a-file": ("redirects:\n  - {from: /sitemap.xml, to: tiny}\n",
                     ["site.yml:5: hosting.redirects[0].from: '/sitemap.xml' is the file sitemap.xml the "
                      "build writes; a redirect there would hide it: choose another path"]),
    "case-only": ("redirects:\n  - {from: /Tiny/Join, to: tiny}\n",
                  ["site.yml:5: hosting.redirects[0].from: '/Tiny/Join' differs only in case from the page "
                   "of step 'tiny/join' (/tiny/join); on case-insensitive disks the two would be one file: "
                   "choose another path"]),
    "hides-a-page-on-vercel": ("targets: [vercel]\nredirects:\n  - {from: /tiny.html, to: tiny/thanks}\n",
                               ["site.yml:6: hosting.redirects[0].from: '/tiny.html' is the entry page of funnel "
                                "'tiny' on Vercel, which serves '/tiny.html' as '/tiny/'; a redirect there would "
                                "hide it: choose another path"]),
    "no-such-file": ("targets: [netlify]\nredirects:\n  - {from: /guide, to: /assets/guide.pdf}\n",
                     ["site.yml:6: hosting.redirects[0].to: no file 'assets/guide.pdf' in the site folder"]),
    "in-assets": ("redirects:\n  - {from: /assets/old.pdf, to: tiny}\n",
                  ["site.yml:5: hosting.redirects[0].from: '/assets/old.pdf' is inside /assets/, which holds "
                   "the site's files; choose another path"]),
    "twice": ("redirects:\n  - {from: /go, to: tiny}\n  - {from: /go/, to: tiny/thanks}\n",
              ["site.yml:6: hosting.redirects[1].from: '/go/' is already redirected by hosting.redirects[0] "
               "(line 5); keep one of them"]),
    "open-redirect": ("redirects:\n  - {from: /go, to: \"https://evil.example/login\"}\n",
                      ["site.yml:5: hosting.redirects[0].to: 'evil.example' is not in hosting.redirect_hosts: "
                       "add it there if visitors may be sent to it (any other host is refused, so the site "
                       "cannot be used as an open redirect)"]),
    "own-address": ("redirects:\n  - {from: /go, to: \"https://tiny.example/tiny/?a=1\"}\n",
                    ["site.yml:5: hosting.redirects[0].to: 'https://tiny.example/tiny/?a=1' is this site's "
                     "own address: write the site path '/tiny/?a=1' instead"]),
    "not-https": ("redirect_hosts: [buy.stripe.com]\nredirects:\n  - {from: /go, to: \"http://buy.stripe.com/x\"}\n",
                  ["site.yml:6: hosting.redirects[0].to: 'http://buy.stripe.com/x' is not secure: write "
                   "'https://buy.stripe.com/x' instead"]),
    "not-a-target": ("redirects:\n  - {from: /go, to: \"mailto:me@tiny.example\"}\n",
                     ["site.yml:5: hosting.redirects[0].to: 'mailto:me@tiny.example' is not a redirect target: "
                      "write a funnel (webinar), a step (webinar/register), a site path (/webinar/) or an "
                      "https:// URL"]),
    "no-funnel": ("redirects:\n  - {from: /go, to: tinny/join}\n",
                  ["site.yml:5: hosting.redirects[0].to: no funnel 'tinny'; did you mean 'tiny/join'?"]),
    "no-step": ("redirects:\n  - {from: /go, to: tiny/joinn}\n",
                ["site.yml:5: hosting.redirects[0].to: no step 'joinn' in funnel 'tiny' (steps: join, thanks)"]),
    "no-page": ("redirects:\n  - {from: /go, to: /tiny/jion/}\n",
                ["site.yml:5: hosting.redirects[0].to: no page at '/tiny/jion/' in this site; did you mean "
                 "'/tiny/join/'?"]),
    "utm-twice": ("redirects:\n  - {from: /go, to: \"/tiny/?utm_source=ad\", utm: {source: mail}}\n",
                  ["site.yml:5: hosting.redirects[0].utm.source: 'to' already sets utm_source; set it in one place"]),
    "empty-segment": ("redirects:\n  - {from: /go//x, to: tiny}\n",
                      ["site.yml:5: hosting.redirects[0].from: '/go//x' has an empty segment ('//'); write each "
                       "'/' once"]),
    "dot-segment": ("redirects:\n  - {from: /go/../x, to: tiny}\n",
                    ["site.yml:5: hosting.redirects[0].from: '/go/../x' has a segment starting with '.'; write a "
                     "plain path such as /go/webinar"]),
    "not-a-path": ("redirects:\n  - {from: go/webinar, to: tiny}\n",
                   ["site.yml:5: hosting.redirects[0].from: 'go/webinar' is not in the expected form: a site "
                    "path starting with /, of Latin letters, digits, '-', '_' and '.', e.g. /go/webinar; "
                    "write '/go/webinar'"]),
    "status": ("redirects:\n  - {from: /go, to: tiny, status: 307}\n",
               ["site.yml:5: hosting.redirects[0].status: 307 is not allowed here: write 301 or 302"]),
    "file-on-github-pages": ("targets: [github-pages, netlify]\nredirects:\n  - {from: /old.php, to: tiny}\n",
                             ["site.yml:6: hosting.redirects[0].from: GitHub Pages serves '/old.php' as a file, so "
                              "no redirect page can be written there: use a path without an extension or ending "
                              "in .html, or leave github-pages out of hosting.targets"]),
    "cname-without-github-pages": ("targets: [netlify]\ncname: tiny.example\n",
                                   ["site.yml:5: hosting.cname: only GitHub Pages reads CNAME: add github-pages to "
                                    "hosting.targets, or remove cname"]),
    "cname-on-another-host": ("targets: [github-pages]\ncname: www.tiny.example\n",
                              ["site.yml:5: hosting.cname: 'www.tiny.example' is not the host of base_url "
                               "(tiny.example, line 2): GitHub Pages redirects every other host to "
                               "www.tiny.example, so the canonical links and the sitemap would point at a "
                               "redirect; the two hosts must match: write base_url: https://www.tiny.example/, "
                               "or cname: tiny.example"]),
    "target-twice": ("targets: [netlify, vercel, netlify]\n",
                     ["site.yml:4: hosting.targets: 'netlify' is listed twice; list each host once"]),
    "unknown-target": ("targets: [netlfy]\n",
                       ["site.yml:4: hosting.targets[0]: 'netlfy' is not allowed here: did you mean 'netlify'? Or "
                        "write 'netlify', 'cloudflare', 'vercel', 'github-pages' or 's3'"]),
    "redirect-host-form": ("redirect_hosts: [Buy.Stripe.com]\n",
                           ["site.yml:4: hosting.redirect_hosts[0]: 'Buy.Stripe.com' is not in the expected form: "
                            "a lowercase domain, e.g. www.example.com; write 'buy.stripe.com'"]),
    "misspelt-key": ("redirect_host: [buy.stripe.com]\n",
                     ["site.yml:4: hosting.redirect_host: unknown key 'redirect_host': did you mean "
                      "'redirect_hosts'?"]),
    "unknown-utm": ("redirects:\n  - {from: /go, to: tiny, utm: {sorce: x}}\n",
                    ["site.yml:5: hosting.redirects[0].utm.sorce: unknown key 'sorce': did you mean 'source'?"]),
}


@pytest.mark.parametrize("case", BAD_HOSTING, ids=list(BAD_HOSTING))
def test_bad_hosting_settings_are_one_line_each_and_nothing_is_written(
    case: str, make_site: MakeSite, run_cli: RunCli, tmp_path: Path
) -> None:
    hosting, expected = BAD_HOSTING[case]
    site = site_with(make_site, hosting)
    out = tmp_path / "out"
    for command in (["build", site, "-o", out], ["check", site]):
        result = run_cli(*command)
        assert result.exit_code == 1, result.output
        assert result.stderr.splitlines() == expected
    assert not out.exists()


def test_a_chain_of_redirects_works_but_is_a_warning(make_site: MakeSite, run_cli: RunCli, tmp_path: Path) -> None:
    site = site_with(make_site, "targets: [netlify]\nredirects:\n  - {from: /a, to: /b}\n  - {from: /b, to: tiny}\n")
    warning = ("warning: site.yml:6: hosting.redirects[0].to: '/b' is itself redirected "
               "(hosting.redirects[1]): point at '/tiny/' directly, one redirect instead of 2\n")
    for _ in ("first build", "up to date: the same warning, though nothing is rebuilt"):
        result = run_cli("build", site, "-o", tmp_path / "out")
        assert result.exit_code == 0
        assert result.stderr == warning
    assert "Up to date" in result.stdout
    assert run_cli("build", site, "-o", tmp_path / "out", "--strict").exit_code == 1
    assert run_cli("build", site, "-o", tmp_path / "strict", "--strict").exit_code == 1


def test_redirects_without_targets_are_written_for_netlify_and_cloudflare_with_a_warning(
    make_site: MakeSite, run_cli: RunCli, tmp_path: Path
) -> None:
    site = site_with(make_site, "redirects:\n  - {from: /go, to: tiny}\n")
    out = tmp_path / "out"
    result = run_cli("build", site, "-o", out)
    assert result.exit_code == 0
    assert result.stderr == ("warning: site.yml:4: hosting.redirects: with no hosting.targets, redirects are "
                             "written only to _redirects (Netlify, Cloudflare Pages): list the hosts you deploy "
                             "to in hosting.targets so they work there too\n")
    assert hosting_files(out) == {"_headers", "_redirects"}


# --- Cloudflare Pages' limits ----------------------------------------------------------------


def many_redirects(count: int) -> str:
    return "redirects:\n" + "".join(f"  - {{from: /go/{i}, to: tiny}}\n" for i in range(count))


def test_cloudflare_takes_at_most_2000_redirect_rules(make_site: MakeSite, run_cli: RunCli, tmp_path: Path) -> None:
    site = site_with(make_site, "targets: [cloudflare]\n" + many_redirects(1000))
    assert run_cli("build", site, "-o", tmp_path / "ok").exit_code == 0
    assert len(read(tmp_path / "ok", "_redirects").splitlines()) == 3 + 2000
    site = site_with(make_site, "targets: [cloudflare]\n" + many_redirects(1001))
    result = run_cli("build", site, "-o", tmp_path / "out")
    assert result.exit_code == 1
    assert result.stderr == ("site.yml:5: hosting.redirects: 1,001 redirects make 2,002 rules in _redirects (each "
                             "path is written with and without its trailing slash); Cloudflare Pages reads at "
                             "most 2,000: remove some, or leave cloudflare out of hosting.targets\n")
    # Netlify has no such limit.
    site = site_with(make_site, "targets: [netlify]\n" + many_redirects(1001))
    assert run_cli("build", site, "-o", tmp_path / "netlify").exit_code == 0


def test_cloudflare_takes_at_most_1000_characters_per_redirect(make_site: MakeSite, run_cli: RunCli) -> None:
    site = site_with(make_site, f"targets: [cloudflare]\nredirects:\n  - {{from: /go, to: tiny, utm: {{campaign: {'x' * 980}}}}}\n")
    result = run_cli("check", site)
    assert result.exit_code == 1
    assert result.stderr == ("site.yml:6: hosting.redirects[0].to: the rule is 1,009 characters; Cloudflare Pages "
                             "reads at most 1,000 per redirect: shorten the address or its UTM parameters\n")


def test_a_site_of_many_funnels_stays_within_cloudflares_100_header_rules(make_site: MakeSite,
                                                                          tmp_path: Path) -> None:
    funnels = {f"funnels/f{i}.yml": "title: F\nsteps:\n  - {id: done, type: thankyou, headline: Done}\n"
               for i in range(150)}
    out = tmp_path / "out"
    build(site_with(make_site, "targets: [cloudflare]\n", **funnels), out)
    assert [line for line in read(out, "_headers").splitlines() if line.startswith("/")] == ["/*", "/assets/*"]


def test_cloudflare_takes_at_most_2000_characters_per_header_line(make_site: MakeSite, run_cli: RunCli) -> None:
    scripts = "".join(f'<script src="https://cdn{i}.example/widget.js" async></script>' for i in range(90))
    site = make_site({"site.yml": SITE.format(hosting="  targets: [cloudflare]\n")
                      + f"tracking:\n  head: '{scripts}'\n"})
    result = run_cli("check", site)
    assert result.exit_code == 1
    [line] = result.stderr.splitlines()
    assert re.fullmatch(r"site\.yml:4: hosting\.targets: the Content-Security-Policy line of _headers is "
                        r"2,\d{3} characters; Cloudflare Pages reads at most 2,000: fewer tracking hosts or "
                        r"snippets make it shorter, or leave cloudflare out of hosting\.targets", line), line


# --- Netlify Forms ---------------------------------------------------------------------------


def test_netlify_forms_get_the_attributes_form_name_and_honeypot_netlify_expects(
    make_site: MakeSite, tmp_path: Path
) -> None:
    # docs.netlify.com/forms/setup and /forms/spam-filters: a named form with data-netlify="true",
    # method POST, a hidden form-name input carrying the form's name (Netlify adds it to static
    # forms, and needs it for forms it cannot see), and a honeypot field named by
    # netlify-honeypot (written data-netlify-honeypot, the valid-HTML spelling Netlify also
    # reads), hidden with CSS. Netlify shows its success page at the form's action.
    funnel = """\
        title: Tiny funnel
        steps:
          - id: join
            type: optin
            headline: Join the list
            form:
              provider: netlify
              fields: [{name: email, type: email, label: Email, required: true}]
          - id: thanks
            type: thankyou
            headline: Thanks for joining
        """
    out = tmp_path / "out"
    build(make_site({"funnels/tiny.yml": funnel}), out)
    page = read(out, "tiny/join/index.html")
    [form] = re.findall(r"<form [^>]*>", page)
    assert 'method="post"' in form and 'action="/tiny/thanks/"' in form
    assert 'name="tiny-join"' in form and 'data-netlify="true"' in form
    assert 'data-netlify-honeypot="bot-field"' in form
    assert '<input type="hidden" name="form-name" value="tiny-join">' in page
    honeypot = re.search(r'<p class="visually-hidden" aria-hidden="true"><label>[^<]*<input name="bot-field"[^>]*>'
                         r'</label></p>', page)  # out of sight, out of the screen reader
    assert honeypot, "the honeypot field must be in the form and hidden from people"
    assert "form-action 'self'" in page_csp(out), "the form posts to the site itself"


# --- redirect pages in a real browser --------------------------------------------------------


@pytest.mark.browser
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_redirect_pages_send_visitors_on_with_their_utm_and_break_no_policy(
    make_site: MakeSite, tmp_path: Path, serve: Serve, new_page: NewPage, javascript: bool
) -> None:
    out = built(make_site, tmp_path, "targets: [github-pages]\n" + REDIRECTS)
    base = serve(out)  # like GitHub Pages: /go/join answers with a redirect to /go/join/
    tab = new_page(java_script_enabled=javascript)
    tab.goto(base + "go/join")
    tab.page.wait_for_url(base + "tiny/join/?utm_source=newsletter&utm_medium=email")
    assert tab.page.get_by_role("heading", level=1).inner_text() == "Join the list"
    tab.goto(base + "old-tiny/")
    tab.page.wait_for_url(base + "tiny/")
    # An external target: the browser heads for it (and the test's network guard stops it there).
    tab.page.goto(base + "buy/")
    tab.page.wait_for_timeout(300)
    assert tab.blocked == ["https://buy.stripe.com/test_1?x=1&utm_campaign=spring%20sale"]
    assert tab.console_errors == [], "a redirect page must not break the Content-Security-Policy"


@pytest.mark.browser
def test_the_netlify_honeypot_is_hidden_and_sent_empty(
    make_site: MakeSite, tmp_path: Path, serve: Serve, new_page: NewPage
) -> None:
    funnel = """\
        title: Tiny funnel
        steps:
          - id: join
            type: optin
            headline: Join the list
            form: {provider: netlify, fields: [{name: email, type: email, label: Email, required: true}]}
          - id: thanks
            type: thankyou
            headline: Thanks for joining
        """
    out = tmp_path / "out"
    build(make_site({"funnels/tiny.yml": funnel}), out)
    base = serve(out)
    tab = new_page()
    posted: list[str] = []

    def netlify(route: Route) -> None:
        if route.request.method == "POST":
            posted.append(route.request.post_data or "")
            route.fulfill(status=200, content_type="text/html", body="<!doctype html><title>ok</title>")
        else:
            route.fallback()

    tab.page.route("**/tiny/thanks/", netlify)
    tab.goto(base + "tiny/join/")
    # People cannot see it (inside a 1-pixel box that clips what overflows) or tab to it.
    honeypot = tab.page.locator('input[name="bot-field"]')
    box = tab.page.locator("form p.visually-hidden").bounding_box()
    assert box is not None and box["width"] <= 1 and box["height"] <= 1
    assert honeypot.evaluate("e => getComputedStyle(e.closest('p')).overflow") == "hidden"
    assert honeypot.get_attribute("tabindex") == "-1"
    tab.page.get_by_label("Email").fill("dana@example.com")
    tab.page.get_by_role("button").click()
    tab.page.wait_for_url(base + "tiny/thanks/")
    [body] = posted
    fields = dict(pair.split("=", 1) for pair in body.split("&"))
    assert fields["form-name"] == "tiny-join" and fields["bot-field"] == ""
    assert fields["email"] == "dana%40example.com"


def test_redirects_into_a_funnel_reused_from_the_previous_build_still_resolve(make_site: MakeSite, tmp_path: Path) -> None:
    # An incremental build takes unchanged funnels from the previous output without parsing
    # them; a redirect to one of their steps (here with its own URL slug) must still resolve.
    other = "title: Other\nsteps:\n  - {id: done, type: thankyou, headline: Done}\n"
    funnel = FUNNEL_WITH_SLUG
    site = site_with(make_site, "targets: [netlify, s3]\nredirects:\n  - {from: /go, to: tiny/thanks}\n",
                     **{"funnels/tiny.yml": funnel, "funnels/other.yml": other})
    out = tmp_path / "out"
    build(site, out)
    first = {name: read(out, name) for name in ("_headers", "_redirects", "s3-metadata.json")}
    assert "/go /tiny/merci/ 302!" in first["_redirects"]
    (site / "funnels/other.yml").write_text(other.replace("Done", "All done"), encoding="utf-8")
    report = build(site, out)
    assert [f.reused for f in report.funnels] == [False, True]  # other.yml changed, tiny.yml reused
    assert {name: read(out, name) for name in first} == first


FUNNEL_WITH_SLUG = """\
title: Tiny funnel
steps:
  - id: join
    type: optin
    headline: Join the list
    form: {provider: custom, action: "https://mail.example/subscribe"}
  - id: thanks
    slug: merci
    type: thankyou
    headline: Thanks for joining
"""


def test_cname_matches_an_international_base_url_in_its_xn_form(make_site: MakeSite, tmp_path: Path) -> None:
    """GitHub Pages names a custom domain in ASCII: `xn--bcher-kva.example` is `bücher.example`."""
    out = tmp_path / "out"
    site = make_site({"site.yml": "name: Tiny Co\nbase_url: https://bücher.example/\n"
                                  "hosting:\n  targets: [github-pages]\n  cname: xn--bcher-kva.example\n"})
    build(site, out)
    assert read(out, "CNAME") == "xn--bcher-kva.example\n"
    with pytest.raises(Abort) as refused:
        build(make_site({"site.yml": "name: Tiny Co\nbase_url: https://bücher.example/shop/\n"
                                     "hosting:\n  targets: [github-pages]\n  cname: www.xn--bcher-kva.example\n"},
                        name="other"), tmp_path / "out2")
    assert [p.key for p in refused.value.problems] == ["hosting.cname"]
    assert "write base_url: https://www.xn--bcher-kva.example/shop/, or cname: xn--bcher-kva.example" in \
        str(refused.value)

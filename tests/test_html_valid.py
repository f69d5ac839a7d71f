"""Every page funnelgen builds is valid HTML, as the W3C Nu HTML Checker (vnu) sees it.

vnu.jar comes from the `vnu-jar` npm package pinned in package.json (`make test` installs it)
and runs on the system Java. It starts slowly, so one java process checks every file.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from funnelgen.schema.funnel import STEP_TYPES

REPO = Path(__file__).resolve().parent.parent
VNU_JAR = REPO / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"

RunCli = Callable[..., Result]

# A tiny site with every step type: a paid funnel bridge → webinar → offer → upsell → downsell →
# thank-you, and a separate opt-in funnel. It turns on the optional parts of each step too
# (video, FAQ, links, deadline, payment plans, consent, hidden fields, ascension …), every
# block on every step type that shows it, and the index page, so the validator sees all the
# markup the base theme can write.
EVERY_STEP_TYPE: dict[str, str | bytes | None] = {
    "site.yml": """\
        name: Every Step Co
        base_url: https://every.example/
        language: en
        index: true
        legal:
          privacy: https://every.example/privacy
          terms: https://every.example/terms
          company: Every Step LLC
          disclaimer: Results vary from person to person.
        """,
    "funnels/tiny.yml": None,
    "funnels/launch.yml": """\
        title: Launch
        description: Every paid step type, in order.
        steps:
          - id: story
            type: bridge
            eyebrow: A short story
            headline: How we planned a week in five minutes
            subheadline: Watch first, then save your seat.
            body: |
              It started with **one** list. [Read the research](https://every.example/research).

              - plan on Sunday
              - review on Friday

              ```
              weekly-review --from=sunday --to=friday --include=calendar,inbox,notes,tasks,goals --format=long
              ```
            video: {url: "https://www.youtube.com/watch?v=dQw4w9WgXcQ", title: Watch the story}
            benefits_title: Why it works
            benefits: [Less stress, More time]
            testimonials:
              - {quote: It changed my week., name: Ana, role: Nurse}
            faq:
              - {question: Is it free?, answer: "Yes, *completely* free."}
            links:
              - {text: Skip to the offer, to: course}
            cta: {text: Save my seat, note: Takes ten seconds.}
            deadline: {text: The replay goes away Sunday}
            guarantee: {text: "No spam, ever."}
          - id: workshop
            type: webinar
            eyebrow: Free live workshop
            headline: Join the live workshop
            webinar: {starts: "2030-12-10 19:00", timezone: America/New_York, duration_minutes: 45}
            deadline: {text: Registration closes soon, until: "2030-12-10T18:00:00-05:00"}
            benefits: [A plan for next week]
            form:
              provider: custom
              action: https://mail.example/subscribe
              fields:
                - {name: first_name, label: First name, placeholder: Dana}
                - {name: email, type: email, label: Email, required: true}
                - {name: phone, type: tel, label: Phone}
                - {name: website, type: url, label: Your website}
              hidden: {tag: workshop}
              consent: {text: Email me about the workshop}
              button: Register now
            cta: {text: Register, note: Free. Unsubscribe any time.}
          - id: course
            type: offer
            headline: The complete course
            body: Six lessons, one per week.
            price:
              amount: 97
              compare_at: 197
              note: One-time payment
              plans:
                - {amount: 37, count: 3, checkout: "https://buy.stripe.com/test_plan"}
            checkout: https://buy.stripe.com/test_course
            cta: {text: Get the course, note: Instant access.}
            testimonials:
              - {quote: It works., name: Sam, role: Teacher}
            guarantee: {days: 30, text: Full refund within 30 days.}
            deadline: {text: Price goes up Friday, until: "2030-12-13T23:59:00-05:00"}
            faq:
              - {question: Do I get updates?, answer: Yes.}
          - id: coaching
            type: upsell
            headline: Add coaching
            benefits: [Two calls a month]
            price: {amount: 197, note: per month}
            deadline: {text: Only on this page}
            guarantee: {text: Cancel any time.}
            accept: {checkout: "https://buy.stripe.com/test_coaching"}
            decline: {to: workbook}
            links:
              - {text: Questions? Write to us, to: "mailto:help@every.example"}
          - id: workbook
            type: downsell
            headline: Just the workbook then?
            price: {amount: 19.5, currency: EUR}
            accept: {text: "Yes, add the workbook", checkout: "https://buy.stripe.com/test_workbook"}
            decline: {text: No thanks, to: done}
          - id: done
            type: thankyou
            headline: You are in
            next_steps: [Check your email, Add the workshop to your calendar]
            benefits_title: What you get
            benefits: [Lifetime access]
            testimonials:
              - {quote: Worth it., name: Lee}
            faq:
              - {question: Where is my receipt?, answer: In your inbox.}
            guarantee: {days: 30, text: Full refund within 30 days.}
            deadline: {text: Membership offer ends tonight}
            ascension:
              headline: Want more?
              text: Join the *membership*.
              cta: {text: Join the membership, note: Cancel any time.}
              checkout: https://buy.stripe.com/test_membership
            links:
              - {text: Back to the story, to: story}
        """,
    "funnels/list.yml": """\
        title: Newsletter
        steps:
          - id: join
            type: optin
            headline: Join the newsletter
            form:
              provider: netlify
              consent: {text: I agree to receive emails}
            cta: {text: Subscribe}
            guarantee: {title: Our promise, text: One email a week.}
          - id: welcome
            type: thankyou
            headline: Welcome aboard
            cta: {text: Invite a friend}
            next: join
        """,
}


def build_starter(tmp_path: Path, run_cli: RunCli) -> Path:
    """`funnelgen new` then `funnelgen build`: the site a new user starts from."""
    site, out = tmp_path / "starter", tmp_path / "starter-out"
    for args in (("new", site), ("build", site, "-o", out)):
        result = run_cli(*args)
        assert result.exit_code == 0, result.output
    return out


def build_every_step_type(make_site: Callable[..., Path], run_cli: RunCli) -> Path:
    site = make_site(EVERY_STEP_TYPE, name="every-step-type")
    out = site.parent / "every-step-type-out"
    result = run_cli("build", site, "-o", out)
    assert result.exit_code == 0, result.output
    return out


def vnu_errors(files: list[Path]) -> list[dict[str, object]]:
    """The Nu HTML Checker's errors for ``files``, from one java process."""
    java = shutil.which("java")
    if not VNU_JAR.exists() or java is None:
        missing = "node_modules/vnu-jar (npm ci)" if java else "java"
        pytest.fail(f"the HTML validator needs {missing}: run `make test`, which installs it",
                    pytrace=False)
    assert files, "no HTML files to validate"
    run = subprocess.run(
        [java, "-jar", str(VNU_JAR), "--format", "json", "--errors-only", *map(str, files)],
        capture_output=True, text=True, timeout=600, check=False,
    )
    try:
        report = json.loads(run.stderr or run.stdout)  # vnu writes its report to stderr
    except json.JSONDecodeError:
        pytest.fail(f"vnu exited {run.returncode} without a JSON report:\n{run.stderr}{run.stdout}")
    messages: list[dict[str, object]] = report["messages"]
    assert run.returncode == (1 if messages else 0), run.stderr
    return messages


def describe(message: dict[str, object], roots: list[Path]) -> str:
    """`site/page.html:12:3: message` for one vnu message."""
    path = str(message.get("url", "?")).removeprefix("file:")
    for root in roots:
        if path.startswith(str(root)):
            path = f"{root.name}/{Path(path).relative_to(root).as_posix()}"
    line = message.get("lastLine", message.get("firstLine", "?"))
    column = message.get("firstColumn", message.get("lastColumn", "?"))
    extract = str(message.get("extract", "")).replace("\n", "⏎")
    return f"{path}:{line}:{column}: {message.get('message')}  [{extract}]"


def test_every_built_page_is_valid_html(
    tmp_path: Path, make_site: Callable[..., Path], run_cli: RunCli
) -> None:
    roots = [build_starter(tmp_path, run_cli), build_every_step_type(make_site, run_cli)]
    pages = sorted(page for root in roots for page in root.rglob("*.html"))
    assert len(pages) >= 15, pages

    errors = vnu_errors(pages)

    if errors:
        pytest.fail(f"{len(errors)} HTML errors:\n" + "\n".join(describe(e, roots) for e in errors),
                    pytrace=False)


def test_the_tiny_site_has_every_step_type_and_extra_page(
    make_site: Callable[..., Path], run_cli: RunCli
) -> None:
    """Keeps the validated site complete: a new step type must be added to EVERY_STEP_TYPE."""
    out = build_every_step_type(make_site, run_cli)
    kinds = {
        match
        for page in out.rglob("*.html")
        for match in re.findall(r'<body class="step step--(\w+)', page.read_text(encoding="utf-8"))
    }
    assert kinds == {*STEP_TYPES, "index", "notfound"}

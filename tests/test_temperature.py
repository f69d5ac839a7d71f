"""How visitors are classified, from Python: the shared table, and the rules' checks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from funnelgen.schema.site import TemperatureRules
from funnelgen.temperature import classify, compile_rules, glob

TABLE = yaml.safe_load((Path(__file__).parent / "temperature_cases.yml").read_text(encoding="utf-8"))


def compiled_rule_sets() -> dict[str, dict[str, Any]]:
    return {name: compile_rules(TemperatureRules.model_validate(spec)) for name, spec in TABLE["rule_sets"].items()}


CASES = [pytest.param(case, id=case["name"]) for case in TABLE["cases"]]


def test_the_table_is_big_enough_to_pin_the_semantics() -> None:
    assert len(CASES) >= 40


@pytest.mark.parametrize("case", CASES)
def test_python_classifies_each_visitor_as_the_table_says(case: dict[str, Any]) -> None:
    rules = compiled_rule_sets()[case["rules"]]
    assert classify(rules, case["visitor"]) == case["expect"]


def test_glob() -> None:
    assert glob("fb*", "FB_ads")
    assert not glob("fb*", "xfb")
    assert glob("*.google.*", "www.google.co.uk")
    assert not glob("*", "")
    assert glob("", "")
    assert glob("a.b", "a.b")
    assert not glob("a.b", "axb")  # dots are literal


def test_the_builtin_rules_are_documented_in_order() -> None:
    compiled = compile_rules(TemperatureRules())
    assert [rule["t"] for rule in compiled["rules"]] == ["hot", "cold", "warm", "warm"]
    assert compiled["default"] == "cold"


def test_temp_in_the_link_may_be_written_in_capitals() -> None:
    # an email tool that capitalises ?temp=Hot still puts the reader on the hot copy
    builtin = compile_rules(TemperatureRules())
    assert classify(builtin, {"utm": {"utm_medium": "cpc"}, "override": "Hot"}) == "hot"
    assert classify(builtin, {"utm": {"utm_medium": "email"}, "override": "COLD"}) == "cold"


def test_referrer_groups_may_be_written_in_capitals() -> None:
    rules = compile_rules(TemperatureRules.model_validate(
        {"rules": [{"temperature": "warm", "when": {"referrer": ["Search", "SOCIAL"]}}]}))
    assert classify(rules, {"ref": "www.google.com"}) == "warm"
    assert classify(rules, {"ref": "l.facebook.com"}) == "warm"
    assert classify(rules, {"ref": ""}) == "cold"


SITE_WITH = "name: Tiny Co\nbase_url: https://tiny.example/\n{}\n"


@pytest.mark.parametrize(("settings", "error"), [
    ("temperature:\n  rules:\n    - temperature: warm\n      when: {referrer: 'https://www.google.com/'}",
     "site.yml:6: temperature.rules[0].when.referrer: 'https://www.google.com/' is an address: "
     "a referrer is matched by its host alone, write 'www.google.com'"),
    ("temperature:\n  rules:\n    - temperature: warm\n      when: {referrer: [social, google.com/search]}",
     "site.yml:6: temperature.rules[0].when.referrer: 'google.com/search' is an address: "
     "a referrer is matched by its host alone, write 'google.com'"),
    ("temperature:\n  rules:\n    - temperature: warm\n      when: {referrer: 'search, social'}",
     "site.yml:6: temperature.rules[0].when.referrer: 'search, social' is several names in one text: "
     "write them as a list, [search, social]"),
    ("temperature:\n  rules:\n    - temperature: warm\n      when: {referrer: bücher.example}",
     "site.yml:6: temperature.rules[0].when.referrer: 'bücher.example' reaches the page as "
     "'xn--bcher-kva.example': write that"),
    ("temperature:\n  rules:\n    - temperature: warm\n      when: {visited: tiny}",
     "site.yml:6: temperature.rules[0].when.visited: 'tiny' is not a step: write it as funnel/step, "
     "e.g. webinar/register"),
    ("consent: {mode: banner, accept: ''}",
     "site.yml:3: consent.accept: this is empty, and the page would show nothing here: write the text"),
    ("consent: {mode: banner, text: ' '}",
     "site.yml:3: consent.text: this is empty, and the page would show nothing here: write the text"),
], ids=['a URL as referrer', 'a path as referrer', 'two groups in one text', 'an international host', 'visited without its step', 'an empty accept button', 'a blank banner text'])
def test_a_rule_or_banner_that_could_never_work_is_refused_with_what_to_write(
    run_cli: Any, make_site: Any, tmp_path: Path, settings: str, error: str
) -> None:
    site = make_site({"site.yml": SITE_WITH.format(settings)})
    result = run_cli("build", site, "-o", tmp_path / "out")
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == error
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("referrer", ["google.com", "*.partner.example", "Search", "direct", "", "l.facebook.com"])
def test_hosts_globs_and_groups_are_accepted_as_referrers(run_cli: Any, make_site: Any, tmp_path: Path,
                                                          referrer: str) -> None:
    settings = f"temperature:\n  rules:\n    - temperature: warm\n      when: {{referrer: '{referrer}'}}"
    result = run_cli("build", make_site({"site.yml": SITE_WITH.format(settings)}), "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(("settings", "error"), [
    ("tracking:\n  ga4: G-ABC123XYZ",
     "site.yml:4: tracking.ga4: write the measurement id as a setting: ga4: {measurement_id: G-ABC123XYZ}"),
    ("tracking:\n  meta_pixel: 123456789012345",
     'site.yml:4: tracking.meta_pixel: write the pixel id as a setting: meta_pixel: {pixel_id: 123456789012345}'),
    ("tracking:\n  plausible: ledgerlab.example",
     "site.yml:4: tracking.plausible: write the domain as a setting: plausible: {domain: ledgerlab.example}"),
    ("tracking:\n  beacon: https://collect.example/e",
     "site.yml:4: tracking.beacon: write the url as a setting: beacon: {url: https://collect.example/e}"),
    ("consent: banner",
     "site.yml:3: consent: write the mode as a setting: consent: {mode: banner}"),
], ids=["ga4", "meta_pixel", "plausible", "beacon", "consent"])
def test_an_id_written_straight_after_its_provider_is_shown_as_a_setting(
    run_cli: Any, make_site: Any, tmp_path: Path, settings: str, error: str
) -> None:
    result = run_cli("build", make_site({"site.yml": SITE_WITH.format(settings)}), "-o", tmp_path / "out")
    assert result.exit_code == 1
    assert result.output.splitlines() == [error]  # one line, nothing else

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

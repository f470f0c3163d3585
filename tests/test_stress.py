"""`sourcing stress`: outages of each region (and bloc) against the plan's fixed contracts.

CN sells at 5 (fixed 10, unlimited), JP at 8 (fixed 30, capacity 60); demand 100 at a penalty of
50; a 10 % embargo scenario on CN. Contracting both costs 40 + 0.9 x 500 + 0.1 x (480 + 40 x 50)
= 738; CN alone 10 + 0.9 x 500 + 0.1 x 5000 = 960; JP alone 30 + 480 + 2000 = 2510: both.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from sourcing import Instance, solve
from sourcing.cli import main
from sourcing.instance.io import dump_instance
from sourcing.studies.stress import outage_table

DATA = {
    "name": "stress",
    "regions": [{"id": "CN"}, {"id": "JP"}],
    "blocs": [{"id": "allies", "members": ["JP"]}],
    "products": [{"id": "chip", "shortage_penalty": 50}],
    "suppliers": [
        {
            "id": "cn",
            "region": "CN",
            "fixed_cost": 10,
            "offers": [{"product": "chip", "unit_cost": 5}],
        },
        {
            "id": "jp",
            "region": "JP",
            "fixed_cost": 30,
            "capacity": 60,
            "offers": [{"product": "chip", "unit_cost": 8}],
        },
    ],
    "demand": [{"product": "chip", "quantity": 100}],
    "scenarios": [{"id": "cn-embargo", "probability": 0.1, "capacity_factor": {"CN": 0}}],
}


@pytest.fixture
def path(tmp_path: Path) -> Path:
    target = tmp_path / "stress.yaml"
    dump_instance(Instance.from_data(DATA), target)
    return target


def test_plan_contracts_both():
    results = solve(Instance.from_data(DATA))
    assert results.objective == pytest.approx(738.0)
    assert set(results.contracts["supplier"]) == {"cn", "jp"}


def test_outage_rows_by_hand():
    # Baseline (no outage): CN delivers 100: 40 + 500 = 540.
    # CN out: JP 60 at 8 and 40 unmet at 50: 40 + 480 + 2000 = 2520, extra 1980.
    # JP out: CN as in the baseline: extra 0.
    rows = outage_table(Instance.from_data(DATA), frozenset({"cn", "jp"}))
    assert rows == [
        {
            "outage": "CN",
            "kind": "region",
            "factor": 0.0,
            "shortage": 40.0,
            "shortage_share": pytest.approx(0.4),
            "cost": pytest.approx(2520.0),
            "extra_cost": pytest.approx(1980.0),
            "products_hit": ["chip"],
            "worst_product": "chip",
            "worst_product_share": pytest.approx(0.4),
        },
        {
            "outage": "JP",
            "kind": "region",
            "factor": 0.0,
            "shortage": 0.0,
            "shortage_share": 0.0,
            "cost": pytest.approx(540.0),
            "extra_cost": pytest.approx(0.0),
            "products_hit": [],
            "worst_product": None,
            "worst_product_share": 0.0,
        },
    ]


def test_partial_outage_of_a_capacity():
    # JP at half capacity (30) does not matter while CN delivers everything.
    rows = outage_table(Instance.from_data(DATA), frozenset({"cn", "jp"}), factor=0.5)
    assert [(r["outage"], r["extra_cost"]) for r in rows] == [
        ("CN", pytest.approx(0.0)),  # an unlimited capacity stays unlimited at factor 0.5
        ("JP", pytest.approx(0.0)),
    ]


def test_cli_json_array(path: Path):
    result = CliRunner().invoke(main, ["stress", str(path), "--format", "json", "--blocs"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["outage"] for r in rows] == ["CN", "JP", "allies"]
    assert list(rows[0])[:7] == [
        "outage",
        "factor",
        "shortage",
        "shortage_share",
        "cost",
        "extra_cost",
        "products_hit",
    ]
    assert rows[2]["extra_cost"] == pytest.approx(0.0)
    assert rows[0]["products_hit"] == ["chip"]


def test_cli_table(path: Path):
    result = CliRunner().invoke(main, ["stress", str(path)])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "stress: optimal" in out
    assert "Outages" in out
    line = next(line for line in out.splitlines() if line.strip().startswith("CN"))
    assert "40.0 %" in line and "1,980.00" in line and "chip" in line


def test_survive_forces_a_resilient_plan(tmp_path: Path):
    # Without scenarios the plain plan contracts CN only (10 + 500 = 510). Surviving a CN
    # outage with at most 40 % unmet needs JP too (its 60 cover the rest): 40 + 500 = 540,
    # so resilience costs 30.
    data = {k: v for k, v in DATA.items() if k != "scenarios"}
    target = tmp_path / "plain.yaml"
    dump_instance(Instance.from_data(data), target)
    result = CliRunner().invoke(
        main, ["solve", str(target), "--survive", "0.4", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["objective"] == pytest.approx(540.0)
    assert payload["resilience"]["cost"] == pytest.approx(30.0)
    assert payload["resilience"]["extra_contracts"] == ["jp"]
    outage = next(s for s in payload["scenarios"] if s["id"] == "outage:CN")
    assert outage["shortage"] == pytest.approx(40.0)


def test_the_api_prices_the_resilience_requirement_as_the_cli_does():
    # The case above, from Python: 540 with the requirement, 510 without, JP the extra contract.
    data = {k: v for k, v in DATA.items() if k != "scenarios"}
    instance = Instance.from_data(data).replace(resilience={"max_outage_shortage": 0.4})
    assert solve(instance).resilience is None  # only when asked: it solves twice
    priced = solve(instance, resilience_cost=True).resilience
    assert priced == {
        "max_outage_shortage": 0.4,
        "per": "product",
        "outages": ["CN", "JP"],
        "factor": 0.0,
        "plain_objective": pytest.approx(510.0),
        "cost": pytest.approx(30.0),
        "extra_contracts": ["jp"],
    }


def test_survive_that_no_plan_meets_is_diagnosed(tmp_path: Path):
    data = {k: v for k, v in DATA.items() if k != "scenarios"}
    target = tmp_path / "plain.yaml"
    dump_instance(Instance.from_data(data), target)
    result = CliRunner().invoke(main, ["stress", str(target), "--survive", "0.1"])
    assert result.exit_code == 3
    out = " ".join(result.stdout.split())
    assert (
        "a full outage of CN leaves at least 40 of 100 of chip unmet (40.0%) whatever is "
        "contracted; the requirement allows 10.0% per product"
    ) in out
    assert "raise resilience max_outage_shortage from 0.1 to 0.4" in out

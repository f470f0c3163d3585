"""Every bundled instance solves to its recorded optimum (hand-computed for the examples)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sourcing import load_instance, solve
from sourcing.check import check_plan
from sourcing.instance.io import DEFAULT_INSTANCE, INSTANCES_DIR

RECORDED = {
    "default.yaml": 24946.633553,
    "default.xlsx": 24946.633553,  # the template workbook: the same instance
    "examples/backend-ban.yaml": 770.0,
    "examples/backend-cap.yaml": 1175.0,
    "examples/backend-export-stop.yaml": 1150.0,
    "examples/backend-tariff-paths.yaml": 900.0,
    "examples/bans.yaml": 1700.0,
    "examples/caps.yaml": 920.0,
    "examples/cvar.yaml": 1525.0,
    "examples/diversity.yaml": 585.0,
    "examples/expansion-subsidy.yaml": 600.0,
    "examples/floors.yaml": 810.0,
    "examples/markets-transport-tariffs.yaml": 1335.0,
    "examples/min-order.yaml": 630.0,
    "examples/minimal.yaml": 720.0,
    "examples/minimal.json": 720.0,
    "examples/minimal.toml": 720.0,
    "examples/multi-period-stock.yaml": 2490.0,
    "examples/per-product-resilience.yaml": 123.0,
    "examples/pooled-cap.yaml": 1460.0,
    "examples/price-surge.yaml": 1070.0,
    "examples/scenarios.yaml": 680.0,
    "examples/timed-disruption.yaml": 2550.0,
    "examples/value-cap.yaml": 189.0,
}


def bundled_files() -> list[str]:
    suffixes = {".yaml", ".yml", ".json", ".toml", ".xlsx"}
    return sorted(
        str(p.relative_to(INSTANCES_DIR))
        for p in INSTANCES_DIR.rglob("*")
        if p.suffix in suffixes and not p.name.endswith(".whatifs.yaml")
    )


def test_every_bundled_instance_has_a_recorded_optimum():
    assert bundled_files() == sorted(RECORDED)


@pytest.mark.parametrize("name", sorted(RECORDED))
def test_bundled_instance_solves_to_recorded_optimum(name):
    instance = load_instance(INSTANCES_DIR / name)
    results = solve(instance, mip_gap=0.0)
    assert results.status == "optimal"
    assert results.objective == pytest.approx(RECORDED[name], rel=1e-9)
    assert check_plan(instance, results.plan) == []


def test_default_instance_is_the_bundled_one():
    assert Path(DEFAULT_INSTANCE).name == "default.yaml"
    assert load_instance() == load_instance(DEFAULT_INSTANCE)


def test_default_instance_policies_shape_the_plan():
    results = solve(load_instance(), mip_gap=0.0)
    binding = set(results.binding_policies["policy"])
    assert {"cn-cap", "allied-floor", "tw-concentration"} <= binding
    cn_mature_eu = results.shares.query(
        "group == 'CN' and product == 'mature-logic' and market == 'EU'"
    )
    assert (cn_mature_eu["share"] <= 0.2 + 1e-9).all()
    banned = results.flows.query("region == 'CN' and product == 'advanced-logic'")
    assert banned.empty

"""SPEC section 4, by hand: resilience per product, disruptions that start later, price
surges, shares by value. The optima are worked in instances/examples/README.md."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sourcing import Instance, dump_instance, load_instance, solve
from sourcing.check import check_plan
from sourcing.errors import InstanceError
from sourcing.instance.io import INSTANCES_DIR

EXAMPLES = INSTANCES_DIR / "examples"


def _solved(instance: Instance) -> Any:
    results = solve(instance, mip_gap=0.0)
    assert results.status == "optimal", results.message
    assert check_plan(instance, results.plan) == []
    return results


def _contracts(results: Any) -> set[str]:
    return set(results.contracts["supplier"])


def test_per_product_rejects_what_per_total_accepts() -> None:
    per_product = load_instance(EXAMPLES / "per-product-resilience.yaml")
    resilience = per_product.resilience
    assert resilience is not None and resilience.per == "product"
    per_total = per_product.replace(resilience=resilience.model_copy(update={"per": "total"}))
    product, total = _solved(per_product), _solved(per_total)
    assert (product.objective, _contracts(product)) == (123.0, {"cn", "jp", "kr"})
    assert (total.objective, _contracts(total)) == (115.0, {"cn", "jp"})
    # the plan per total leaves all of the memory unmet when China is out
    outage = total.scenarios.set_index("scenario").loc["outage:CN"]
    assert (outage["shortage_share"], outage["worst_product"]) == (0.1, "memory")
    assert outage["worst_product_share"] == 1.0


def test_per_product_is_the_default() -> None:
    data = load_instance(EXAMPLES / "per-product-resilience.yaml").model_dump(by_alias=True)
    data["resilience"] = {"max_outage_shortage": 0.1}
    assert _solved(Instance.from_data(data)).objective == 123.0


def test_per_cell_and_chosen_outages() -> None:
    instance = load_instance(EXAMPLES / "per-product-resilience.yaml")
    assert instance.resilience is not None
    # only Korea may go out: nothing depends on it, so the plain plan (110) survives
    only_kr = instance.resilience.model_copy(update={"outages": ["KR"], "per": "cell"})
    results = _solved(instance.replace(resilience=only_kr))
    assert (results.objective, _contracts(results)) == (110.0, {"cn"})
    assert list(results.scenarios["scenario"]) == ["nominal", "outage:KR"]
    # China at half its (unlimited) capacity loses nothing either
    half = instance.resilience.model_copy(update={"factor": 0.5})
    assert _solved(instance.replace(resilience=half)).objective == 110.0


def test_stock_bought_before_a_disruption_hedges_it() -> None:
    timed = load_instance(EXAMPLES / "timed-disruption.yaml")
    results = _solved(timed)
    assert results.objective == 2550.0
    nominal = {(r.product, r.period): r.quantity for r in results.flows.itertuples()}
    assert nominal == {("chip", 1): 100.0, ("chip", 3): 50.0}
    periods = results.scenario_periods.set_index(["scenario", "period"])
    assert periods.loc[("blockade", 1), "stock"] == 50.0
    assert periods.loc[("blockade", 2), "shortage"] == 0.0
    assert periods.loc[("blockade", 3), "shortage"] == 50.0
    # known from the first period, the blockade cannot be hedged: no stock, 4500
    scenario = timed.scenarios[0].model_copy(update={"start": None, "duration": None})
    untimed = _solved(timed.replace(scenarios=[scenario]))
    assert untimed.objective == 4500.0
    assert len(untimed.stock) == 0 or float(untimed.stock["quantity"].sum()) == 0.0


def test_a_disruption_ends_and_supply_recovers() -> None:
    """A one-period blockade in period 2: period 3 is served again, by the scenario's own
    flows (50 at 10), and the stock bought in period 1 covers period 2 only partly."""
    timed = load_instance(EXAMPLES / "timed-disruption.yaml")
    one = timed.scenarios[0].model_copy(update={"duration": 1})
    results = _solved(timed.replace(scenarios=[one]))
    periods = results.scenario_periods.set_index(["scenario", "period"])
    assert periods.loc[("blockade", 3), "delivered"] == 50.0
    assert periods.loc[("blockade", 3), "shortage"] == 0.0
    # with stock 50 the blockade costs 1050 + 0 + 500 = 1550, the nominal plan 1550: 1550
    assert results.objective == 1550.0


def test_a_price_surge_makes_a_second_contract_worth_its_fixed_cost() -> None:
    surge = load_instance(EXAMPLES / "price-surge.yaml")
    results = _solved(surge)
    assert (results.objective, _contracts(results)) == (1070.0, {"kr", "jp"})
    scenario = results.scenarios.set_index("scenario")
    assert scenario.loc["kr-surge", "cost"] == 1200.0  # jp's 100 at 12
    flat = surge.scenarios[0].model_copy(update={"price_factor": {}})
    plain = _solved(surge.replace(scenarios=[flat]))
    assert (plain.objective, _contracts(plain)) == (1000.0, {"kr"})


def test_a_surge_raises_the_tariff_with_the_price() -> None:
    """A 10 % tariff on Korean memory follows the unit cost. With kr alone: 0.8 x 1100 +
    0.2 x 1650 = 1210 (a tariff on the old price would give 1200); jp then pays:
    30 + 0.8 x 1100 + 0.2 x 1200 = 1150."""
    data = load_instance(EXAMPLES / "price-surge.yaml").model_dump(by_alias=True)
    data["tariffs"] = [{"from": "KR", "rate": 0.1}]
    both = _solved(Instance.from_data(data))
    assert (both.objective, _contracts(both)) == (pytest.approx(1150.0), {"kr", "jp"})
    data["suppliers"] = data["suppliers"][:1]
    alone = _solved(Instance.from_data(data))
    assert alone.objective == pytest.approx(1210.0)
    surge = alone.scenarios.set_index("scenario").loc["kr-surge"]
    assert surge["cost"] == pytest.approx(1650.0)


def test_a_pooled_cap_by_value_against_by_quantity() -> None:
    by_value = load_instance(EXAMPLES / "value-cap.yaml")
    results = _solved(by_value)
    assert results.objective == 189.0
    flows = {(r.supplier, r.product): r.quantity for r in results.flows.itertuples()}
    assert flows[("cn", "mature")] == 90.0 and flows[("cn", "advanced")] == 0.5
    pooled = results.shares[(results.shares["product"] == "*") & (results.shares["group"] == "CN")]
    assert pooled["value_share"].tolist() == [0.5]
    assert pooled["share"].tolist() == pytest.approx([90.5 / 100])
    cap = by_value.policies.caps[0].model_copy(update={"basis": "quantity"})
    policies = by_value.policies.model_copy(update={"caps": [cap]})
    by_quantity = _solved(by_value.replace(policies=policies))
    assert by_quantity.objective == 220.0


def test_value_basis_needs_a_value_on_every_covered_product() -> None:
    data = load_instance(EXAMPLES / "value-cap.yaml").model_dump(by_alias=True, exclude_none=True)
    del data["products"][1]["value"]
    with pytest.raises(InstanceError) as caught:
        Instance.from_data(data)
    assert str(caught.value).endswith(
        "policies.caps[0].basis: basis 'value' needs a value on every product it covers; "
        "'mature' has none"
    )


@pytest.mark.parametrize(
    ("scenario", "message"),
    [
        ({"start": 2030}, "scenarios[0].start: unknown period '2030'"),
        ({"duration": 0}, "scenarios[0].duration: Input should be greater than or equal to 1"),
        ({"price_factor": {"XX": 2}}, "scenarios[0].price_factor.XX: unknown region"),
    ],
)
def test_bad_timing_is_named(scenario: dict[str, Any], message: str) -> None:
    data = load_instance(EXAMPLES / "timed-disruption.yaml").model_dump(
        by_alias=True, exclude_none=True
    )
    data["scenarios"][0].update(scenario)
    with pytest.raises(InstanceError) as caught:
        Instance.from_data(data)
    assert message in str(caught.value)


def _cli(*args: Any) -> Any:
    from click.testing import CliRunner

    from sourcing.cli import main

    return CliRunner().invoke(main, [str(a) for a in args])


def test_survive_per_sets_where_the_share_is_measured() -> None:
    path = EXAMPLES / "per-product-resilience.yaml"
    result = _cli("solve", path, "--survive-per", "total", "--format", "json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert (payload["objective"], payload["resilience"]["per"]) == (115.0, "total")


def test_survive_keeps_the_files_per(tmp_path: Path) -> None:
    data = load_instance(EXAMPLES / "per-product-resilience.yaml").model_dump(
        by_alias=True, exclude_none=True
    )
    data["resilience"] = {"max_outage_shortage": 0.5, "per": "total"}
    path = tmp_path / "total.yaml"
    dump_instance(Instance.from_data(data), path)
    payload = json.loads(_cli("solve", path, "--survive", "0.1", "--format", "json").stdout)
    assert payload["resilience"]["max_outage_shortage"] == 0.1
    assert (payload["objective"], payload["resilience"]["per"]) == (115.0, "total")


def test_survive_per_needs_a_requirement() -> None:
    result = _cli("solve", EXAMPLES / "caps.yaml", "--survive-per", "cell")
    assert result.exit_code == 2
    assert result.stderr == (
        "error: --survive-per needs --survive or a `resilience` requirement in the file\n"
    )


def test_stress_json_names_the_worst_product() -> None:
    path = EXAMPLES / "per-product-resilience.yaml"
    result = _cli("stress", path, "--survive-per", "total", "--format", "json")
    assert result.exit_code == 0, result.output
    china = next(row for row in json.loads(result.stdout) if row["outage"] == "CN")
    assert (china["worst_product"], china["worst_product_share"]) == ("memory", 1.0)
    assert china["shortage_share"] == pytest.approx(0.1)


def test_sweeps_count_shares_by_value_where_products_have_values() -> None:
    from sourcing.studies.sweep import sweep

    frame = sweep(load_instance(EXAMPLES / "value-cap.yaml"), {"policies.caps[0].max_share": [0.5]})
    row = frame.iloc[0]
    assert row["basis"] == "value"
    assert row["share_CN"] == pytest.approx(0.5)  # (90 x 1 + 0.5 x 10) / 190
    assert row["hhi"] == pytest.approx(0.5)


def test_the_diagnosis_names_the_outage_and_the_product() -> None:
    """Without the Korean memory fab, no plan survives a Chinese outage with 10 % of the memory
    unmet: all 10 units are, whatever is contracted."""
    data = load_instance(EXAMPLES / "per-product-resilience.yaml").model_dump(
        by_alias=True, exclude_none=True
    )
    data["suppliers"] = [s for s in data["suppliers"] if s["id"] != "kr"]
    results = solve(Instance.from_data(data))
    assert results.status == "infeasible"
    assert results.diagnosis is not None
    (finding,) = [f for f in results.diagnosis["structural"] if f["kind"] == "resilience"]
    assert (finding["outage"], finding["product"], finding["share"]) == ("CN", "memory", 1.0)
    assert finding["message"] == (
        "a full outage of CN leaves at least 10 of 10 of memory unmet (100.0%) whatever is "
        "contracted; the requirement allows 10.0% per product"
    )
    (repair,) = results.diagnosis["repairs"]
    assert (repair["required"], repair["verified"]) == (1.0, True)

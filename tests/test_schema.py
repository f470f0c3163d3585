"""Instance validation: defaults, and one exact `file: field.path: reason` line per problem."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from sourcing.errors import InstanceError, Problem
from sourcing.instance.fields import lookup
from sourcing.instance.io import load_instance
from sourcing.instance.schema import (
    DEFAULT_MARKET,
    DEFAULT_MIN_SUPPLIER_SHARE,
    Cap,
    Instance,
    Market,
    Policies,
    Units,
)

Data = dict[str, Any]

# Two periods, two markets, a bloc and a policy of each kind: every field path below exists here.
BASE: Data = {
    "name": "base",
    "periods": [2026, 2027],
    "regions": [{"id": "CN"}, {"id": "JP"}, {"id": "KR"}],
    "blocs": [{"id": "allies", "members": ["JP", "KR"]}],
    "products": [{"id": "chip", "shortage_penalty": 50}, {"id": "mem"}],
    "markets": [{"id": "EU"}, {"id": "US"}],
    "suppliers": [
        {
            "id": "cn",
            "region": "CN",
            "fixed_cost": 10,
            "offers": [{"product": "chip", "unit_cost": {2026: 5, 2027: 6}}],
        },
        {
            "id": "jp",
            "region": "JP",
            "capacity": {2026: 100},
            "offers": [{"product": "chip", "unit_cost": 8}, {"product": "mem", "unit_cost": 3}],
        },
    ],
    "demand": [
        {"product": "chip", "market": "EU", "quantity": 100},
        {"product": "mem", "market": "US", "period": 2027, "quantity": 5},
    ],
    "transport": [{"from": "CN", "to": "EU", "cost": 0.5}],
    "policies": {
        "caps": [{"id": "cn-cap", "group": "CN", "max_share": 0.2}],
        "floors": [{"id": "allied", "group": "allies", "min_share": 0.5}],
        "bans": [{"id": "no-cn-us", "group": "CN", "markets": ["US"]}],
    },
}

MINIMAL: Data = {
    "name": "minimal",
    "regions": [{"id": "CN"}],
    "products": [{"id": "chip"}],
    "suppliers": [{"id": "cn", "region": "CN", "offers": [{"product": "chip", "unit_cost": 1}]}],
    "demand": [{"product": "chip", "quantity": 10}],
}


def base() -> Data:
    return copy.deepcopy(BASE)


def write(tmp_path: Path, data: Any, name: str = "inst.yaml") -> Path:
    path = tmp_path / name
    if name.endswith(".json"):
        path.write_text(json.dumps(data), encoding="utf-8")
    else:
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    """The lines of the InstanceError raised when loading `path`."""
    with pytest.raises(InstanceError) as info:
        load_instance(path)
    assert "Traceback" not in str(info.value)
    return str(info.value).splitlines()


def run(tmp_path: Path, mutate: Callable[[Data], Any], name: str = "inst.yaml") -> list[str]:
    data = base()
    mutate(data)
    return problems_of(write(tmp_path, data, name))


# --- valid instances and defaults ---------------------------------------------------------


def test_base_is_valid(tmp_path: Path) -> None:
    instance = load_instance(write(tmp_path, base()))
    assert instance.name == "base"
    assert [s.id for s in instance.suppliers] == ["cn", "jp"]
    assert lookup(instance.suppliers[0].offers[0].unit_cost, 2027) == 6.0
    assert instance.transport[0].from_ == "CN"
    assert instance.members_of("allies") == frozenset({"jp"})
    assert instance.members_of("CN") == frozenset({"cn"})


def test_defaults(tmp_path: Path) -> None:
    instance = load_instance(write(tmp_path, MINIMAL))
    assert instance.units == Units(quantity="units", money="money")
    assert instance.periods == [1]
    assert instance.markets == [Market(id=DEFAULT_MARKET)]
    assert DEFAULT_MARKET == "default"
    assert instance.blocs == [] and instance.transport == [] and instance.tariffs == []
    supplier = instance.suppliers[0]
    assert supplier.fixed_cost == 0.0
    assert supplier.min_order == 0.0
    assert supplier.capacity is None
    assert supplier.offers[0].capacity is None
    assert instance.products[0].shortage_penalty is None
    assert instance.products[0].holding_cost is None
    assert instance.demand[0].market is None and instance.demand[0].period is None
    policies = instance.policies
    assert policies.min_supplier_share == DEFAULT_MIN_SUPPLIER_SHARE == 0.1
    assert policies.caps == policies.floors == policies.bans == []
    assert policies.max_supplier_share is None and policies.min_suppliers is None
    assert instance.scenarios == [] and instance.risk is None
    assert instance.description is None


def test_partial_units_keep_the_other_default(tmp_path: Path) -> None:
    data = {**MINIMAL, "units": {"money": "EUR million"}}
    assert load_instance(write(tmp_path, data)).units == Units(
        quantity="units", money="EUR million"
    )


def test_instances_are_frozen(tmp_path: Path) -> None:
    instance = load_instance(write(tmp_path, MINIMAL))
    with pytest.raises(Exception, match="frozen"):
        instance.name = "other"  # type: ignore[misc]


def test_demand_without_market_is_fine_with_one_market(tmp_path: Path) -> None:
    data = {**copy.deepcopy(MINIMAL), "markets": [{"id": "EU"}]}
    assert load_instance(write(tmp_path, data)).demand[0].market is None


# --- one problem per file: exact messages -------------------------------------------------


def _set(path: list[Any], value: Any) -> Callable[[Data], None]:
    def mutate(data: Data) -> None:
        target: Any = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return mutate


def _pop(path: list[Any]) -> Callable[[Data], None]:
    def mutate(data: Data) -> None:
        target: Any = data
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return mutate


def _append(path: list[Any], value: Any) -> Callable[[Data], None]:
    def mutate(data: Data) -> None:
        target: Any = data
        for key in path:
            target = target[key]
        target.append(value)

    return mutate


SINGLE_PROBLEMS = [
    # unknown keys
    ("top-level-key", _set(["foo"], 1), "foo: unknown key"),
    (
        "nested-key",
        _set(["suppliers", 0, "offers", 0, "foo"], 1),
        "suppliers[0].offers[0].foo: unknown key",
    ),
    ("policy-key", _set(["policies", "caps", 0, "foo"], 1), "policies.caps[0].foo: unknown key"),
    ("units-key", _set(["units"], {"money": "EUR", "foo": "x"}), "units.foo: unknown key"),
    # wrong types
    (
        "fixed-cost-text",
        _set(["suppliers", 0, "fixed_cost"], "abc"),
        "suppliers[0].fixed_cost: expected a number, got the text 'abc'",
    ),
    ("regions-not-list", _set(["regions"], "CN"), "regions: Input should be a valid list"),
    (
        "offers-not-list",
        _set(["suppliers", 0, "offers"], {"product": "chip", "unit_cost": 1}),
        "suppliers[0].offers: Input should be a valid list",
    ),
    (
        "pooled-not-bool",
        _set(["policies", "caps", 0, "pooled"], "maybe"),
        "policies.caps[0].pooled: expected true or false, got the text 'maybe'",
    ),
    (
        "id-not-text",
        _set(["products", 0, "id"], 5),
        "products[0].id: expected text, got the number 5 (put it in quotes to use it as text)",
    ),
    ("name-null", _set(["name"], None), "name: expected text, got null"),
    (
        "empty-id",
        _set(["products", 0, "id"], ""),
        "products[0].id: String should have at least 1 character",
    ),
    (
        "capacity-text",
        _set(["suppliers", 0, "capacity"], "lots"),
        "suppliers[0].capacity: expected a non-negative number or a map {period: number}, "
        "got the text 'lots'",
    ),
    (
        "periods-empty",
        _set(["periods"], []),
        "periods: at least one period; leave the key out for one period labelled 1",
    ),
    # required keys
    ("missing-name", _pop(["name"]), "name: required key is missing"),
    ("missing-suppliers", _pop(["suppliers"]), "suppliers: required key is missing"),
    ("missing-regions", _pop(["regions"]), "regions: required key is missing"),
    ("missing-products", _pop(["products"]), "products: required key is missing"),
    ("missing-demand", _pop(["demand"]), "demand: required key is missing"),
    (
        "missing-supplier-region",
        _pop(["suppliers", 1, "region"]),
        "suppliers[1].region: required key is missing",
    ),
    (
        "missing-quantity",
        _pop(["demand", 0, "quantity"]),
        "demand[0].quantity: required key is missing",
    ),
    ("missing-from", _pop(["transport", 0, "from"]), "transport[0].from: required key is missing"),
    # unknown references
    (
        "unknown-offer-product",
        _set(["suppliers", 1, "offers", 0, "product"], "chipp"),
        "suppliers[1].offers[0].product: unknown product 'chipp'",
    ),
    (
        "offered-twice",
        _append(["suppliers", 0, "offers"], {"product": "chip", "unit_cost": 1}),
        "suppliers[0].offers[1].product: product 'chip' is offered twice",
    ),
    (
        "unknown-supplier-region",
        _set(["suppliers", 0, "region"], "XX"),
        "suppliers[0].region: unknown region 'XX'",
    ),
    (
        "unknown-market-region",
        _set(["markets", 1, "region"], "XX"),
        "markets[1].region: unknown region 'XX'",
    ),
    (
        "unknown-bloc-member",
        _append(["blocs", 0, "members"], "ZZ"),
        "blocs[0].members[2]: unknown region, bloc or supplier 'ZZ'",
    ),
    (
        "bloc-contains-itself",
        _append(["blocs", 0, "members"], "allies"),
        "blocs[0].members: bloc 'allies' contains itself",
    ),
    (
        "unknown-cap-group",
        _set(["policies", "caps", 0, "group"], "XX"),
        "policies.caps[0].group: unknown region, bloc or supplier 'XX'",
    ),
    (
        "unknown-ban-market",
        _set(["policies", "bans", 0, "markets"], ["US", "UK"]),
        "policies.bans[0].markets[1]: unknown market 'UK'",
    ),
    (
        "unknown-floor-product",
        _set(["policies", "floors", 0, "products"], ["gpu"]),
        "policies.floors[0].products[0]: unknown product 'gpu'",
    ),
    (
        "unknown-cap-period",
        _set(["policies", "caps", 0, "periods"], [2026, 2030]),
        "policies.caps[0].periods[1]: unknown period '2030'",
    ),
    (
        "unknown-transport-from",
        _set(["transport", 0, "from"], "XX"),
        "transport[0].from: unknown region, bloc or supplier 'XX'",
    ),
    (
        "unknown-transport-to",
        _set(["transport", 0, "to"], "YY"),
        "transport[0].to: unknown market, region or bloc 'YY'",
    ),
    (
        "unknown-tariff-product",
        _set(["tariffs"], [{"from": "CN", "rate": 0.1, "products": ["gpu"]}]),
        "tariffs[0].products[0]: unknown product 'gpu'",
    ),
    # duplicate ids
    (
        "bloc-id-is-region-id",
        _append(["blocs"], {"id": "CN", "members": ["JP"]}),
        "blocs[1].id: duplicate id 'CN' (already used in regions); ids must be unique across "
        "regions, blocs and suppliers",
    ),
    (
        "supplier-id-is-bloc-id",
        _set(["suppliers", 1, "id"], "allies"),
        "suppliers[1].id: duplicate id 'allies' (already used in blocs); ids must be unique "
        "across regions, blocs and suppliers",
    ),
    (
        "duplicate-supplier",
        _set(["suppliers", 1, "id"], "cn"),
        "suppliers[1].id: duplicate id 'cn' (already used in suppliers); ids must be unique "
        "across regions, blocs and suppliers",
    ),
    (
        "duplicate-market",
        _append(["markets"], {"id": "EU"}),
        "markets[2].id: duplicate id 'EU'",
    ),
    (
        "duplicate-policy-across-kinds",
        _set(["policies", "floors", 0, "id"], "cn-cap"),
        "policies.floors[0].id: duplicate policy id 'cn-cap' (already used in policies.caps)",
    ),
    (
        "duplicate-policy-same-kind",
        _append(["policies", "caps"], {"id": "cn-cap", "group": "KR", "max_share": 0.5}),
        "policies.caps[1].id: duplicate policy id 'cn-cap' (already used in policies.caps)",
    ),
    # per-period maps and demand
    (
        "unit-cost-unknown-period",
        _set(["suppliers", 0, "offers", 0, "unit_cost"], {2026: 5, 2030: 6}),
        "suppliers[0].offers[0].unit_cost.2030: unknown period '2030'",
    ),
    (
        "capacity-unknown-period",
        _set(["suppliers", 1, "capacity"], {2025: 10}),
        "suppliers[1].capacity.2025: unknown period '2025'",
    ),
    (
        "offer-capacity-unknown-period",
        _set(["suppliers", 1, "offers", 1, "capacity"], {"2031": 10}),
        "suppliers[1].offers[1].capacity.2031: unknown period '2031'",
    ),
    (
        "demand-unknown-period",
        _set(["demand", 1, "period"], 2030),
        "demand[1].period: unknown period '2030'",
    ),
    (
        "demand-unknown-market",
        _set(["demand", 0, "market"], "UK"),
        "demand[0].market: unknown market 'UK'",
    ),
    (
        "demand-unknown-product",
        _set(["demand", 0, "product"], "gpu"),
        "demand[0].product: unknown product 'gpu'",
    ),
    (
        "demand-without-market",
        _pop(["demand", 0, "market"]),
        "demand[0].market: required when there are several markets",
    ),
    (
        "duplicate-demand",
        _append(["demand"], {"product": "chip", "market": "EU", "period": 2027, "quantity": 1}),
        "demand[2]: demand for 'chip' in market 'EU', period '2027' is already given by demand[0]",
    ),
    # shares outside [0, 1]
    (
        "cap-above-1",
        _set(["policies", "caps", 0, "max_share"], 1.5),
        "policies.caps[0].max_share: Input should be less than or equal to 1",
    ),
    (
        "cap-below-0",
        _set(["policies", "caps", 0, "max_share"], -0.1),
        "policies.caps[0].max_share: Input should be greater than or equal to 0",
    ),
    (
        "floor-above-1",
        _set(["policies", "floors", 0, "min_share"], 2),
        "policies.floors[0].min_share: Input should be less than or equal to 1",
    ),
    (
        "max-supplier-share-above-1",
        _set(["policies", "max_supplier_share"], 1.2),
        "policies.max_supplier_share: Input should be less than or equal to 1",
    ),
    (
        "min-supplier-share-above-1",
        _set(["policies", "min_supplier_share"], 1.01),
        "policies.min_supplier_share: Input should be less than or equal to 1",
    ),
    (
        "min-suppliers-zero",
        _set(["policies", "min_suppliers"], 0),
        "policies.min_suppliers: Input should be greater than or equal to 1",
    ),
    # negative quantities and costs
    (
        "negative-demand",
        _set(["demand", 0, "quantity"], -1),
        "demand[0].quantity: Input should be greater than or equal to 0",
    ),
    (
        "negative-unit-cost",
        _set(["suppliers", 1, "offers", 0, "unit_cost"], -1),
        "suppliers[1].offers[0].unit_cost: must be >= 0, got -1",
    ),
    (
        "negative-unit-cost-in-map",
        _set(["suppliers", 0, "offers", 0, "unit_cost"], {2026: 5, 2027: -6}),
        "suppliers[0].offers[0].unit_cost: period 2027: must be >= 0, got -6",
    ),
    (
        "negative-fixed-cost",
        _set(["suppliers", 0, "fixed_cost"], -10),
        "suppliers[0].fixed_cost: Input should be greater than or equal to 0",
    ),
    (
        "negative-capacity",
        _set(["suppliers", 0, "capacity"], -3),
        "suppliers[0].capacity: must be >= 0, got -3",
    ),
    (
        "negative-transport",
        _set(["transport", 0, "cost"], -0.5),
        "transport[0].cost: Input should be greater than or equal to 0",
    ),
    (
        "negative-penalty",
        _set(["products", 0, "shortage_penalty"], -50),
        "products[0].shortage_penalty: Input should be greater than or equal to 0",
    ),
    (
        "infinite-demand",
        _set(["demand", 0, "quantity"], float("inf")),
        "demand[0].quantity: expected a finite number, got inf",
    ),
    # scenarios and risk
    (
        "scenarios-need-penalties",
        _set(["scenarios"], [{"id": "embargo", "probability": 0.1, "capacity_factor": {"CN": 0}}]),
        "products[1].shortage_penalty: required when the instance has disruption scenarios: "
        "demand may go unmet in a disruption, at this penalty",
    ),
    (
        "cvar-level-one",
        _set(["risk"], {"cvar_level": 1, "weight": 0.5}),
        "risk.cvar_level: Input should be less than 1",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [pytest.param(m, e, id=i) for i, m, e in SINGLE_PROBLEMS],
)
def test_single_problem_message(
    tmp_path: Path, mutate: Callable[[Data], Any], expected: str
) -> None:
    path = tmp_path / "inst.yaml"
    assert run(tmp_path, mutate) == [f"{path}: {expected}"]


def test_duplicate_product(tmp_path: Path) -> None:
    def mutate(data: Data) -> None:
        data["products"].append({"id": "chip"})

    path = tmp_path / "inst.yaml"
    assert run(tmp_path, mutate) == [f"{path}: products[2].id: duplicate id 'chip'"]


def test_problem_in_a_json_file_names_that_file(tmp_path: Path) -> None:
    lines = run(tmp_path, _set(["suppliers", 1, "offers", 0, "product"], "chipp"), "inst.json")
    assert lines == [
        f"{tmp_path / 'inst.json'}: suppliers[1].offers[0].product: unknown product 'chipp'"
    ]


def test_scenario_may_not_be_named_nominal(tmp_path: Path) -> None:
    path = tmp_path / "inst.yaml"
    problems = run(tmp_path, _set(["scenarios"], [{"id": "nominal", "probability": 0.1}]))
    assert problems[0] == f"{path}: scenarios[0].id: 'nominal' names the undisrupted scenario"


def test_scenario_probabilities_above_one(tmp_path: Path) -> None:
    scenarios = [
        {"id": "a", "probability": 0.7},
        {"id": "b", "probability": 0.6},
    ]
    path = tmp_path / "inst.yaml"
    assert run(tmp_path, _set(["scenarios"], scenarios)) == [
        f"{path}: scenarios: probabilities add up to 1.3, above 1",
        f"{path}: products[1].shortage_penalty: required when the instance has disruption "
        "scenarios: demand may go unmet in a disruption, at this penalty",
    ]


def test_single_scenario_probability_above_one(tmp_path: Path) -> None:
    path = tmp_path / "inst.yaml"
    lines = run(tmp_path, _set(["scenarios"], [{"id": "a", "probability": 1.5}]))
    assert lines == [f"{path}: scenarios[0].probability: Input should be less than or equal to 1"]


def test_bloc_cycle_reports_each_bloc(tmp_path: Path) -> None:
    blocs = [{"id": "a", "members": ["b"]}, {"id": "b", "members": ["a", "JP"]}]
    path = tmp_path / "inst.yaml"
    assert run(tmp_path, lambda data: data["blocs"].extend(blocs)) == [
        f"{path}: blocs[1].members: bloc 'a' contains itself",
        f"{path}: blocs[2].members: bloc 'b' contains itself",
    ]


# --- several problems at once ---------------------------------------------------------------


def test_several_field_problems_are_all_reported(tmp_path: Path) -> None:
    def mutate(data: Data) -> None:
        data["foo"] = 1
        data["suppliers"][0]["fixed_cost"] = -1
        data["demand"][0]["quantity"] = "lots"
        data["policies"]["caps"][0]["max_share"] = 3
        del data["products"][1]["id"]

    path = tmp_path / "inst.yaml"
    lines = run(tmp_path, mutate)
    assert sorted(lines) == sorted(
        f"{path}: {line}"
        for line in [
            "foo: unknown key",
            "suppliers[0].fixed_cost: Input should be greater than or equal to 0",
            "demand[0].quantity: expected a number, got the text 'lots'",
            "policies.caps[0].max_share: Input should be less than or equal to 1",
            "products[1].id: required key is missing",
        ]
    )


def test_several_reference_problems_are_all_reported(tmp_path: Path) -> None:
    def mutate(data: Data) -> None:
        data["suppliers"][1]["offers"][0]["product"] = "chipp"
        data["suppliers"][0]["region"] = "XX"
        data["blocs"][0]["members"].append("ZZ")
        data["demand"][1]["period"] = 2030
        data["policies"]["bans"][0]["id"] = "cn-cap"

    path = tmp_path / "inst.yaml"
    lines = run(tmp_path, mutate)
    assert sorted(lines) == sorted(
        f"{path}: {line}"
        for line in [
            "suppliers[1].offers[0].product: unknown product 'chipp'",
            "suppliers[0].region: unknown region 'XX'",
            "blocs[0].members[2]: unknown region, bloc or supplier 'ZZ'",
            "demand[1].period: unknown period '2030'",
            "policies.bans[0].id: duplicate policy id 'cn-cap' (already used in policies.caps)",
        ]
    )


def test_error_holds_structured_problems(tmp_path: Path) -> None:
    data = base()
    data["suppliers"][1]["offers"][0]["product"] = "chipp"
    data["demand"][0]["market"] = "UK"
    path = write(tmp_path, data)
    with pytest.raises(InstanceError) as info:
        load_instance(path)
    error = info.value
    assert error.source == str(path)
    assert sorted(error.problems, key=str) == [
        Problem("demand[0].market", "unknown market 'UK'"),
        Problem("suppliers[1].offers[0].product", "unknown product 'chipp'"),
    ]


def test_from_data_without_source_has_no_prefix() -> None:
    data = base()
    data["suppliers"][0]["region"] = "XX"
    with pytest.raises(InstanceError) as info:
        Instance.from_data(data)
    assert str(info.value) == "suppliers[0].region: unknown region 'XX'"
    with pytest.raises(InstanceError) as info:
        Instance.from_data(data, source="somewhere.yaml")
    assert str(info.value) == "somewhere.yaml: suppliers[0].region: unknown region 'XX'"


def test_from_data_rejects_a_list() -> None:
    with pytest.raises(InstanceError) as info:
        Instance.from_data([1, 2], source="x.json")
    assert str(info.value) == (
        "x.json: expected a mapping of instance keys at the top level, got list"
    )


# --- Instance.replace -----------------------------------------------------------------------


def test_replace_returns_a_revalidated_copy() -> None:
    original = Instance.from_data(base())
    before = original.model_dump()
    assert original.replace() == original
    renamed = original.replace(name="renamed")
    assert renamed.name == "renamed"
    assert original.name == "base"
    assert renamed.suppliers == original.suppliers

    policies = Policies(caps=[Cap(id="jp-cap", group="JP", max_share=0.5)])
    changed = original.replace(policies=policies, periods=[2026, 2027])
    assert changed.policies == policies
    assert [c.id for c in original.policies.caps] == ["cn-cap"]

    fewer = original.replace(suppliers=[original.suppliers[1]])
    assert [s.id for s in fewer.suppliers] == ["jp"]
    assert original.model_dump() == before


def test_bad_replacement_raises_and_leaves_the_original() -> None:
    original = Instance.from_data(base())
    before = original.model_dump()
    with pytest.raises(InstanceError) as info:
        original.replace(policies=Policies(caps=[Cap(id="c", group="XX", max_share=0.5)]))
    assert str(info.value) == "policies.caps[0].group: unknown region, bloc or supplier 'XX'"
    with pytest.raises(InstanceError) as info:
        original.replace(periods=[2026])  # cn's unit_cost map and demand[1] name 2027
    assert str(info.value).splitlines() == [
        "suppliers[0].offers[0].unit_cost.2027: unknown period '2027'",
        "demand[1].period: unknown period '2027'",
    ]
    with pytest.raises(InstanceError) as info:
        original.replace(demand=[{"product": "chip", "quantity": -1}])
    assert str(info.value) == "demand[0].quantity: Input should be greater than or equal to 0"
    with pytest.raises(InstanceError) as info:
        original.replace(foo=1)
    assert str(info.value) == "foo: unknown key"
    assert original.model_dump() == before


def test_replace_markets_rechecks_demand() -> None:
    original = Instance.from_data(MINIMAL)
    with pytest.raises(InstanceError) as info:
        original.replace(markets=[Market(id="EU"), Market(id="US")])
    assert str(info.value) == "demand[0].market: required when there are several markets"
    assert original.markets == [Market(id="default")]


# --- known bugs -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        ["demand", 0, "quantity"],
        ["suppliers", 0, "fixed_cost"],
        ["policies", "caps", 0, "max_share"],
    ],
    ids=["quantity", "fixed_cost", "max_share"],
)
def test_boolean_is_not_a_number(tmp_path: Path, path: list[Any]) -> None:
    with pytest.raises(InstanceError):
        load_instance(write(tmp_path, _apply(_set(path, True))))


def _apply(mutate: Callable[[Data], Any]) -> Data:
    data = base()
    mutate(data)
    return data


def test_duplicate_period_is_reported_once(tmp_path: Path) -> None:
    path = tmp_path / "inst.yaml"
    data = {**copy.deepcopy(MINIMAL), "periods": [1, 1]}
    assert problems_of(write(tmp_path, data)) == [f"{path}: periods[1]: duplicate period '1'"]

"""Strict types and the solver's limits: a value means what it says or the file is refused.

A quoted number is text, a boolean is not a number, an empty list does not silently cover
nothing, and every number lies in the range HiGHS solves reliably (docs/limits.md).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from click.testing import CliRunner

from sourcing import solve
from sourcing.check import check_plan
from sourcing.cli import main
from sourcing.errors import InstanceError
from sourcing.explain.diagnose import _verify
from sourcing.instance import fields
from sourcing.instance.formats import dump_yaml
from sourcing.instance.io import load_instance, text_keys
from sourcing.instance.schema import Instance
from sourcing.solver import SolveOptions
from sourcing.studies.stress import with_penalties

Data = dict[str, Any]
ROOT = Path(__file__).resolve().parents[1]

# Every numeric field of the format, each present once (a valid instance).
FULL: Data = {
    "name": "full",
    "periods": [2026, 2027],
    "regions": [{"id": "CN"}, {"id": "JP"}],
    "blocs": [{"id": "allies", "members": ["JP"]}],
    "products": [{"id": "chip", "shortage_penalty": 50, "holding_cost": 0.5}],
    "markets": [{"id": "EU"}],
    "suppliers": [
        {
            "id": "cn",
            "region": "CN",
            "fixed_cost": 10,
            "capacity": {2026: 70},
            "min_order": 5,
            "offers": [{"product": "chip", "unit_cost": {2026: 5, 2027: 6}, "capacity": 60}],
        },
        {
            "id": "jp",
            "region": "JP",
            "capacity": 100,
            "offers": [{"product": "chip", "unit_cost": 8, "capacity": {2027: 40}}],
        },
    ],
    "demand": [{"product": "chip", "quantity": 100}],
    "transport": [{"from": "CN", "cost": 0.5}],
    "tariffs": [{"from": "CN", "rate": 0.25}],
    "policies": {
        "caps": [{"id": "cn-cap", "group": "CN", "max_share": 0.4}],
        "floors": [{"id": "allied", "group": "allies", "min_share": 0.1}],
        "max_supplier_share": 0.9,
        "min_suppliers": 2,
        "min_supplier_share": 0.05,
    },
    "scenarios": [{"id": "embargo", "probability": 0.1, "capacity_factor": {"CN": 0.5}}],
    "risk": {"cvar_level": 0.9, "weight": 0.5},
    "resilience": {"max_outage_shortage": 0.5},
}
PER_PERIOD_FIELDS = {"unit_cost", "capacity"}
LABELS = {"periods", "period"}


def full() -> Data:
    return copy.deepcopy(FULL)


def numeric_leaves(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """The key path of every number of `value`, period labels left out."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key not in LABELS:
                yield from numeric_leaves(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from numeric_leaves(item, (*path, i))
    elif isinstance(value, int | float) and not isinstance(value, bool):
        yield path


LEAVES = list(numeric_leaves(FULL))


def field_path(path: tuple[Any, ...]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def get(data: Data, path: tuple[Any, ...]) -> Any:
    for part in path:
        data = data[part]
    return data


def put(data: Data, path: tuple[Any, ...], value: Any) -> Data:
    get(data, path[:-1])[path[-1]] = value
    return data


def write(tmp_path: Path, data: Data, fmt: str) -> Path:
    path = tmp_path / f"inst.{fmt}"
    if fmt == "yaml":
        text = dump_yaml(data)
    elif fmt == "json":
        text = json.dumps(text_keys(data))
    else:
        text = tomli_w.dumps(text_keys(data))
    path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(InstanceError) as info:
        load_instance(path)
    return str(info.value).splitlines()


def where(path: tuple[Any, ...], fmt: str) -> tuple[str, str]:
    """The field path a problem of the number at `path` is reported at, and the prefix of
    its message (a per-period map reports `period 2026: ...` at the map)."""
    if len(path) > 1 and path[-2] in PER_PERIOD_FIELDS and isinstance(get(FULL, path[:-1]), dict):
        key = path[-1] if fmt == "yaml" else str(path[-1])
        return field_path(path[:-1]), f"period {key!r}: "
    return field_path(path), ""


def not_a_number(path: tuple[Any, ...], fmt: str, shown: str) -> str:
    """The problem line (without the file) for a non-number `shown` at `path`."""
    field, prefix = where(path, fmt)
    if path[-1] == "min_suppliers":
        expected = "a whole number"
    elif path[-1] in PER_PERIOD_FIELDS:  # a number or a map
        expected = "a non-negative number or a map {period: number}"
    else:
        expected = "a number"
    return f"{field}: {prefix}expected {expected}, got {shown}"


def test_full_instance_is_valid_in_every_format(tmp_path: Path) -> None:
    loaded = [load_instance(write(tmp_path, full(), fmt)) for fmt in ("yaml", "json", "toml")]
    assert loaded[0] == loaded[1] == loaded[2]
    assert len(LEAVES) == 24


@pytest.mark.parametrize("fmt", ["yaml", "json", "toml"])
@pytest.mark.parametrize("leaf", LEAVES, ids=[field_path(p) for p in LEAVES])
def test_quoted_number_is_text_in_every_field(tmp_path: Path, fmt: str, leaf: tuple) -> None:
    number = get(FULL, leaf)
    path = write(tmp_path, put(full(), leaf, str(number)), fmt)
    assert problems(path) == [f"{path}: {not_a_number(leaf, fmt, f'the text {str(number)!r}')}"]


@pytest.mark.parametrize("fmt", ["yaml", "json", "toml"])
@pytest.mark.parametrize("leaf", LEAVES, ids=[field_path(p) for p in LEAVES])
def test_boolean_is_not_a_number_in_any_field(tmp_path: Path, fmt: str, leaf: tuple) -> None:
    path = write(tmp_path, put(full(), leaf, True), fmt)
    assert problems(path) == [f"{path}: {not_a_number(leaf, fmt, 'true')}"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (2.5, "expected a whole number, got 2.5"),
        (True, "expected a whole number, got true"),
        ("2", "expected a whole number, got the text '2'"),
        (0, "Input should be greater than or equal to 1"),
        (
            1_000_001,
            "must be at most 1e6, got 1000001 (see docs/limits.md)",
        ),
    ],
)
def test_min_suppliers_is_a_whole_number(tmp_path: Path, value: Any, message: str) -> None:
    path = write(tmp_path, put(full(), ("policies", "min_suppliers"), value), "yaml")
    assert problems(path) == [f"{path}: policies.min_suppliers: {message}"]
    assert Instance.from_data(put(full(), ("policies", "min_suppliers"), 3.0)).policies == (
        Instance.from_data(put(full(), ("policies", "min_suppliers"), 3)).policies
    )


def test_pooled_takes_true_or_false_only(tmp_path: Path) -> None:
    for value, shown in (("yes", "the text 'yes'"), (1, "1"), ("true", "the text 'true'")):
        data = put(full(), ("policies", "caps", 0, "pooled"), value)
        path = write(tmp_path, data, "yaml")
        assert problems(path) == [
            f"{path}: policies.caps[0].pooled: expected true or false, got {shown}"
        ]


# --- the solver's limits --------------------------------------------------------------------

TOO_LARGE = "are beyond what the solver handles reliably"
QUANTITY_BIG = f"larger quantities {TOO_LARGE} (use a larger quantity unit; see docs/limits.md)"
MONEY_BIG = (
    f"larger amounts of money per unit {TOO_LARGE} (use a larger money unit; see docs/limits.md)"
)
LIMITS = [
    (("demand", 0, "quantity"), 1e9, 1.5e9, f"must be at most 1e9, got 1.5e9: {QUANTITY_BIG}"),
    (
        ("suppliers", 1, "capacity"),
        1e9,
        2e9,
        f"must be at most 1e9, got 2e9: {QUANTITY_BIG}",
    ),
    (
        ("suppliers", 0, "capacity", 2026),
        1e9,
        1e16,
        f"period 2026: must be at most 1e9, got 1e16: {QUANTITY_BIG}",
    ),
    (("suppliers", 0, "min_order"), 1e9, 1e10, f"must be at most 1e9, got 1e10: {QUANTITY_BIG}"),
    (
        ("suppliers", 1, "offers", 0, "unit_cost"),
        1e9,
        1e20,
        f"must be at most 1e9, got 1e20: {MONEY_BIG}",
    ),
    (("transport", 0, "cost"), 1e9, 1e12, f"must be at most 1e9, got 1e12: {MONEY_BIG}"),
    (
        ("products", 0, "shortage_penalty"),
        1e9,
        5e9,
        f"must be at most 1e9, got 5e9: {MONEY_BIG}",
    ),
    (
        ("suppliers", 0, "fixed_cost"),
        1e12,
        1e13,
        f"must be at most 1e12, got 1e13: larger fixed costs {TOO_LARGE} "
        "(use a larger money unit; see docs/limits.md)",
    ),
    (
        ("tariffs", 0, "rate"),
        100,
        101,
        f"must be at most 100, got 101: larger tariff rates {TOO_LARGE} (see docs/limits.md)",
    ),
    (
        ("scenarios", 0, "capacity_factor", "CN"),
        1000,
        1001,
        f"must be at most 1e3, got 1001: larger capacity factors {TOO_LARGE} (see docs/limits.md)",
    ),
    (
        ("risk", "weight"),
        1000,
        1e6,
        f"must be at most 1e3, got 1e6: larger risk weights {TOO_LARGE} (see docs/limits.md)",
    ),
    (
        ("demand", 0, "quantity"),
        0.001,
        1e-4,
        "must be 0 or at least 1e-3, got 1e-4: smaller quantities are lost in the solver's "
        "tolerances (use a smaller quantity unit; see docs/limits.md)",
    ),
    (
        ("suppliers", 1, "offers", 0, "unit_cost"),
        1e-6,
        1e-7,
        "must be 0 or at least 1e-6, got 1e-7: smaller amounts of money per unit are lost in the "
        "solver's tolerances (use a smaller money unit; see docs/limits.md)",
    ),
    (
        ("products", 0, "holding_cost"),
        0,
        1e-9,
        "must be 0 or at least 1e-6, got 1e-9: smaller amounts of money per unit are lost in the "
        "solver's tolerances (use a smaller money unit; see docs/limits.md)",
    ),
]


@pytest.mark.parametrize(("leaf", "fine", "bad", "message"), LIMITS)
def test_numbers_beyond_the_solver_limits(
    tmp_path: Path, leaf: tuple, fine: float, bad: float, message: str
) -> None:
    Instance.from_data(put(full(), leaf, fine))
    path = write(tmp_path, put(full(), leaf, bad), "yaml")
    field, _ = where(leaf, "yaml")
    assert problems(path) == [f"{path}: {field}: {message}"]


@pytest.mark.parametrize(
    "leaf",
    [("demand", 0, "quantity"), ("suppliers", 0, "offers", 0, "unit_cost", 2027)],
    ids=["quantity", "per-period"],
)
@pytest.mark.parametrize("fmt", ["yaml", "json", "toml"])
def test_integer_of_400_digits_gets_the_range_message(
    tmp_path: Path, fmt: str, leaf: tuple
) -> None:
    path = write(tmp_path, put(full(), leaf, 10**399), fmt)
    field, prefix = where(leaf, fmt)
    what = "quantities" if leaf[-1] == "quantity" else "amounts of money per unit"
    unit = "quantity" if leaf[-1] == "quantity" else "money"
    assert problems(path) == [
        f"{path}: {field}: {prefix}must be at most 1e9, got a number of 400 digits: larger "
        f"{what} {TOO_LARGE} (use a larger {unit} unit; see docs/limits.md)"
    ]


@pytest.mark.parametrize(
    ("token", "shown"),
    [("NaN", "nan"), ("Infinity", "inf"), ("-Infinity", "-inf"), ("1e400", "inf")],
)
def test_json_non_finite_numbers_are_refused_with_the_path(
    tmp_path: Path, token: str, shown: str
) -> None:
    path = tmp_path / "inst.json"
    text = json.dumps(text_keys(full())).replace('"shortage_penalty": 50', "%s")
    path.write_text(text % f'"shortage_penalty": {token}', encoding="utf-8")
    assert problems(path) == [
        f"{path}: products[0].shortage_penalty: expected a finite number, got {shown}"
    ]


@pytest.mark.parametrize("token", [".nan", ".inf", "-.Inf"])
def test_yaml_non_finite_numbers_are_refused(tmp_path: Path, token: str) -> None:
    path = tmp_path / "inst.yaml"
    path.write_text(dump_yaml(full()).replace("quantity: 100", f"quantity: {token}"), "utf-8")
    shown = {".nan": "nan", ".inf": "inf", "-.Inf": "-inf"}[token]
    assert problems(path) == [f"{path}: demand[0].quantity: expected a finite number, got {shown}"]


def test_limits_are_documented() -> None:
    """docs/limits.md names each limit with the value the schema enforces."""
    text = (ROOT / "docs" / "limits.md").read_text(encoding="utf-8")
    for name in (
        "MAX_QUANTITY",
        "MIN_QUANTITY",
        "MAX_UNIT_MONEY",
        "MIN_MONEY",
        "MAX_FIXED_COST",
        "MAX_TARIFF_RATE",
        "MAX_CAPACITY_FACTOR",
        "MAX_RISK_WEIGHT",
        "MAX_MIN_SUPPLIERS",
    ):
        value = getattr(fields, name)
        row = re.search(rf"^\| `{name}` \| ([^|]+) \|", text, re.MULTILINE)
        assert row, name
        assert row[1].strip() == fields._g(value), name
    assert "| file size | 256 MiB |" in text


def test_instance_at_the_limits_solves_exactly() -> None:
    """Quantities 1e9, money per unit 1e9 and a fixed cost of 1e12 are still solved to the
    hand-computed optimum: cn's 7e8 units at 6e8, jp's 3e8 at 1e9, jp's fixed cost."""
    data = {
        "name": "at-the-limits",
        "regions": [{"id": "CN"}, {"id": "JP"}],
        "products": [{"id": "chip"}],
        "suppliers": [
            {
                "id": "cn",
                "region": "CN",
                "capacity": 7e8,
                "offers": [{"product": "chip", "unit_cost": 6e8}],
            },
            {
                "id": "jp",
                "region": "JP",
                "fixed_cost": 1e12,
                "offers": [{"product": "chip", "unit_cost": 1e9}],
            },
        ],
        "demand": [{"product": "chip", "quantity": 1e9}],
    }
    instance = Instance.from_data(data)
    results = solve(instance, mip_gap=0.0)
    assert results.status == "optimal"
    assert results.objective == pytest.approx(7e8 * 6e8 + 3e8 * 1e9 + 1e12, rel=1e-9)
    assert check_plan(instance, results.plan) == []


@pytest.mark.parametrize(
    ("replace", "message"),
    [
        (
            ("quantity: 100", "quantity: 1e16"),
            f"demand[0].quantity: must be at most 1e9, got 1e16: {QUANTITY_BIG}",
        ),
        (
            ("unit_cost: 8", "unit_cost: 1e20"),
            f"suppliers[1].offers[0].unit_cost: must be at most 1e9, got 1e20: {MONEY_BIG}",
        ),
    ],
    ids=["demand-1e16", "unit-cost-1e20"],
)
def test_cli_refuses_what_the_solver_cannot_handle(
    tmp_path: Path, replace: tuple[str, str], message: str
) -> None:
    """Demand of 1e16 stopped in HiGHS (internal error, exit 1); unit costs of 1e20 gave
    "no plan found" (exit 4). Both are invalid instances now: exit 2, the path, the limit."""
    path = tmp_path / "inst.yaml"
    path.write_text(dump_yaml(full()).replace(*replace), encoding="utf-8")
    result = CliRunner().invoke(main, ["solve", str(path)])
    assert result.exit_code == 2
    assert result.output.splitlines()[-2:] == ["error: invalid instance", f"{path}: {message}"]


# --- empty lists ----------------------------------------------------------------------------

COVERS_NOTHING = "an empty list covers nothing; leave the key out to cover all"


def mutate(change: Callable[[Data], Any]) -> Data:
    data = full()
    change(data)
    return data


@pytest.mark.parametrize("key", ["products", "markets", "periods"])
@pytest.mark.parametrize("kind", ["bans", "caps", "floors"])
def test_empty_policy_scope_is_refused(tmp_path: Path, kind: str, key: str) -> None:
    def change(data: Data) -> None:
        data["policies"].setdefault(kind, [{"id": "x", "group": "CN"}])
        data["policies"][kind][0][key] = []

    path = write(tmp_path, mutate(change), "yaml")
    assert problems(path) == [f"{path}: policies.{kind}[0].{key}: {COVERS_NOTHING}"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["tariffs"][0].update(products=[]), f"tariffs[0].products: {COVERS_NOTHING}"),
        (
            lambda d: d.update(markets=[]),
            "markets: at least one market; leave the key out for one market named 'default'",
        ),
        (
            lambda d: d.update(periods=[]),
            "periods: at least one period; leave the key out for one period labelled 1",
        ),
        (
            lambda d: d["blocs"][0].update(members=[]),
            "blocs[0].members: a bloc needs at least one member",
        ),
        (
            lambda d: d["suppliers"][1]["offers"][0].update(unit_cost={}),
            "suppliers[1].offers[0].unit_cost: an empty map offers the product in no period; "
            "leave the offer out instead",
        ),
        (
            lambda d: d["suppliers"][1].update(capacity={}),
            "suppliers[1].capacity: an empty map limits nothing; leave the key out for no limit",
        ),
    ],
    ids=["tariff-products", "markets", "periods", "bloc-members", "unit-cost-map", "capacity"],
)
def test_empty_list_or_map_that_would_mean_nothing(
    tmp_path: Path, change: Callable[[Data], Any], message: str
) -> None:
    path = write(tmp_path, mutate(change), "yaml")
    assert problems(path) == [f"{path}: {message}"]


EMPTY = {"name": "empty", "regions": [], "products": [], "suppliers": [], "demand": []}


@pytest.mark.parametrize("key", ["regions", "products", "suppliers", "demand"])
def test_instance_with_nothing_to_do_solves_at_cost_zero(key: str) -> None:
    data = {**EMPTY, **{k: v for k, v in FULL.items() if k in {"regions", "products"}}}
    data = {**data, key: []}
    results = solve(Instance.from_data(data))
    assert (results.status, results.objective) == ("optimal", 0.0)


def test_demand_without_suppliers_is_infeasible_not_a_crash() -> None:
    data = {
        **EMPTY,
        "regions": [{"id": "CN"}],
        "products": [{"id": "chip"}],
        "demand": [{"product": "chip", "quantity": 1}],
    }
    results = solve(Instance.from_data(data))
    assert results.status == "infeasible"


# --- keys and ids ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1: x\n", "1: a key must be text, got 1"),
        ("null: x\n", "null: a key must be text, got null"),
        ("~: x\n", "null: a key must be text, got null"),
        ("true: x\n", "true: a key must be text, got true"),
        ("1.5: x\n", "1.5: a key must be text, got 1.5"),
        (
            "scenarios: [{id: s, probability: 0.1, capacity_factor: {5: 0.5}}]\n",
            "scenarios[0].capacity_factor.5: expected text, got the number 5 (put it in quotes "
            "to use it as text)",
        ),
        (
            "scenarios: [{id: s, probability: 0.1, capacity_factor: {null: 0.5}}]\n",
            "scenarios[0].capacity_factor.null: expected text, got null",
        ),
        (
            "products: [{id: 1e3}]\n",
            "products[0].id: expected text, got the number 1e3 (put it in quotes to use it "
            "as text)",
        ),
        ("products: [{id: yes}]\n", None),  # YAML 1.2: the text 'yes'
    ],
)
def test_keys_and_ids_that_are_not_text(tmp_path: Path, text: str, message: str | None) -> None:
    base = "name: keys\nregions: [{id: CN}]\nproducts: [{id: chip}]\nsuppliers: []\ndemand: []\n"
    key = text.split(":")[0]
    lines = [line for line in base.splitlines() if not line.startswith(f"{key}:")]
    path = tmp_path / "inst.yaml"
    path.write_text("\n".join(lines) + "\n" + text, encoding="utf-8")
    if message is None:
        assert load_instance(path).products[0].id == "yes"
        return
    assert problems(path) == [f"{path}: {message}"]


@pytest.mark.parametrize(
    ("unit_cost", "message"),
    [
        ("{null: 5}", "the key null is not a period (a whole number or text)"),
        ("{true: 5}", "the key true is not a period (a whole number or text)"),
        ("{2026.5: 5}", "the key 2026.5 is not a period (a whole number or text)"),
        ("{2026: 5, '2026': 6}", "period '2026' is given twice"),
        ("{2.026e3: 5, '2026': 6}", "period '2026' is given twice"),
        ("{2026: [5]}", "period 2026: expected a number, got a list"),
        ("[[[5]]]", "expected a non-negative number or a map {period: number}, got a list"),
    ],
)
def test_per_period_map_keys(tmp_path: Path, unit_cost: str, message: str) -> None:
    path = tmp_path / "inst.yaml"
    text = dump_yaml(full()).replace("unit_cost: 8", f"unit_cost: {unit_cost}")
    path.write_text(text, encoding="utf-8")
    assert problems(path) == [f"{path}: suppliers[1].offers[0].unit_cost: {message}"]


# --- derived instances stay inside the limits, or are not re-validated ----------------------


def test_stress_penalty_of_a_dear_product_is_not_refused() -> None:
    """A stress test prices a product without penalty at 100 x the dearest unit cost; with
    unit costs above 1e7 that is above the limit of a penalty written in a file."""
    data = copy.deepcopy(FULL)
    data["products"][0].pop("shortage_penalty")
    for key in ("scenarios", "resilience", "risk"):
        data.pop(key)
    data["suppliers"][1]["offers"][0]["unit_cost"] = 5e7
    priced = with_penalties(Instance.from_data(data))
    assert priced.products[0].shortage_penalty == 5e9


def test_diagnosis_does_not_recheck_a_repair_outside_the_limits() -> None:
    instance = Instance.from_data(full())
    repair = {"kind": "min_order", "element": "cn", "required": 1e-5}
    assert _verify(instance, repair, SolveOptions()) is None

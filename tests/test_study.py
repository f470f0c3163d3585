"""Overrides by path (`apply_overrides`, `Override.parse`); sweep values (`parse_values`, `grid`).

Every expected instance below is written out by hand from the override, not derived from the code.
"""

from __future__ import annotations

from typing import Any

import pytest

from sourcing import Instance, InstanceError, UsageError, load_instance
from sourcing.instance.io import INSTANCES_DIR
from sourcing.instance.overrides import Override, apply_overrides
from sourcing.studies.grid import grid, parse_setting, parse_values

CAPS = INSTANCES_DIR / "examples" / "caps.yaml"  # CN at 6, JP at 10, demand 100, CN <= 20 %
PATH = "policies.caps[cn-cap].max_share"

TWO_YEARS: dict[str, Any] = {
    "name": "two-years",
    "periods": [2026, 2027],
    "regions": [{"id": "CN"}, {"id": "JP"}],
    "products": [{"id": "chip"}, {"id": "mem"}],
    "suppliers": [
        {
            "id": "cn",
            "region": "CN",
            "offers": [{"product": "chip", "unit_cost": 6}, {"product": "mem", "unit_cost": 4}],
        },
        {"id": "jp", "region": "JP", "offers": [{"product": "chip", "unit_cost": 10}]},
    ],
    "demand": [{"product": "chip", "quantity": 10}, {"product": "mem", "quantity": 5}],
    "policies": {
        "caps": [{"id": "cn-cap", "group": "CN", "max_share": 0.2}],
        "bans": [{"id": "no-cn-mem", "group": "CN", "products": ["mem"], "periods": [2027]}],
    },
}


@pytest.fixture(scope="module")
def caps() -> Instance:
    return load_instance(CAPS)


@pytest.fixture(scope="module")
def two_years() -> Instance:
    return Instance.from_data(TWO_YEARS)


# --- setting fields ----------------------------------------------------------------------------


def test_set_by_id(caps: Instance) -> None:
    changed = apply_overrides(caps, {PATH: 0.1})
    assert changed.policies.caps[0].id == "cn-cap"
    assert changed.policies.caps[0].max_share == 0.1
    # everything else of the entry is kept
    assert changed.policies.caps[0].products == ["chip"]
    assert changed.policies.caps[0].group == "CN"


def test_set_by_index(caps: Instance) -> None:
    changed = apply_overrides(
        caps,
        [
            "demand[0].quantity=120",
            "suppliers[1].offers[0].unit_cost=11",
            "policies.caps[0].max_share=0.3",
            "suppliers[-1].fixed_cost=5",  # negative positions count from the end
        ],
    )
    assert changed.demand[0].quantity == 120
    assert [s.id for s in changed.suppliers] == ["cn", "jp"]
    assert changed.suppliers[1].offers[0].unit_cost == 11
    assert changed.suppliers[1].fixed_cost == 5
    assert changed.suppliers[0].fixed_cost == 0
    assert changed.policies.caps[0].max_share == 0.3


def test_set_nested_per_period_maps(two_years: Instance) -> None:
    changed = apply_overrides(
        two_years,
        [
            "suppliers[jp].capacity={2026: 5}",
            "suppliers[cn].offers[1].unit_cost={2026: 4, 2027: 4.5}",
        ],
    )
    # period labels match by their text (docs/model.md)
    assert changed.suppliers[1].capacity == {"2026": 5.0}
    assert changed.suppliers[0].offers[1].unit_cost == {"2026": 4.0, "2027": 4.5}
    assert two_years.suppliers[1].capacity is None


def test_set_a_whole_optional_block(caps: Instance) -> None:
    assert caps.risk is None
    changed = apply_overrides(caps, ["risk={cvar_level: 0.9, weight: 0.5}"])
    assert changed.risk is not None
    assert (changed.risk.cvar_level, changed.risk.weight) == (0.9, 0.5)


def test_add_and_remove_entries(two_years: Instance) -> None:
    changed = apply_overrides(
        two_years,
        [
            "+policies.caps={id: jp-cap, group: JP, max_share: 0.9}",
            "+policies.floors={id: jp-floor, group: JP, min_share: 0.1}",
            "-policies.bans[no-cn-mem]",
            "-policies.caps[cn-cap]",
        ],
    )
    assert [(c.id, c.group, c.max_share) for c in changed.policies.caps] == [("jp-cap", "JP", 0.9)]
    assert [(f.id, f.min_share) for f in changed.policies.floors] == [("jp-floor", 0.1)]
    assert changed.policies.bans == []
    # the optional field `risk` is removed by name
    with_risk = apply_overrides(two_years, ["risk={weight: 0.5}"])
    assert apply_overrides(with_risk, ["-risk"]).risk is None


def test_overrides_apply_in_order(caps: Instance) -> None:
    changed = apply_overrides(
        caps,
        [
            "+policies.caps={id: second, group: JP, max_share: 0.9}",
            "policies.caps[second].max_share=0.8",  # the entry added just before
            "-policies.caps[0]",  # cn-cap, by position
            "policies.caps[0].max_share=0.7",  # now `second` is at position 0
        ],
    )
    assert [(c.id, c.max_share) for c in changed.policies.caps] == [("second", 0.7)]


def test_override_forms_agree(caps: Instance) -> None:
    by_text = apply_overrides(caps, [f"{PATH}=0.1"])
    by_object = apply_overrides(caps, [Override(PATH, 0.1)])
    by_mapping = apply_overrides(caps, {PATH: 0.1})
    assert by_text == by_object == by_mapping
    assert by_text.policies.caps[0].max_share == 0.1


def test_original_instance_unchanged(two_years: Instance) -> None:
    before = two_years.model_dump()
    changed = apply_overrides(
        two_years,
        [
            "suppliers[jp].capacity={2026: 5}",
            "suppliers[cn].offers[0].unit_cost=99",
            "+policies.caps={id: jp-cap, group: JP, max_share: 0.9}",
            "-policies.bans[no-cn-mem]",
            "demand[0].quantity=1",
        ],
    )
    assert two_years.model_dump() == before
    assert changed.model_dump() != before
    assert two_years.suppliers[0].offers[0].unit_cost == 6
    assert [c.id for c in two_years.policies.caps] == ["cn-cap"]
    assert [b.id for b in two_years.policies.bans] == ["no-cn-mem"]


# --- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (
            "policies.caps[cn-capp].max_share",
            "bad path 'policies.caps[cn-capp].max_share': no entry with id 'cn-capp'",
        ),
        (
            "policie.caps[cn-cap].max_share",
            "bad path 'policie.caps[cn-cap].max_share': no field 'policie' here",
        ),
        (
            "policies.capz[cn-cap].max_share",
            "bad path 'policies.capz[cn-cap].max_share': 'capz' is not a list",
        ),
        ("demand[3].quantity", "bad path 'demand[3].quantity': no entry with id '3'"),
        ("name.x", "bad path 'name.x': 'x' is not inside a map"),
        ("policies..caps", "bad path 'policies..caps': cannot read the part ''"),
        (
            "suppliers[cn].capacity.2026",
            "bad path 'suppliers[cn].capacity.2026': cannot read the part '2026'",
        ),
    ],
)
def test_bad_path_names_path_and_part(caps: Instance, path: str, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        apply_overrides(caps, {path: 1})
    assert str(caught.value) == message


def test_remove_unknown_entry_names_it(caps: Instance) -> None:
    with pytest.raises(UsageError, match=r"no entry with id 'nope'"):
        apply_overrides(caps, ["-policies.bans[nope]"])


def test_add_needs_a_list(caps: Instance) -> None:
    with pytest.raises(UsageError, match=r"name the list to add to, without \[\.\.\.\]"):
        apply_overrides(caps, ["+policies.caps[x]={id: y}"])
    with pytest.raises(UsageError, match=r"'name' is not a list"):
        apply_overrides(caps, ["+name=3"])


def test_unknown_last_field_is_an_instance_error_naming_it(caps: Instance) -> None:
    # The last part may name a field not yet set (exclude_none), so an unknown one is caught
    # by validation, with the field path, not by the path walk.
    with pytest.raises(InstanceError) as caught:
        apply_overrides(caps, {"policies.caps[cn-cap].max_sharee": 0.1})
    assert str(caught.value) == "overrides: policies.caps[0].max_sharee: unknown key"


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (
            f"{PATH}=1.5",
            "overrides: policies.caps[0].max_share: Input should be less than or equal to 1",
        ),
        (
            "demand[0].quantity=-1",
            "overrides: demand[0].quantity: Input should be greater than or equal to 0",
        ),
        ("suppliers[jp].region=XX", "overrides: suppliers[1].region: unknown region 'XX'"),
        (
            "+policies.caps={id: cn-cap, group: JP, max_share: 0.5}",
            "overrides: policies.caps[1].id: duplicate policy id 'cn-cap'",
        ),
    ],
)
def test_invalid_value_is_an_instance_error_with_field_path(
    caps: Instance, override: str, message: str
) -> None:
    with pytest.raises(InstanceError) as caught:
        apply_overrides(caps, [override])
    assert message in str(caught.value)


def test_period_map_with_unknown_period(caps: Instance) -> None:
    with pytest.raises(InstanceError, match=r"suppliers\[1\]\.capacity\.2026: unknown period"):
        apply_overrides(caps, ["suppliers[jp].capacity={2026: 5}"])


def test_removing_an_unknown_field_is_a_usage_error(caps: Instance) -> None:
    with pytest.raises(UsageError, match="capz"):
        apply_overrides(caps, ["-policies.capz"])


# --- Override.parse ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"{PATH}=0.1", Override(PATH, 0.1, "set")),
        (f"  {PATH} = 0.1  ", Override(PATH, 0.1, "set")),
        ("suppliers[jp].capacity={2026: 5}", Override("suppliers[jp].capacity", {2026: 5})),
        (
            "risk={cvar_level: 0.9, weight: 0.5}",
            Override("risk", {"cvar_level": 0.9, "weight": 0.5}),
        ),
        ("policies.max_supplier_share=null", Override("policies.max_supplier_share", None)),
        ("name=a=b", Override("name", "a=b")),
        ("markets[0].name=Europe", Override("markets[0].name", "Europe")),
        (
            "+policies.caps={id: kr-cap, group: KR, max_share: 0.3}",
            Override("policies.caps", {"id": "kr-cap", "group": "KR", "max_share": 0.3}, "add"),
        ),
        ("-policies.bans[no-cn]", Override("policies.bans[no-cn]", None, "remove")),
        (" - policies.bans[0]", Override("policies.bans[0]", None, "remove")),
    ],
)
def test_override_parse(text: str, expected: Override) -> None:
    assert Override.parse(text) == expected


@pytest.mark.parametrize("text", ["policies.max_supplier_share", "+policies.caps"])
def test_override_parse_needs_a_value(text: str) -> None:
    with pytest.raises(UsageError, match=r"needs the form path=value"):
        Override.parse(text)


def test_override_parse_unreadable_value() -> None:
    with pytest.raises(UsageError, match=r"cannot read the value"):
        Override.parse("risk={weight: [}")


# --- parse_values ------------------------------------------------------------------------------


def test_range_includes_stop_and_rounds_floats() -> None:
    values = parse_values("0:0.5:0.05")
    assert len(values) == 11
    assert values == [0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5]
    assert values[-1] == 0.5  # not 0.45 nor 0.5000000000000001
    assert values[3] == 0.15  # not 0.15000000000000002


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0:1:0.1", [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]),
        ("0:0.3:0.1", [0.0, 0.1, 0.2, 0.3]),
        ("0:1:0.3", [0.0, 0.3, 0.6, 0.9]),  # the stop is included only when reached
        ("1:0:-0.25", [1.0, 0.75, 0.5, 0.25, 0.0]),
        ("-1:1:0.5", [-1.0, -0.5, 0.0, 0.5, 1.0]),
        ("50:100:25", [50.0, 75.0, 100.0]),
        ("0.2:0.2:0.1", [0.2]),
        (" 0 : 0.2 : 0.1 ", [0.0, 0.1, 0.2]),
        ("1e-1:3e-1:1e-1", [0.1, 0.2, 0.3]),
    ],
)
def test_ranges(text: str, expected: list[float]) -> None:
    assert parse_values(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0.1,0.2,0.5", [0.1, 0.2, 0.5]),
        ("0.1, 0.2", [0.1, 0.2]),
        ("50,100", [50, 100]),
        ("a,b", ["a", "b"]),
        ("0.1", [0.1]),
        ("7", [7]),
        ("null", [None]),
        ("{2026: 5, 2027: 6}", [{2026: 5, 2027: 6}]),  # a map with commas is one value
        ("[chip, mem]", [["chip", "mem"]]),
    ],
)
def test_lists_and_single_values(text: str, expected: list[Any]) -> None:
    assert parse_values(text) == expected


@pytest.mark.parametrize("text", ["0:1:0", "1:0:0.1", "0:1:-0.1", "1:1:0"])
def test_bad_ranges(text: str) -> None:
    with pytest.raises(UsageError, match=r"never reaches its end"):
        parse_values(text)


@pytest.mark.parametrize("text", ["10:20", "0:1"])
def test_range_without_step_is_a_usage_error(text: str) -> None:
    with pytest.raises(UsageError):
        parse_values(text)


def test_parse_setting() -> None:
    assert parse_setting(f"{PATH}=0:0.2:0.1") == (PATH, [0.0, 0.1, 0.2])
    assert parse_setting(" suppliers[jp].capacity = 50,100") == (
        "suppliers[jp].capacity",
        [50, 100],
    )
    with pytest.raises(UsageError, match=r"--set 'oops' needs the form path=values"):
        parse_setting("oops")


def test_grid_is_the_cartesian_product_in_order() -> None:
    points = grid({"a": [1, 2], "b": ["x", "y", "z"]})
    assert points == [
        {"a": 1, "b": "x"},
        {"a": 1, "b": "y"},
        {"a": 1, "b": "z"},
        {"a": 2, "b": "x"},
        {"a": 2, "b": "y"},
        {"a": 2, "b": "z"},
    ]
    assert grid({"a": [1, 2]}) == [{"a": 1}, {"a": 2}]
    assert grid({"a": [], "b": [1]}) == []

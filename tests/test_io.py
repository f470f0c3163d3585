"""Reading instance files (YAML, JSON, TOML), file-level errors, and `dump_instance`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sourcing.errors import InstanceError
from sourcing.io import dump_instance, json_schema, load_instance, read_data
from sourcing.schema import Instance, lookup

EXAMPLES = Path(__file__).resolve().parents[1] / "instances" / "examples"

# The same instance three times: two periods, two markets, a bloc, per-period maps, policies.
YAML_TEXT = """\
name: three-formats
description: the same instance in YAML, JSON and TOML
units: {quantity: wafers, money: EUR}
periods: [2026, 2027]
regions:
  - {id: CN, name: China}
  - {id: JP}
blocs:
  - {id: allies, members: [JP]}
products:
  - {id: chip, shortage_penalty: 50, holding_cost: 0.5}
markets:
  - {id: EU}
  - {id: US}
suppliers:
  - id: cn
    region: CN
    fixed_cost: 10
    capacity: 70
    offers:
      - {product: chip, unit_cost: 5}
  - id: jp
    region: JP
    offers:
      - {product: chip, unit_cost: 8.5, capacity: 40}
demand:
  - {product: chip, market: EU, quantity: 100}
  - {product: chip, market: US, period: 2027, quantity: 20}
transport:
  - {from: CN, to: EU, cost: 0.5}
tariffs:
  - {from: CN, to: US, rate: 0.25, products: [chip]}
policies:
  caps: [{id: cn-cap, group: CN, max_share: 0.2, markets: [EU], pooled: true}]
  floors: [{id: allied, group: allies, min_share: 0.5, periods: [2027]}]
  bans: [{id: no-cn-us, group: CN, products: [chip], markets: [US]}]
  max_supplier_share: 0.9
  min_suppliers: 1
"""

JSON_TEXT = """\
{
  "name": "three-formats",
  "description": "the same instance in YAML, JSON and TOML",
  "units": {"quantity": "wafers", "money": "EUR"},
  "periods": [2026, 2027],
  "regions": [{"id": "CN", "name": "China"}, {"id": "JP"}],
  "blocs": [{"id": "allies", "members": ["JP"]}],
  "products": [{"id": "chip", "shortage_penalty": 50, "holding_cost": 0.5}],
  "markets": [{"id": "EU"}, {"id": "US"}],
  "suppliers": [
    {"id": "cn", "region": "CN", "fixed_cost": 10, "capacity": 70,
     "offers": [{"product": "chip", "unit_cost": 5}]},
    {"id": "jp", "region": "JP",
     "offers": [{"product": "chip", "unit_cost": 8.5, "capacity": 40}]}
  ],
  "demand": [
    {"product": "chip", "market": "EU", "quantity": 100},
    {"product": "chip", "market": "US", "period": 2027, "quantity": 20}
  ],
  "transport": [{"from": "CN", "to": "EU", "cost": 0.5}],
  "tariffs": [{"from": "CN", "to": "US", "rate": 0.25, "products": ["chip"]}],
  "policies": {
    "caps": [{"id": "cn-cap", "group": "CN", "max_share": 0.2, "markets": ["EU"],
              "pooled": true}],
    "floors": [{"id": "allied", "group": "allies", "min_share": 0.5, "periods": [2027]}],
    "bans": [{"id": "no-cn-us", "group": "CN", "products": ["chip"], "markets": ["US"]}],
    "max_supplier_share": 0.9,
    "min_suppliers": 1
  }
}
"""

TOML_TEXT = """\
name = "three-formats"
description = "the same instance in YAML, JSON and TOML"
units = { quantity = "wafers", money = "EUR" }
periods = [2026, 2027]

[[regions]]
id = "CN"
name = "China"

[[regions]]
id = "JP"

[[blocs]]
id = "allies"
members = ["JP"]

[[products]]
id = "chip"
shortage_penalty = 50
holding_cost = 0.5

[[markets]]
id = "EU"

[[markets]]
id = "US"

[[suppliers]]
id = "cn"
region = "CN"
fixed_cost = 10
capacity = 70

[[suppliers.offers]]
product = "chip"
unit_cost = 5

[[suppliers]]
id = "jp"
region = "JP"

[[suppliers.offers]]
product = "chip"
unit_cost = 8.5
capacity = 40

[[demand]]
product = "chip"
market = "EU"
quantity = 100

[[demand]]
product = "chip"
market = "US"
period = 2027
quantity = 20

[[transport]]
from = "CN"
to = "EU"
cost = 0.5

[[tariffs]]
from = "CN"
to = "US"
rate = 0.25
products = ["chip"]

[policies]
max_supplier_share = 0.9
min_suppliers = 1

[[policies.caps]]
id = "cn-cap"
group = "CN"
max_share = 0.2
markets = ["EU"]
pooled = true

[[policies.floors]]
id = "allied"
group = "allies"
min_share = 0.5
periods = [2027]

[[policies.bans]]
id = "no-cn-us"
group = "CN"
products = ["chip"]
markets = ["US"]
"""

TEXTS = {"yaml": YAML_TEXT, "yml": YAML_TEXT, "json": JSON_TEXT, "toml": TOML_TEXT}

# A per-period map: the YAML key is the integer 2026, JSON and TOML keys are the text "2026".
PER_PERIOD = {
    "yaml": """\
name: per-period
periods: [2026, 2027]
regions: [{id: CN}]
products: [{id: chip}]
suppliers:
  - id: cn
    region: CN
    capacity: {2026: 50, 2027: 60}
    offers: [{product: chip, unit_cost: {2026: 5}, capacity: {2027: 7}}]
demand: [{product: chip, period: 2026, quantity: 10}]
""",
    "json": """\
{"name": "per-period", "periods": [2026, 2027], "regions": [{"id": "CN"}],
 "products": [{"id": "chip"}],
 "suppliers": [{"id": "cn", "region": "CN", "capacity": {"2026": 50, "2027": 60},
   "offers": [{"product": "chip", "unit_cost": {"2026": 5}, "capacity": {"2027": 7}}]}],
 "demand": [{"product": "chip", "period": 2026, "quantity": 10}]}
""",
    "toml": """\
name = "per-period"
periods = [2026, 2027]
regions = [{ id = "CN" }]
products = [{ id = "chip" }]
demand = [{ product = "chip", period = 2026, quantity = 10 }]

[[suppliers]]
id = "cn"
region = "CN"
capacity = { "2026" = 50, 2027 = 60 }
offers = [{ product = "chip", unit_cost = { "2026" = 5 }, capacity = { 2027 = 7 } }]
""",
}


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error_lines(path: Path) -> list[str]:
    with pytest.raises(InstanceError) as info:
        load_instance(path)
    return str(info.value).splitlines()


# --- the three formats ----------------------------------------------------------------------


def test_three_formats_load_to_equal_instances(tmp_path: Path) -> None:
    loaded = {
        suffix: load_instance(write(tmp_path, f"inst.{suffix}", text))
        for suffix, text in TEXTS.items()
    }
    first = loaded["yaml"]
    assert all(instance == first for instance in loaded.values())
    assert first.name == "three-formats"
    assert first.units.money == "EUR"
    assert first.periods == [2026, 2027]
    assert first.policies.caps[0].pooled is True
    assert first.suppliers[1].offers[0].capacity == 40.0
    assert first.transport[0].from_ == "CN"


def test_upper_case_suffix_is_accepted(tmp_path: Path) -> None:
    path = write(tmp_path, "INST.YAML", YAML_TEXT)
    assert load_instance(path) == load_instance(write(tmp_path, "inst.json", JSON_TEXT))


def test_bundled_minimal_examples_agree() -> None:
    instances = [
        load_instance(EXAMPLES / f"minimal.{suffix}") for suffix in ("yaml", "json", "toml")
    ]
    assert instances[0] == instances[1] == instances[2]
    assert instances[0].units.money == "EUR million"


@pytest.mark.parametrize("suffix", ["yaml", "json", "toml"])
def test_per_period_map_matches_periods_by_text(tmp_path: Path, suffix: str) -> None:
    instance = load_instance(write(tmp_path, f"inst.{suffix}", PER_PERIOD[suffix]))
    supplier = instance.suppliers[0]
    offer = supplier.offers[0]
    for period in (2026, "2026"):
        assert lookup(offer.unit_cost, period) == 5.0
        assert lookup(supplier.capacity, period) == 50.0
        assert lookup(offer.capacity, period) is None
    assert lookup(offer.unit_cost, 2027) is None  # not offered then
    assert lookup(offer.capacity, 2027) == 7.0
    assert lookup(supplier.capacity, 2027) == 60.0
    assert lookup(3.0, 2027) == 3.0
    assert lookup(None, 2027) is None


@pytest.mark.parametrize("suffix", ["json", "toml"])
def test_per_period_map_with_unknown_text_period(tmp_path: Path, suffix: str) -> None:
    text = (
        PER_PERIOD[suffix]
        .replace('unit_cost = { "2026" = 5 }', 'unit_cost = { "2030" = 5 }')
        .replace('"unit_cost": {"2026": 5}', '"unit_cost": {"2030": 5}')
    )
    path = write(tmp_path, f"inst.{suffix}", text)
    assert error_lines(path) == [
        f"{path}: suppliers[0].offers[0].unit_cost.2030: unknown period '2030'"
    ]


def test_per_period_maps_load_to_equal_instances(tmp_path: Path) -> None:
    loaded = [
        load_instance(write(tmp_path, f"inst.{suffix}", text))
        for suffix, text in PER_PERIOD.items()
    ]
    assert loaded[0] == loaded[1] == loaded[2]


def test_read_data_returns_plain_data(tmp_path: Path) -> None:
    data = read_data(write(tmp_path, "inst.toml", TOML_TEXT))
    assert data["suppliers"][0]["offers"] == [{"product": "chip", "unit_cost": 5}]
    assert read_data(write(tmp_path, "inst.json", JSON_TEXT)) == json.loads(JSON_TEXT)


def test_json_schema_names_the_instance_keys() -> None:
    schema = json_schema()
    assert set(schema["required"]) == {"name", "regions", "products", "suppliers", "demand"}
    assert "from" in schema["$defs"]["Transport"]["properties"]
    json.dumps(schema)


# --- file-level problems --------------------------------------------------------------------


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.yaml", "name: t\nregions: [\n  {id: CN}\nproducts: []\n")
    assert error_lines(path) == [
        f"{path}: YAML syntax error: line 4, column 1: expected ',' or ']', but got '<scalar>'"
    ]


def test_yaml_indentation_error_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.yml", "name: t\n  bad: indent\n")
    assert error_lines(path) == [
        f"{path}: YAML syntax error: line 2, column 6: mapping values are not allowed here"
    ]


def test_json_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.json", '{"name": "t",\n "regions": [}\n')
    assert error_lines(path) == [f"{path}: JSON syntax error: line 2, column 14: Expecting value"]


def test_json_trailing_comma(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.json", '{"name": "t",\n}\n')
    assert error_lines(path) == [
        f"{path}: JSON syntax error: line 2, column 1: "
        "Expecting property name enclosed in double quotes"
    ]


def test_toml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.toml", 'name = "t"\nregions = [\n[[x]]\n')
    assert error_lines(path) == [f"{path}: TOML syntax error: line 3, column 3: Invalid value"]


def test_toml_duplicate_key(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.toml", 'name = "t"\nname = "u"\n')
    assert error_lines(path) == [
        f"{path}: TOML syntax error: line 2, column 11: Cannot overwrite a value"
    ]


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.yaml"
    assert error_lines(path) == [f"{path}: file not found"]


@pytest.mark.parametrize("text", ["", "  \n\n\t\n"], ids=["empty", "blank"])
@pytest.mark.parametrize("suffix", ["yaml", "json", "toml"])
def test_empty_file(tmp_path: Path, suffix: str, text: str) -> None:
    path = write(tmp_path, f"empty.{suffix}", text)
    assert error_lines(path) == [f"{path}: file is empty"]


def test_comment_only_yaml(tmp_path: Path) -> None:
    path = write(tmp_path, "comment.yaml", "# nothing yet\n")
    assert error_lines(path) == [f"{path}: file is empty (only comments)"]


@pytest.mark.parametrize(
    ("name", "text", "kind"),
    [
        ("list.yaml", "- name: t\n- regions: []\n", "list"),
        ("list.json", "[1, 2]", "list"),
        ("scalar.yaml", "just a sentence", "str"),
        ("number.json", "42", "int"),
        ("null.json", "null", "empty"),
    ],
)
def test_top_level_must_be_a_mapping(tmp_path: Path, name: str, text: str, kind: str) -> None:
    path = write(tmp_path, name, text)
    assert error_lines(path) == [
        f"{path}: expected a mapping of instance keys at the top level, got {kind}"
    ]


@pytest.mark.parametrize("name", ["inst.txt", "inst.yaml.bak", "inst"])
def test_unsupported_suffix(tmp_path: Path, name: str) -> None:
    path = write(tmp_path, name, YAML_TEXT)
    suffix = path.suffix
    assert error_lines(path) == [
        f"{path}: unsupported file type {suffix!r}; use .yaml, .yml, .json or .toml"
    ]


def test_directory_is_not_an_instance(tmp_path: Path) -> None:
    path = tmp_path / "folder.yaml"
    path.mkdir()
    assert error_lines(path) == [f"{path}: is a directory, not an instance file"]


def test_undecodable_file(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"name: caf\xe9\n")
    assert error_lines(path) == [
        f"{path}: cannot read file: 'utf-8' codec can't decode byte 0xe9 in position 9: "
        "invalid continuation byte"
    ]


def test_yaml_duplicate_key_is_reported(tmp_path: Path) -> None:
    text = YAML_TEXT + "suppliers:\n  - {id: jp2, region: JP}\n"
    with pytest.raises(InstanceError, match="suppliers"):
        load_instance(write(tmp_path, "dup.yaml", text))


# --- dump_instance --------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["yaml", "yml", "json", "toml"])
def test_dump_round_trips(tmp_path: Path, suffix: str) -> None:
    original = load_instance(write(tmp_path, "source.json", JSON_TEXT))
    target = tmp_path / f"copy.{suffix}"
    dump_instance(original, target)
    assert load_instance(target) == original


@pytest.mark.parametrize("suffix", ["yaml", "json", "toml"])
def test_dump_round_trips_the_minimal_defaults(tmp_path: Path, suffix: str) -> None:
    original = load_instance(EXAMPLES / "minimal.yaml")
    target = tmp_path / f"copy.{suffix}"
    dump_instance(original, target)
    copy = load_instance(target)
    assert copy == original
    assert copy.markets[0].id == "default" and copy.periods == [1]


@pytest.mark.parametrize("suffix", ["yaml", "json", "toml"])
def test_dump_round_trips_text_keyed_period_maps(tmp_path: Path, suffix: str) -> None:
    original = load_instance(write(tmp_path, "source.json", PER_PERIOD["json"]))
    target = tmp_path / f"copy.{suffix}"
    dump_instance(original, target)
    assert load_instance(target) == original


def test_dump_yaml_round_trips_integer_keyed_period_maps(tmp_path: Path) -> None:
    original = load_instance(write(tmp_path, "source.yaml", PER_PERIOD["yaml"]))
    dump_instance(original, tmp_path / "copy.yaml")
    assert load_instance(tmp_path / "copy.yaml") == original


@pytest.mark.parametrize("suffix", ["json", "toml"])
def test_dump_round_trips_integer_keyed_period_maps(tmp_path: Path, suffix: str) -> None:
    original = load_instance(write(tmp_path, "source.yaml", PER_PERIOD["yaml"]))
    dump_instance(original, tmp_path / f"copy.{suffix}")
    assert load_instance(tmp_path / f"copy.{suffix}") == original


def test_dump_keeps_values_when_keys_change_type(tmp_path: Path) -> None:
    """Even where equality fails (see above), every per-period value survives the round trip."""
    original = load_instance(write(tmp_path, "source.yaml", PER_PERIOD["yaml"]))
    for suffix in ("json", "toml"):
        dump_instance(original, tmp_path / f"copy.{suffix}")
        copy = load_instance(tmp_path / f"copy.{suffix}")
        for a, b in zip(original.suppliers, copy.suppliers, strict=True):
            for period in original.periods:
                assert lookup(a.capacity, period) == lookup(b.capacity, period)
                assert lookup(a.offers[0].unit_cost, period) == lookup(
                    b.offers[0].unit_cost, period
                )


def test_dump_unsupported_suffix(tmp_path: Path) -> None:
    original = Instance.from_data(json.loads(JSON_TEXT))
    with pytest.raises(ValueError, match=r"unsupported file type '\.txt'"):
        dump_instance(original, tmp_path / "copy.txt")
    assert not (tmp_path / "copy.txt").exists()

"""Reading instance files (YAML, JSON, TOML), file-level errors, and `dump_instance`."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import pytest

from sourcing.errors import InstanceError
from sourcing.instance import formats, io
from sourcing.instance.fields import lookup
from sourcing.instance.io import dump_instance, json_schema, load_instance, read_data
from sourcing.instance.schema import Instance

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
    assert error_lines(path) == [f"{path}: name: duplicate key (line 2)"]


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
        f"{path}: unsupported file type {suffix!r}; use .yaml, .yml, .json, .toml or .xlsx"
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
    path = write(tmp_path, "dup.yaml", text)
    assert error_lines(path) == [f"{path}: suppliers: duplicate key (line 39)"]


# --- dump_instance --------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["yaml", "yml", "json", "toml", "xlsx"])
def test_dump_round_trips(tmp_path: Path, suffix: str) -> None:
    original = load_instance(write(tmp_path, "source.json", JSON_TEXT))
    target = tmp_path / f"copy.{suffix}"
    dump_instance(original, target)
    assert load_instance(target) == original


@pytest.mark.parametrize("suffix", ["yaml", "json", "toml", "xlsx"])
def test_dump_round_trips_the_minimal_defaults(tmp_path: Path, suffix: str) -> None:
    original = load_instance(EXAMPLES / "minimal.yaml")
    target = tmp_path / f"copy.{suffix}"
    dump_instance(original, target)
    copy = load_instance(target)
    assert copy == original
    assert copy.markets[0].id == "default" and copy.periods == [1]


@pytest.mark.parametrize("suffix", ["yaml", "json", "toml", "xlsx"])
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


# --- keys given twice, in every format ------------------------------------------------------

CAPS_JSON = """\
{"name": "caps",
 "regions": [{"id": "CN"}, {"id": "JP"}],
 "products": [{"id": "chip"}],
 "suppliers": [
   {"id": "cn", "region": "CN", "offers": [{"product": "chip", "unit_cost": 6}]},
   {"id": "jp", "region": "JP", "offers": [{"product": "chip", "unit_cost": 10}]}],
 "demand": [{"product": "chip", "quantity": 100}],
 "policies": {"caps": [{"id": "cn-cap", "group": "CN", "max_share": 0.2}]}%s}
"""


def test_json_duplicate_top_level_key_is_not_kept_silently(tmp_path: Path) -> None:
    # Python's json keeps the last `policies`: the cap would vanish (920 becomes 600).
    path = write(tmp_path, "caps.json", CAPS_JSON % ',\n "policies": {}')
    assert error_lines(path) == [f"{path}: policies: duplicate key"]
    assert load_instance(write(tmp_path, "ok.json", CAPS_JSON % "")).policies.caps


def test_json_duplicate_nested_keys_name_their_paths(tmp_path: Path) -> None:
    text = JSON_TEXT.replace('"unit_cost": 8.5,', '"unit_cost": 8.5, "unit_cost": 9,').replace(
        '"min_suppliers": 1', '"min_suppliers": 1, "min_suppliers": 2'
    )
    path = write(tmp_path, "dup.json", text)
    assert error_lines(path) == [
        f"{path}: suppliers[1].offers[0].unit_cost: duplicate key",
        f"{path}: policies.min_suppliers: duplicate key",
    ]


def test_yaml_duplicate_nested_key_names_its_path_and_line(tmp_path: Path) -> None:
    text = YAML_TEXT.replace(
        "{product: chip, unit_cost: 8.5, capacity: 40}",
        "{product: chip, unit_cost: 8.5, capacity: 40, unit_cost: 9}",
    ).replace("  max_supplier_share: 0.9\n", "  max_supplier_share: 0.9\n  bans: []\n")
    path = write(tmp_path, "dup.yaml", text)
    assert error_lines(path) == [
        f"{path}: suppliers[1].offers[0].unit_cost: duplicate key (line 25)",
        f"{path}: policies.bans: duplicate key (line 38)",
    ]


MERGED = """\
name: merged
regions: [{id: CN}, {id: JP}]
products: [{id: chip}]
base: &offer {product: chip, unit_cost: 6, capacity: 70}
suppliers:
  - {id: cn, region: CN, offers: [*offer]}
  - id: jp
    region: JP
    offers:
      - <<: *offer
        unit_cost: 10     # explicit keys win over merged ones
demand: [{product: chip, quantity: 100}]
"""


def test_yaml_merge_keys_are_standard_yaml(tmp_path: Path) -> None:
    data = read_data(write(tmp_path, "merged.yaml", MERGED))
    assert data["suppliers"][1]["offers"] == [{"product": "chip", "unit_cost": 10, "capacity": 70}]
    assert data["suppliers"][0]["offers"] == [{"product": "chip", "unit_cost": 6, "capacity": 70}]
    # a sequence of merges: the first one wins where they overlap (PyYAML's own merge lets
    # the last win for keys such as `unit_cost`, the first for one-letter keys)
    text = "a: &a {unit_cost: 1, y: 1}\nb: &b {unit_cost: 2, z: 2}\nc: {<<: [*a, *b], z: 3}\n"
    assert read_data(write(tmp_path, "seq.yaml", text))["c"] == {"unit_cost": 1, "y": 1, "z": 3}
    # a merged map brings its own values, not the ones it merged and overrode (PyYAML: 1)
    text = "a: &a {x: 1}\nb: &b {<<: *a, x: 2}\nc: {<<: *b, y: 3}\n"
    assert read_data(write(tmp_path, "nested.yaml", text))["c"] == {"x": 2, "y": 3}


def test_yaml_merge_of_a_scalar(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.yaml", "a: {<<: 5}\n")
    assert error_lines(path) == [
        f"{path}: YAML syntax error: line 1, column 9: can merge only maps (<<), not a scalar"
    ]


def test_yaml_merge_does_not_excuse_an_explicit_duplicate(tmp_path: Path) -> None:
    text = MERGED.replace("        unit_cost: 10 ", "        unit_cost: 10\n        unit_cost: 11 ")
    path = write(tmp_path, "dup.yaml", text)
    assert error_lines(path) == [
        f"{path}: suppliers[1].offers[0].unit_cost: duplicate key (line 12)"
    ]
    twice = "a: &a {x: 1}\nb: &b {y: 1}\nc:\n  <<: *a\n  <<: *b\n"
    path = write(tmp_path, "twice.yaml", twice)
    assert error_lines(path) == [f"{path}: c.<<: duplicate key (line 5)"]


TOML_DUPLICATES = [
    pytest.param(
        TOML_TEXT.replace('id = "jp"\n', 'id = "jp"\nid = "kr"\n'),
        "suppliers[1].id: duplicate key (line 40)",
        id="array-of-tables",
    ),
    pytest.param(
        TOML_TEXT.replace("unit_cost = 8.5\n", "unit_cost = 8.5\nunit_cost = 9\n"),
        "suppliers[1].offers[0].unit_cost: duplicate key (line 45)",
        id="nested-array-of-tables",
    ),
    pytest.param(
        TOML_TEXT + "\n[policies]\nmin_suppliers = 2\n",
        "policies: duplicate key (line 92)",
        id="table-twice",
    ),
    pytest.param(
        TOML_TEXT.replace(
            "periods = [2026, 2027]\n", "periods = [2026, 2027]\nperiods = [\n  1,\n]\n"
        ),
        "periods: duplicate key (line 5)",
        id="multi-line-value",
    ),
    pytest.param(
        TOML_TEXT.replace('"EUR" }', '"EUR", money = "USD" }'),
        "duplicate key 'money' at line 3, column 60",
        id="inline-table",
    ),
    pytest.param(
        TOML_TEXT.replace('name = "China"\n', 'name = "China"\n"name" = "PRC"\n'),
        "regions[0].name: duplicate key (line 9)",
        id="quoted-key",
    ),
]


@pytest.mark.parametrize(("text", "expected"), TOML_DUPLICATES)
def test_toml_duplicate_key_names_the_path_where_the_tables_tell_it(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = write(tmp_path, "dup.toml", text)
    assert error_lines(path) == [f"{path}: {expected}"]


# --- how a file is read ---------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["yaml", "json", "toml"])
def test_utf8_byte_order_mark_is_accepted(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"bom.{suffix}"
    path.write_bytes(b"\xef\xbb\xbf" + TEXTS[suffix].encode("utf-8"))
    assert load_instance(path) == load_instance(write(tmp_path, f"plain.{suffix}", TEXTS[suffix]))


def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    path = tmp_path / "pipe.yaml"
    os.mkfifo(path)  # nobody writes to it: reading it would wait forever
    outcome: list[list[str]] = []
    reader = threading.Thread(target=lambda: outcome.append(error_lines(path)), daemon=True)
    started = time.perf_counter()
    reader.start()
    reader.join(timeout=10)
    assert not reader.is_alive(), "reading a FIFO blocked"
    assert time.perf_counter() - started < 5
    assert outcome == [[f"{path}: not a regular file"]]


def test_device_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "zero.json"
    path.symlink_to("/dev/zero")  # endless zeros
    assert error_lines(path) == [f"{path}: not a regular file"]


def test_file_above_the_size_cap_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as handle:
        handle.truncate(io.MAX_FILE_BYTES + 1)  # sparse: takes no disk space
    assert io.MAX_FILE_BYTES == 256 * 2**20
    assert error_lines(path) == [
        f"{path}: file is larger than 256 MiB, the largest instance file read"
    ]


def test_size_cap_in_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(io, "MAX_FILE_BYTES", 1000)
    path = write(tmp_path, "inst.yaml", YAML_TEXT)
    assert error_lines(path) == [
        f"{path}: file is larger than 1000 bytes, the largest instance file read"
    ]


@pytest.mark.parametrize(
    ("suffix", "text"),
    [
        ("json", "[" * 100_000 + "]" * 100_000),
        ("yaml", "a: " + "[" * 100_000 + "]" * 100_000),
        ("toml", "a = " + "[" * 100_000 + "]" * 100_000),
    ],
)
def test_deep_nesting(tmp_path: Path, suffix: str, text: str) -> None:
    path = write(tmp_path, f"deep.{suffix}", text)
    assert error_lines(path) == [f"{path}: nested too deeply to be an instance file"]


@pytest.mark.parametrize(
    ("suffix", "text", "where"),
    [
        ("json", '{"name": %s}', ""),
        ("yaml", "name: %s\n", "YAML syntax error: line 1, column 7: "),
        ("toml", "name = %s\n", ""),
    ],
)
def test_integer_too_long_to_read(tmp_path: Path, suffix: str, text: str, where: str) -> None:
    path = write(tmp_path, f"long.{suffix}", text % ("9" * 5000))
    assert error_lines(path) == [f"{path}: {where}a number of 5000 digits is too long to read"]


def test_yaml_alias_that_contains_itself(tmp_path: Path) -> None:
    path = write(tmp_path, "loop.yaml", YAML_TEXT + "extra: &loop [1, *loop]\n")
    assert error_lines(path) == [f"{path}: extra[1]: contains itself (through a YAML alias)"]


def test_yaml_alias_bomb_stops_quickly(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    path = write(tmp_path, "bomb.yaml", "\n".join(lines) + "\n")
    started = time.perf_counter()
    limit = path.stat().st_size + formats.MAX_ALIAS_VALUES
    assert error_lines(path) == [
        f"{path}: YAML aliases expand this file to more than {limit} values"
    ]
    assert time.perf_counter() - started < 10


def test_control_character_is_one_line(tmp_path: Path) -> None:
    path = write(tmp_path, "nul.yaml", "name: a\x00b\n")
    assert error_lines(path) == [
        f"{path}: YAML syntax error: unacceptable character #x0000: special characters are not "
        'allowed in "<unicode string>", position 7'
    ]


@pytest.mark.parametrize("suffix", ["yaml", "json"])
def test_lone_surrogate_is_not_text(tmp_path: Path, suffix: str) -> None:
    text = YAML_TEXT.replace("name: China", 'name: "Chi\\ud800na"')
    if suffix == "json":
        text = JSON_TEXT.replace('"name": "China"', '"name": "Chi\\ud800na"')
    path = write(tmp_path, f"bad.{suffix}", text)
    assert error_lines(path) == [
        f"{path}: regions[0].name: not valid text: '\\ud800' at position 3 is a lone surrogate, "
        "not a character"
    ]


@pytest.mark.parametrize("suffix", ["yaml", "json", "toml"])
def test_dump_quotes_text_that_reads_as_a_number(tmp_path: Path, suffix: str) -> None:
    """Ids such as '1e6' or '0x1A' are text in the instance; YAML 1.2 would read them
    unquoted as numbers, so the writer quotes them; 'yes' and 'NO' stay text either way."""
    data = json.loads(JSON_TEXT)
    data["regions"][1]["id"] = "1e6"
    data["blocs"][0]["members"] = ["1e6"]
    data["suppliers"][1]["region"] = "1e6"
    data["regions"][0]["name"] = "0x1A"
    data["description"] = "yes"
    data["units"]["money"] = "NO"
    original = Instance.from_data(data)
    dump_instance(original, tmp_path / f"copy.{suffix}")
    assert load_instance(tmp_path / f"copy.{suffix}") == original

"""YAML numbers, booleans and nulls as YAML 1.2 reads them (issue 17), by both readers."""

from __future__ import annotations

import json
import math
import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import tomli_w
import yaml

from sourcing import load_instance, solve
from sourcing.check import check_plan
from sourcing.errors import InstanceError, UsageError
from sourcing.instance.formats import _FastLoader, _ReportingLoader, load_yaml
from sourcing.instance.io import INSTANCES_DIR
from sourcing.instance.overrides import apply_overrides, parse_value

# plain scalar -> what it is (YAML 1.1 readers such as PyYAML's default differ where marked)
SCALARS: list[tuple[str, Any]] = [
    ("1e6", 1e6),  # 1.1: text
    ("6e0", 6.0),  # 1.1: text
    ("1E1", 10.0),  # 1.1: text
    ("2e-1", 0.2),  # 1.1: text
    ("+1e2", 100.0),  # 1.1: text
    (".5", 0.5),
    ("1.", 1.0),
    ("-0.0", -0.0),
    ("+3", 3),
    ("42", 42),
    ("017", 17),  # 1.1: 15 (octal)
    ("0o17", 15),  # 1.1: text
    ("0x1A", 26),
    (".inf", math.inf),
    ("-.inf", -math.inf),
    (".NaN", math.nan),
    ("true", True),
    ("False", False),
    ("null", None),
    ("~", None),
    ("", None),
    ("1_000", "1_000"),  # 1.1: 1000
    ("1:30", "1:30"),  # 1.1: 90 (sexagesimal)
    ("0b101", "0b101"),  # 1.1: 5
    ("yes", "yes"),  # 1.1: true
    ("no", "no"),  # 1.1: false
    ("on", "on"),  # 1.1: true
    ("off", "off"),  # 1.1: false
    ("NO", "NO"),  # 1.1: false (Norway)
    ("y", "y"),
    ("tRue", "tRue"),
    ("2026-01-01", "2026-01-01"),  # 1.1: a date
    ("=", "="),
    ("<<", "<<"),  # a merge key only as a key
    ("12e", "12e"),
    ("e3", "e3"),
    ('"1e6"', "1e6"),  # quoted: always text
    ("'5'", "5"),
]


@pytest.mark.parametrize(("text", "expected"), SCALARS, ids=[t or "empty" for t, _ in SCALARS])
@pytest.mark.parametrize("loader", [_FastLoader, _ReportingLoader], ids=["libyaml", "python"])
def test_plain_scalars_resolve_as_yaml_1_2(loader: Any, text: str, expected: Any) -> None:
    got = yaml.load(f"value: {text}\n", Loader=loader)["value"]
    assert type(got) is type(expected)
    assert got == expected or (got != got and expected != expected)  # NaN
    if isinstance(expected, float) and expected == 0:
        assert math.copysign(1, got) == math.copysign(1, expected)


def test_both_readers_agree_on_map_keys() -> None:
    text = "{1e3: a, 0x10: b, 017: c, yes: d, null: e, 1_0: f, .5: g}"
    expected = {1000.0: "a", 16: "b", 17: "c", "yes": "d", None: "e", "1_0": "f", 0.5: "g"}
    assert yaml.load(text, Loader=_FastLoader) == expected
    assert yaml.load(text, Loader=_ReportingLoader) == expected
    assert load_yaml(text) == expected


def test_yes_is_not_a_boolean(tmp_path: Path) -> None:
    text = (INSTANCES_DIR / "examples" / "pooled-cap.yaml").read_text(encoding="utf-8")
    path = tmp_path / "pooled.yaml"
    path.write_text(text.replace("pooled: true", "pooled: yes"), encoding="utf-8")
    with pytest.raises(InstanceError) as info:
        load_instance(path)
    assert str(info.value) == (
        f"{path}: policies.caps[0].pooled: expected true or false, got the text 'yes'"
    )


def test_norway_is_a_region(tmp_path: Path) -> None:
    text = (INSTANCES_DIR / "examples" / "caps.yaml").read_text(encoding="utf-8")
    path = tmp_path / "norway.yaml"
    path.write_text(text.replace("CN", "NO"), encoding="utf-8")
    assert [r.id for r in load_instance(path).regions] == ["NO", "JP"]


# --- issue 17: the examples with every number written with an exponent -----------------------


def exponent(number: float) -> str:
    """`6` as `6e0`, `0.2` as `2e-1`, `2026` as `2.026e3`."""
    mantissa, power = f"{float(number):.15e}".split("e")
    return f"{mantissa.rstrip('0').rstrip('.')}e{int(power)}"


def dotted(number: float) -> str:
    """`6` as `6.`, `0.2` as `.2` (YAML only: JSON and TOML want digits on both sides)."""
    if float(number).is_integer():
        return f"{int(number)}."
    return repr(float(number)).removeprefix("0")


# How each number may be written, and the formats whose number grammar allows it.
NOTATIONS: dict[str, tuple[Callable[[float], str], set[str]]] = {
    "exponent": (exponent, {".yaml", ".json", ".toml"}),
    "upper-case exponent": (lambda x: exponent(x).upper(), {".yaml", ".json", ".toml"}),
    "signed": (
        lambda x: "+" + exponent(x).replace("e", "e+").replace("+-", "-"),
        {".yaml", ".toml"},
    ),
    "signed exponent": (
        lambda x: exponent(x).replace("e", "e+").replace("+-", "-"),
        {".yaml", ".json", ".toml"},
    ),
    "dotted": (dotted, {".yaml"}),
}


def with_markers(value: Any, numbers: list[str], notation: Callable[[float], str]) -> Any:
    """`value` with every number (keys included) replaced by a marker text `@N@`."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float):
        numbers.append(notation(value))
        return f"@{len(numbers) - 1}@"
    if isinstance(value, list):
        return [with_markers(item, numbers, notation) for item in value]
    return {
        with_markers(k, numbers, notation): with_markers(v, numbers, notation)
        for k, v in value.items()
    }


def rewritten(path: Path, notation: Callable[[float], str] = exponent) -> str:
    """The file's data written out again with every number in `notation` (by default
    `<mantissa>e<exponent>`)."""
    numbers: list[str] = []
    suffix = path.suffix
    if suffix == ".yaml":
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        text = yaml.safe_dump(with_markers(data, numbers, notation), sort_keys=False)
    elif suffix == ".json":
        data = json.loads(path.read_text(encoding="utf-8"))
        text = json.dumps(with_markers(data, numbers, notation), indent=1)
    else:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        text = tomli_w.dumps(with_markers(data, numbers, notation))
    for i, number in reversed(list(enumerate(numbers))):  # @12@ before @1@
        for quoted in (f"'@{i}@'", f'"@{i}@"'):
            text = text.replace(quoted, number)
    assert "@" not in text
    return text


EXAMPLES_DIR = INSTANCES_DIR / "examples"
# | `caps.yaml` | feature | 920.0 | why |: the optima worked out by hand in the folder's README
HAND_COMPUTED = {
    name: float(optimum)
    for name, optimum in re.findall(
        r"^\| `([\w.-]+)` \| [^|]* \| ([0-9.]+) \|",
        (EXAMPLES_DIR / "README.md").read_text(encoding="utf-8"),
        re.MULTILINE,
    )
}


def test_every_example_has_a_hand_computed_optimum() -> None:
    suffixes = {".yaml", ".json", ".toml"}
    files = sorted(p.name for p in EXAMPLES_DIR.iterdir() if p.suffix in suffixes)
    assert sorted(HAND_COMPUTED) == files
    assert HAND_COMPUTED["caps.yaml"] == 920.0


@pytest.mark.parametrize(
    ("name", "notation"),
    [
        (name, notation)
        for name in sorted(HAND_COMPUTED)
        for notation, (_, formats) in NOTATIONS.items()
        if Path(name).suffix in formats
    ],
)
def test_examples_with_exponents_give_their_hand_computed_optima(
    tmp_path: Path, name: str, notation: str
) -> None:
    """Every number of every example in each notation its format allows: the same instance,
    the hand-computed optimum."""
    original = EXAMPLES_DIR / name
    text = rewritten(original, NOTATIONS[notation][0])
    assert re.search(r"[0-9]e[0-9+-]|[0-9]E[0-9+-]|[0-9]\.[^0-9]|[^0-9]\.[0-9]", text)
    path = tmp_path / original.name
    path.write_text(text, encoding="utf-8")
    instance = load_instance(path)
    assert instance == load_instance(original)
    results = solve(instance, mip_gap=0.0)
    assert results.status == "optimal"
    assert results.objective == pytest.approx(HAND_COMPUTED[name], rel=1e-9)
    assert check_plan(instance, results.plan) == []


def test_notations() -> None:
    samples = (6, 0.2, 2026, 0)
    assert {name: [write(x) for x in samples] for name, (write, _) in NOTATIONS.items()} == {
        "exponent": ["6e0", "2e-1", "2.026e3", "0e0"],
        "upper-case exponent": ["6E0", "2E-1", "2.026E3", "0E0"],
        "signed": ["+6e+0", "+2e-1", "+2.026e+3", "+0e+0"],
        "signed exponent": ["6e+0", "2e-1", "2.026e+3", "0e+0"],
        "dotted": ["6.", ".2", "2026.", "0."],
    }


def test_exponent_rewriting() -> None:
    assert [exponent(x) for x in (6, 0.2, 2026, 100, 0, 0.05, 1 / 3)] == [
        "6e0",
        "2e-1",
        "2.026e3",
        "1e2",
        "0e0",
        "5e-2",
        "3.333333333333333e-1",
    ]
    sample = EXAMPLES_DIR / "multi-period-stock.yaml"
    assert "    2.026e3: 1e2\n    2.027e3: 1e2\n    2.028e3: 4e1\n" in rewritten(sample)


def test_override_values_are_read_as_yaml_1_2() -> None:
    """`--set` and what-if values are read like instance files: `1e-1` is a number."""
    assert parse_value("1e-1") == 0.1
    assert parse_value("{2.026e3: 2e2}") == {2026.0: 200.0}
    assert parse_value("yes") == "yes"
    caps = load_instance(EXAMPLES_DIR / "caps.yaml")
    changed = apply_overrides(caps, ["policies.caps[cn-cap].max_share=1e-1"])
    assert changed.policies.caps[0].max_share == 0.1
    with pytest.raises(UsageError, match="duplicate key"):
        parse_value("{a: 1, a: 2}")

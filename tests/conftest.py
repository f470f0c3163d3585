"""Shared fixtures: a tiny base instance, a helper to vary it, and a checked solve."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from sourcing import Instance, Results, solve

Data = dict[str, Any]

BASE: Data = {
    "name": "tiny",
    "regions": [{"id": "CN"}, {"id": "KR"}, {"id": "JP"}, {"id": "US"}, {"id": "EU"}],
    "blocs": [
        {"id": "east", "members": ["CN", "KR"]},
        {"id": "allies", "members": ["JP", "US", "EU"]},
    ],
    "products": [{"id": "chip"}],
    "suppliers": [
        {"id": "cn", "region": "CN", "offers": [{"product": "chip", "unit_cost": 1}]},
        {"id": "jp", "region": "JP", "offers": [{"product": "chip", "unit_cost": 3}]},
    ],
    "demand": [{"product": "chip", "quantity": 100}],
}


@pytest.fixture
def base() -> Data:
    """One period, one market ("default"), one product `chip` (no penalty, no holding),
    demand 100; suppliers cn (region CN, unit cost 1) and jp (region JP, unit cost 3),
    no fixed costs or capacities. Blocs: east = CN + KR, allies = JP + US + EU."""
    return copy.deepcopy(BASE)


@pytest.fixture
def make(base: Data) -> Callable[..., Data]:
    """`make(**overrides)`: a deep copy of `base` with changes.

    A top-level key (`periods`, `products`, `suppliers`, `policies`, ...) replaces that key.
    A supplier id (`cn={...}`) updates that supplier's fields; inside it, `offer={...}`
    updates its first offer. Every value is deep-copied.
    """

    def _make(**overrides: Any) -> Data:
        data = copy.deepcopy(base)
        suppliers = {s["id"]: s for s in data["suppliers"]}
        for key, value in overrides.items():
            value = copy.deepcopy(value)
            if key in suppliers:
                offer = value.pop("offer", None)
                suppliers[key].update(value)
                if offer is not None:
                    suppliers[key]["offers"][0].update(offer)
            else:
                data[key] = value
                if key == "suppliers":
                    suppliers = {s["id"]: s for s in data["suppliers"]}
        return data

    return _make


@pytest.fixture
def run() -> Callable[..., Results]:
    """`run(data, status="optimal")`: validate and solve; check the status and, when there is
    a plan, that the cost breakdown adds up to the objective."""

    def _run(data: Data, status: str = "optimal") -> Results:
        res = solve(Instance.from_data(data))
        assert res.status == status, (res.status, res.message)
        if res.objective is not None:
            assert float(res.costs.sum()) == pytest.approx(res.objective, rel=1e-9, abs=1e-9)
        return res

    return _run


@pytest.fixture(scope="session")
def cli() -> Callable[..., Any]:
    """`cli(*args)`: the command line in this process, stdout and stderr apart; never a
    traceback, never an internal error. (Session-wide: it holds no state, and hypothesis tests
    may use it.)"""
    from click.testing import CliRunner

    from sourcing.cli import main

    def _invoke(*args: Any) -> Any:
        result = CliRunner().invoke(main, [str(a) for a in args], prog_name="sourcing")
        for text in (result.stdout, result.stderr):
            assert "Traceback" not in text and "internal error" not in text, text
        return result

    return _invoke


HOSTILE = "<script>alert(1)</script>"
HOSTILE_DATA: Data = {
    "name": f"evil {HOSTILE}",
    "units": {"quantity": "<b>units</b>", "money": "<img src=x onerror=alert(2)>"},
    "regions": [{"id": '"><svg onload=alert(3)>'}, {"id": "JP&amp;"}],
    "products": [{"id": "</title><script>alert(4)</script>"}],
    "suppliers": [
        {
            "id": "<i>cn</i>",
            "name": HOSTILE,
            "region": '"><svg onload=alert(3)>',
            "offers": [{"product": "</title><script>alert(4)</script>", "unit_cost": 6}],
        },
        {
            "id": "jp'",
            "name": "Japanese 'fab' & co",
            "region": "JP&amp;",
            "offers": [{"product": "</title><script>alert(4)</script>", "unit_cost": 10}],
        },
    ],
    "demand": [{"product": "</title><script>alert(4)</script>", "quantity": 100}],
    "policies": {
        "caps": [{"id": "<u>cap</u>", "group": '"><svg onload=alert(3)>', "max_share": 0.2}]
    },
}


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    """An instance file whose ids, names and units are HTML and script (a valid instance)."""
    path = tmp_path / "hostile.yaml"
    path.write_text(yaml.safe_dump(HOSTILE_DATA), encoding="utf-8")
    return path

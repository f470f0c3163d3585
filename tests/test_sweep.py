"""Sweeps and frontiers: hand-computed points, agreement with separate solves, parallel runs
(local processes, Dask) and the `sweep` and `frontier` commands."""

from __future__ import annotations

import io
import json
import math
import multiprocessing
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner, Result

from sourcing import Instance, InstanceError, UsageError, dump_instance, load_instance, solve
from sourcing.cli import main
from sourcing.explain.results import COST_COMPONENTS
from sourcing.instance.io import INSTANCES_DIR
from sourcing.instance.overrides import apply_overrides
from sourcing.studies.frontier import frontier
from sourcing.studies.grid import grid
from sourcing.studies.sweep import frame_records, sweep

CAPS = INSTANCES_DIR / "examples" / "caps.yaml"  # CN at 6, JP at 10, demand 100, CN <= 20 %
PATH = "policies.caps[cn-cap].max_share"
JP_CAPACITY = "suppliers[jp].capacity"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

# Two periods, two markets, two products, fixed costs, a minimum order, stock, a shortage
# penalty, transport, a tariff, a cap, a floor on a bloc and a supplier share: a MIP on which
# a sweep in one process updates the model in HiGHS in place between points.
RICH: dict[str, Any] = {
    "name": "rich",
    "periods": [2026, 2027],
    "regions": [{"id": "CN"}, {"id": "JP"}, {"id": "KR"}, {"id": "EU"}],
    "blocs": [{"id": "allies", "members": ["JP", "KR"]}],
    "markets": [{"id": "eu", "region": "EU"}, {"id": "jpm", "region": "JP"}],
    "products": [{"id": "chip", "shortage_penalty": 40, "holding_cost": 1}, {"id": "mem"}],
    "suppliers": [
        {
            "id": "cn",
            "region": "CN",
            "offers": [{"product": "chip", "unit_cost": 6}, {"product": "mem", "unit_cost": 5}],
        },
        {
            "id": "jp",
            "region": "JP",
            "fixed_cost": 30,
            "capacity": {2026: 80, 2027: 120},
            "offers": [{"product": "chip", "unit_cost": 10}, {"product": "mem", "unit_cost": 9}],
        },
        {
            "id": "kr",
            "region": "KR",
            "fixed_cost": 20,
            "min_order": 15,
            "offers": [
                {"product": "chip", "unit_cost": 9},
                {"product": "mem", "unit_cost": {2026: 7, 2027: 8}},
            ],
        },
    ],
    "demand": [
        {"product": "chip", "market": "eu", "quantity": 100},
        {"product": "mem", "market": "jpm", "quantity": 60},
        {"product": "chip", "market": "jpm", "period": 2027, "quantity": 50},
    ],
    "transport": [{"from": "CN", "to": "eu", "cost": 1}],
    "tariffs": [{"from": "CN", "to": "EU", "rate": 0.1}],
    "policies": {
        "caps": [{"id": "cn-cap", "group": "CN", "max_share": 0.3}],
        "floors": [{"id": "al", "group": "allies", "min_share": 0.4, "products": ["mem"]}],
        "max_supplier_share": 0.8,
    },
}

# Frontier by hand. Without a CN cap: CN 80 (the allied floor keeps 20 % for JP + KR), JP 20,
# cost 680; the frontier starts at 0.8. At a CN level s (demand 100):
#   s >= 0.3: CN 100 s at 6, JP 100 (1 - s) at 10 (<= 70, under jp-cap): cost 1000 - 400 s;
#   s <  0.3: JP held at 70 by jp-cap, KR 30 - 100 s at 12:            cost 1060 - 600 s.
# The slope turns from -400 to -600 at s = 0.3, where jp-cap starts to bind (a breakpoint); at
# 0.7 the allied floor is released (JP 30 > 20) with no change of slope (no breakpoint).
FRONTIER = """\
name: frontier-by-hand
regions: [{id: CN}, {id: JP}, {id: KR}]
blocs: [{id: allies, members: [JP, KR]}]
products: [{id: chip}]
suppliers:
  - {id: cn, region: CN, offers: [{product: chip, unit_cost: 6}]}
  - {id: jp, region: JP, offers: [{product: chip, unit_cost: 10}]}
  - {id: kr, region: KR, offers: [{product: chip, unit_cost: 12}]}
demand: [{product: chip, quantity: 100}]
policies:
  caps: [{id: jp-cap, group: JP, max_share: 0.7}]
  floors: [{id: allied-floor, group: allies, min_share: 0.2}]
"""
FRONTIER_LEVELS = [0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.0]
FRONTIER_COSTS = [680, 720, 760, 800, 840, 880, 940, 1000, 1060]

# CN at 6, JP at 10 with capacity 70, demand 100 that must be met: below a CN share of 0.3 no
# plan exists (CN <= s (70 + CN) < 30).
NO_ROOM = """\
name: no-room
regions: [{id: CN}, {id: JP}]
products: [{id: chip}]
suppliers:
  - {id: cn, region: CN, offers: [{product: chip, unit_cost: 6}]}
  - {id: jp, region: JP, capacity: 70, offers: [{product: chip, unit_cost: 10}]}
demand: [{product: chip, quantity: 100}]
"""


@pytest.fixture(scope="module")
def caps() -> Instance:
    return load_instance(CAPS)


@pytest.fixture(scope="module")
def rich() -> Instance:
    return Instance.from_data(RICH)


def write(tmp_path: Path, text: str, name: str = "inst.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def invoke(*args: str | Path) -> Result:
    """The command line in this process (stdout and stderr apart); never a traceback."""
    result = CliRunner().invoke(main, [str(a) for a in args], prog_name="sourcing")
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    return result


def nan_or(value: Any) -> Any:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


# --- sweeps by hand ----------------------------------------------------------------------------


def test_caps_sweep_by_hand(caps: Instance) -> None:
    # CN share s at 6, the rest at 10: cost 600 s + 1000 (1 - s); HHI s^2 + (1 - s)^2
    frame = sweep(caps, {PATH: [0, 0.1, 0.2, 0.5]}, jobs=1)
    assert frame.attrs["parameters"] == [PATH]
    assert list(frame.columns[:4]) == [PATH, "status", "objective", "mip_gap"]
    assert {f"cost_{c}" for c in COST_COMPONENTS} | {"shortage", "share_CN", "share_JP"} <= set(
        frame.columns
    )
    assert frame[PATH].tolist() == [0, 0.1, 0.2, 0.5]
    assert frame["status"].tolist() == ["optimal"] * 4
    assert frame["objective"].tolist() == pytest.approx([1000, 960, 920, 800])
    assert frame["cost_purchase"].tolist() == pytest.approx([1000, 960, 920, 800])
    assert frame["share_CN"].tolist() == pytest.approx([0, 0.1, 0.2, 0.5])
    assert frame["share_JP"].tolist() == pytest.approx([1, 0.9, 0.8, 0.5])
    assert frame["hhi"].tolist() == pytest.approx([1.0, 0.01 + 0.81, 0.04 + 0.64, 0.25 + 0.25])
    assert frame["shortage"].tolist() == [0, 0, 0, 0]
    assert frame["binding"].tolist() == ["cn-cap"] * 4
    for component in ("fixed", "tariff", "transport", "holding", "shortage", "risk"):
        assert frame[f"cost_{component}"].tolist() == [0, 0, 0, 0]


def test_cap_that_does_not_bind(caps: Instance) -> None:
    frame = sweep(caps, {PATH: [1.0]}, jobs=1)
    assert frame["objective"].tolist() == [600]  # all 100 from CN at 6
    assert frame["hhi"].tolist() == [1.0]
    assert frame["binding"].tolist() == [""]


def test_grid_of_two_parameters_in_order_with_an_infeasible_point(caps: Instance) -> None:
    # JP capacity 50 with CN <= 20 %: CN <= 0.2 (50 + CN) gives CN <= 12.5, 62.5 < 100.
    # JP 50 with CN 50 % -> 50 x 6 + 50 x 10 = 800; JP unlimited: 920 and 800.
    seen: list[tuple[int, int]] = []
    frame = sweep(
        caps,
        {JP_CAPACITY: [50, 100], PATH: [0.2, 0.5]},
        jobs=1,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert frame.attrs["parameters"] == [JP_CAPACITY, PATH]
    assert list(frame.columns[:3]) == [JP_CAPACITY, PATH, "status"]
    assert frame[[JP_CAPACITY, PATH]].values.tolist() == [
        [50, 0.2],
        [50, 0.5],
        [100, 0.2],
        [100, 0.5],
    ]
    assert frame["status"].tolist() == ["infeasible", "optimal", "optimal", "optimal"]
    assert math.isnan(frame.loc[0, "objective"])
    assert frame["objective"].tolist()[1:] == pytest.approx([800, 920, 800])
    assert frame.loc[0, "message"] == "no plan satisfies the instance"
    assert math.isnan(frame.loc[0, "share_CN"])
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]


def test_point_with_an_invalid_value(caps: Instance) -> None:
    frame = sweep(caps, {PATH: [0.2, 1.5, 0.5]}, jobs=1)
    assert frame["status"].tolist() == ["optimal", "invalid", "optimal"]
    assert frame["objective"].tolist()[::2] == pytest.approx([920, 800])
    assert math.isnan(frame.loc[1, "objective"])
    assert frame.loc[1, "message"] == (
        "overrides: policies.caps[0].max_share: Input should be less than or equal to 1"
    )
    record = frame_records(frame)[1]
    assert record["parameters"] == {PATH: 1.5}
    assert (record["status"], record["objective"]) == ("invalid", None)


def test_invalid_value_at_the_first_point_is_a_row_too(caps: Instance) -> None:
    frame = sweep(caps, {PATH: [1.5, 0.2]}, jobs=1)
    assert frame["status"].tolist() == ["invalid", "optimal"]


def test_unknown_path_fails_before_solving(caps: Instance) -> None:
    calls: list[int] = []
    with pytest.raises(UsageError, match=r"no entry with id 'cn-capp'"):
        sweep(caps, {"policies.caps[cn-capp].max_share": [0.1, 0.2]}, jobs=1, progress=calls.append)
    assert calls == []
    with pytest.raises(InstanceError, match=r"max_sharee: unknown key"):
        sweep(caps, {"policies.caps[cn-cap].max_sharee": [0.1]}, jobs=1)


def test_sweep_over_a_list_of_points(caps: Instance) -> None:
    points = [{PATH: 0.1}, {PATH: 0.5, "demand[0].quantity": 200}]
    frame = sweep(caps, points, jobs=1)
    assert frame.attrs["parameters"] == [PATH, "demand[0].quantity"]
    # 200 units, half from CN: 100 x 6 + 100 x 10
    assert frame["objective"].tolist() == pytest.approx([960, 1600])
    assert math.isnan(frame.loc[0, "demand[0].quantity"])
    assert frame_records(frame)[0]["parameters"] == {PATH: 0.1, "demand[0].quantity": None}


# --- a sweep's points are separate solves ------------------------------------------------------

RICH_GRID = {
    "policies.caps[cn-cap].max_share": [0.0, 0.3, 1.0],
    "suppliers[kr].fixed_cost": [0, 200],
    "suppliers[cn].offers[0].unit_cost": [6, 11],
}


def test_sweep_points_equal_separate_solves(rich: Instance) -> None:
    frame = sweep(rich, RICH_GRID, jobs=1)
    points = grid(RICH_GRID)
    assert len(frame) == len(points) == 12
    for i, point in enumerate(points):
        assert {p: frame.loc[i, p] for p in point} == point
        alone = solve(apply_overrides(rich, point))
        assert frame.loc[i, "status"] == alone.status == "optimal", point
        assert frame.loc[i, "objective"] == pytest.approx(alone.objective, rel=1e-6), point
        for component in COST_COMPONENTS:
            assert frame.loc[i, f"cost_{component}"] == pytest.approx(
                float(alone.costs[component]), rel=1e-6, abs=1e-6
            ), (point, component)
        shares = frame.loc[i, ["share_CN", "share_JP", "share_KR"]]
        assert frame.loc[i, "share_allies"] == pytest.approx(
            shares["share_JP"] + shares["share_KR"]
        )
        assert frame.loc[i, "hhi"] == pytest.approx(sum(s * s for s in shares))
    # a cap at 0 leaves CN nothing
    assert (frame.loc[frame[PATH] == 0.0, "share_CN"] == 0).all()


def test_sweep_points_equal_the_solve_command(caps: Instance, tmp_path: Path) -> None:
    settings = {JP_CAPACITY: [50, 100], PATH: [0.2, 0.5]}
    frame = sweep(caps, settings, jobs=1)
    for i in (0, 2):  # infeasible (exit 3) and 920 (exit 0)
        point = grid(settings)[i]
        path = tmp_path / f"point{i}.yaml"
        dump_instance(apply_overrides(caps, point), path)
        result = invoke("solve", path, "--format", "json")
        assert result.exit_code == (3 if i == 0 else 0), result.stderr
        payload = json.loads(result.stdout)
        assert payload["status"] == frame.loc[i, "status"]
        assert payload["objective"] == nan_or(frame.loc[i, "objective"])
    assert frame.loc[2, "objective"] == pytest.approx(920)


def test_one_process_and_two_give_the_same_frame(rich: Instance) -> None:
    # Only feasible and invalid points here: see the fork test at the end for infeasible ones.
    settings = {PATH: [0.0, 0.3, 1.5, 1.0], "suppliers[kr].fixed_cost": [0, 200]}
    one = sweep(rich, settings, jobs=1)
    two = sweep(rich, settings, jobs=2)
    assert one["status"].tolist().count("invalid") == 2
    pd.testing.assert_frame_equal(one, two)
    assert one.attrs == two.attrs == {"parameters": list(settings)}


def test_dask_cluster_gives_the_same_frame(caps: Instance) -> None:
    distributed = pytest.importorskip("distributed")
    settings = {JP_CAPACITY: [50, 100], PATH: [0.2, 0.5, 1.5]}
    here = sweep(caps, settings, jobs=1)
    statuses = ["infeasible", "optimal", "invalid", "optimal", "optimal", "invalid"]
    assert here["status"].tolist() == statuses
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        there = sweep(caps, settings, scheduler=cluster.scheduler_address)
    pd.testing.assert_frame_equal(here, there)
    assert here.attrs == there.attrs


# --- the sweep command -------------------------------------------------------------------------


def test_sweep_command_json() -> None:
    result = invoke(
        "sweep", CAPS, "--set", f"{PATH}=0,0.1,0.2,0.5", "--jobs", "1", "--format", "json"
    )
    assert result.exit_code == 0, result.stderr
    records = json.loads(result.stdout)
    assert isinstance(records, list) and len(records) == 4
    for record, share, cost in zip(records, [0, 0.1, 0.2, 0.5], [1000, 960, 920, 800], strict=True):
        assert list(record)[:3] == ["parameters", "status", "objective"]
        assert record["parameters"] == {PATH: share}
        assert (record["status"], record["objective"]) == ("optimal", pytest.approx(cost))
        assert record["share_CN"] == pytest.approx(share)
    assert records[1]["hhi"] == pytest.approx(0.82)


def test_sweep_command_grid_json() -> None:
    result = invoke(
        "sweep", CAPS, "--set", f"{JP_CAPACITY}=50,100", "--set", f"{PATH}=0.2:0.5:0.3",
        "--jobs", "1", "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    records = json.loads(result.stdout)
    assert [r["parameters"] for r in records] == [
        {JP_CAPACITY: 50, PATH: 0.2},
        {JP_CAPACITY: 50, PATH: 0.5},
        {JP_CAPACITY: 100, PATH: 0.2},
        {JP_CAPACITY: 100, PATH: 0.5},
    ]
    assert [r["status"] for r in records] == ["infeasible", "optimal", "optimal", "optimal"]
    assert [r["objective"] for r in records] == [None, 800, 920, 800]
    assert records[0]["message"] == "no plan satisfies the instance"


def test_sweep_command_csv_has_the_same_numbers() -> None:
    args = ["sweep", CAPS, "--set", f"{PATH}=0:0.5:0.1", "--jobs", "1", "--format"]
    as_json = invoke(*args, "json")
    as_csv = invoke(*args, "csv")
    assert as_json.exit_code == as_csv.exit_code == 0, as_csv.stderr
    table = pd.read_csv(io.StringIO(as_csv.stdout))
    records = json.loads(as_json.stdout)
    assert list(table.columns[:3]) == [PATH, "status", "objective"]
    assert table[PATH].tolist() == pytest.approx([0, 0.1, 0.2, 0.3, 0.4, 0.5])
    assert table[PATH].tolist() == [r["parameters"][PATH] for r in records]
    assert table["objective"].tolist() == pytest.approx([1000, 960, 920, 880, 840, 800])
    assert table["objective"].tolist() == [r["objective"] for r in records]
    assert table["hhi"].tolist() == pytest.approx([r["hhi"] for r in records])


def test_sweep_command_table_names_the_path() -> None:
    result = invoke("sweep", CAPS, "--set", f"{PATH}=0.1,0.2", "--jobs", "1")
    assert result.exit_code == 0, result.stderr
    assert PATH in result.stdout  # brackets kept, not read as markup
    assert "Sweep of caps (EUR million)" in result.stdout
    assert "960.00" in result.stdout and "920.00" in result.stdout


def test_sweep_command_output_dir(tmp_path: Path) -> None:
    out = tmp_path / "study"
    result = invoke(
        "sweep", CAPS, "--set", f"{PATH}=0:0.5:0.1", "--set", f"{JP_CAPACITY}=50,100",
        "--jobs", "1", "--output", out, "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "report.html",
        "results.xlsx",
        "sourcing-run.json",
        "sweep.csv",
        "sweep.png",
    ]
    assert (out / "sweep.png").read_bytes()[:8] == PNG_MAGIC
    table = pd.read_csv(out / "sweep.csv")
    records = json.loads(result.stdout)  # stdout still holds only the JSON
    assert len(table) == len(records) == 12
    assert list(table.columns[:3]) == [PATH, JP_CAPACITY, "status"]
    assert [nan_or(v) for v in table["objective"]] == [r["objective"] for r in records]
    # max_share 0.5, JP unlimited: 800
    assert table.loc[(table[PATH] == 0.5) & (table[JP_CAPACITY] == 100), "objective"].item() == 800


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        (PATH, f"error: --set '{PATH}' needs the form path=values"),
        (
            "policies.caps[cn-capp].max_share=0.1",
            "error: bad path 'policies.caps[cn-capp].max_share': no entry with id 'cn-capp'",
        ),
        ("policie.caps=0.1", "error: bad path 'policie.caps': no field 'policie' here"),
        (f"{PATH}=0:1:0", "error: range '0:1:0' never reaches its end"),
    ],
)
def test_sweep_command_bad_set(tmp_path: Path, setting: str, message: str) -> None:
    out = tmp_path / "study"
    result = invoke("sweep", CAPS, "--set", setting, "--jobs", "1", "--output", out)
    assert result.exit_code == 2
    assert result.stderr.strip() == message
    assert result.stdout == ""
    assert not out.exists() or not any(out.iterdir())


# --- frontier ----------------------------------------------------------------------------------


def test_frontier_by_hand(tmp_path: Path) -> None:
    instance = load_instance(write(tmp_path, FRONTIER))
    frame = frontier(instance, "CN", points=9, jobs=1)
    assert frame.attrs["parameters"] == ["max_share"]
    assert list(frame.columns[:3]) == ["max_share", "status", "objective"]
    assert frame["max_share"].tolist() == FRONTIER_LEVELS
    assert frame["status"].tolist() == ["optimal"] * 9
    assert frame["objective"].tolist() == pytest.approx(FRONTIER_COSTS)
    assert frame["share_CN"].tolist() == pytest.approx(FRONTIER_LEVELS)
    # s = 0.3: CN 30, JP 70, KR 0 -> 0.09 + 0.49; s = 0.2: 0.04 + 0.49 + 0.01
    assert frame["hhi"].tolist()[5:7] == pytest.approx([0.58, 0.54])
    assert frame["breakpoint"].tolist() == [i == 5 for i in range(9)]  # at 0.3 only
    assert frame["newly_binding"].tolist() == ["" if i != 5 else "jp-cap" for i in range(9)]
    assert frame["released"].tolist() == ["" if i != 1 else "allied-floor" for i in range(9)]
    # the frontier's own cap is listed in `binding` but never as a newly binding policy
    assert frame.loc[0, "binding"] == "frontier:CN, allied-floor"


def test_frontier_through_a_capacity(tmp_path: Path) -> None:
    # JP capacity 70, unmet demand at 20. s >= 0.3: 1000 - 400 s. Below, JP 70, CN x with
    # x = s (70 + x), i.e. x = 70 s / (1 - s), the rest unmet: 700 + 6 x + 20 (30 - x).
    text = NO_ROOM.replace("products: [{id: chip}]", "products: [{id: chip, shortage_penalty: 20}]")
    frame = frontier(load_instance(write(tmp_path, text)), "CN", points=11, jobs=1)
    levels = [1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.0]
    assert frame["max_share"].tolist() == levels
    x = [70 * s / (1 - s) for s in (0.2, 0.1, 0.0)]
    expected = [1000 - 400 * s for s in levels[:8]] + [700 + 6 * q + 20 * (30 - q) for q in x]
    assert frame["objective"].tolist() == pytest.approx(expected)
    assert frame["objective"].tolist()[8:] == pytest.approx([1055, 1300 - 14 * 70 / 9, 1300])
    assert frame["shortage"].tolist()[8:] == pytest.approx([12.5, 30 - 70 / 9, 30])
    # Breakpoints are where the binding *policies* change (README); a capacity is not one, so
    # the kink at 0.3 (slope -400 to -1400 x'(s)) is not flagged.
    assert not frame["breakpoint"].any()


def test_frontier_with_infeasible_levels(tmp_path: Path) -> None:
    frame = frontier(load_instance(write(tmp_path, NO_ROOM)), "CN", points=6, jobs=1)
    assert frame["max_share"].tolist() == [1.0, 0.8, 0.6, 0.4, 0.2, 0.0]
    assert frame["status"].tolist() == ["optimal"] * 4 + ["infeasible"] * 2
    assert frame["objective"].tolist()[:4] == pytest.approx([600, 680, 760, 840])
    assert not frame["breakpoint"].any()


def test_frontier_bad_arguments(caps: Instance) -> None:
    with pytest.raises(UsageError, match=r"unknown group 'XX': name a region, bloc or supplier id"):
        frontier(caps, "XX", jobs=1)
    with pytest.raises(UsageError, match=r"a frontier needs from 2 to 10,000 points, got 1$"):
        frontier(caps, "CN", points=1, jobs=1)
    with pytest.raises(UsageError, match=r"a frontier needs from 2 to 10,000 points, got 10,001$"):
        frontier(caps, "CN", points=10_001, jobs=1)


def test_frontier_command_json_and_output(tmp_path: Path) -> None:
    path = write(tmp_path, FRONTIER)
    out = tmp_path / "pictures"
    result = invoke(
        "frontier", path, "--group", "CN", "--points", "9", "--jobs", "1",
        "--format", "json", "--output", out,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    records = json.loads(result.stdout)
    assert len(records) == 9
    assert all(list(r)[:3] == ["parameters", "status", "objective"] for r in records)
    assert [r["parameters"] for r in records] == [{"max_share": s} for s in FRONTIER_LEVELS]
    assert [r["objective"] for r in records] == pytest.approx(FRONTIER_COSTS)
    assert [r["breakpoint"] for r in records] == [i == 5 for i in range(9)]
    assert records[5]["newly_binding"] == "jp-cap"
    assert records[1]["released"] == "allied-floor"
    assert sorted(p.name for p in out.iterdir()) == [
        "frontier.csv",
        "frontier.png",
        "report.html",
        "results.xlsx",
        "sourcing-run.json",
    ]
    assert (out / "frontier.png").read_bytes()[:8] == PNG_MAGIC
    table = pd.read_csv(out / "frontier.csv")
    assert table["max_share"].tolist() == FRONTIER_LEVELS
    assert table["objective"].tolist() == pytest.approx(FRONTIER_COSTS)
    assert table["breakpoint"].tolist() == [i == 5 for i in range(9)]


def test_frontier_command_table() -> None:
    result = invoke("frontier", CAPS, "--group", "CN", "--points", "3", "--jobs", "1")
    assert result.exit_code == 0, result.stderr
    # from 20 % (today's share under cn-cap) down to 0: 920, 960, 1000
    assert "Cost against the largest share of CN (EUR million)" in result.stdout
    for cost in ("920.00", "960.00", "1,000.00"):
        assert cost in result.stdout


def test_frontier_command_unknown_group() -> None:
    result = invoke("frontier", CAPS, "--group", "XX", "--jobs", "1", "--format", "json")
    assert result.exit_code == 2
    assert "error: unknown group 'XX': name a region, bloc or supplier id" in result.stderr
    assert json.loads(result.stdout) == {
        "status": "invalid",
        "message": "unknown group 'XX': name a region, bloc or supplier id",
    }


HANG_TIMEOUT = 20.0


@pytest.mark.skipif(
    multiprocessing.get_all_start_methods()[0] != "fork",
    reason="the hang needs fork-started worker processes",
)
def test_frontier_in_two_processes_with_infeasible_levels(tmp_path: Path) -> None:
    path = write(tmp_path, NO_ROOM)
    command = [sys.executable, "-m", "sourcing", "frontier", str(path), "--group", "CN"]
    command += ["--points", "6", "--jobs", "2", "--format", "json"]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: the stuck workers go with it
    )
    try:
        stdout, stderr = process.communicate(timeout=HANG_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        pytest.fail(f"`sourcing frontier --jobs 2` gave no answer within {HANG_TIMEOUT} s")
    assert process.returncode == 0, stderr
    records = json.loads(stdout)
    assert [r["status"] for r in records] == ["optimal"] * 4 + ["infeasible"] * 2

"""`sourcing bench`: HiGHS, SCIP and CBC on the same exported model, their progress and output."""
# ruff: noqa: E501  (the CBC logs below are quoted line for line)

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner, Result

from sourcing import Instance, solve
from sourcing.bench import (
    RUN_COLUMNS,
    SOLVERS,
    BenchSettings,
    SolverRun,
    Tracker,
    bench,
    find_cbc,
    parse_cbc_log,
    run_solver,
    track_highs,
    write_mps,
)
from sourcing.cli import main
from sourcing.instance.generate import generate
from sourcing.model import build_model, disruption_stages
from sourcing.model.data import build_data
from sourcing.solver import handover

pytest.importorskip("pyscipopt")

EXACT = 1e-9  # mip gap for the agreement checks


@pytest.fixture(scope="module", params=["XS", "S"])
def benched(request: pytest.FixtureRequest) -> tuple[str, float, dict[str, int], pd.DataFrame]:
    """A generated instance benchmarked with all three solvers, and `sourcing.solve`'s answer."""
    size = request.param
    instance = generate(size, 0)
    reference = solve(instance, mip_gap=EXACT)
    assert reference.status == "optimal" and reference.objective is not None
    frame = bench({size: instance}, SOLVERS, mip_gap=EXACT, time_limit=60, threads=1, seed=0)
    return size, reference.objective, reference.model_size, frame


def test_solvers_agree_with_solve(
    benched: tuple[str, float, dict[str, int], pd.DataFrame],
) -> None:
    size, objective, model_size, frame = benched
    assert find_cbc()[0] is not None, "no cbc: `pip install -e .[dev]` installs pulp with one"
    assert list(frame["solver"]) == list(SOLVERS)
    assert set(frame["instance"]) == {size}
    for run in frame.to_dict(orient="records"):
        assert run["status"] == "optimal", run
        assert run["objective"] == pytest.approx(objective, rel=1e-6), run["solver"]
        assert run["bound"] == pytest.approx(objective, rel=1e-6), run["solver"]
        assert 0 <= run["gap"] <= 1e-6
        assert {k: run[k] for k in model_size} == model_size


def test_progress_times_are_ordered(
    benched: tuple[str, float, dict[str, int], pd.DataFrame],
) -> None:
    _, _, _, frame = benched
    for run in frame.to_dict(orient="records"):
        first, one, total = (
            run["first_solution_seconds"],
            run["one_percent_gap_seconds"],
            run["seconds"],
        )
        assert 0 <= first <= one <= total < 60, run
        assert run["gap"] <= 0.01
        assert 0 <= run["root_gap"] < 1, run


def test_objective_constant_survives_the_export(tmp_path: Path) -> None:
    """A model with a constant in its objective: every solver reports it in the optimum."""
    instance = generate("S", 1)
    reference = solve(instance, mip_gap=EXACT).objective
    assert reference is not None
    handed = handover(build_model(build_data(instance), disruption_stages(instance)))
    handed = replace(handed, offset=handed.offset + 1000.5)
    handed.highs.changeObjectiveOffset(handed.offset)
    model = write_mps(handed, tmp_path / "model.mps")
    settings = BenchSettings(time_limit=60, mip_gap=EXACT)
    for solver in SOLVERS:
        run = run_solver(solver, model, settings)
        assert run.status == "optimal", run
        assert run.objective == pytest.approx(reference + 1000.5, rel=1e-6), solver


def test_a_lost_objective_constant_is_an_error(tmp_path: Path) -> None:
    instance = generate("XS", 0)
    handed = handover(build_model(build_data(instance), disruption_stages(instance)))
    model = write_mps(handed, tmp_path / "model.mps")
    for solver in ("highs", "scip"):
        run = run_solver(solver, replace(model, offset=7.0), BenchSettings())
        assert run.status == "error"
        assert run.message == "objective constant lost in the export: read 0, expected 7"


def test_missing_pyscipopt_gives_an_unavailable_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    instance = generate("XS", 0)
    handed = handover(build_model(build_data(instance), disruption_stages(instance)))
    model = write_mps(handed, tmp_path / "model.mps")
    monkeypatch.setitem(sys.modules, "pyscipopt", None)  # import fails
    run = run_solver("scip", model, BenchSettings())
    assert (run.status, run.objective) == ("unavailable", None)
    assert "pip install pyscipopt" in run.message


def test_infeasible_instance_in_every_solver(tmp_path: Path) -> None:
    """JP must deliver 60 % of 100 but can deliver only 10: the solvers prove it."""
    instance = Instance.from_data(
        {
            "name": "floor-too-high",
            "regions": [{"id": "CN"}, {"id": "JP"}],
            "products": [{"id": "chip"}],
            "suppliers": [
                {"id": "cn", "region": "CN", "offers": [{"product": "chip", "unit_cost": 5}]},
                {
                    "id": "jp",
                    "region": "JP",
                    "capacity": 10,
                    "offers": [{"product": "chip", "unit_cost": 8}],
                },
            ],
            "demand": [{"product": "chip", "quantity": 100}],
            "policies": {"floors": [{"id": "jp-floor", "group": "JP", "min_share": 0.6}]},
        }
    )
    frame = bench([instance], SOLVERS)
    assert list(frame["instance"]) == ["floor-too-high"] * 3
    assert list(frame["status"]) == ["infeasible"] * 3
    assert list(frame["message"]) == [""] * 3
    assert frame["objective"].isna().all()


def test_track_highs_on_a_loaded_model() -> None:
    instance = generate("S", 2)
    handed = handover(build_model(build_data(instance), disruption_stages(instance)))
    run = track_highs(handed.highs, time_limit=None, threads=None, mip_gap=EXACT, seed=0)
    assert run.objective == pytest.approx(solve(instance, mip_gap=EXACT).objective, rel=1e-6)
    assert (run.solver, run.instance, run.status) == ("highs", "", "optimal")
    assert (run.rows, run.columns) == (handed.num_rows, len(handed.columns))
    assert (run.binaries, run.nonzeros) == (handed.num_integer, handed.nonzeros)
    assert run.root_gap is not None and run.root_gap >= run.gap
    assert not handed.highs.cbMipInterrupt.callbacks
    assert not handed.highs.cbMipImprovingSolution.callbacks


def test_tracker_milestones() -> None:
    tracker = Tracker()
    tracker.observe(0.5, None, 90.0)  # bound only
    tracker.observe(1.0, 100.0, 90.0)  # gap 10 %
    tracker.observe(2.0, 100.0, 95.0, root=True)  # gap 5 %: the root ends here
    tracker.observe(3.0, 99.5, 99.0)  # gap 0.5 %
    run = tracker.finish("x", "optimal", 99.2, 99.2, 4.0, solved_at_root=False)
    assert (run.first_solution_seconds, run.one_percent_gap_seconds, run.seconds) == (1, 3, 4)
    assert run.root_gap == pytest.approx(0.05)
    assert run.gap == 0


def test_tracker_fills_milestones_seen_only_at_the_end() -> None:
    run = Tracker().finish("x", "optimal", -5.0, -5.0, 0.25, solved_at_root=True)
    assert (run.first_solution_seconds, run.one_percent_gap_seconds) == (0.25, 0.25)
    assert run.root_gap == 0
    cut_short = Tracker().finish("x", "feasible", 100.0, 90.0, 5.0, solved_at_root=True)
    assert cut_short.root_gap is None  # a time limit stopped the root node
    run = Tracker().finish("x", "no_solution", None, 3.0, 1.0, solved_at_root=False)
    assert (run.first_solution_seconds, run.one_percent_gap_seconds, run.gap) == (None,) * 3


# --- CBC ----------------------------------------------------------------------------------

CBC_STOPPED = """\
Welcome to the CBC MILP Solver
Version: 2.10.3
Build Date: Dec 15 2019

command line - cbc model.mps -timeMode elapsed -ratioGap 1e-06 -sec 3.0 -solve -quit
Problem no_name has 2196 rows, 3544 columns and 14275 elements
Coin0008I no_name read with 0 errors
Continuous objective value is 120000 - 0.31 seconds
Cgl0004I processed model has 2196 rows, 3544 columns (508 integer (508 of which binary))
Cbc0038I Solution found of 130000
Cbc0012I Integer solution of 130000 found by feasibility pump after 0 iterations and 0 nodes (0.50 seconds)
Cbc0031I 37 added rows had average density of 121.86486
Cbc0013I At root node, 37 cuts changed objective from 120000 to 121000 in 17 passes
Cbc0010I After 0 nodes, 1 on tree, 130000 best solution, best possible 121000 (0.90 seconds)
Cbc0012I Integer solution of 125000 found by DiveCoefficient after 493 iterations and 3 nodes (1.20 seconds)
Cbc0016I Integer solution of 122000 found by strong branching after 519 iterations and 7 nodes (1.75 seconds)
Cbc0010I After 100 nodes, 12 on tree, 122000 best solution, best possible 121500 (2.40 seconds)
Cbc0020I Exiting on maximum time
Cbc0005I Partial search - best objective 122000 (best possible 121800), took 9000 iterations and 180 nodes (3.00 seconds)
Cuts at root node changed objective from 120000 to 121000

Result - Stopped on time limit

Objective value:                122000.00000000
Lower bound:                    121800.000
Gap:                            0.00
Enumerated nodes:               180
Total iterations:               9000
Time (CPU seconds):             2.95
Time (Wallclock seconds):       3.02

Total time (CPU seconds):       2.96   (Wallclock seconds):       3.05
"""


def test_cbc_log_of_a_search_stopped_on_time() -> None:
    run = parse_cbc_log(CBC_STOPPED)
    assert (run.solver, run.status, run.message) == ("cbc", "feasible", "stopped on time limit")
    assert (run.objective, run.bound, run.seconds) == (122000, 121800, 3.05)
    assert run.gap == pytest.approx(200 / 122000)
    assert run.first_solution_seconds == 0.50  # 130000 against the LP's 120000: 7.7 %
    assert run.one_percent_gap_seconds == 1.75  # 122000 against the root's 121000: 0.82 %
    assert run.root_gap == pytest.approx(9000 / 130000)  # after 0 nodes: 130000 vs 121000


CBC_OPTIMAL_AT_ROOT = """\
Continuous objective value is 19864.567 - 0.00 seconds
Cbc0012I Integer solution of 19905.791 found by feasibility pump after 0 iterations and 0 nodes (0.07 seconds)
Cbc0013I At root node, 10 cuts changed objective from 19864.567 to 19905.791 in 3 passes
Cbc0001I Search completed - best objective 19905.791105, took 25 iterations and 0 nodes (0.09 seconds)

Result - Optimal solution found

Objective value:                19905.79110500
Enumerated nodes:               0
Time (Wallclock seconds):       0.10

Total time (CPU seconds):       0.04   (Wallclock seconds):       0.10
"""


def test_cbc_log_of_a_search_solved_at_the_root() -> None:
    run = parse_cbc_log(CBC_OPTIMAL_AT_ROOT)
    assert (run.status, run.objective, run.bound, run.gap) == (
        "optimal",
        19905.791105,
        19905.791105,
        0,
    )
    assert (run.first_solution_seconds, run.one_percent_gap_seconds, run.seconds) == (
        0.07,
        0.07,
        0.10,
    )
    assert run.root_gap == 0


@pytest.mark.parametrize(
    ("log", "status"),
    [
        (
            "Problem is infeasible - 0.00 seconds\nTotal time (CPU seconds): 0.00   (Wallclock seconds): 0.01\n",
            "infeasible",
        ),
        ("Result - Problem proven infeasible\n\nNo feasible solution found\n", "infeasible"),
        (
            "Result - Stopped on time limit\n\nNo feasible solution found\nEnumerated nodes: 12\n",
            "no_solution",
        ),
        ("Coin0008I no_name read with 3 errors\n", "error"),
    ],
)
def test_cbc_log_without_a_solution(log: str, status: str) -> None:
    run = parse_cbc_log(log)
    assert run.status == status
    assert (run.objective, run.gap, run.first_solution_seconds) == (None, None, None)


def test_missing_cbc_gives_an_unavailable_row(tmp_path: Path) -> None:
    missing = tmp_path / "cbc"
    frame = bench({"XS": generate("XS", 0)}, ["cbc"], cbc=missing)
    run = frame.iloc[0]
    assert (run["solver"], run["status"], run["rows"]) == ("cbc", "unavailable", 32)
    assert pd.isna(run["objective"]) and pd.isna(run["seconds"])
    assert run["message"].startswith(f"no cbc binary at {missing} (from --cbc); install one with")
    assert "pip install pulp" in run["message"]


def test_cbc_is_found_from_option_then_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundled, _ = find_cbc()
    assert bundled is not None
    monkeypatch.setenv("SOURCING_CBC", str(tmp_path / "nowhere"))
    path, problem = find_cbc()
    assert path is None and "(from SOURCING_CBC)" in problem
    assert find_cbc(bundled) == (bundled, "")
    monkeypatch.setenv("SOURCING_CBC", str(bundled))
    assert find_cbc() == (bundled, "")


# --- command line -------------------------------------------------------------------------


def bench_cli(*args: str | Path) -> Result:
    result = CliRunner().invoke(main, ["bench", *map(str, args)], prog_name="sourcing")
    assert "Traceback" not in result.output, result.output
    return result


# max_share above 1
INVALID = """\
name: invalid
regions: [{id: CN}]
products: [{id: chip}]
suppliers: [{id: cn, region: CN, offers: [{product: chip, unit_cost: 5}]}]
demand: [{product: chip, quantity: 100}]
policies: {caps: [{id: cn-cap, group: CN, max_share: 1.2}]}
"""


def test_bench_writes_table_progress_and_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = bench_cli("--sizes", "XS", "--time-limit", "30", "--output", out)
    assert result.exit_code == 0, result.output
    progress = result.stderr.splitlines()
    assert [line.split(":")[0] for line in progress] == [
        "[1/3] XS highs",
        "[2/3] XS scip",
        "[3/3] XS cbc",
    ]
    assert all(": optimal, objective 4,505.86, gap 0.00 %" in line for line in progress)
    for header in ("objective", "gap", "(%)", "1 % gap", "(s)", "total", "root"):
        assert header in result.stdout
    assert result.stdout.rstrip().endswith(f"benchmark written to {out}/")
    assert sorted(p.name for p in out.iterdir()) == [
        "bench.csv",
        "bench.json",
        "bench.png",
        "sourcing-run.json",
    ]
    csv = pd.read_csv(out / "bench.csv")
    assert list(csv.columns) == RUN_COLUMNS
    assert list(csv["objective"]) == pytest.approx([4505.8572] * 3, rel=1e-6)
    document = json.loads((out / "bench.json").read_text())
    assert set(document) == {"gap_definition", "settings", "machine", "runs"}
    assert document["settings"] == {"threads": None, "time_limit": 30, "mip_gap": 1e-6, "seed": 0}
    assert {"python", "highspy", "pyscipopt", "cbc", "cores"} <= set(document["machine"])
    assert document["machine"]["cbc"] is not None
    assert [set(run) for run in document["runs"]] == [set(RUN_COLUMNS)] * 3
    assert (out / "bench.png").read_bytes()[:4] == b"\x89PNG"


def test_bench_of_files_labels_rows_by_file_name() -> None:
    result = bench_cli("instances/examples/minimal.yaml", "--solvers", "highs")
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("[1/1] minimal.yaml highs: optimal")


def test_bench_with_missing_cbc_still_runs(tmp_path: Path) -> None:
    result = bench_cli("--sizes", "XS", "--solvers", "cbc", "--cbc", tmp_path / "none")
    assert result.exit_code == 0, result.output
    assert "unavailable" in result.stdout
    assert f"cbc on XS: no cbc binary at {tmp_path / 'none'} (from --cbc)" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--sizes", "XS,Q"],
            "error: unknown size 'Q' in --sizes; allowed: XS, S, M, L, XL, XXL, LANES\n",
        ),
        (
            ["--sizes", " , "],
            "error: --sizes names no size; allowed: XS, S, M, L, XL, XXL, LANES\n",
        ),
        (
            ["--solvers", "highs,gurobi"],
            "error: unknown solver 'gurobi' in --solvers; allowed: highs, scip, cbc\n",
        ),
    ],
)
def test_bench_usage_errors(args: list[str], message: str) -> None:
    result = bench_cli(*args)
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", message)


def test_bench_rejects_an_invalid_instance(tmp_path: Path) -> None:
    path = tmp_path / "invalid.yaml"
    path.write_text(INVALID, encoding="utf-8")
    result = bench_cli(path, "--solvers", "highs")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: invalid instance\n")
    assert "policies.caps[0].max_share" in result.stderr
    missing = bench_cli(tmp_path / "missing.yaml")
    assert missing.exit_code == 2 and "file not found" in missing.stderr


def test_bench_threads_must_be_positive() -> None:
    result = bench_cli("--threads", "0")
    assert result.exit_code == 2
    assert "Invalid value for '--threads'" in result.stderr


def test_solver_run_fields() -> None:
    assert RUN_COLUMNS == [
        "solver",
        "instance",
        "status",
        "objective",
        "bound",
        "gap",
        "first_solution_seconds",
        "one_percent_gap_seconds",
        "seconds",
        "root_gap",
        "rows",
        "columns",
        "binaries",
        "nonzeros",
        "message",
    ]
    assert SolverRun("highs").status == "error"

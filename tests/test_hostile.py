"""Hostile options, signals and odd shapes: every run ends in exit 0, 2, 3 or 4 (130 or 143 when
interrupted) with a clear message; never a traceback, an internal error or a hang."""

from __future__ import annotations

import http.server
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from sourcing import Instance, solve
from sourcing.explain.diagnose import diagnose
from sourcing.instance.io import INSTANCES_DIR
from sourcing.solver import SolveOptions

CAPS = INSTANCES_DIR / "examples" / "caps.yaml"  # CN at 6, JP at 10, demand 100, CN <= 20 %: 920
SWEEP_PATH = "policies.caps[cn-cap].max_share"
CORES = os.cpu_count() or 1

# Three suppliers asked for, two exist: infeasible whatever the penalty for unmet demand.
TOO_FEW = """\
name: too-few
regions: [{id: CN}, {id: JP}]
products: [{id: chip, shortage_penalty: 100}]
suppliers:
  - {id: cn, region: CN, offers: [{product: chip, unit_cost: 5}]}
  - {id: jp, region: JP, offers: [{product: chip, unit_cost: 8}]}
demand: [{product: chip, quantity: 100}]
policies: {min_suppliers: 3}
"""
TOO_FEW_WHY = "min_suppliers asks for 3 suppliers of chip, but only 2 may deliver it"

# Nothing to deliver: a plan of cost 0, with scenarios and a resilience requirement alike.
NO_DEMAND = """\
name: no-demand
regions: [{id: CN}, {id: JP}]
products: [{id: chip, shortage_penalty: 5}]
suppliers:
  - {id: cn, region: CN, offers: [{product: chip, unit_cost: 6}]}
  - {id: jp, region: JP, offers: [{product: chip, unit_cost: 10}]}
demand: [{product: chip, quantity: 0}]
"""
WITH_SCENARIO = "scenarios: [{id: cn-out, probability: 0.1, capacity_factor: {CN: 0}}]\n"


def write(tmp_path: Path, text: str, name: str = "instance.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- option values --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["solve", "--time-limit", "nan"], "'--time-limit': 'nan' is not a finite number."),
        (["solve", "--time-limit", "inf"], "'--time-limit': 'inf' is not a finite number."),
        (["solve", "--time-limit", "1e400"], "'--time-limit': '1e400' is not a finite number."),
        (["solve", "--time-limit", "0"], "'--time-limit': 0.0 is not in the range x>0."),
        (["solve", "--mip-gap", "nan"], "'--mip-gap': 'nan' is not a finite number."),
        (["solve", "--survive", "nan"], "'--survive': 'nan' is not a finite number."),
        (["solve", "--seed", "-1"], "'--seed': -1 is not in the range 0<=x<=2147483647."),
        (["solve", "--seed", "99999999999"], "'--seed': 99999999999 is not in the range"),
        (["stress", "--factor", "nan"], "'--factor': 'nan' is not a finite number."),
        (["stress", "--factor", "2"], "'--factor': 2.0 is not in the range 0<=x<=1."),
        (["frontier", "--group", "CN", "--points", "10001"], "'--points': 10001 is not in"),
        (["sweep", "--set", f"{SWEEP_PATH}=0:1e9:1"], "has 1e+09 points; at most 10,000"),
        (["sweep", "--set", f"{SWEEP_PATH}=0:1e400:1"], "'1e400' is not a finite number"),
        (["sweep", "--set", f"{SWEEP_PATH}=1:0:1"], "range '1:0:1' never reaches its end"),
        (["sweep", "--set", f"{SWEEP_PATH}=0:1:0"], "range '0:1:0' never reaches its end"),
        (
            ["sweep", "--set", f"{SWEEP_PATH}=0:1:0.01", "--set", "demand[0].quantity=1:200:1"],
            "error: the grid has 2.02e+04 points; at most 10,000 are allowed",
        ),
        (["sweep", "--set", "x=e:e:e"], "error: invalid instance\noverrides: x: unknown key"),
    ],
)
def test_bad_option_values_exit_2(cli: Callable[..., Any], args: list[str], message: str) -> None:
    command, *rest = args
    result = cli(command, CAPS, *rest, "--format", "json")
    assert result.exit_code == 2, result.stderr
    assert message in result.stderr
    assert json.loads(result.stdout)["status"] == "invalid"


def test_a_text_sweep_value_is_that_points_row(cli: Callable[..., Any]) -> None:
    result = cli(
        "sweep", CAPS, "--set", f"{SWEEP_PATH}=e:e:e,0.2", "--jobs", "1", "--format", "json"
    )
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [row["status"] for row in rows] == ["invalid", "optimal"]
    assert "policies.caps[0].max_share" in rows[0]["message"]
    assert rows[1]["objective"] == pytest.approx(920.0)


@pytest.mark.parametrize("option", ["--threads", "--jobs"])
def test_more_threads_or_jobs_than_cores_are_capped(cli: Callable[..., Any], option: str) -> None:
    args = ["sweep", CAPS, "--set", f"{SWEEP_PATH}=0.2"] if option == "--jobs" else ["solve", CAPS]
    result = cli(*args, option, "100000", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == (
        f"note: {option} 100000 is more than the {CORES} cores here; using {CORES}\n"
    )
    found = json.loads(result.stdout)
    objective = found[0]["objective"] if isinstance(found, list) else found["objective"]
    assert objective == pytest.approx(920.0)


def test_usage_errors_print_one_json_object(cli: Callable[..., Any]) -> None:
    result = cli("solve", CAPS, "--format=json", "--bogus")
    assert result.exit_code == 2
    assert json.loads(result.stdout) == {
        "status": "invalid",
        "message": "No such option '--bogus'. Did you mean '--verbose'?",
    }


# --- failures with --format json ------------------------------------------------------------------


def test_invalid_instance_json_lists_every_problem(cli: Callable[..., Any], tmp_path: Path) -> None:
    path = write(tmp_path, "name: x\nregions: [{id: A}]\n")
    for command in ("solve", "stress", "validate"):
        result = cli(command, path, "--format", "json")
        assert result.exit_code == 2
        document = json.loads(result.stdout)
        assert document["status"] == "invalid"
        assert document["errors"] == [
            {"file": str(path), "path": key, "message": "required key is missing"}
            for key in ("products", "suppliers", "demand")
        ]
        assert result.stderr.startswith("error: invalid instance\n")


def test_validate_json(cli: Callable[..., Any]) -> None:
    result = cli("validate", CAPS, "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "status": "valid",
        "file": str(CAPS),
        "counts": {"suppliers": 2, "products": 1, "markets": 1, "periods": 1},
    }


def test_stress_of_an_infeasible_instance_gives_the_diagnosis(
    cli: Callable[..., Any], tmp_path: Path
) -> None:
    path = write(tmp_path, TOO_FEW)
    result = cli("stress", path, "--format", "json")
    assert result.exit_code == 3
    document = json.loads(result.stdout)
    assert document["status"] == "infeasible"
    assert document["diagnosis"]["summary"].startswith(TOO_FEW_WHY)


@pytest.mark.parametrize("measure", ["share", "hhi", "outage"])
def test_frontier_of_an_infeasible_instance_exits_3(
    cli: Callable[..., Any], tmp_path: Path, measure: str
) -> None:
    path = write(tmp_path, TOO_FEW)
    args = ["frontier", path, "--measure", measure, "--group", "CN", "--jobs", "1"]
    table = cli(*args)
    assert table.exit_code == 3, table.stderr
    assert table.stderr.startswith(f"infeasible: no plan satisfies the instance\n{TOO_FEW_WHY}\n")
    document = json.loads(cli(*args, "--format", "json").stdout)
    assert document["status"] == "infeasible"
    assert document["diagnosis"]["conflicts"] == [
        {"element": "min_suppliers", "kind": "min_suppliers"}
    ]


# --- shapes that once crashed inside the model ----------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["solve"],
        ["solve", "--survive", "0.1"],
        ["stress"],
        ["frontier", "--measure", "outage", "--jobs", "1"],
    ],
)
@pytest.mark.parametrize("scenarios", [False, True])
def test_nothing_to_deliver_is_a_plan_of_cost_0(
    cli: Callable[..., Any], tmp_path: Path, args: list[str], scenarios: bool
) -> None:
    path = write(tmp_path, NO_DEMAND + (WITH_SCENARIO if scenarios else ""))
    command, *rest = args
    result = cli(command, path, *rest, "--format", "json")
    assert result.exit_code == 0, result.stderr
    found = json.loads(result.stdout)
    rows = found if isinstance(found, list) else [found]
    costs = [row.get("objective", row.get("cost")) for row in rows]
    assert costs and all(cost == 0 for cost in costs)


def cn_and_jp(periods: list[int], bans: list[dict[str, Any]]) -> Instance:
    """CN (unit cost 1) and JP (2) deliver chips, demand 10 in every period, under `bans`."""
    return Instance.from_data(
        {
            "name": "bans",
            "periods": periods,
            "regions": [{"id": "CN"}, {"id": "JP"}],
            "products": [{"id": "chip"}],
            "suppliers": [
                {"id": "cn", "region": "CN", "offers": [{"product": "chip", "unit_cost": 1}]},
                {"id": "jp", "region": "JP", "offers": [{"product": "chip", "unit_cost": 2}]},
            ],
            "demand": [{"product": "chip", "quantity": 10}],
            "policies": {"bans": bans},
        }
    )


def test_many_bans_each_over_every_period() -> None:
    """Five hundred bans of CN's chips, each listing all 500 periods: each ban's set of periods
    is made once, not again for every flow it is tested against (125 million steps)."""
    periods = list(range(500))
    bans = [
        {"id": f"no-cn-{i}", "group": "CN", "products": ["chip"], "periods": periods}
        for i in range(500)
    ]
    results = solve(cn_and_jp(periods, bans))
    assert results.status == "optimal"
    assert results.objective == pytest.approx(500 * 10 * 2)  # JP alone


def test_two_thousand_bans_over_two_thousand_periods() -> None:
    """Each ban covers one period: the index finds a flow's few bans without scanning all."""
    periods = list(range(2000))
    bans = [{"id": f"no-cn-{t}", "group": "CN", "periods": [t]} for t in periods[1:]]
    results = solve(cn_and_jp(periods, bans))
    assert results.status == "optimal"
    # CN delivers in the one period no ban covers (10 at 1), JP in the other 1,999 (10 at 2).
    assert results.objective == pytest.approx(10 * 1 + 1999 * 10 * 2)


# --- the time limit bounds the whole run ----------------------------------------------------------


def test_time_limit_spent_while_loading(cli: Callable[..., Any]) -> None:
    result = cli("solve", CAPS, "--time-limit", "1e-9", "--format", "json")
    assert result.exit_code == 4
    document = json.loads(result.stdout)
    assert document["status"] == "no_solution"
    assert document["message"] == "no plan found: time limit of 1e-09 s reached while loading"


def test_diagnosis_stops_at_the_time_limit() -> None:
    instance = Instance.from_data(yaml.safe_load(TOO_FEW))
    found = diagnose(instance, SolveOptions(time_limit=1e-9))
    assert found["summary"] == (
        f"{TOO_FEW_WHY}\n"  # structural: found without a solver
        "(the time limit of 1e-09 s ended the diagnosis early; it may be incomplete)"
    )
    assert found["repairs"] == [] and found["untested"] == ["min_suppliers"]


def test_policy_costs_resolve_within_the_time_left() -> None:
    """The re-solves that price policies share the run's clock: none starts once it is out."""
    from sourcing.api import solve_within as _resolve

    instance = Instance.from_data(yaml.safe_load(CAPS.read_text()))
    spent = _resolve(instance, SolveOptions(time_limit=1e-9).started())
    assert (spent.status, spent.message) == (
        "no_solution",
        "no plan found: time limit of 1e-09 s reached",
    )
    assert _resolve(instance, SolveOptions(time_limit=60).started()).objective == 920.0


def test_keywords_pass_on_the_time_left() -> None:
    options = SolveOptions(time_limit=100.0, mip_gap=0.01).started()
    left = options.keywords()
    assert left["mip_gap"] == 0.01 and 90 < left["time_limit"] <= 100
    assert SolveOptions(time_limit=100.0).keywords()["time_limit"] == 100.0


# --- Dask schedulers that cannot be used ----------------------------------------------------------


@pytest.fixture
def silent_listener() -> Iterator[str]:
    """A TCP port that accepts connections and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield f"tcp://127.0.0.1:{listener.getsockname()[1]}"


@pytest.fixture
def http_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"tcp://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def run_cli(*args: Any, timeout: float = 120, env: dict[str, str] | None = None) -> Any:
    return subprocess.run(
        [sys.executable, "-m", "sourcing", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("nonsense::://x", "ValueError: unknown address scheme"),
        ("foo", "ValueError: missing port number in address 'foo'"),
        ("silent", "no answer within 2 s"),
        ("http", "no answer within 2 s"),
    ],
)
def test_unusable_scheduler_is_an_error_in_bounded_time(
    request: pytest.FixtureRequest, address: str, reason: str
) -> None:
    pytest.importorskip("dask.distributed")
    if address in ("silent", "http"):
        address = request.getfixturevalue(
            {"silent": "silent_listener", "http": "http_server"}[address]
        )
    result = run_cli(
        "sweep", CAPS, "--set", f"{SWEEP_PATH}=0.1,0.2", "--scheduler", address,
        timeout=60, env={"SOURCING_SCHEDULER_TIMEOUT": "2"},
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert f"error: cannot use the Dask scheduler at {address!r}: {reason}" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_scheduler_timeout_variable() -> None:
    result = run_cli(
        "sweep", CAPS, "--set", f"{SWEEP_PATH}=0.2", "--scheduler", "tcp://127.0.0.1:1",
        env={"SOURCING_SCHEDULER_TIMEOUT": "nan"},
    )  # fmt: skip
    assert result.returncode == 2
    assert "error: SOURCING_SCHEDULER_TIMEOUT must be a positive number, got 'nan'" in result.stderr


# --- signals --------------------------------------------------------------------------------------

posix_only = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")


def workers(pid: int) -> set[int]:
    """Ids of the worker processes (multiprocessing's spawned children) of `pid`."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            command = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if parent == pid and b"spawn_main" in command:
            found.add(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def catchable_ctrl_c() -> None:
    """In a child before it starts: Ctrl-C as in a terminal, even where these tests run as a
    background job (which ignores it, and Python then keeps ignoring it)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def catches(pid: int, number: int) -> bool:
    """Whether process `pid` has a handler for signal `number` (from /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("SigCgt:"):
            return bool(int(line.split()[1], 16) >> (number - 1) & 1)
    return False


def wait_until(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@posix_only
@pytest.mark.parametrize(
    ("sent", "code", "message"),
    [
        (signal.SIGINT, 130, "interrupted (Ctrl-C)"),
        (signal.SIGTERM, 143, "terminated (SIGTERM)"),
    ],
)
def test_a_signal_while_loading_ends_without_a_traceback(
    sent: signal.Signals, code: int, message: str
) -> None:
    """Sent while the libraries load (about two seconds), before any command runs."""
    child = subprocess.Popen(
        [sys.executable, "-m", "sourcing", "solve", str(CAPS)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=catchable_ctrl_c,
    )
    # Once the command catches SIGTERM it has begun to load the libraries.
    assert wait_until(lambda: catches(child.pid, signal.SIGTERM), 30), "never started"
    child.send_signal(sent)
    _, err = child.communicate(timeout=60)
    assert (child.returncode, err) == (code, f"{message}\n")


def _sweep_with_workers() -> tuple[subprocess.Popen[str], set[int]]:
    """A long sweep on two worker processes, once both are running."""
    child = subprocess.Popen(
        [
            sys.executable, "-m", "sourcing", "sweep", str(CAPS),
            "--set", f"{SWEEP_PATH}=0:1:0.0002", "--jobs", "2", "--format", "json",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    assert wait_until(lambda: len(workers(child.pid)) == 2, 60), "workers never started"
    time.sleep(2)  # the workers are solving points now
    return child, workers(child.pid)


@posix_only
def test_sigterm_stops_a_sweep_and_its_workers() -> None:
    child, started = _sweep_with_workers()
    child.send_signal(signal.SIGTERM)
    _, err = child.communicate(timeout=60)
    assert (child.returncode, err) == (143, "terminated (SIGTERM)\n")
    assert wait_until(lambda: not any(alive(pid) for pid in started), 20), "workers outlived it"


@posix_only
def test_workers_die_with_a_killed_parent() -> None:
    child, started = _sweep_with_workers()
    child.kill()
    child.communicate(timeout=60)
    assert wait_until(lambda: not any(alive(pid) for pid in started), 20), "workers outlived it"


@posix_only
def test_a_worker_killed_mid_sweep_is_a_clear_error() -> None:
    child, started = _sweep_with_workers()
    os.kill(min(started), signal.SIGKILL)
    _, err = child.communicate(timeout=60)
    assert (child.returncode, err) == (
        1,
        "error: a worker process of the sweep ended abruptly (out of memory, or killed); "
        "--jobs 1 solves the points in this process\n",
    )
    assert wait_until(lambda: not any(alive(pid) for pid in started), 20), "workers outlived it"


# --- random option values ---------------------------------------------------------------------

OPTION_TEXT = st.one_of(
    st.sampled_from(
        ["nan", "-nan", "inf", "-inf", "1e400", "-1e400", "0", "-0", "-1", "1e-300", "1e300",
         "0.5", "2", "100000", "99999999999999999999", "", " ", "e", "1,5", "0x10", "1_0"]
    ),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(10**20), 10**20).map(str),
    st.text(max_size=8),
)  # fmt: skip
# (Not --points or --jobs: a valid value may ask for thousands of solves or processes; their
# bounds are tested above.)
OPTIONS = {
    "solve": ["--time-limit", "--mip-gap", "--threads", "--seed", "--survive"],
    "stress": ["--factor", "--time-limit"],
    "frontier": ["--mip-gap", "--time-limit"],
    "sweep": ["--set", "--time-limit"],
}


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(st.sampled_from(sorted(OPTIONS)).flatmap(
    lambda command: st.tuples(
        st.just(command),
        st.lists(st.tuples(st.sampled_from(OPTIONS[command]), OPTION_TEXT), max_size=3),
    )
))  # fmt: skip
def test_random_option_values_end_cleanly(
    cli: Callable[..., Any], case: tuple[str, list[tuple[str, str]]]
) -> None:
    """Any value of any option: exit 0, 2, 3 or 4 with one JSON object; a usage error says
    which option is wrong."""
    command, options = case
    args = [command, str(CAPS), "--format", "json"]
    if command == "frontier":
        args += ["--group", "CN", "--points", "3", "--jobs", "1"]
    if command == "sweep":  # a later --set of the same path replaces this one
        args += ["--set", f"{SWEEP_PATH}=0.2", "--jobs", "1"]
    for option, value in options:
        args += [option, f"{SWEEP_PATH}={value}" if option == "--set" else value]
    result = cli(*args)
    assert result.exit_code in (0, 2, 3, 4), (result.exit_code, result.stderr)
    document = json.loads(result.stdout)
    if result.exit_code == 2:
        assert document["status"] == "invalid" and result.stderr.strip()

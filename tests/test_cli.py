"""The command line (SPEC section 3): exit codes, JSON and table output, --output files."""

from __future__ import annotations

import dataclasses
import importlib.util
import inspect
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner, Result

import sourcing.api
import sourcing.cli
from sourcing.cli import main
from sourcing.errors import NoSolutionError, SourcingError, UsageError
from sourcing.explain.results import empty_results
from sourcing.output import outdir

SPEC_KEYS = {
    "instance",
    "status",
    "objective",
    "mip_gap",
    "flows",
    "contracts",
    "shortages",
    "shares",
    "binding_policies",
    "diagnosis",
}
FLOW_KEYS = ["supplier", "product", "market", "period", "quantity"]

# Optimum by hand: without the cap CN would deliver everything (500 + 10). The cap lets CN deliver
# 0.2 x 100 = 20 (cost 100), JP the other 80 (cost 640); both fixed costs are paid (30).
# 100 + 640 + 30 = 770. Any plan without CN costs 820; CN below 20 only swaps 5 for 8.
CAPPED = """\
name: capped
units: {quantity: wafers, money: EUR million}
regions: [{id: CN}, {id: JP}]
products: [{id: chip}]
suppliers:
  - {id: cn, region: CN, fixed_cost: 10, offers: [{product: chip, unit_cost: 5}]}
  - {id: jp, region: JP, fixed_cost: 20, offers: [{product: chip, unit_cost: 8}]}
demand: [{product: chip, quantity: 100}]
policies:
  caps: [{id: cn-cap, group: CN, max_share: 0.2}]
"""
CAPPED_OBJECTIVE = 770.0

# gpu has demand, no supplier offers it and it has no shortage_penalty.
NO_SUPPLIER = """\
name: no-supplier
regions: [{id: CN}, {id: JP}]
products: [{id: chip}, {id: gpu}]
suppliers:
  - {id: cn, region: CN, offers: [{product: chip, unit_cost: 5}]}
demand: [{product: chip, quantity: 10}, {product: gpu, quantity: 5}]
"""

# JP must deliver 60 % of 100, but can deliver only 10.
FLOOR_TOO_HIGH = """\
name: floor-too-high
regions: [{id: CN}, {id: JP}]
products: [{id: chip}]
suppliers:
  - {id: cn, region: CN, offers: [{product: chip, unit_cost: 5}]}
  - {id: jp, region: JP, capacity: 10, offers: [{product: chip, unit_cost: 8}]}
demand: [{product: chip, quantity: 100}]
policies:
  floors: [{id: jp-floor, group: JP, min_share: 0.6}]
"""

BAD_FILES = {
    "unknown-product": (
        CAPPED.replace(
            "offers: [{product: chip, unit_cost: 8}]", "offers: [{product: chipp, unit_cost: 8}]"
        ),
        "suppliers[1].offers[0].product: unknown product 'chipp'",
    ),
    "share-above-one": (
        CAPPED.replace("max_share: 0.2", "max_share: 1.2"),
        "policies.caps[0].max_share: Input should be less than or equal to 1",
    ),
    "unknown-key": (CAPPED + "foo: 1\n", "foo: unknown key"),
    "missing-name": (
        CAPPED.replace("name: capped\n", ""),
        "name: required key is missing",
    ),
    "yaml-syntax": (
        CAPPED.replace("regions: [{id: CN}, {id: JP}]", "regions: [{id: CN}, {id: JP}"),
        "YAML syntax error: line 4, column 1: expected ',' or ']', but got '<scalar>'",
    ),
}


def runner() -> CliRunner:
    """stdout and stderr apart (the default from click 8.2; click 8.1 needs mix_stderr)."""
    if "mix_stderr" in inspect.signature(CliRunner.__init__).parameters:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    return CliRunner()


def invoke(*args: str | Path) -> Result:
    result = runner().invoke(main, [str(a) for a in args], prog_name="sourcing")
    assert "Traceback" not in result.output, result.output
    return result


def write(tmp_path: Path, text: str, name: str = "inst.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def solve_json(*args: str | Path, code: int = 0) -> dict[str, Any]:
    result = invoke("solve", *args, "--format", "json")
    assert result.exit_code == code, result.output
    assert result.stdout.count("\n") == 1 and result.stdout.endswith("}\n"), result.stdout
    payload = json.loads(result.stdout)
    assert isinstance(payload, dict)
    return payload


# --- validate --------------------------------------------------------------------------------


def test_validate_valid_file(tmp_path: Path) -> None:
    path = write(tmp_path, CAPPED)
    result = invoke("validate", path)
    assert result.exit_code == 0
    assert result.stdout == f"{path}: valid (2 suppliers, 1 product, 1 market, 1 period)\n"
    assert result.stderr == ""


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_validate_bad_file(tmp_path: Path, case: str) -> None:
    text, problem = BAD_FILES[case]
    path = write(tmp_path, text)
    result = invoke("validate", path)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"error: invalid instance\n{path}: {problem}\n"


def test_validate_reports_every_problem(tmp_path: Path) -> None:
    text = CAPPED.replace("region: CN,", "region: XX,").replace(
        "product: chip, quantity", "product: gpu, quantity"
    )
    path = write(tmp_path, text)
    result = invoke("validate", path)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "error: invalid instance",
        f"{path}: suppliers[0].region: unknown region 'XX'",
        f"{path}: demand[0].product: unknown product 'gpu'",
    ]


@pytest.mark.parametrize("command", ["validate", "solve"])
def test_missing_file(tmp_path: Path, command: str) -> None:
    path = tmp_path / "nowhere.yaml"
    result = invoke(command, path)
    assert result.exit_code == 2
    assert result.stderr == f"error: invalid instance\n{path}: file not found\n"


def test_validate_needs_an_instance() -> None:
    result = invoke("validate")
    assert result.exit_code == 2
    assert "Missing argument 'INSTANCE'" in result.stderr


def test_directory_argument_is_a_usage_error(tmp_path: Path) -> None:
    result = invoke("validate", tmp_path)
    assert result.exit_code == 2
    assert "is a directory" in result.stderr


def test_unsupported_suffix(tmp_path: Path) -> None:
    path = write(tmp_path, CAPPED, "inst.txt")
    result = invoke("solve", path)
    assert result.exit_code == 2
    assert f"{path}: unsupported file type '.txt'" in result.stderr


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    path = write(tmp_path, BAD_FILES["unknown-key"][0])
    result = runner().invoke(main, ["validate", str(path), "--debug"])
    assert result.exit_code == 2
    assert "Traceback" in result.stderr
    assert f"{path}: foo: unknown key" in result.stderr


# --- solve ------------------------------------------------------------------------------------


def test_solve_json(tmp_path: Path) -> None:
    payload = solve_json(write(tmp_path, CAPPED))
    assert set(payload) >= SPEC_KEYS
    assert payload["instance"] == "capped"
    assert payload["status"] == "optimal"
    assert payload["objective"] == pytest.approx(CAPPED_OBJECTIVE)
    assert payload["mip_gap"] == pytest.approx(0.0, abs=1e-6)
    assert payload["diagnosis"] is None
    assert payload["shortages"] == []
    flows = payload["flows"]
    assert all(list(flow) == FLOW_KEYS for flow in flows)
    assert {
        (f["supplier"], f["product"], f["market"], f["period"]): f["quantity"] for f in flows
    } == {
        ("cn", "chip", "default", 1): pytest.approx(20.0),
        ("jp", "chip", "default", 1): pytest.approx(80.0),
    }
    assert sorted(payload["contracts"]) == ["cn", "jp"]
    shares = {(s["group"], s["kind"]): s["share"] for s in payload["shares"]}
    assert shares == {("CN", "region"): pytest.approx(0.2), ("JP", "region"): pytest.approx(0.8)}
    assert [(b["policy"], b["kind"]) for b in payload["binding_policies"]] == [("cn-cap", "cap")]
    assert payload["binding_policies"][0]["limit"] == pytest.approx(0.2)


def test_solve_json_keeps_stderr_quiet(tmp_path: Path) -> None:
    result = invoke("solve", write(tmp_path, CAPPED), "--format", "json")
    assert result.exit_code == 0
    assert result.stderr == ""


def test_solve_without_cap(tmp_path: Path) -> None:
    text = CAPPED.replace("policies:\n  caps: [{id: cn-cap, group: CN, max_share: 0.2}]\n", "")
    payload = solve_json(write(tmp_path, text))
    assert payload["objective"] == pytest.approx(510.0)
    assert payload["contracts"] == ["cn"]
    assert payload["binding_policies"] == []


def test_solve_table(tmp_path: Path) -> None:
    result = invoke("solve", write(tmp_path, CAPPED))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "capped: optimal" in out
    assert "total cost 770.00 EUR million" in out
    assert "Binding policies" in out
    binding = out[out.index("Binding policies") :]
    assert "cn-cap" in binding
    assert "20.0 %" in binding


@pytest.mark.parametrize(
    ("text", "structural"),
    [(NO_SUPPLIER, True), (FLOOR_TOO_HIGH, False)],
    ids=["no-eligible-supplier", "floor-too-high"],
)
def test_infeasible_json(tmp_path: Path, text: str, structural: bool) -> None:
    payload = solve_json(write(tmp_path, text), code=3)
    assert set(payload) >= SPEC_KEYS
    assert payload["status"] == "infeasible"
    assert payload["objective"] is None
    assert payload["mip_gap"] is None
    assert payload["flows"] == [] and payload["contracts"] == [] and payload["shares"] == []
    if structural:
        assert payload["diagnosis"]["structural"] == [
            {
                "elements": ["demand:gpu/default/1"],
                "kind": "demand",
                "message": "demand of 5 for gpu in market default, period 1 cannot be served: "
                "no supplier may deliver it (after bans, offers and capacities) and the product "
                "has no shortage_penalty",
            }
        ]


def test_infeasible_table_explains(tmp_path: Path) -> None:
    result = invoke("solve", write(tmp_path, NO_SUPPLIER))
    assert result.exit_code == 3
    out = " ".join(result.stdout.split())  # rich wraps long lines
    assert "no-supplier: infeasible" in out
    assert "demand of 5 for gpu in market default, period 1 cannot be served" in out


def test_infeasible_floor_has_a_diagnosis(tmp_path: Path) -> None:
    payload = solve_json(write(tmp_path, FLOOR_TOO_HIGH), code=3)
    messages = [r["message"] for r in payload["diagnosis"]["repairs"]]
    # JP can make 10 of 100: the floor must drop to 10 %, or JP's capacity rise to 60.
    assert messages[:2] == [
        "lower jp-floor min_share from 0.6 to 0.1",
        "raise jp capacity from 10 to 60 in period 1",
    ]


def test_infeasible_table_prints_the_repairs(tmp_path: Path) -> None:
    result = invoke("solve", write(tmp_path, FLOOR_TOO_HIGH))
    assert result.exit_code == 3
    out = " ".join(result.stdout.split())
    assert "Why no plan exists" in out
    assert "any one of these changes restores feasibility:" in out
    assert "- lower jp-floor min_share from 0.6 to 0.1" in out


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--time-limit", "0"),
        ("--time-limit", "-1"),
        ("--time-limit", "soon"),
        ("--mip-gap", "2"),
        ("--mip-gap", "1"),
        ("--mip-gap", "-0.1"),
        ("--format", "xml"),
        ("--threads", "0"),
    ],
)
def test_bad_option_is_a_usage_error(tmp_path: Path, option: str, value: str) -> None:
    result = invoke("solve", write(tmp_path, CAPPED), option, value)
    assert result.exit_code == 2
    assert f"Invalid value for '{option}'" in result.stderr
    assert result.stdout == ""


def test_good_limits_are_accepted(tmp_path: Path) -> None:
    payload = solve_json(write(tmp_path, CAPPED), "--time-limit", "30", "--mip-gap", "0.5")
    assert payload["status"] in ("optimal", "feasible")
    assert payload["objective"] >= CAPPED_OBJECTIVE - 1e-6


def test_unknown_command_and_option() -> None:
    assert invoke("optimise").exit_code == 2
    assert invoke("solve", "--colour").exit_code == 2


def test_help_and_version() -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    assert "solve" in result.stdout and "validate" in result.stdout
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.stdout.startswith("sourcing, version ")


def test_solve_default_instance() -> None:
    """INSTANCE left out = the bundled default instance, solved to proven optimality."""
    payload = solve_json()
    assert payload["status"] == "optimal"
    assert payload["objective"] > 0


# --- exit codes for every status and error class (solver replaced) ---------------------------


@pytest.mark.parametrize(
    ("status", "code"), [("feasible", 0), ("infeasible", 3), ("no_solution", 4)]
)
def test_status_exit_codes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, status: str, code: int
) -> None:
    real = sourcing.api.solve_with

    def fake(instance: Any, options: Any, **extra: Any) -> Any:
        if status == "feasible":
            return dataclasses.replace(real(instance, options, **extra), status="feasible")
        return empty_results(instance, status, message="stopped")

    monkeypatch.setattr(sourcing.api, "solve_with", fake)
    payload = solve_json(write(tmp_path, CAPPED), code=code)
    assert payload["status"] == status
    table = invoke("solve", write(tmp_path, CAPPED))
    assert table.exit_code == code
    assert f"capped: {status}" in table.stdout


@pytest.mark.parametrize(
    ("error", "code", "message", "document"),
    [
        (
            UsageError("bad argument"),
            2,
            "error: bad argument\n",
            {"status": "invalid", "message": "bad argument"},
        ),
        (
            SourcingError("plan check failed"),
            1,
            "error: plan check failed\n",
            {"status": "error", "message": "plan check failed"},
        ),
        (
            ZeroDivisionError("division by zero"),
            1,
            "internal error: ZeroDivisionError: division by zero\n"
            "(run with --debug for a traceback)\n",
            {"status": "error", "message": "internal error: ZeroDivisionError: division by zero"},
        ),
        (
            NoSolutionError("stopped: time limit of 1 s reached"),
            4,
            "no solution: stopped: time limit of 1 s reached\n",
            {"status": "no_solution", "message": "stopped: time limit of 1 s reached"},
        ),
        (
            KeyboardInterrupt(),
            130,
            "interrupted (Ctrl-C)\n",
            {"status": "interrupted", "message": "interrupted (Ctrl-C)"},
        ),
    ],
)
def test_error_exit_codes(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    error: BaseException,
    code: int,
    message: str,
    document: dict[str, Any],
) -> None:
    """Every failure has its exit code and message on stderr; with --format json, stdout holds
    one JSON object saying what happened."""

    def fake(instance: Any, options: Any, **extra: Any) -> Any:
        raise error

    monkeypatch.setattr(sourcing.api, "solve_with", fake)
    result = invoke("solve", write(tmp_path, CAPPED), "--format", "json")
    assert result.exit_code == code
    assert result.stderr == message
    assert json.loads(result.stdout) == document
    table = invoke("solve", write(tmp_path, CAPPED))
    assert (table.exit_code, table.stderr, table.stdout) == (code, message, "")


# --- --output ---------------------------------------------------------------------------------


def test_output_dir(tmp_path: Path) -> None:
    out = tmp_path / "results"
    result = invoke("solve", write(tmp_path, CAPPED), "--format", "json", "--output", out)
    assert result.exit_code == 0
    payload = json.loads(result.stdout)
    assert {"flows.csv", "shares.csv", "summary.json"} <= {p.name for p in out.iterdir()}
    assert json.loads((out / "summary.json").read_text(encoding="utf-8")) == payload
    flows = pd.read_csv(out / "flows.csv")
    assert dict(zip(flows["supplier"], flows["quantity"], strict=True)) == {
        "cn": pytest.approx(20.0),
        "jp": pytest.approx(80.0),
    }
    shares = pd.read_csv(out / "shares.csv")
    assert set(shares.columns) >= {"group", "product", "market", "period", "share"}
    assert _no_leftovers(tmp_path, {"inst.yaml", "results"})


def _earlier_run(out: Path, files: dict[str, str]) -> None:
    """An earlier run of `solve` in `out` that wrote `files` (name: text)."""
    outdir.write(
        out, {name: outdir.text_file(text) for name, text in files.items()}, command="solve"
    )


def test_output_into_existing_dir(tmp_path: Path) -> None:
    out = tmp_path / "results"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    _earlier_run(out, {"flows.csv": "stale"})
    result = invoke("solve", write(tmp_path, CAPPED), "--output", out)
    assert result.exit_code == 0
    assert f"results written to {out}/" in result.stdout
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert "stale" not in (out / "flows.csv").read_text(encoding="utf-8")
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["objective"] == pytest.approx(CAPPED_OBJECTIVE)
    assert _no_leftovers(tmp_path, {"inst.yaml", "results"})


def test_output_nested_new_dir(tmp_path: Path) -> None:
    out = tmp_path / "a" / "b" / "results"
    result = invoke("solve", write(tmp_path, CAPPED), "--output", out)
    assert result.exit_code == 0
    assert (out / "summary.json").is_file()


def test_output_of_an_infeasible_solve(tmp_path: Path) -> None:
    out = tmp_path / "results"
    payload = solve_json(write(tmp_path, NO_SUPPLIER), "--output", out, code=3)
    assert json.loads((out / "summary.json").read_text(encoding="utf-8")) == payload
    assert pd.read_csv(out / "flows.csv").empty


def test_output_onto_a_file_is_a_usage_error(tmp_path: Path) -> None:
    target = write(tmp_path, "not a dir", "results")
    result = invoke("solve", write(tmp_path, CAPPED), "--output", target)
    assert result.exit_code == 2
    assert target.read_text(encoding="utf-8") == "not a dir"


def _failing_to_csv(monkeypatch: pytest.MonkeyPatch, fail_on: int) -> None:
    original = pd.DataFrame.to_csv
    calls = {"n": 0}

    def to_csv(self: pd.DataFrame, *args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == fail_on:
            raise OSError("No space left on device")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_csv", to_csv)


def _no_leftovers(parent: Path, expected: set[str]) -> bool:
    return {p.name for p in parent.iterdir()} == expected


@pytest.mark.parametrize("fail_on", [1, 3])
def test_output_is_all_or_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fail_on: int
) -> None:
    instance = write(tmp_path, CAPPED)
    _failing_to_csv(monkeypatch, fail_on)
    out = tmp_path / "results"
    result = invoke("solve", instance, "--format", "json", "--output", out)
    assert result.exit_code == 2
    assert result.stderr == f"error: cannot write into {out}: No space left on device\n"
    assert json.loads(result.stdout) == {
        "status": "error",
        "message": f"cannot write into {out}: No space left on device",
    }
    assert _no_leftovers(tmp_path, {"inst.yaml"})  # no target, no staging directory


def test_failed_output_leaves_an_existing_dir_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    instance = write(tmp_path, CAPPED)
    out = tmp_path / "results"
    _earlier_run(out, {"flows.csv": "old"})
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    _failing_to_csv(monkeypatch, 2)
    result = invoke("solve", instance, "--output", out)
    assert result.exit_code == 2
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert _no_leftovers(tmp_path, {"inst.yaml", "results"})


# --- the installed entry points ----------------------------------------------------------------


def test_console_script(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("sourcing")
    assert script.is_file(), f"console script missing next to {sys.executable}"
    good = write(tmp_path, CAPPED)
    done = subprocess.run(
        [str(script), "validate", str(good)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{good}: valid (2 suppliers, 1 product, 1 market, 1 period)\n"
    bad = write(tmp_path, BAD_FILES["unknown-product"][0], "bad.yaml")
    done = subprocess.run(
        [str(script), "validate", str(bad)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == (
        f"error: invalid instance\n{bad}: suppliers[1].offers[0].product: unknown product 'chipp'\n"
    )
    assert "Traceback" not in done.stderr


def test_python_dash_m(tmp_path: Path) -> None:
    """`python -m sourcing` where a `sourcing/__main__.py` exists (none at the time of writing)."""
    if importlib.util.find_spec("sourcing.__main__") is None:
        pytest.skip("no sourcing/__main__.py, so `python -m sourcing` is not available")
    good = write(tmp_path, CAPPED)
    done = subprocess.run(
        [sys.executable, "-m", "sourcing", "validate", str(good)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"{good}: valid")

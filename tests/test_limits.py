"""Honest limits: a limit or Ctrl-C returns the best plan found, or says which limit stopped it."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from sourcing import NoSolutionError, solve
from sourcing.cli import main
from sourcing.instance.generate import generate, generate_data


def test_time_limit_without_a_plan_is_no_solution():
    # The limit counts from the call: building the model alone takes longer than 1 ms.
    results = solve(generate("M", seed=3), time_limit=0.001)
    assert results.status == "no_solution"
    assert results.plan is None
    assert results.message == (
        "no plan found: time limit of 0.001 s reached while building the model"
    )
    assert "solve" not in results.timings  # HiGHS never ran
    with pytest.raises(NoSolutionError, match=re.escape("time limit of 0.001 s reached")):
        results.raise_for_status()


def test_cli_exit_code_4_names_the_limit(tmp_path: Path):
    path = tmp_path / "m.json"
    path.write_text(json.dumps(generate_data("M", seed=3)))
    result = CliRunner().invoke(main, ["solve", str(path), "--time-limit", "0.001"])
    assert result.exit_code == 4
    assert "no_solution" in result.stdout
    assert "no plan found: time limit of 0.001 s reached" in result.stdout


@pytest.mark.parametrize(
    ("sent", "says"),
    [(signal.SIGINT, "interrupted (Ctrl-C)"), (signal.SIGTERM, "terminated (SIGTERM)")],
)
def test_ctrl_c_stops_cleanly_with_the_best_plan(
    tmp_path: Path, sent: signal.Signals, says: str
) -> None:
    """Ctrl-C, and SIGTERM alike, during the search: the best plan so far, or none."""
    # Instance L (seed 1) takes HiGHS well over half a minute to prove optimal on 2 cores; the
    # interrupt arrives during the search.
    path = tmp_path / "l.json"
    path.write_text(json.dumps(generate_data("L", seed=1)))
    command = [sys.executable, "-m", "sourcing", "solve", str(path), "--format", "json"]
    child = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        # Ctrl-C as in a terminal, also where the tests run as a background job (ignoring it)
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    time.sleep(8)
    child.send_signal(sent)
    out, err = child.communicate(timeout=120)
    assert "Traceback" not in err.decode()
    payload = json.loads(out)
    if child.returncode == 0:
        assert payload["status"] == "feasible"
        assert payload["message"] == f"stopped early: {says}"
        assert payload["flows"] and payload["mip_gap"] > 0
    else:
        assert child.returncode == 4
        assert payload["status"] == "no_solution"
        assert payload["message"] == f"no plan found: {says}"

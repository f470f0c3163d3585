"""A command imports only what it uses: `--help` and `validate` answer without the solver's
libraries, and a solve without the diagnosis's or the plots'."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HEAVY = ("pyomo", "highspy", "numpy", "pandas", "scipy", "matplotlib", "rich.progress")

PROBE = """
import json, sys
from click.testing import CliRunner
from sourcing.cli import main
result = CliRunner().invoke(main, sys.argv[1:])
print(json.dumps({"exit": result.exit_code, "modules": sorted(sys.modules)}))
"""


def imported(*args: str) -> tuple[int, set[str]]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=True
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    return report["exit"], {name.split(".")[0] for name in report["modules"]} | set(
        report["modules"]
    )


def test_help_imports_no_solver_library() -> None:
    code, modules = imported("--help")
    assert code == 0
    assert not modules & set(HEAVY), sorted(modules & set(HEAVY))


def test_validate_imports_no_solver_library(tmp_path: Path) -> None:
    path = tmp_path / "small.yaml"
    path.write_text(
        "name: small\nregions: [{id: A}]\nproducts: [{id: chip}]\n"
        "suppliers: [{id: s, region: A, offers: [{product: chip, unit_cost: 1}]}]\n"
        "demand: [{product: chip, quantity: 1}]\n",
        encoding="utf-8",
    )
    code, modules = imported("validate", str(path))
    assert code == 0
    assert not modules & set(HEAVY), sorted(modules & set(HEAVY))


def test_solving_imports_neither_scipy_nor_matplotlib() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from sourcing import solve, load_instance; "
            "solve(load_instance(None)); "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'scipy', 'matplotlib'}))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip().splitlines()[-1] == "[]"

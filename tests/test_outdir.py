"""`--output DIR`: a run writes only its own files, each atomically, recorded in a manifest.

Real processes, real signals and the real filesystem: the CLI runs with `--output .` among user
files, beside a process appending to a log, into folders holding an earlier run's files or
someone else's, into read-only folders and onto files; children are killed (SIGKILL) at each
step of the protocol of `sourcing.output.outdir.write`, or get SIGTERM or SIGINT while it renames.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import sourcing.api
import sourcing.cli
from sourcing import Instance, interrupts, load_instance, solve
from sourcing.cli import main
from sourcing.errors import OutputError
from sourcing.explain.results import OUTPUT_FILES
from sourcing.output.outdir import MANIFEST

REPO = Path(__file__).resolve().parents[1]
CAPS = REPO / "instances" / "examples" / "caps.yaml"
SCENARIOS = REPO / "instances" / "examples" / "scenarios.yaml"
CAPS_SETTING = "policies.caps[cn-cap].max_share=0.1,0.2"
STAGE_FILES = ["scenarios.csv", "scenario_flows.csv", "scenario_periods.csv"]
BASE_FILES = sorted(
    set(OUTPUT_FILES) - {"policy_costs.csv", "expansions.csv", "paths.csv", *STAGE_FILES}
)
SCENARIO_FILES = sorted([*BASE_FILES, *STAGE_FILES])
TEMPORARY = r"\.[\w-]+\.[0-9a-f]{8}\.tmp\.\w+"

# Differs from scenarios.yaml in every file both write: two periods, stock, shortage (the cap
# limits CN to 1.5 x JP per period: at most 75 of the 200), a binding cap, other contracts.
NEW_DATA: dict[str, Any] = {
    "name": "new",
    "periods": [1, 2],
    "regions": [{"id": "CN"}, {"id": "JP"}],
    "products": [{"id": "chip", "holding_cost": 0.5, "shortage_penalty": 100}],
    "suppliers": [
        {
            "id": "cn",
            "region": "CN",
            "capacity": 50,
            "offers": [{"product": "chip", "unit_cost": {1: 1, 2: 5}}],
        },
        {
            "id": "jp",
            "region": "JP",
            "capacity": 30,
            "offers": [{"product": "chip", "unit_cost": 3}],
        },
    ],
    "demand": [{"product": "chip", "period": 2, "quantity": 200}],
    "policies": {"caps": [{"id": "cn-cap", "group": "CN", "max_share": 0.6}]},
}

# Files a user keeps in the output folder; a run never touches them. `.flows.csv.tmp` looks like
# a temporary but is not one of the writer's.
USER_FILES = {"notes.txt": b"mine\n", "log.txt": b"old line\n", ".flows.csv.tmp": b"keep\n"}


def _env() -> dict[str, str]:
    """The environment for a child: this checkout's `src` first on the path."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO / "src"), env.get("PYTHONPATH")]))
    return env


def _sourcing(*args: Any, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "sourcing", *map(str, args)]
    return subprocess.run(
        command, cwd=cwd, env=_env(), capture_output=True, text=True, timeout=300, check=False
    )


def _invoke(*args: Any) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def _manifest(folder: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    return document


def _run_files(folder: Path) -> dict[str, bytes]:
    """The files of the tool's runs in `folder`: all but the user's, the manifest, temporaries;
    summary.json without its timings (which differ from one solve to the next)."""
    files = {
        name: content
        for name, content in _snapshot(folder).items()
        if name not in USER_FILES and name != MANIFEST and not name.startswith(".")
    }
    if "summary.json" in files:
        summary = json.loads(files["summary.json"])
        summary.pop("timings")
        files["summary.json"] = json.dumps(summary).encode()
    return files


def _assert_one_complete_run(
    folder: Path, command: str, files: list[str], others: tuple[str, ...] = ()
) -> None:
    """`folder` holds exactly one complete run of `command` writing `files`, no temporary, and
    besides them only the user's files and `others`."""
    manifest = _manifest(folder)
    assert manifest["tool"] == "sourcing"
    assert manifest["command"] == command
    assert manifest["complete"] is True
    assert manifest["files"] == sorted(files)
    assert {p.name for p in folder.iterdir()} == {*files, MANIFEST, *USER_FILES, *others}


def _user_files(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in USER_FILES.items():
        (folder / name).write_bytes(content)


# --- --output . and a concurrent writer -------------------------------------------------------


def test_output_dot_writes_beside_user_files(tmp_path: Path) -> None:
    work = tmp_path / "work"
    _user_files(work)
    (work / "sub").mkdir()
    (work / "sub" / "inner.txt").write_text("deep", encoding="utf-8")
    before = _identities(work)

    done = _sourcing("solve", CAPS, "--output", ".", cwd=work)

    assert done.returncode == 0, done.stderr
    assert {name: _identity(work / name) for name in before} == before
    assert [p.name for p in (work / "sub").iterdir()] == ["inner.txt"]
    assert (work / "sub" / "inner.txt").read_text(encoding="utf-8") == "deep"
    _assert_one_complete_run(work, "solve", BASE_FILES, others=("sub",))
    assert [p.name for p in tmp_path.iterdir()] == ["work"]  # nothing beside the folder


def _identity(path: Path) -> tuple[int, bytes | None]:
    """A file's or folder's inode, and a file's bytes."""
    return path.stat().st_ino, path.read_bytes() if path.is_file() else None


def _identities(folder: Path) -> dict[str, tuple[int, bytes | None]]:
    return {p.name: _identity(p) for p in folder.iterdir()}


WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path

    folder, stop = Path(sys.argv[1]), Path(sys.argv[2])
    held = open(folder / "logs" / "app.log", "a", buffering=1)  # kept open, as a logger does
    count = 0
    while not stop.exists():
        count += 1
        with open(folder / "log.txt", "a") as log:  # reopened by name, as `echo >> log.txt`
            log.write(f"line {count}\\n")
        held.write(f"line {count}\\n")
        time.sleep(0.003)
    print(count)
    """
)


def test_a_concurrent_writer_loses_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "logs").mkdir(parents=True)  # no user files here: the writer makes log.txt
    stop = tmp_path / "stop"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(out), str(stop)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not (out / "log.txt").exists() or not (out / "log.txt").read_text():
            assert writer.poll() is None and time.monotonic() < deadline, "writer never started"
            time.sleep(0.01)
        done = _sourcing("solve", "--output", out)  # the bundled default instance: a few seconds
    finally:
        stop.touch()
        output, errors = writer.communicate(timeout=30)
    assert done.returncode == 0, done.stderr
    assert writer.returncode == 0, errors
    lines = [f"line {i}" for i in range(1, int(output) + 1)]
    assert (out / "log.txt").read_text(encoding="utf-8").splitlines() == lines
    assert (out / "logs" / "app.log").read_text(encoding="utf-8").splitlines() == lines
    assert (out / "summary.json").is_file()


# --- one run's files at a time ------------------------------------------------------------------


def test_a_later_run_removes_the_earlier_runs_other_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _user_files(out)
    assert _invoke("solve", SCENARIOS, "--output", out).exit_code == 0
    _assert_one_complete_run(out, "solve", SCENARIO_FILES)

    assert _invoke("solve", CAPS, "--output", out).exit_code == 0
    _assert_one_complete_run(out, "solve", BASE_FILES)  # scenarios.csv and scenario_flows.csv gone
    assert _snapshot(out).items() >= USER_FILES.items()

    result = _invoke("sweep", CAPS, "--set", CAPS_SETTING, "--jobs", "1", "--output", out)
    assert result.exit_code == 0, result.output
    _assert_one_complete_run(
        out, "sweep", ["sweep.csv", "sweep.png", "results.xlsx", "report.html"]
    )

    assert _invoke("solve", CAPS, "--output", out).exit_code == 0
    _assert_one_complete_run(out, "solve", BASE_FILES)  # sweep.csv and sweep.png gone
    assert _snapshot(out).items() >= USER_FILES.items()
    mask = os.umask(0)
    os.umask(mask)
    assert (out / "flows.csv").stat().st_mode & 0o777 == 0o666 & ~mask  # not a temporary's 0600


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("summary.json", b'{"mine": true}\n'),
        ("scenarios.csv", b"a,b\n1,2\n"),  # a name `solve` may write (this instance does not)
        (MANIFEST, b"not json\n"),
    ],
)
def test_foreign_file_is_refused_before_solving(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, content: bytes
) -> None:
    def never(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("solved before refusing")

    monkeypatch.setattr(sourcing.api, "solve_with", never)
    out = tmp_path / "out"
    out.mkdir()
    (out / name).write_bytes(content)
    result = _invoke("solve", CAPS, "--output", out)
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: {out / name} exists and was not written by sourcing; "
        "move it away or choose another folder\n"
    )
    assert _snapshot(out) == {name: content}


def test_foreign_files_are_refused_by_the_writer(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "flows.csv").write_text("mine", encoding="utf-8")
    (out / "summary.json").write_text("mine", encoding="utf-8")
    results = solve(load_instance(CAPS))
    with pytest.raises(OutputError) as raised:
        results.to_dir(out)
    assert str(raised.value) == (
        f"{out / 'flows.csv'}, {out / 'summary.json'} exist and were not written by sourcing; "
        "move them away or choose another folder"
    )
    assert _snapshot(out) == {"flows.csv": b"mine", "summary.json": b"mine"}


# --- killed (SIGKILL) at each step; SIGTERM and SIGINT while renaming ---------------------------

# The child runs `sourcing solve NEW --output TARGET --format json` with one function patched:
# at its AT-th call on a path in TARGET named NAME ("*": any), it blocks until killed
# ("block"), or sends itself a signal and carries on ("SIGTERM", "SIGINT"), after creating
# MARKER.
CHILD = textwrap.dedent(
    """
    import os, signal, sys, time
    from pathlib import Path
    import pandas as pd

    target, marker, spec = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    function, name, at, action = spec.split(":")
    calls = []

    def reached(path):
        if not isinstance(path, (str, bytes, os.PathLike)):
            return
        path = Path(os.fsdecode(path))
        if path.parent != target or name not in ("*", path.name):
            return
        calls.append(path)
        if len(calls) != int(at):
            return
        if action == "block":
            marker.touch()
            time.sleep(600)  # the parent kills us here
        os.kill(os.getpid(), getattr(signal, action))
        marker.touch()

    def patched(original, position):
        def wrapper(*args, **kwargs):
            reached(args[position])
            return original(*args, **kwargs)
        return wrapper

    if function == "to_csv":
        pd.DataFrame.to_csv = patched(pd.DataFrame.to_csv, 1)
    elif function == "replace":
        os.replace = patched(os.replace, 1)
    else:
        os.unlink = patched(os.unlink, 0)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    from sourcing import interrupts
    interrupts.install()  # as the `sourcing` command does: SIGTERM stops a run as Ctrl-C does
    from sourcing.cli import main
    main(sys.argv[4:], prog_name="sourcing")
    """
)

# Where to kill the child, and what the folder must then hold: the earlier run (scenarios.yaml)
# complete, or an incomplete manifest. The writer replaces the manifest first, then the 8 files,
# then removes scenario_flows.csv and scenarios.csv, then replaces the manifest again.
KILL_POINTS = {
    "rendering": ("to_csv:*:3", "old"),
    "before the incomplete manifest": (f"replace:{MANIFEST}:1", "old"),
    "before the first rename": ("replace:*:2", "incomplete"),
    "halfway through the renames": ("replace:*:6", "incomplete"),
    "removing the earlier run's files": ("unlink:scenarios.csv:1", "incomplete"),
    "before the complete manifest": (f"replace:{MANIFEST}:2", "incomplete"),
}


def _child(target: Path, marker: Path, spec: str, new: Path, log: Any) -> subprocess.Popen[bytes]:
    arguments = ["solve", str(new), "--output", str(target), "--format", "json"]
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(target), str(marker), spec, *arguments],
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=log,
    )


@pytest.fixture(scope="module")
def killed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Every kill point's folder after the kill, its earlier run and the new run's files.

    The children run at the same time, so that their start-up costs overlap.
    """
    base = tmp_path_factory.mktemp("killed")
    new = base / "new.json"
    new.write_text(json.dumps(NEW_DATA), encoding="utf-8")
    earlier = solve(load_instance(SCENARIOS))
    old, new_files = _run_files(earlier.to_dir(base / "old")), _run_files(_reference(base))
    runs: dict[str, tuple[Path, Path, subprocess.Popen[bytes], Any]] = {}
    for number, (point, (spec, _)) in enumerate(KILL_POINTS.items()):
        target = base / f"point{number}" / "out"
        _user_files(target)
        earlier.to_dir(target)
        log = (target.parent / "child.log").open("wb")
        marker = target.parent / "blocked"
        runs[point] = (target, marker, _child(target, marker, f"{spec}:block", new, log), log)
    try:
        deadline = time.monotonic() + 120
        for _, marker, child, _ in runs.values():
            while not marker.exists() and child.poll() is None and time.monotonic() < deadline:
                time.sleep(0.02)
    finally:
        for _, _, child, log in runs.values():
            child.kill()
            child.wait(timeout=30)
            log.close()
    targets = {
        point: (target, marker, child.returncode)
        for point, (target, marker, child, _) in runs.items()
    }
    yield {"old": old, "new": new_files, "targets": targets}


def _reference(base: Path) -> Path:
    """The new run's files, written by this process."""
    return solve(Instance.from_data(NEW_DATA)).to_dir(base / "reference")


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX only")
@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_killed_at_each_step_leaves_one_run_or_an_incomplete_manifest(
    killed: dict[str, Any], point: str
) -> None:
    target, marker, code = killed["targets"][point]
    log = (target.parent / "child.log").read_text(encoding="utf-8", errors="replace")
    assert marker.exists(), f"the child never reached {KILL_POINTS[point][0]}: {log}"
    assert code == -signal.SIGKILL
    old, new = killed["old"], killed["new"]
    assert old.keys() == set(SCENARIO_FILES) and new.keys() == set(BASE_FILES)
    assert all(old[name] != new[name] for name in new)  # a mix would show

    assert {k: v for k, v in _snapshot(target).items() if k in USER_FILES} == USER_FILES
    hidden = {p.name for p in target.iterdir() if p.name.startswith(".")} - set(USER_FILES)
    assert all(re.fullmatch(TEMPORARY, name) for name in hidden), hidden
    manifest = _manifest(target)
    present = _run_files(target)
    if manifest["complete"]:
        assert set(manifest["files"]) == present.keys()
        state = "old" if present == old else "new" if present == new else "a mix"
    else:
        state = "incomplete"
        assert present.keys() <= set(manifest["files"]) <= old.keys() | new.keys()
        assert all(content in (old.get(name), new.get(name)) for name, content in present.items())
    assert state == KILL_POINTS[point][1]

    # The next run leaves exactly its own files (and removes the killed run's temporaries).
    solve(load_instance(CAPS)).to_dir(target)
    _assert_one_complete_run(target, "solve", BASE_FILES)
    assert {k: v for k, v in _snapshot(target).items() if k in USER_FILES} == USER_FILES


@pytest.mark.parametrize(("name", "code"), [("SIGTERM", 143), ("SIGINT", 130)])
def test_signal_while_renaming_takes_effect_after_the_run(
    tmp_path: Path, name: str, code: int
) -> None:
    new = tmp_path / "new.json"
    new.write_text(json.dumps(NEW_DATA), encoding="utf-8")
    target = tmp_path / "out"
    _user_files(target)
    solve(load_instance(SCENARIOS)).to_dir(target)
    marker = tmp_path / "signalled"
    with (tmp_path / "child.log").open("wb") as log:
        child = _child(target, marker, f"replace:*:3:{name}", new, log)
        stdout, _ = child.communicate(timeout=120)
    errors = (tmp_path / "child.log").read_text(encoding="utf-8")
    assert marker.exists(), errors  # signalled between two renames
    assert child.returncode == code, errors
    message = {"SIGINT": "interrupted (Ctrl-C)", "SIGTERM": "terminated (SIGTERM)"}[name]
    assert errors.endswith(f"{message}\n")  # stopped before printing the results
    assert json.loads(stdout) == {"status": "interrupted", "message": message}
    _assert_one_complete_run(target, "solve", BASE_FILES)
    assert _run_files(target) == _run_files(_reference(tmp_path))


def test_deferred_signals_hold_sigint_until_the_block_ends() -> None:
    reached = []
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt), interrupts.deferred():
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.05)
            reached.append("end of block")
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, previous)
    assert reached == ["end of block"]

    def in_a_thread() -> None:
        with interrupts.deferred():  # no handlers outside the main thread: no deferral
            reached.append("thread")

    thread = threading.Thread(target=in_a_thread)
    thread.start()
    thread.join()
    assert reached[-1] == "thread"


# --- folders that cannot take the files ---------------------------------------------------------


def _read_only(folder: Path) -> list[str]:
    """A command prefix under which `folder` is read-only (a read-only bind mount for root,
    whom permissions do not stop); skips the test where that cannot be arranged."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        return []
    unshare = shutil.which("unshare")
    script = 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" "$0" && exec "$@"'
    prefix = [unshare or "unshare", "-m", "sh", "-c", script, str(folder)]
    if unshare is None or subprocess.run([*prefix, "true"], capture_output=True).returncode:
        pytest.skip("running as root without a private read-only mount")
    return prefix


WRITE_API = (  # the writer itself, without the CLI's pre-flight check
    "import sys; from sourcing.output import outdir; "
    "outdir.write(sys.argv[1], {'a.txt': outdir.text_file('a')}, command='solve')"
)


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX only")
def test_read_only_folder_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    _user_files(folder)
    prefix = _read_only(folder)
    try:
        commands = {
            "solve": ["solve", CAPS, "--output", folder],
            "sweep": ["sweep", CAPS, "--set", CAPS_SETTING, "--jobs", "1", "--output", folder],
            "below": ["solve", CAPS, "--output", folder / "new"],
        }
        children = {
            key: subprocess.Popen(
                [*prefix, sys.executable, "-m", "sourcing", *map(str, arguments)],
                env=_env(),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for key, arguments in commands.items()
        }
        api = subprocess.run(
            [*prefix, sys.executable, "-c", WRITE_API, str(folder)],
            env=_env(),
            capture_output=True,
            text=True,
            check=False,
        )
        done = {
            key: (child.communicate(timeout=120), child.returncode)
            for key, child in children.items()
        }
    finally:
        folder.chmod(0o755)
    for key, ((stdout, stderr), code) in done.items():
        where = folder / "new" if key == "below" else folder
        assert (code, stdout) == (2, ""), stderr
        assert stderr == f"error: cannot write into {where}: {folder} is not writable\n"
    assert api.returncode == 1
    assert f"sourcing.errors.OutputError: cannot write into {folder}: " in api.stderr
    assert _snapshot(folder) == USER_FILES and len(list(folder.iterdir())) == len(USER_FILES)


def test_output_onto_a_file_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    file = tmp_path / "results"
    file.write_text("not a folder", encoding="utf-8")
    result = _invoke("solve", CAPS, "--output", file)
    assert result.exit_code == 2
    assert f"Directory '{file}' is a file" in result.stderr  # click's check of the option
    for command in (["solve", CAPS], ["sweep", CAPS, "--set", CAPS_SETTING, "--jobs", "1"]):
        result = _invoke(*command, "--output", file / "sub")
        assert result.exit_code == 2
        assert result.stderr == f"error: cannot create {file / 'sub'}: {file} is not a folder\n"
        assert "Traceback" not in result.output
    with pytest.raises(OutputError, match=f"cannot write into {file}: .*not a folder"):
        solve(load_instance(CAPS)).to_dir(file)
    assert [p.name for p in tmp_path.iterdir()] == ["results"]
    assert file.read_text(encoding="utf-8") == "not a folder"


# --- every command's output goes through the same writer ----------------------------------------


def test_sweep_output(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _user_files(out)
    assert _invoke("solve", CAPS, "--output", out).exit_code == 0
    result = _invoke("sweep", CAPS, "--set", CAPS_SETTING, "--jobs", "1", "--output", out)
    assert result.exit_code == 0, result.output
    _assert_one_complete_run(
        out, "sweep", ["sweep.csv", "sweep.png", "results.xlsx", "report.html"]
    )


def test_frontier_output(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _user_files(out)
    sweep = ["sweep", CAPS, "--set", CAPS_SETTING, "--jobs", "1"]
    assert _invoke(*sweep, "--output", out).exit_code == 0
    frontier = ["frontier", CAPS, "--group", "CN", "--points", "2", "--jobs", "1"]
    result = _invoke(*frontier, "--output", out)
    assert result.exit_code == 0, result.output
    _assert_one_complete_run(
        out, "frontier", ["frontier.csv", "frontier.png", "results.xlsx", "report.html"]
    )


def test_bench_output(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _user_files(out)
    (out / "bench.png").write_bytes(b"someone's picture")
    result = _invoke("bench", "--sizes", "XS", "--solvers", "highs", "--output", out)
    assert result.exit_code == 2  # refused before the benchmark runs
    assert result.stderr.startswith(f"error: {out / 'bench.png'} exists and was not written")
    (out / "bench.png").unlink()
    assert _invoke("solve", CAPS, "--output", out).exit_code == 0
    result = _invoke("bench", "--sizes", "XS", "--solvers", "highs", "--output", out)
    assert result.exit_code == 0, result.output
    _assert_one_complete_run(out, "bench", ["bench.json", "bench.csv", "bench.png"])

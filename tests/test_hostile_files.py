"""Hostile edits of the example files: loading gives a valid `Instance` or an `InstanceError`
whose every problem is one non-empty line; the command line ends in exit 0, 2, 3 or 4 with a
clear message; never another exception, never a hang."""

from __future__ import annotations

import copy
import json
import math
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import tomli_w
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from sourcing.errors import InstanceError
from sourcing.instance.formats import dump_yaml
from sourcing.instance.io import INSTANCES_DIR, load_instance, read_data, text_keys
from sourcing.instance.schema import Instance
from sourcing.output.outdir import MANIFEST

EXAMPLES = sorted(
    p for p in (INSTANCES_DIR / "examples").iterdir() if p.suffix in {".yaml", ".json", ".toml"}
)
ORIGINALS = {p.name: read_data(p) for p in EXAMPLES}

HOSTILE = st.one_of(
    st.sampled_from(
        [
            10**400,
            -(10**400),
            1e16,
            1e20,
            1e300,
            -1,
            -1e-9,
            1e-12,
            math.nan,
            math.inf,
            -math.inf,
            0,
            2.5,
            True,
            False,
            None,
            "",
            "5",
            "0.2",
            "1e6",
            "yes",
            "NO",
            "\ud800",
            "\x00",
            "x" * 10_000,
            [],
            {},
            [[[[]]]],
            {"a": {"b": [1]}},
            {1: 2},
            {None: 1},
        ]
    ),
    st.integers(),
    st.floats(),
    st.text(max_size=12),
    st.lists(st.integers(-5, 5), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)


def places(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path in `value`, containers and leaves alike."""
    found = [path] if path else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += places(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += places(item, (*path, i))
    return found


def parent(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path[:-1]:
        data = data[part]
    return data


def json_text(value: Any, repeat: tuple[int, Any, Any] | None) -> str:
    """JSON (and so YAML) text of `value`; `repeat` = (id of a mapping, key, value) gives that
    mapping the key a second time."""
    if isinstance(value, dict):
        items = [(str(k) if k is not None else "null", v) for k, v in value.items()]
        if repeat and id(value) == repeat[0]:
            items.append((str(repeat[1]), repeat[2]))
        inner = ", ".join(f"{json.dumps(k)}: {json_text(v, repeat)}" for k, v in items)
        return "{" + inner + "}"
    if isinstance(value, list):
        return "[" + ", ".join(json_text(v, repeat) for v in value) + "]"
    return json.dumps(value)


@st.composite
def hostile_files(draw: st.DrawFn) -> tuple[str, bytes]:
    """An example file with one hostile edit: a value replaced, a key deleted or repeated."""
    name = draw(st.sampled_from(sorted(ORIGINALS)))
    data = copy.deepcopy(ORIGINALS[name])
    suffix = Path(name).suffix[1:]
    fmt = draw(st.sampled_from(["yaml", "json", "toml"])) if suffix == "yaml" else suffix
    where = draw(st.sampled_from(places(data)))
    edit = draw(st.sampled_from(["replace", "replace", "delete", "repeat"]))
    repeat = None
    if edit == "replace":
        parent(data, where)[where[-1]] = draw(HOSTILE)
    elif edit == "delete":
        del parent(data, where)[where[-1]]
    else:
        holder = parent(data, where)
        if not isinstance(holder, dict):
            reject()
        repeat = (id(holder), where[-1], draw(HOSTILE))
    try:
        if fmt == "toml":
            text = tomli_w.dumps(text_keys(data))
            if repeat:  # the same `key = value` line once more, at a random place of its table
                lines = text.splitlines()
                keyed = [i for i, line in enumerate(lines) if re.match(r'^[\w"-]+ = ', line)]
                i = draw(st.sampled_from(keyed)) if keyed else reject()
                text = "\n".join([*lines[: i + 1], lines[i], *lines[i + 1 :]]) + "\n"
        elif repeat or fmt == "json":
            text = json_text(data, repeat)
        else:
            text = dump_yaml(data)
        content = text.encode("utf-8")
    except (TypeError, ValueError, UnicodeEncodeError):  # not writable in this format
        reject()
    return fmt, content


@settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(hostile_files())
def test_hostile_edits_load_or_fail_cleanly(file: tuple[str, bytes]) -> None:
    fmt, content = file
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / f"instance.{fmt}"
        path.write_bytes(content)
        try:
            assert isinstance(load_instance(path), Instance)
        except InstanceError as exc:
            assert exc.problems
            for problem in exc.problems:
                assert problem.message.strip(), problem
                assert "\n" not in problem.message and "\n" not in problem.path, problem
            assert all(line.startswith(f"{path}: ") for line in str(exc).splitlines())


def _one_run_in(folder: Path) -> bool:
    """Whether `folder` holds exactly the files its complete manifest lists, and the manifest."""
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    present = {p.name for p in folder.iterdir()}
    return manifest["complete"] and present == {*manifest["files"], MANIFEST}


@settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(hostile_files(), st.sampled_from(["solve", "stress"]))
def test_hostile_edits_end_cleanly_on_the_command_line(
    cli: Callable[..., Any], file: tuple[str, bytes], command: str
) -> None:
    """The whole command on an edited file: exit 0, 2, 3 or 4 with one JSON object on stdout,
    a clear message, and an output folder with one run's files (or none when invalid)."""
    fmt, content = file
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / f"instance.{fmt}"
        path.write_bytes(content)
        output = Path(directory) / "out"
        args = [command, path, "--format", "json", "--time-limit", "20"]
        if command == "solve":
            args += ["--output", output]
        result = cli(*args)
        assert result.exit_code in (0, 2, 3, 4), (result.exit_code, result.stderr)
        document = json.loads(result.stdout)
        if result.exit_code == 2:
            assert document["status"] == "invalid"
            assert result.stderr.startswith("error: "), result.stderr
            assert not output.exists()
        elif command == "solve":
            assert document["status"] in ("optimal", "feasible", "infeasible", "no_solution")
            assert _one_run_in(output)

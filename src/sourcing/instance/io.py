"""Read and write instance files (YAML, JSON, TOML, Excel workbooks) and export the JSON Schema.

A file means what it says or is refused: it must be a regular file of at most
`MAX_FILE_BYTES`, UTF-8 (a leading byte-order mark is fine), without a key given twice in any
format, and YAML numbers, booleans and nulls are read as YAML 1.2 says (`1e6` is a number,
`yes` and `0x1A`... see docs/model.md), the same by libyaml and by the pure-Python reader.
Workbooks (`.xlsx`) are read by `sourcing.instance.workbook`, which names each problem's sheet,
row and column. Files are written atomically (a temporary beside the file, then a rename).
"""

from __future__ import annotations

import codecs
import contextlib
import json
import os
import re
import secrets
import stat
import tomllib
from pathlib import Path
from typing import Any

import yaml

from sourcing.errors import InstanceError, Problem
from sourcing.instance.formats import dump_yaml, parse, structure_problems, toml_problem
from sourcing.instance.schema import Instance

SUFFIXES = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".toml": "toml", ".xlsx": "xlsx"}
SUFFIX_LIST = ".yaml, .yml, .json, .toml or .xlsx"
MAX_FILE_BYTES = 256 * 2**20
"""The largest instance file read (256 MiB); docs/limits.md."""


def _instances_dir() -> Path:
    """`instances/` of a source checkout, or its copy inside an installed wheel."""
    package = Path(__file__).resolve().parents[1]  # src/sourcing, or sourcing in a wheel
    packaged = package / "instances"
    return packaged if packaged.is_dir() else package.parents[1] / "instances"


INSTANCES_DIR = _instances_dir()
DEFAULT_INSTANCE = INSTANCES_DIR / "default.yaml"


def _file_problem(path: Path, message: str) -> InstanceError:
    return InstanceError([Problem("", message)], str(path))


def _read_text(path: Path) -> str:
    """The text of a regular file of at most `MAX_FILE_BYTES`, UTF-8 with or without a BOM."""
    raw = _read_bytes(path)
    try:
        return raw.removeprefix(codecs.BOM_UTF8).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _file_problem(path, f"cannot read file: {exc}") from None


def _read_bytes(path: Path) -> bytes:
    """The bytes of a regular file of at most `MAX_FILE_BYTES`.

    Anything else (a directory, a FIFO, a device such as /dev/zero) is refused without
    reading it; the file is opened non-blocking, so a FIFO put there since cannot hang it.
    """
    try:
        status = path.stat()
        if stat.S_ISDIR(status.st_mode):
            raise _file_problem(path, "is a directory, not an instance file")
        _check_regular(path, status)
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
        with open(os.open(path, flags), "rb") as handle:
            _check_regular(path, os.fstat(handle.fileno()))
            raw = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise _file_problem(path, "file not found") from None
    except OSError as exc:
        raise _file_problem(path, f"cannot read file: {exc.strerror or exc}") from None
    if len(raw) > MAX_FILE_BYTES:  # it grew while read
        raise _file_problem(path, _too_large())
    return raw


def _check_regular(path: Path, status: os.stat_result) -> None:
    if not stat.S_ISREG(status.st_mode):
        raise _file_problem(path, "not a regular file")
    if status.st_size > MAX_FILE_BYTES:
        raise _file_problem(path, _too_large())


def _too_large() -> str:
    mib, rest = divmod(MAX_FILE_BYTES, 2**20)
    size = f"{mib} MiB" if not rest else f"{MAX_FILE_BYTES} bytes"
    return f"file is larger than {size}, the largest instance file read"


def _kind(path: Path) -> str:
    """The format of `path` by its suffix; `InstanceError` for one that is not read."""
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        from sourcing.instance.workbook import OTHER_SPREADSHEETS

        advice = (
            " (save the spreadsheet as .xlsx)" if path.suffix.lower() in OTHER_SPREADSHEETS else ""
        )
        raise _file_problem(
            path, f"unsupported file type {path.suffix!r}; use {SUFFIX_LIST}{advice}"
        )
    return kind


def read_data(path: str | Path) -> Any:
    """Parse an instance file into plain data; syntax errors name their line, repeated keys
    their field path (a workbook's problems their sheet, row and column)."""
    path = Path(path)
    kind = _kind(path)
    if kind == "xlsx":
        from sourcing.instance.workbook import read_workbook

        try:
            return read_workbook(_read_bytes(path))[0]
        except InstanceError as exc:
            raise exc.with_source(str(path)) from None
    text = _read_text(path)
    if not text.strip():
        raise _file_problem(path, "file is empty")
    try:
        data, walk = parse(kind, text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise _file_problem(
            path, f"YAML syntax error: {where}{_one_line(str(exc.problem))}"
        ) from None
    except yaml.YAMLError as exc:
        raise _file_problem(path, f"YAML syntax error: {_one_line(str(exc))}") from None
    except json.JSONDecodeError as exc:
        raise _file_problem(
            path, f"JSON syntax error: line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise InstanceError([toml_problem(text, exc)], str(path)) from None
    except RecursionError:
        raise _file_problem(path, "nested too deeply to be an instance file") from None
    except ValueError as exc:  # Python's limit on the digits of an integer
        digits = re.search(r"value has (\d+) digits", str(exc))
        if not digits:
            raise
        raise _file_problem(path, f"a number of {digits[1]} digits is too long to read") from None
    problems = list(structure_problems(data, len(text))) if walk else []
    if problems:
        raise InstanceError(problems, str(path))
    if data is None and kind == "yaml":
        raise _file_problem(path, "file is empty (only comments)")
    return data


def _one_line(text: str) -> str:
    return " ".join(text.split())


def load_instance(path: str | Path | None = None) -> Instance:
    """Load and validate an instance file; None loads the bundled default instance."""
    path = DEFAULT_INSTANCE if path is None else Path(path)
    if _kind(path) == "xlsx":
        from sourcing.instance.workbook import load_workbook_instance

        try:
            return load_workbook_instance(_read_bytes(path), str(path))
        except InstanceError as exc:
            raise exc if exc.source else exc.with_source(str(path)) from None
    return Instance.from_data(read_data(path), source=str(path))


def instance_bytes(instance: Instance, kind: str) -> bytes:
    """The file of `instance` in format `kind` ("yaml", "json", "toml" or "xlsx")."""
    if kind == "xlsx":
        from sourcing.instance.workbook import instance_workbook

        return instance_workbook(instance)
    data = instance.model_dump(by_alias=True, exclude_none=True, exclude_defaults=True)
    data["name"] = instance.name
    if kind == "yaml":
        text = dump_yaml(data)
    elif kind == "json":
        text = json.dumps(data, indent=2)
    elif kind == "toml":
        import tomli_w

        text = tomli_w.dumps(text_keys(data))
    else:
        raise ValueError(f"unknown format {kind!r}")
    return text.encode("utf-8")


def dump_instance(instance: Instance, path: str | Path) -> None:
    """Write an instance to a file whose suffix picks the format, atomically: the file is
    replaced only once the new one is complete. `ValueError` for a suffix not written;
    `UsageError` for an instance that a workbook cannot hold (see `instance_workbook`)."""
    path = Path(path)
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise ValueError(f"unsupported file type {path.suffix!r}; use {SUFFIX_LIST}")
    write_atomically(path, instance_bytes(instance, kind))


def write_atomically(path: Path, content: bytes) -> None:
    """Write `content` to `path` through a hidden temporary beside it, flushed, then renamed
    onto `path`: a reader sees the old file or the new one, never a part."""
    temporary = path.with_name(f".{path.stem}.{secrets.token_hex(4)}.tmp{path.suffix}")
    try:
        with open(temporary, "xb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def text_keys(value: Any) -> Any:
    """`value` with every mapping key as text, as JSON gives them and TOML tables need (a YAML
    period map may be keyed by the integer 2026)."""
    if isinstance(value, dict):
        return {str(k): text_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [text_keys(v) for v in value]
    return value


def json_schema() -> dict[str, Any]:
    """The JSON Schema of instance files, for editors."""
    return Instance.model_json_schema(by_alias=True)

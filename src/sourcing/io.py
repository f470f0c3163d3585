"""Read and write instance files (YAML, JSON, TOML) and export the JSON Schema."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import yaml

from sourcing.errors import InstanceError, Problem
from sourcing.schema import Instance

SUFFIXES = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".toml": "toml"}


def _instances_dir() -> Path:
    """`instances/` of a source checkout, or its copy inside an installed wheel."""
    packaged = Path(__file__).parent / "instances"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parents[2] / "instances"


INSTANCES_DIR = _instances_dir()
DEFAULT_INSTANCE = INSTANCES_DIR / "default.yaml"


class _Strict:
    """Refuse duplicate keys instead of keeping the last one (a safe loader's mixin)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)  # type: ignore[attr-defined]
            try:
                repeated = key in seen
            except TypeError:  # a list or a map used as a key
                raise yaml.constructor.ConstructorError(
                    None, None, f"a key must be a plain value, not {key!r}", key_node.start_mark
                ) from None
            if repeated:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)  # type: ignore[misc]


class _StrictLoader(_Strict, yaml.SafeLoader):
    """The pure-Python safe loader, strict: its error messages are the ones reported."""


# libyaml's parser where PyYAML has it: several times faster on large files.
_FastStrictLoader = (
    type("_FastStrictLoader", (_Strict, yaml.CSafeLoader), {})
    if getattr(yaml, "__with_libyaml__", False)
    else _StrictLoader
)


def _load_yaml(text: str) -> Any:
    """Parse with libyaml; on an error, parse again in Python for its clearer message."""
    try:
        return yaml.load(text, Loader=_FastStrictLoader)
    except yaml.YAMLError:
        return yaml.load(text, Loader=_StrictLoader)


def _file_problem(path: Path, message: str) -> InstanceError:
    return InstanceError([Problem("", message)], str(path))


def read_data(path: str | Path) -> Any:
    """Parse an instance file into plain data; syntax errors name their line."""
    path = Path(path)
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise _file_problem(
            path, f"unsupported file type {path.suffix!r}; use .yaml, .yml, .json or .toml"
        )
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise _file_problem(path, "file not found") from None
    except IsADirectoryError:
        raise _file_problem(path, "is a directory, not an instance file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise _file_problem(path, f"cannot read file: {exc}") from None
    if not text.strip():
        raise _file_problem(path, "file is empty")
    try:
        if kind == "yaml":
            data = _load_yaml(text)
            if data is None:
                raise _file_problem(path, "file is empty (only comments)")
            return data
        if kind == "json":
            return json.loads(text)
        return tomllib.loads(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise _file_problem(path, f"YAML syntax error: {where}{exc.problem}") from None
    except yaml.YAMLError as exc:
        raise _file_problem(path, f"YAML syntax error: {exc}") from None
    except json.JSONDecodeError as exc:
        raise _file_problem(
            path, f"JSON syntax error: line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise _file_problem(path, f"TOML syntax error: {_toml_message(exc)}") from None
    except RecursionError:
        raise _file_problem(path, "nested too deeply to be an instance file") from None


def _toml_message(exc: tomllib.TOMLDecodeError) -> str:
    """`Invalid value (at line 3, column 3)` as `line 3, column 3: Invalid value`."""
    text = str(exc)
    match = re.fullmatch(r"(.*) \(at line (\d+), column (\d+)\)", text)
    return f"line {match[2]}, column {match[3]}: {match[1]}" if match else text


def load_instance(path: str | Path | None = None) -> Instance:
    """Load and validate an instance file; None loads the bundled default instance."""
    path = DEFAULT_INSTANCE if path is None else Path(path)
    return Instance.from_data(read_data(path), source=str(path))


def dump_instance(instance: Instance, path: str | Path) -> None:
    """Write an instance to a file whose suffix picks the format."""
    path = Path(path)
    data = instance.model_dump(by_alias=True, exclude_none=True, exclude_defaults=True)
    data["name"] = instance.name
    kind = SUFFIXES.get(path.suffix.lower())
    if kind == "yaml":
        text = yaml.safe_dump(data, sort_keys=False)
    elif kind == "json":
        text = json.dumps(data, indent=2)
    elif kind == "toml":
        import tomli_w

        text = tomli_w.dumps(_toml_ready(data))
    else:
        raise ValueError(f"unsupported file type {path.suffix!r}")
    path.write_text(text, encoding="utf-8")


def _toml_ready(value: Any) -> Any:
    """TOML tables need string keys (period maps may be keyed by integers)."""
    if isinstance(value, dict):
        return {str(k): _toml_ready(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_toml_ready(v) for v in value]
    return value


def json_schema() -> dict[str, Any]:
    """The JSON Schema of instance files, for editors."""
    return Instance.model_json_schema(by_alias=True)

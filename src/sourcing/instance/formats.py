"""Text to plain data, format by format: YAML (as YAML 1.2 reads it), JSON and TOML.

A key given twice is never dropped silently: JSON objects and YAML mappings that repeat a key
come back as mappings that record it, and `structure_problems` turns every record into a
problem with its field path; TOML's own error for it is traced back to the path
(`toml_problem`). YAML numbers, booleans and nulls follow YAML 1.2 (`1e6` is a number, `yes`
is text), the same by libyaml (fast) and by the pure-Python reader (whose messages are
reported); merge keys (`<<`) work as YAML specifies, and aliases cannot blow a small file up.
"""

from __future__ import annotations

import ast
import json
import re
import tomllib
from collections.abc import Iterator
from typing import Any

import yaml

from sourcing.errors import Problem
from sourcing.instance.fields import describe, key_text

_INT_DIGITS = 4300  # Python's default limit on the digits of an integer read from text
MAX_ALIAS_VALUES = 1_000_000
"""How many values YAML aliases (`*name`) may add to a file's own (billion-laughs guard)."""


class _Repeated(dict[Any, Any]):
    """A mapping read from a file that gave some keys more than once: `repeated` holds each
    repetition as (key, line or None)."""

    repeated: list[tuple[Any, int | None]]


class _DuplicateKey(yaml.constructor.ConstructorError):
    """The fast YAML reader met a key given twice: read again to report them all."""


# --- YAML 1.2 --------------------------------------------------------------------------------

_MERGE = "tag:yaml.org,2002:merge"
_INT = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_FLOAT = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)


class _Resolver12(yaml.resolver.BaseResolver):
    """Plain scalars as the YAML 1.2 core schema reads them, plus merge keys `<<`.

    Numbers: `1e6`, `.5`, `+3`, `0x1A`, `0o17`, `.inf`, `.nan`; `017` is 17. Booleans: only
    true/false (any case as the core schema allows); `yes`, `no`, `on`, `off` are text. Null:
    `~`, `null`, nothing. Text: everything else, `1_000`, `1:30` and `2026-01-01` included.
    (BaseResolver has none of YAML 1.1's resolvers: only the ones added below.)
    """


for _tag, _pattern, _first in (
    ("bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), "tTfF"),
    ("int", _INT, "-+0123456789"),
    ("float", _FLOAT, "-+0123456789."),
    ("null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]),
    ("merge", re.compile(r"^(?:<<)$"), "<"),
):
    _Resolver12.add_implicit_resolver(f"tag:yaml.org,2002:{_tag}", _pattern, list(_first))


class _Constructor12:
    """A safe constructor's mixin: YAML 1.2 integers, merge keys, and no key given twice.

    `collect` False refuses the first repeated key (`_DuplicateKey`); True records every one
    in `_Repeated` maps, for the report.
    """

    collect = False

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        text = str(self.construct_scalar(node))  # type: ignore[attr-defined]
        try:
            if text.startswith("0o"):
                return int(text[2:], 8)
            if text.startswith("0x"):
                return int(text[2:], 16)
            if not _INT.match(text):
                raise ValueError
            return int(text)
        except ValueError:
            digits = sum(c.isdigit() for c in text)
            problem = (
                f"a number of {digits} digits is too long to read"
                if digits > _INT_DIGITS
                else f"cannot read {text!r} as a whole number"
            )
            raise yaml.constructor.ConstructorError(None, None, problem, node.start_mark) from None

    def flatten_mapping(self, node: yaml.MappingNode) -> None:
        """Merge keys (`<<`) as YAML specifies: the merged maps' pairs first, each key once
        (the first map that has it wins; within a map its own value wins over what it merged),
        then the map's own pairs, which override them. (PyYAML's own merge keeps a merged
        map's merged value over its own, and picks keys by the identity of their text.)
        Remembers on the node how many pairs were merged and the lines of its `<<` keys.
        """
        if hasattr(node, "merged_pairs"):
            return
        merges = [(key, value) for key, value in node.value if key.tag == _MERGE]
        own = [(key, value) for key, value in node.value if key.tag != _MERGE]
        sources: list[yaml.MappingNode] = []
        for _, value in merges:
            items = value.value if isinstance(value, yaml.SequenceNode) else [value]
            for item in items:
                if not isinstance(item, yaml.MappingNode):
                    raise yaml.constructor.ConstructorError(
                        None, None, f"can merge only maps (<<), not a {item.id}", item.start_mark
                    )
                sources.append(item)
        merged: dict[Any, tuple[Any, Any]] = {}
        for source in sources:
            self.flatten_mapping(source)
            effective: dict[Any, tuple[Any, Any]] = {}
            for pair in source.value:  # merged pairs first: the source's own ones win
                effective[self._identity(pair[0])] = pair
            for identity, pair in effective.items():
                merged.setdefault(identity, pair)
        node.value = [*merged.values(), *own]
        node.merged_pairs = len(merged)  # type: ignore[attr-defined]
        node.merge_lines = [key.start_mark.line + 1 for key, _ in merges]  # type: ignore[attr-defined]

    def _identity(self, key_node: yaml.Node) -> Any:
        """What tells two keys apart: their value (`1` and `01` are one key), else the node."""
        key = self.construct_object(key_node, deep=True)  # type: ignore[attr-defined]
        try:
            hash(key)
        except TypeError:
            return ("node", id(key_node))
        return ("key", type(key).__name__ if isinstance(key, bool) else "", key)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        if not isinstance(node, yaml.MappingNode):
            raise yaml.constructor.ConstructorError(
                None, None, f"expected a mapping, found {node.id}", node.start_mark
            )
        self.flatten_mapping(node)
        merged: int = getattr(node, "merged_pairs", 0)
        repeated = [("<<", line) for line in getattr(node, "merge_lines", [])[1:]]
        mapping = _Repeated() if self.collect else {}
        seen: set[Any] = set()
        for index, (key_node, value_node) in enumerate(node.value):
            key = self.construct_object(key_node, deep=deep)  # type: ignore[attr-defined]
            try:
                hash(key)
            except TypeError:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"a key must be a plain value, not {describe(key)}",
                    key_node.start_mark,
                ) from None
            if index >= merged:  # the map's own keys: each once (they override merged ones)
                if key in seen:
                    repeated.append((key, key_node.start_mark.line + 1))
                seen.add(key)
            mapping[key] = self.construct_object(value_node, deep=deep)  # type: ignore[attr-defined]
        if repeated and not self.collect:
            raise _DuplicateKey(None, None, "duplicate key", node.start_mark)
        if repeated and isinstance(mapping, _Repeated):
            mapping.repeated = repeated
        return mapping

    def construct_yaml_map(self, node: yaml.MappingNode) -> Iterator[dict[Any, Any]]:
        data: dict[Any, Any] = _Repeated() if self.collect else {}
        yield data
        value = self.construct_mapping(node)
        data.update(value)
        if isinstance(data, _Repeated) and isinstance(value, _Repeated):
            data.repeated = getattr(value, "repeated", [])


def _yaml_loader(base: type, collect: bool) -> Any:
    """`base` (a safe loader) reading YAML 1.2, strict about repeated keys."""
    loader: Any = type(
        f"_Yaml12{base.__name__}",
        (_Constructor12, base),
        {"collect": collect, "yaml_implicit_resolvers": _Resolver12.yaml_implicit_resolvers},
    )
    loader.add_constructor("tag:yaml.org,2002:int", _Constructor12.construct_yaml_int)
    loader.add_constructor("tag:yaml.org,2002:map", _Constructor12.construct_yaml_map)
    loader.add_constructor(_MERGE, loader.construct_yaml_str)  # `x: <<` is text
    return loader


# The pure-Python reader: its error messages are the ones reported, and it records every
# repeated key. libyaml's parser where PyYAML has it: several times faster on large files.
_ReportingLoader = _yaml_loader(yaml.SafeLoader, collect=True)
_FastLoader = _yaml_loader(
    yaml.CSafeLoader if getattr(yaml, "__with_libyaml__", False) else yaml.SafeLoader,
    collect=False,
)


class _Dumper(yaml.SafeDumper):
    """Quotes text that YAML 1.2 or YAML 1.1 would read as something else (`'1e6'`, `'yes'`,
    `'1_000'`), so that every reader takes the file's text as text."""


for _first, _resolvers in list(_Resolver12.yaml_implicit_resolvers.items()):
    for _tag, _pattern in _resolvers:  # YAML 1.2's on top of SafeDumper's YAML 1.1 ones
        _Dumper.add_implicit_resolver(_tag, _pattern, [_first])


def _parse_yaml(text: str) -> tuple[Any, bool]:
    """The data, and whether it may hold repeated keys or alias loops (then walk it)."""
    try:
        return yaml.load(text, Loader=_FastLoader), "*" in text
    except yaml.YAMLError:
        return yaml.load(text, Loader=_ReportingLoader), True


def load_yaml(text: str) -> Any:
    """Parse YAML text as YAML 1.2 (see `_Resolver12`); a key given twice is an error."""
    data, walk = _parse_yaml(text)
    problems = list(structure_problems(data, len(text))) if walk else []
    if problems:
        raise yaml.YAMLError("; ".join(str(problem) for problem in problems))
    return data


def dump_yaml(data: Any) -> str:
    """YAML text that `load_yaml` reads back as `data`."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True)


# --- JSON and TOML ---------------------------------------------------------------------------


def _parse_json(text: str) -> tuple[Any, bool]:
    """The data, and whether some object repeats a key (then walk it)."""
    found = False

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal found
        mapping = dict(items)
        if len(mapping) == len(items):
            return mapping
        found = True
        repeated = _Repeated(mapping)
        seen: set[str] = set()
        repeated.repeated = []
        for key, _ in items:
            if key in seen:
                repeated.repeated.append((key, None))
            seen.add(key)
        return repeated

    return json.loads(text, object_pairs_hook=pairs), found


_TOML_KEY = r"""(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')"""
_TOML_DOTTED = rf"{_TOML_KEY}(?:\s*\.\s*{_TOML_KEY})*"
_TOML_STATEMENT = re.compile(rf"\s*({_TOML_DOTTED})\s*=")
_TOML_HEADER = re.compile(rf"\s*\[\[?\s*({_TOML_DOTTED})\s*\]\]?\s*(?:#.*)?$")


def _toml_keys(dotted: str) -> list[str]:
    """The parts of a dotted TOML key, unquoted: `a."b.c"` is ['a', 'b.c']."""
    data: Any = tomllib.loads(f"{dotted} = 0")
    parts = []
    while isinstance(data, dict):
        ((key, data),) = data.items()
        parts.append(key)
    return parts


def _toml_path(data: Any, tables: list[str], keys: list[str]) -> str | None:
    """The field path of `keys` under the table header `tables` in `data` (what the file says
    before the repeated key), or None unless that key is already there."""
    path = ""
    node = data
    for i, key in enumerate([*tables, *keys]):
        if not isinstance(node, dict) or key not in node:
            return None
        path = f"{path}.{key}" if path else key
        node = node[key]
        if i < len(tables) and isinstance(node, list) and node:  # [[array]]: its last entry
            path += f"[{len(node) - 1}]"
            node = node[-1]
    return path


def _toml_duplicate(text: str, message: str, line: int) -> tuple[str, int] | None:
    """The field path and line of the key tomllib refused as repeated at `line`, where the
    table headers above it tell the path for sure (checked against the file read up to there).
    """
    lines = text.splitlines()
    try:
        declared = re.fullmatch(r"Cannot declare (\(.*\)) twice", message)
        if declared:
            table = [str(part) for part in ast.literal_eval(declared[1])]
            before = tomllib.loads("\n".join(lines[: line - 1]))
            path = _toml_path(before, table[:-1], table[-1:])
            return (path, line) if path else None
        # the statement `key = value` that ends at `line` (a value may span several lines)
        start = next(n for n in range(line, 0, -1) if _TOML_STATEMENT.match(lines[n - 1]))
        statement = _TOML_STATEMENT.match(lines[start - 1])
        headers = (_TOML_HEADER.match(lines[n]) for n in range(start - 2, -1, -1))
        header = next((h for h in headers if h), None)
        before = tomllib.loads("\n".join(lines[: start - 1]))
        tables = _toml_keys(header[1]) if header else []
        path = _toml_path(before, tables, _toml_keys(statement[1])) if statement else None
        return (path, start) if path else None
    except (tomllib.TOMLDecodeError, ValueError, SyntaxError, IndexError, StopIteration):
        return None


def toml_problem(text: str, exc: tomllib.TOMLDecodeError) -> Problem:
    """A TOML error as a problem: a repeated key with its path where it can be told."""
    match = re.fullmatch(r"(.*) \(at line (\d+), column (\d+)\)", str(exc))
    if not match:
        return Problem("", f"TOML syntax error: {exc}")
    message, line, column = match[1], int(match[2]), int(match[3])
    inline = re.fullmatch(r"Duplicate inline table key (.*)", message)
    if inline:
        return Problem("", f"duplicate key {inline[1]} at line {line}, column {column}")
    if message == "Cannot overwrite a value" or message.startswith("Cannot declare"):
        found = _toml_duplicate(text, message, line)
        if found:
            return Problem(found[0], f"duplicate key (line {found[1]})")
        return Problem("", f"duplicate key at line {line}, column {column}")
    return Problem("", f"TOML syntax error: line {line}, column {column}: {message}")


# --- reading ---------------------------------------------------------------------------------


def structure_problems(data: Any, size: int) -> Iterator[Problem]:
    """Keys given twice (with their field path), values that contain themselves (YAML aliases),
    and aliases that expand the data beyond `size` + `MAX_ALIAS_VALUES` values."""
    limit = size + MAX_ALIAS_VALUES
    count = 0
    stack: list[tuple[Any, str, bool]] = [(data, "", False)]
    inside: set[int] = set()
    while stack:
        value, path, leaving = stack.pop()
        if leaving:
            inside.discard(id(value))
            continue
        if not isinstance(value, dict | list):
            continue
        if id(value) in inside:
            yield Problem(path, "contains itself (through a YAML alias)")
            continue
        count += len(value)
        if count > limit:
            yield Problem("", f"YAML aliases expand this file to more than {limit} values")
            return
        inside.add(id(value))
        stack.append((value, path, True))
        if isinstance(value, list):
            children = [(item, f"{path}[{i}]", False) for i, item in enumerate(value)]
        else:
            for key, line in getattr(value, "repeated", ()):
                where = f" (line {line})" if line else ""
                yield Problem(_join(path, key), f"duplicate key{where}")
            children = [(item, _join(path, key), False) for key, item in value.items()]
        stack.extend(reversed(children))


def _join(path: str, key: Any) -> str:
    name = key_text(key)
    return f"{path}.{name}" if path else name


def parse(kind: str, text: str) -> tuple[Any, bool]:
    """The data of `text` in format `kind` ("yaml", "json" or "toml"), and whether it may hold
    repeated keys or alias loops (then check it with `structure_problems`)."""
    if kind == "yaml":
        return _parse_yaml(text)
    if kind == "json":
        return _parse_json(text)
    return tomllib.loads(text), False

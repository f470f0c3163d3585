"""What-ifs: overrides that return a new validated instance, and named what-ifs.

An override names a field by path and gives it a value:

    policies.caps[cn-cap].max_share = 0.1      (a list entry by its id)
    suppliers[jp-fab].capacity = {2026: 200}   (values are read as YAML)
    demand[0].quantity = 120                   (or by position)
    risk = {cvar_level: 0.9, weight: 0.5}

`+policies.caps = {id: kr-cap, group: KR, max_share: 0.3}` appends an entry and
`-policies.bans[no-cn-advanced]` removes one. The original instance never changes.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from sourcing.errors import InstanceError, Problem, UsageError
from sourcing.instance.formats import load_yaml
from sourcing.instance.io import read_data
from sourcing.instance.schema import Instance

_SEGMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(?:\[([^\]]+)\])?$")


@dataclass(frozen=True)
class Override:
    """One change: set `path` to `value`, append `value` to the list at `path`, or remove it."""

    path: str
    value: Any = None
    action: str = "set"  # "set", "add" or "remove"

    @classmethod
    def parse(cls, text: str) -> Override:
        """`path=value`, `+path=value` or `-path`; the value is read as YAML."""
        text = text.strip()
        if text.startswith("-"):
            return cls(text[1:].strip(), action="remove")
        action = "add" if text.startswith("+") else "set"
        body = text[1:] if action == "add" else text
        if "=" not in body:
            raise UsageError(f"override {text!r} needs the form path=value")
        path, raw = body.split("=", 1)
        return cls(path.strip(), parse_value(raw), action)


def parse_value(raw: str) -> Any:
    """A value as YAML: `0.1` is a number, `{2026: 5}` a map, `null` nothing."""
    try:
        return load_yaml(raw)  # YAML 1.2 numbers, as in instance files
    except yaml.YAMLError as exc:
        raise UsageError(f"cannot read the value {raw!r}: {exc}") from None


def _segments(path: str) -> list[tuple[str, str | None]]:
    parts = []
    for segment in path.split("."):
        match = _SEGMENT.match(segment.strip())
        if not match:
            raise UsageError(f"bad path {path!r}: cannot read the part {segment!r}")
        parts.append((match[1], match[2]))
    return parts


def _entry_index(items: list[Any], key: str, path: str) -> int:
    """The position of the entry whose id is `key` (or `key` itself, if it is a number)."""
    for i, item in enumerate(items):
        if isinstance(item, Mapping) and item.get("id") == key:
            return i
    if key.lstrip("-").isdigit() and -len(items) <= int(key) < len(items):
        return int(key) % len(items)
    raise UsageError(f"bad path {path!r}: no entry with id {key!r}")


def _descend(data: Any, name: str, key: str | None, path: str, create: bool) -> tuple[Any, Any]:
    """The container holding `name[key]` and the key or index to it."""
    if not isinstance(data, dict):
        raise UsageError(f"bad path {path!r}: {name!r} is not inside a map")
    if key is None:
        if name not in data and not create:
            raise UsageError(f"bad path {path!r}: no field {name!r} here")
        return data, name
    items = data.get(name)
    if not isinstance(items, list):
        raise UsageError(f"bad path {path!r}: {name!r} is not a list")
    return items, _entry_index(items, key, path)


def _apply(data: dict[str, Any], override: Override) -> None:
    parts = _segments(override.path)
    current: Any = data
    for name, key in parts[:-1]:
        container, slot = _descend(current, name, key, override.path, create=False)
        if container[slot] is None:
            container[slot] = {}
        current = container[slot]
    name, key = parts[-1]
    if override.action == "add":
        if key is not None:
            raise UsageError(f"+{override.path}: name the list to add to, without [...]")
        if not isinstance(current, dict):
            raise UsageError(f"bad path {override.path!r}")
        current.setdefault(name, [])
        if not isinstance(current[name], list):
            raise UsageError(f"bad path {override.path!r}: {name!r} is not a list")
        current[name].append(override.value)
        return
    creating = override.action == "set"
    container, slot = _descend(current, name, key, override.path, create=creating)
    if override.action == "remove":
        if key is None:
            container.pop(slot, None)
        else:
            del container[slot]
        return
    container[slot] = override.value


def apply_overrides(
    instance: Instance, overrides: Iterable[Override | str] | Mapping[str, Any]
) -> Instance:
    """A new validated instance with the overrides applied in order; `instance` is unchanged.

    `overrides` may be `Override` objects, `path=value` texts, or a mapping {path: value}.
    An invalid result raises `InstanceError` naming the field path, as a file would.
    """
    if isinstance(overrides, Mapping):
        items = [Override(path, value) for path, value in overrides.items()]
    else:
        items = [o if isinstance(o, Override) else Override.parse(o) for o in overrides]
    data = copy.deepcopy(instance.model_dump(by_alias=True, exclude_none=True))
    for override in items:
        _apply(data, override)
    return Instance.from_data(data, source="overrides")


WHATIF_SUFFIX = ".whatifs.yaml"


def whatif_file_for(instance_path: Path) -> Path:
    """Where the named what-ifs of an instance live: `default.yaml` -> `default.whatifs.yaml`."""
    return instance_path.with_name(instance_path.stem + WHATIF_SUFFIX)


def load_whatifs(path: Path) -> dict[str, list[Override]]:
    """Named lists of overrides from a file such as::

        whatifs:
          - name: strict-china
            description: China at most 10 % of mature logic
            overrides:
              - policies.caps[cn-cap].max_share=0.1
              - "+policies.bans={id: no-cn-dram, group: CN, products: [dram]}"

    `overrides` may also be a map {path: value}. Problems name the file and the field path.
    """
    data = read_data(path)
    problems: list[Problem] = []
    entries = data.get("whatifs") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise InstanceError([Problem("whatifs", "expected a list of named what-ifs")], str(path))
    found: dict[str, list[Override]] = {}
    for i, entry in enumerate(entries):
        where = f"whatifs[{i}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            problems.append(Problem(f"{where}.name", "each what-if needs a name"))
            continue
        unknown = set(entry) - {"name", "description", "overrides"}
        problems += [Problem(f"{where}.{key}", "unknown key") for key in sorted(unknown)]
        raw = entry.get("overrides", [])
        try:
            if isinstance(raw, dict):
                items = [Override(str(k), v) for k, v in raw.items()]
            elif isinstance(raw, list):
                items = [Override.parse(str(text)) for text in raw]
            else:
                raise UsageError("expected a list of path=value texts or a map {path: value}")
        except UsageError as exc:
            problems.append(Problem(f"{where}.overrides", str(exc)))
            continue
        if entry["name"] in found:
            problems.append(Problem(f"{where}.name", f"duplicate name {entry['name']!r}"))
        found[entry["name"]] = items
    if problems:
        raise InstanceError(problems, str(path))
    return found


def apply_whatifs(instance: Instance, names: Iterable[str], path: Path) -> Instance:
    """`instance` with the named what-ifs of the file at `path` applied in order."""
    whatifs = load_whatifs(path)
    for name in names:
        if name not in whatifs:
            known = ", ".join(sorted(whatifs)) or "none"
            raise UsageError(f"no what-if named {name!r} in {path} (known: {known})")
        instance = apply_overrides(instance, whatifs[name])
    return instance

"""`sourcing validate`, `sourcing convert` and `sourcing schema`: instance files without
solving."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from sourcing.cli.app import EXIT_OK, count, debug_option, format_option, guarded, main
from sourcing.errors import UsageError
from sourcing.instance.io import SUFFIX_LIST, SUFFIXES, dump_instance, load_instance


@main.command()
@click.argument("instance", type=click.Path(dir_okay=False, path_type=Path))
@format_option
@debug_option
@guarded
def validate(instance: Path, fmt: str) -> int:
    """Check INSTANCE and report every problem with its field path (exit 0 or 2)."""
    loaded = load_instance(instance)
    counts = {
        "suppliers": len(loaded.suppliers),
        **({"back-end sites": len(loaded.backend)} if loaded.backend else {}),
        "products": len(loaded.products),
        "markets": len(loaded.markets),
        "periods": len(loaded.periods),
    }
    if fmt == "json":
        click.echo(json.dumps({"status": "valid", "file": str(instance), "counts": counts}))
    else:
        text = ", ".join(count(n, noun.removesuffix("s")) for noun, n in counts.items())
        click.echo(f"{instance}: valid ({text})")
    return EXIT_OK


@main.command()
@click.argument("source", metavar="IN", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("target", metavar="OUT", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace OUT if it exists.")
@debug_option
@guarded
def convert(source: Path, target: Path, force: bool) -> int:
    """Convert the instance IN to OUT: YAML, JSON, TOML or an Excel workbook (.xlsx), each
    way, by suffix.

    IN is validated first; OUT is written only if it is valid, atomically, and holds the same
    instance (comments of a YAML file are not carried over). An existing OUT is replaced only
    with --force.
    """
    if target.suffix.lower() not in SUFFIXES:
        raise UsageError(f"{target}: unsupported file type {target.suffix!r}; use {SUFFIX_LIST}")
    loaded = load_instance(source)
    if os.path.lexists(target) and not force:
        raise UsageError(f"{target} exists; use --force to replace it")
    if target.is_dir():
        raise UsageError(f"{target} is a folder")
    try:
        dump_instance(loaded, target)
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from None
    click.echo(f"{source} -> {target}")
    return EXIT_OK


@main.command(name="schema")
@debug_option
@guarded
def schema_command() -> int:
    """Print the JSON Schema of instance files (for editors)."""
    from sourcing.instance.io import json_schema

    click.echo(json.dumps(json_schema(), indent=2))
    return EXIT_OK

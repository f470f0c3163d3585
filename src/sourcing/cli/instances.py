"""`sourcing validate` and `sourcing schema`: instance files without solving."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from sourcing.instance.io import load_instance

if TYPE_CHECKING:  # the command line imports what a command uses when it runs
    pass
from sourcing.cli.app import EXIT_OK, count, debug_option, format_option, guarded, main


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


@main.command(name="schema")
@debug_option
@guarded
def schema_command() -> int:
    """Print the JSON Schema of instance files (for editors)."""
    from sourcing.instance.io import json_schema

    click.echo(json.dumps(json_schema(), indent=2))
    return EXIT_OK

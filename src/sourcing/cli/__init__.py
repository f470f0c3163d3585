"""Command line: a thin layer over the library that parses, calls and prints, and owns exit codes.

`app` holds the `sourcing` group, its shared options and the error guard; each command lives in
the module of its kind (`solving`, `studies`, `comparing`, `instances`, `benchmark`) and
registers itself on the group when that module is imported, here.
"""

from sourcing.cli import benchmark, comparing, instances, solving, studies
from sourcing.cli.app import main
from sourcing.instance.io import DEFAULT_INSTANCE

__all__ = [
    "DEFAULT_INSTANCE",
    "benchmark",
    "comparing",
    "instances",
    "main",
    "solving",
    "studies",
]

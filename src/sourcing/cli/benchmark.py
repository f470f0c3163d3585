"""`sourcing bench`: solvers compared on the same exported model."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from sourcing.instance.io import load_instance
from sourcing.output import outdir

if TYPE_CHECKING:  # the command line imports what a command uses when it runs
    pass
from sourcing.cli.app import (
    EXIT_OK,
    SEED_MAX,
    Number,
    at_most_cores,
    console,
    debug_option,
    guarded,
    main,
)


@main.command(name="bench")
@click.argument(
    "instance_files",
    nargs=-1,
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="[FILES]...",
)
@click.option(
    "--sizes",
    metavar="S,M,...",
    help="Generated instances of these sizes (XS, S, M, L, XL, XXL, LANES; seeded by --seed). "
    "Default: S,M when no FILES are given.",
)
@click.option(
    "--solvers",
    default="highs,scip,cbc",
    show_default=True,
    metavar="NAMES",
    help="Solvers to compare, comma-separated: highs, scip, cbc.",
)
@click.option(
    "--threads",
    type=click.IntRange(min=1),
    callback=at_most_cores,
    help="Threads for HiGHS and CBC (SCIP uses one).",
)
@click.option(
    "--time-limit",
    type=Number(min=0, min_open=True),
    default=600.0,
    show_default=True,
    help="Seconds per solver and instance.",
)
@click.option(
    "--mip-gap",
    type=Number(0, 1, max_open=True),
    default=1e-6,
    show_default=True,
    help="Relative optimality gap at which each solver stops.",
)
@click.option(
    "--seed",
    type=click.IntRange(0, SEED_MAX),
    default=0,
    show_default=True,
    help="Seed of the generated instances and the solvers' random seed.",
)
@click.option(
    "--cbc",
    "cbc_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The cbc binary (default: $SOURCING_CBC, cbc on the PATH, else the one pulp bundles).",
)
@click.option(
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write bench.json, bench.csv and bench.png into this directory.",
)
@debug_option
@guarded
def bench_command(
    instance_files: tuple[Path, ...],
    sizes: str | None,
    solvers: str,
    threads: int | None,
    time_limit: float,
    mip_gap: float,
    seed: int,
    cbc_path: Path | None,
    output: Path | None,
) -> int:
    """Compare solvers (HiGHS, SCIP, CBC) on the same model of FILES or generated instances.

    Each instance is built as `solve` builds it and written once to an MPS file that every
    solver reads. The table shows the time to the first solution, to a 1 % gap and in total;
    gap = |primal - bound| / max(|primal|, 1e-10). One progress line per run on stderr.
    """
    from sourcing.bench import (
        BENCH_FILES,
        DEFAULT_SIZES,
        SolverRun,
        bench,
        bench_notes,
        bench_table,
        machine,
        parse_sizes,
        parse_solvers,
        progress_line,
        write_bench,
    )
    from sourcing.instance.generate import generate

    if output is not None:
        outdir.check(output, BENCH_FILES)
    chosen = parse_solvers(solvers)
    if sizes is not None:
        generated = parse_sizes(sizes)
    else:
        generated = [] if instance_files else list(DEFAULT_SIZES)
    names = [path.name for path in instance_files]
    instances = {
        (path.name if names.count(path.name) == 1 else str(path)): load_instance(path)
        for path in instance_files
    }
    instances.update({size: generate(size, seed) for size in generated})
    total, done = len(instances) * len(chosen), 0

    def report(run: SolverRun) -> None:
        nonlocal done
        done += 1
        click.echo(f"[{done}/{total}] {run.instance} {run.solver}: {progress_line(run)}", err=True)

    frame = bench(
        instances,
        chosen,
        threads=threads,
        time_limit=time_limit,
        mip_gap=mip_gap,
        seed=seed,
        progress=report,
        cbc=cbc_path,
    )
    if output is not None:
        settings = {"threads": threads, "time_limit": time_limit, "mip_gap": mip_gap, "seed": seed}
        write_bench(frame, output, settings=settings, machine_info=machine(cbc_path))
    console().print(bench_table(frame))
    for note in bench_notes(frame):
        click.echo(note)
    if output is not None:
        click.echo(f"benchmark written to {output}/")
    return EXIT_OK

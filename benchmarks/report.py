"""Every phase once per size, in one process, as a markdown table.

    .venv/bin/python benchmarks/report.py [--sizes S,M,L,XL] [--output FILE.md]

(or `make bench-report`). The fast phases (load, build, hand-over, floor) are the best of three
runs, so the ratios to the floor are stable; solve, extract and the what-if re-solves run once;
peak memory comes from a fresh process per size (`memory.py`). Progress goes to stderr, the
table (and the settings and machine under it) to stdout and to `--output`.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import formulation
from direct import Floor, against
from phases import (
    DEFAULT_SIZES,
    LOOSE,
    MEMORY_TIME_LIMIT,
    SEED,
    TIGHT,
    WHATIF_AFTER,
    WHATIF_BEFORE,
    WHATIF_OPTIONS,
    WHATIF_PATH,
    WHATIF_SIZES,
    SizeCase,
    agree,
    best_of,
    build,
    describe,
    environment,
    parse_sizes,
    peak_memory,
    timed,
    write_instance,
)
from sourcing.bench import SOLVERS, bench, progress_line
from sourcing.instance.generate import generate
from sourcing.instance.io import load_instance

REPEATS = 3
COLUMNS = (
    "size",
    "rows",
    "columns",
    "binaries",
    "nonzeros",
    "load s (YAML / JSON)",
    "build s",
    "hand-over s",
    "floor s",
    "hand-over / floor",
    "(build + hand-over) / floor",
    "solve s (gap)",
    "extract s",
    "what-if warm / cold s",
    "peak MiB: built / all",
)


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def stdout_to_stderr() -> Iterator[None]:
    """Native output (HiGHS' banner) on descriptor 1 goes to stderr while measuring."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def seconds(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.3g}" if value < 100 else f"{value:.0f}"


def measure(size: str) -> dict[str, Any]:
    """One row of the table: the phases here, the peak memory in a fresh process."""
    row = measure_phases(size)
    gc.collect()  # the models of this size are gone before the next is built
    progress(f"{size}: peak memory (fresh process, solve cut at {MEMORY_TIME_LIMIT:g} s)")
    memory = peak_memory(size)
    row["peak_mib"] = memory["peak_mib"]
    row["build_peak_mib"] = memory["peak_after_mib"]["handover"]
    progress(
        f"{size}: peak {row['peak_mib']:.0f} MiB ({row['build_peak_mib']:.0f} by the hand-over)"
    )
    return row


def measure_phases(size: str) -> dict[str, Any]:
    pipeline = SizeCase(size)
    row: dict[str, Any] = {"size": size}
    progress(f"{size}: generating")
    instance = pipeline.instance

    with tempfile.TemporaryDirectory() as directory:
        for fmt in ("yaml", "json"):
            path = write_instance(instance, Path(directory), fmt)
            row[f"load_{fmt}"], _ = best_of(REPEATS, lambda path=path: load_instance(path))
            progress(f"{size}: load {fmt} {row[f'load_{fmt}']:.3g} s")

    row["build"], built = best_of(REPEATS, lambda: build(instance, pipeline.options))
    pipeline.built = built  # the last model built is the one kept (a cached_property)
    progress(f"{size}: build {row['build']:.3g} s")

    row["handover"], handed = best_of(REPEATS, pipeline.hand_over)
    pipeline.handed = handed
    row.update(pipeline.size_info)
    progress(f"{size}: hand-over {row['handover']:.3g} s ({row['columns']} columns)")

    floor = Floor.of(handed)
    row["floor"], _ = best_of(REPEATS, floor.pass_model)
    progress(f"{size}: floor {row['floor']:.3g} s")

    options = pipeline.options
    progress(f"{size}: solving ({describe(options)})")
    row["solve"], outcome = timed(lambda: pipeline.solve(pipeline.hand_over()))
    row["solve_status"], row["gap"] = outcome.status, outcome.mip_gap
    progress(f"{size}: solve {row['solve']:.3g} s, {outcome.status}, gap {outcome.mip_gap}")

    fresh, solved = pipeline.solved()
    row["extract"], results = timed(lambda: pipeline.extract(fresh, solved))
    if results.status not in ("optimal", "feasible"):
        raise RuntimeError(f"{size}: extract returned {results.status}: {results.message}")
    progress(f"{size}: extract {row['extract']:.3g} s")

    progress(f"{size}: against the direct floor ({describe(options)})")
    with tempfile.TemporaryDirectory() as directory:
        path = write_instance(instance, Path(directory), "json")
        row["against"] = against(path, options.mip_gap, options.time_limit)
    progress(f"{size}: {row['against']}")

    if size in WHATIF_SIZES:
        progress(f"{size}: what-if, cold ({WHATIF_PATH} {WHATIF_BEFORE} -> {WHATIF_AFTER})")
        row["cold"], _ = timed(pipeline.cold)
        progress(f"{size}: what-if cold {row['cold']:.3g} s; warm: solving the base instance")
        resolver = pipeline.warm_resolver()
        row["warm"], _ = timed(lambda: pipeline.warm(resolver))
        if (resolver.updates, resolver.rebuilds) != (1, 1):
            raise RuntimeError(f"{size}: the warm re-solve rebuilt the model")
        warm, cold = pipeline.objectives["warm"], pipeline.objectives["cold"]
        if not agree(warm, cold):
            raise RuntimeError(f"{size}: warm objective {warm!r} differs from cold {cold!r}")
        row["objectives"] = (warm, cold)
        progress(f"{size}: what-if warm {row['warm']:.3g} s (objectives {warm:.9g} / {cold:.9g})")
    return row


def table_row(row: dict[str, Any]) -> list[str]:
    floor = row["floor"]
    gap = row["gap"]
    gap_text = "–" if gap is None else f"{gap:.1e}" if gap > 0 else "0"
    status = "" if row["solve_status"] == "optimal" else f", {row['solve_status']}"
    whatif = "–"  # the what-if runs at S, M, L only
    if "warm" in row:
        whatif = f"{seconds(row['warm'])} / {seconds(row['cold'])}"
    return [
        row["size"],
        f"{row['rows']:,}",
        f"{row['columns']:,}",
        f"{row['binaries']:,}",
        f"{row['nonzeros']:,}",
        f"{seconds(row['load_yaml'])} / {seconds(row['load_json'])}",
        seconds(row["build"]),
        seconds(row["handover"]),
        seconds(floor),
        f"{row['handover'] / floor:.0f}",
        f"{(row['build'] + row['handover']) / floor:.0f}",
        f"{seconds(row['solve'])} ({gap_text}{status})",
        seconds(row["extract"]),
        whatif,
        f"{row['build_peak_mib']:.0f} / {row['peak_mib']:.0f}",
    ]


def markdown(rows: list[dict[str, Any]]) -> str:
    return formulation.markdown_table(COLUMNS, (table_row(row) for row in rows))


FLOOR_COLUMNS = (
    "size",
    "nonzeros: direct / plain / tight",
    "plain / direct",
    "tight / direct",
    "direct build s",
    "outside HiGHS s",
    "outside / direct build",
    "HiGHS s: direct / ours",
    "end to end s: direct / ours",
    "ours / direct",
    "objectives agree",
)


def floor_row(row: dict[str, Any]) -> list[str]:
    a = row["against"]
    both = a.direct_objective is not None and a.objective is not None
    agree_text = (
        "–"
        if not both
        else f"{abs(a.objective - a.direct_objective) / max(1.0, abs(a.objective)):.0e}"
    )
    return [
        row["size"],
        f"{a.direct_nonzeros:,} / {a.plain_nonzeros:,} / {a.tight_nonzeros:,}",
        f"{a.plain_nonzeros / a.direct_nonzeros:.2f}",
        f"{a.tight_nonzeros / a.direct_nonzeros:.2f}",
        seconds(a.direct_build),
        seconds(a.outside),
        f"{a.outside / a.direct_build:.1f}",
        f"{seconds(a.direct_end_to_end - a.direct_build)} / {seconds(a.solver)}",
        f"{seconds(a.direct_end_to_end)} / {seconds(a.end_to_end)}",
        f"{a.end_to_end / a.direct_end_to_end:.2f}",
        agree_text,
    ]


FLOOR_NOTES = (
    "\n- Both from the same JSON file, to the solve phase's gap and limit. Direct: `direct.py`, "
    "the plain model built from the parsed instance into numpy arrays (dense caps and floors), "
    "one `passModel`. Ours: `sourcing.solve` with its defaults (the tight formulation), load "
    "included. Outside HiGHS = load + build + hand-over + extract and independent check. "
    'Plain: the project\'s model with `formulation="plain"`, the one the floor implements.\n'
)


def floor_markdown(rows: list[dict[str, Any]]) -> str:
    return formulation.markdown_table(FLOOR_COLUMNS, (floor_row(row) for row in rows))


def revision() -> str:
    """The commit, and whether src/ had uncommitted changes."""
    root = Path(__file__).resolve().parents[1]
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "src"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit + (" (src/ with uncommitted changes)" if dirty else "")


def notes(rows: list[dict[str, Any]], commit: str) -> str:
    env = environment()
    whatif = [r for r in rows if "objectives" in r]
    lines = [
        "",
        f"Generated instances (`sourcing.instance.generate`, seed {SEED}); "
        "times in seconds, wall clock.",
        f"Load, build, hand-over and floor: best of {REPEATS}. Solve, extract, what-if: once.",
        "Floor: a new `highspy.Highs()` (output off) plus one `passModel` of the hand-over's own "
        "arrays, ready as numpy arrays; the ratios divide by it.",
        f"Solve: `run` on a fresh hand-over; S and M to {describe(TIGHT)}, L and XL to "
        f"{describe(LOOSE)}; the gap is the one reached.",
        "Extract: `Pipeline.finish` (plan, independent check, tables) on the solved outcome.",
        f"What-if: {WHATIF_PATH} {WHATIF_BEFORE} -> {WHATIF_AFTER}, {describe(WHATIF_OPTIONS)}; "
        "warm = `Resolver` kept from the base solve (model updated in place, previous plan as "
        "start), cold = `solve` of the changed instance; both from the changed instance to "
        "checked results. Objectives agree to 1e-6 relative"
        + (
            " (" + "; ".join(f"{r['size']}: {r['objectives'][0]:.9g}" for r in whatif) + ")."
            if whatif
            else "."
        ),
        f"Peak memory: generate -> YAML file -> load -> build -> hand-over -> solve (cut at "
        f"{MEMORY_TIME_LIMIT:g} s) -> extract in a fresh process (started from a small launcher), "
        "its own `ru_maxrss`: by the end of the hand-over (built) and of the run (all).",
        f"Machine: {env['cpus']} CPUs ({env['cpu']}), {env['memory']} RAM; Python "
        f"{env['python']}, Pyomo {env['pyomo']}, highspy {env['highspy']}, numpy {env['numpy']}; "
        f"commit {commit} at the start; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
    ]
    return "\n".join(lines[:1] + [f"- {line}" for line in lines[1:]])


def extra_sections(args: argparse.Namespace) -> str:
    """Plain vs tight formulation, and the peer solvers, as markdown sections."""
    text = ""
    if args.formulation_sizes:
        progress(f"formulations at {args.formulation_sizes}")
        frame = formulation.compare(
            parse_sizes(args.formulation_sizes), [SEED], time_limit=args.time_limit
        )
        text += (
            f"\n### Plain vs tight formulation (seed {SEED}, HiGHS to gap {formulation.MIP_GAP:g}, "
            f"{args.time_limit:g} s limit)\n\n" + formulation.markdown(frame) + "\n"
        )
    if args.solver_sizes:
        progress(f"solvers at {args.solver_sizes}")
        instances = {size: generate(size, SEED) for size in parse_sizes(args.solver_sizes)}
        frame = bench(
            instances,
            list(SOLVERS),
            threads=None,
            time_limit=args.time_limit,
            mip_gap=formulation.MIP_GAP,
            seed=0,
            progress=lambda run: progress(f"{run.instance} {run.solver}: {progress_line(run)}"),
        )
        columns = {
            "instance": "size",
            "solver": "solver",
            "status": "status",
            "objective": "objective",
            "gap": "final gap",
            "root_gap": "root gap",
            "first_solution_seconds": "first plan s",
            "one_percent_gap_seconds": "1 % gap s",
            "seconds": "total s",
        }
        table = frame[list(columns)].rename(columns=columns)
        text += (
            f"\n### Solvers on the same exported model (seed {SEED}, gap {formulation.MIP_GAP:g}, "
            f"{args.time_limit:g} s limit; gaps as fractions)\n\n"
            + formulation.markdown(table)
            + "\n"
        )
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(DEFAULT_SIZES), help="default: %(default)s")
    parser.add_argument("--output", type=Path, help="also write the table to this file")
    parser.add_argument(
        "--formulation-sizes", default="M,L", help="plain vs tight at these sizes (default: M,L)"
    )
    parser.add_argument(
        "--solver-sizes", default="M", help="HiGHS vs SCIP vs CBC at these sizes (default: M)"
    )
    parser.add_argument("--time-limit", type=float, default=300.0, help="per solve, s")
    args = parser.parse_args(argv)
    try:
        sizes = parse_sizes(args.sizes)
    except ValueError as exc:
        parser.error(str(exc))
    started = time.perf_counter()
    commit = revision()
    rows = []
    with stdout_to_stderr():
        for size in sizes:
            rows.append(measure(size))
        extra = extra_sections(args)
    text = (
        markdown(rows)
        + "\n"
        + notes(rows, commit)
        + "\n\n### Against the direct floor (`direct.py`)\n\n"
        + floor_markdown(rows)
        + "\n"
        + FLOOR_NOTES
        + extra
    )
    progress(f"done in {time.perf_counter() - started:.0f} s")
    print(text, end="")
    if args.output is not None:
        args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

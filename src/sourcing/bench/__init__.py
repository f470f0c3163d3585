"""Compare MILP solvers on the same exported model: HiGHS, SCIP and CBC.

Each instance is built exactly as `sourcing.solve` builds it, handed over to HiGHS and written
once to an MPS file (`export`); every solver reads that file (`highs`, `scip`, `cbc`), so all
solve the same model, objective constant included. Progress comes from callbacks (HiGHS), an
event handler (SCIP) or the log (CBC): the time to the first solution, to a 1 % gap, and the
gap when the root node finished (`runs`). `compare` runs them; `output` tabulates, draws and
writes the comparison.

Gap, everywhere here: |primal - bound| / max(|primal|, 1e-10). The solvers' own stopping gaps
differ slightly (SCIP divides by the smaller of |primal| and |bound|), so a run may stop a little
above or below `mip_gap` by this measure. Times are wall-clock seconds from the start of the
solve; CBC runs as a separate process, so its times include reading the file. All three minimise.
"""

from sourcing.bench.cbc import (
    CBC_INSTALL,
    cbc_command,
    cbc_version,
    find_cbc,
    parse_cbc_log,
    run_cbc,
)
from sourcing.bench.compare import (
    BENCH_SIZES,
    DEFAULT_SIZES,
    SOLVERS,
    Runner,
    bench,
    parse_sizes,
    parse_solvers,
    run_solver,
)
from sourcing.bench.export import ExportedModel, export_model, offset_lost, write_mps
from sourcing.bench.highs import run_highs, track_highs
from sourcing.bench.output import (
    BENCH_FILES,
    bench_json,
    bench_notes,
    bench_table,
    machine,
    package_version,
    plot_bench,
    progress_line,
    write_bench,
)
from sourcing.bench.runs import (
    GAP_DEFINITION,
    GAP_FLOOR,
    INFINITY,
    ONE_PERCENT,
    RUN_COLUMNS,
    BenchSettings,
    SolverRun,
    Tracker,
    finite,
    runs_frame,
)
from sourcing.bench.scip import SCIP_INSTALL, run_scip, scip_version

__all__ = [
    "BENCH_FILES",
    "BENCH_SIZES",
    "CBC_INSTALL",
    "DEFAULT_SIZES",
    "GAP_DEFINITION",
    "GAP_FLOOR",
    "INFINITY",
    "ONE_PERCENT",
    "RUN_COLUMNS",
    "SCIP_INSTALL",
    "SOLVERS",
    "BenchSettings",
    "ExportedModel",
    "Runner",
    "SolverRun",
    "Tracker",
    "bench",
    "bench_json",
    "bench_notes",
    "bench_table",
    "cbc_command",
    "cbc_version",
    "export_model",
    "find_cbc",
    "finite",
    "machine",
    "offset_lost",
    "package_version",
    "parse_cbc_log",
    "parse_sizes",
    "parse_solvers",
    "plot_bench",
    "progress_line",
    "run_cbc",
    "run_highs",
    "run_scip",
    "run_solver",
    "runs_frame",
    "scip_version",
    "track_highs",
    "write_bench",
    "write_mps",
]

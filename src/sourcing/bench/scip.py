"""SCIP (through PySCIPOpt, when installed) reads the exported model; its progress comes from
an event handler. SCIP's own stopping gap divides by the smaller of |primal| and |bound|."""

from __future__ import annotations

import time
from typing import Any

from sourcing.bench.export import ExportedModel, offset_lost
from sourcing.bench.runs import BenchSettings, SolverRun, Tracker, finite

SCIP_INSTALL = (
    "pyscipopt is not installed: `pip install pyscipopt` (or `pip install sourcing[bench]`)"
)


_SCIP_STATUS = {
    "optimal": "optimal",
    "gaplimit": "optimal",
    "infeasible": "infeasible",
    "unbounded": "infeasible",
    "inforunbd": "infeasible",
}


def run_scip(model: ExportedModel, settings: BenchSettings) -> SolverRun:
    """SCIP (pyscipopt) reads the MPS file and solves it on one thread; an event handler
    follows new incumbents, LP solves and finished nodes."""
    try:
        import pyscipopt
    except ImportError:
        return SolverRun("scip", status="unavailable", message=SCIP_INSTALL)
    scip = pyscipopt.Model()
    scip.hideOutput()
    scip.readProblem(str(model.path))
    lost = offset_lost(float(scip.getObjoffset()), model.offset)
    if lost:
        return SolverRun("scip", message=lost)
    scip.setParam("limits/gap", settings.mip_gap)
    scip.setParam("randomization/randomseedshift", settings.seed)
    if settings.time_limit is not None:
        scip.setParam("limits/time", settings.time_limit)
    tracker = Tracker()
    scip.includeEventhdlr(_scip_handler(pyscipopt, tracker), "bench", "sourcing bench progress")
    started = time.perf_counter()
    scip.optimize()
    seconds = time.perf_counter() - started
    raw = scip.getStatus()
    has_solution = scip.getNSols() > 0
    status = _SCIP_STATUS.get(raw) or ("feasible" if has_solution else "no_solution")
    objective = float(scip.getObjVal()) if has_solution and status != "infeasible" else None
    bound = finite(scip.getDualbound()) if status != "infeasible" else None
    message = "" if raw in ("optimal", "gaplimit", "infeasible") else f"stopped: {raw}"
    return tracker.finish(
        "scip",
        status,
        objective,
        bound,
        seconds,
        solved_at_root=scip.getNNodes() <= 1,
        message=message,
    )


def _scip_handler(pyscipopt: Any, tracker: Tracker) -> Any:
    """An event handler feeding `tracker`; a finished node at depth 0 marks the root gap."""
    events = pyscipopt.SCIP_EVENTTYPE
    caught = events.BESTSOLFOUND | events.LPSOLVED | events.NODESOLVED

    class Progress(pyscipopt.Eventhdlr):
        def eventinit(self) -> None:
            self.model.catchEvent(caught, self)

        def eventexit(self) -> None:
            self.model.dropEvent(caught, self)

        def eventexec(self, event: Any) -> None:
            scip = self.model
            primal = scip.getSolObjVal(scip.getBestSol()) if scip.getNSols() > 0 else None
            node = event.getNode()
            root = bool(event.getType() & events.NODESOLVED) and node is not None
            root = root and node.getDepth() == 0
            tracker.observe(scip.getSolvingTime(), primal, finite(scip.getDualbound()), root=root)

    return Progress()


def scip_version() -> str | None:
    try:
        import pyscipopt
    except ImportError:
        return None
    return str(pyscipopt.Model().version())

"""Peak memory per size: the whole pipeline (generate -> write a YAML file -> load -> build ->
hand-over -> solve, cut short at 10 s) in a fresh process, which reads its own
`getrusage(RUSAGE_SELF).ru_maxrss` at the end (`memory.py`, started through a small launcher so
that it does not inherit this process's peak). The peak (MiB) is in `extra_info`; the time of the
benchmark is the whole subprocess, interpreter start-up included.

Only sane things are asserted, never a time: a positive peak that is the process's own (no more
than its VmHWM), and a larger peak for a size whose model has at least ten times the nonzeros of
a smaller one measured in the same session.
"""

from __future__ import annotations

import pytest

from phases import MEMORY_TIME_LIMIT, peak_memory

MEASURED: dict[str, dict] = {}


def test_peak_memory(benchmark, size):
    benchmark.group = "peak memory (fresh process)"
    report = benchmark.pedantic(peak_memory, args=(size,), rounds=1, iterations=1)
    benchmark.extra_info.update(report)
    benchmark.extra_info["time_limit"] = MEMORY_TIME_LIMIT
    assert report["peak_mib"] > 0
    if report["vm_hwm_mib"] is not None:  # not another process's peak (see memory.py)
        assert report["peak_mib"] <= report["vm_hwm_mib"] + 32, report
    peaks = report["peak_after_mib"]
    # reading the plan back, checking it and making the tables need no memory of their own
    # beyond what the model and HiGHS already hold
    assert peaks["extract"] <= 1.05 * peaks["solve"] + 16, peaks
    for other in MEASURED.values():
        if report["nonzeros"] >= 10 * other["nonzeros"]:
            assert report["peak_mib"] > other["peak_mib"], (report, other)
        if other["nonzeros"] >= 10 * report["nonzeros"]:
            assert other["peak_mib"] > report["peak_mib"], (report, other)
    MEASURED[size] = report


@pytest.fixture(autouse=True, scope="module")
def _forget():
    yield
    MEASURED.clear()

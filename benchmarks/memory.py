"""Peak memory of one size's pipeline, measured in a fresh process.

    .venv/bin/python benchmarks/memory.py SIZE [--time-limit SECONDS]

generate -> write a YAML file -> load+validate -> build -> hand-over -> solve (cut short at the
time limit) -> extract (plan, independent check, tables), then prints one JSON line: the peak
resident set size of the measuring process (`getrusage(RUSAGE_SELF).ru_maxrss`) in MiB, its
`VmHWM` from /proc as a cross-check, the peak reached by the end of each step
(`peak_after_mib`), the model size and the seconds of each step.

The measuring process is a child of this one, which imports nothing heavy first: on Linux a
process started by another begins with that one's peak as its `ru_maxrss` (the high-water mark is
carried across exec), so a process started straight from pytest or the report, after they have
held an XL model, would report their peak instead of its own. `--here` measures in this process.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def _high_water_mib() -> float | None:
    """VmHWM of this process, from /proc (None where there is none)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def measure(size: str, time_limit: float | None = None) -> dict[str, Any]:
    from dataclasses import replace

    from phases import MEMORY_TIME_LIMIT, SEED, build, solve_options, write_instance
    from sourcing.instance.generate import generate
    from sourcing.instance.io import load_instance
    from sourcing.pipeline import model_size

    time_limit = MEMORY_TIME_LIMIT if time_limit is None else time_limit
    seconds: dict[str, float] = {}
    peaks: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        seconds[name] = round(now - clock, 3)
        peaks[name] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        clock = now

    with tempfile.TemporaryDirectory() as directory:
        path = write_instance(generate(size, seed=SEED), Path(directory))
        lap("generate_and_write")
        instance = load_instance(path)
        lap("load")
    pipeline = build(instance, replace(solve_options(size), time_limit=time_limit))
    lap("build")
    handed = pipeline.hand_over()
    lap("handover")
    outcome = pipeline.run()
    lap("solve")
    pipeline.finish()
    lap("extract")
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return {
        "size": size,
        "peak_mib": round(peak_kib / 1024, 1),
        "vm_hwm_mib": _high_water_mib(),
        "peak_after_mib": peaks,
        **model_size(handed),
        "status": outcome.status,
        "time_limit": time_limit,
        "seconds": seconds,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("size", help="a generated size: S, M, L, XL, XXL, LANES")
    parser.add_argument("--time-limit", type=float, help="of the solve, s (default: 10)")
    parser.add_argument("--here", action="store_true", help="measure in this process")
    args = parser.parse_args(argv)
    if args.here:
        print(json.dumps(measure(args.size, args.time_limit)))
        return 0
    child = [sys.executable, __file__, args.size, "--here"]
    if args.time_limit is not None:
        child += ["--time-limit", str(args.time_limit)]
    return subprocess.run(child, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())

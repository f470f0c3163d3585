"""What-if re-solves: a cap sweep re-using the model in HiGHS against rebuilding every point.

Compare the two rows of one run (`make bench`): the ratio of their means is the speed-up.
"""

from __future__ import annotations

import pytest

from sourcing.generate import generate
from sourcing.sweep import sweep

LEVELS = [0.3, 0.2, 0.1, 0.05, 0.0]


@pytest.mark.parametrize("size", ["S", "M"])
@pytest.mark.parametrize("reuse", [False, True], ids=["rebuild", "reuse"])
def test_cap_sweep(benchmark, size, reuse):
    instance = generate(size, seed=2)
    path = "policies.caps[cn-cap].max_share"
    frame = benchmark.pedantic(
        sweep,
        args=(instance, {path: LEVELS}),
        kwargs={"jobs": 1, "reuse": reuse, "mip_gap": 1e-4},
        rounds=1,
        iterations=1,
    )
    assert list(frame["status"]) == ["optimal"] * len(LEVELS)

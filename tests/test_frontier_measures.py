"""Frontiers against regional concentration (HHI) and against the N-1 outage shortage.

CN sells at 5 (unlimited), JP at 8 (fixed 30, capacity 60), KR at 9 (fixed 40, capacity 60);
demand 100 at a shortage penalty of 50.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from sourcing import Instance
from sourcing.cli import main
from sourcing.instance.io import dump_instance
from sourcing.studies.frontier import hhi_frontier, outage_frontier

DATA = {
    "name": "three",
    "regions": [{"id": "CN"}, {"id": "JP"}, {"id": "KR"}],
    "products": [{"id": "chip", "shortage_penalty": 50}],
    "suppliers": [
        {"id": "cn", "region": "CN", "offers": [{"product": "chip", "unit_cost": 5}]},
        {
            "id": "jp",
            "region": "JP",
            "fixed_cost": 30,
            "capacity": 60,
            "offers": [{"product": "chip", "unit_cost": 8}],
        },
        {
            "id": "kr",
            "region": "KR",
            "fixed_cost": 40,
            "capacity": 60,
            "offers": [{"product": "chip", "unit_cost": 9}],
        },
    ],
    "demand": [{"product": "chip", "quantity": 100}],
}


def test_outage_frontier_by_hand():
    # Plain plan: CN alone (500); a CN outage leaves everything unmet (share 1).
    # At most 80 %, 60 % or 40 % unmet: JP's 60 cover it (530). At most 20 % or 0 %: JP and KR
    # (570).
    frame = outage_frontier(Instance.from_data(DATA), points=6, jobs=1)
    assert list(frame["max_outage_shortage"]) == pytest.approx([1.0, 0.8, 0.6, 0.4, 0.2, 0.0])
    assert list(frame["objective"]) == pytest.approx([500, 530, 530, 530, 570, 570])


def test_hhi_frontier_by_hand():
    # With CN and JP only, HHI = q^2 + (1 - q)^2 <= h gives q = (1 + sqrt(2h - 1)) / 2 of CN:
    # at h = 5/6, q = 0.908248 and the cost is 30 + 500 q + 800 (1 - q) = 557.53 (the tangent
    # approximation leaves it within 0.1 %). At h = 1, CN alone: 500.
    frame = hhi_frontier(Instance.from_data(DATA), points=5)
    assert list(frame["max_hhi"]) == pytest.approx([1.0, 5 / 6, 2 / 3, 0.5, 1 / 3], abs=1e-6)
    assert frame["objective"].iloc[0] == pytest.approx(500.0)
    assert frame["objective"].iloc[1] == pytest.approx(557.53, rel=1e-3)
    assert frame["hhi"].iloc[1] == pytest.approx(5 / 6, abs=1e-3)
    assert list(frame["status"]) == ["optimal"] * 5
    # Costs rise as supply is spread further.
    assert list(frame["objective"]) == sorted(frame["objective"])


def test_cli_hhi_frontier_writes_a_picture(tmp_path: Path):
    path = tmp_path / "three.yaml"
    dump_instance(Instance.from_data(DATA), path)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["frontier", str(path), "--measure", "hhi", "--points", "3", "--output", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "Cost against the HHI of regional supply" in result.stdout
    assert (out / "frontier.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (out / "frontier.csv").read_text().startswith("max_hhi,")

"""Policy prices: marginal values from LP duals, and the total cost of each policy.

CN sells at 6 and JP at 10 (both unlimited) unless a test says otherwise; demand is 100.
Moving one percentage point of a 100-unit cell from JP to CN saves 1 x (10 - 6) = 4.
"""

from __future__ import annotations

from typing import Any

import pytest

from sourcing import Instance, solve


def instance(policies: dict[str, Any], **extra: Any) -> Instance:
    data: dict[str, Any] = {
        "name": "prices",
        "regions": [{"id": "CN"}, {"id": "JP"}, {"id": "KR"}],
        "products": [{"id": "chip"}],
        "suppliers": [
            {"id": "cn", "region": "CN", "offers": [{"product": "chip", "unit_cost": 6}]},
            {"id": "jp", "region": "JP", "offers": [{"product": "chip", "unit_cost": 10}]},
        ],
        "demand": [{"product": "chip", "quantity": 100}],
        "policies": policies,
    }
    data.update(extra)
    return Instance.from_data(data)


def binding(results) -> dict[tuple[str, Any], float]:
    frame = results.binding_policies
    return {
        (row.policy, row.supplier if isinstance(row.supplier, str) else None): row.price_per_point
        for row in frame.itertuples()
    }


def test_cap_price_per_point():
    # CN at 20: cost 20 x 6 + 80 x 10 = 920; one point more for CN saves 4.
    results = solve(instance({"caps": [{"id": "cn-cap", "group": "CN", "max_share": 0.2}]}))
    assert results.objective == pytest.approx(920.0)
    assert binding(results) == {("cn-cap", None): pytest.approx(4.0)}


def test_floor_price_per_point():
    # JP at least 60: 40 x 6 + 60 x 10 = 840; one point more for JP costs 4.
    results = solve(instance({"floors": [{"id": "jp-floor", "group": "JP", "min_share": 0.6}]}))
    assert results.objective == pytest.approx(840.0)
    assert binding(results) == {("jp-floor", None): pytest.approx(4.0)}


def test_price_scales_with_the_cell():
    # Demand 300: one point is 3 units, worth 3 x 4 = 12.
    results = solve(
        instance(
            {"caps": [{"id": "cn-cap", "group": "CN", "max_share": 0.2}]},
            demand=[{"product": "chip", "quantity": 300}],
        )
    )
    assert binding(results) == {("cn-cap", None): pytest.approx(12.0)}


def test_max_supplier_share_prices_per_supplier():
    # a at 1, b at 2, c at 5, each at most 40 %: a 40, b 40, c 20 = 40 + 80 + 100 = 220.
    # One more point for a replaces 1 unit of c: saves 4; for b: saves 3.
    results = solve(
        instance(
            {"max_supplier_share": 0.4},
            regions=[{"id": "R"}],
            suppliers=[
                {"id": s, "region": "R", "offers": [{"product": "chip", "unit_cost": cost}]}
                for s, cost in (("a", 1), ("b", 2), ("c", 5))
            ],
        )
    )
    assert results.objective == pytest.approx(220.0)
    assert binding(results) == {
        ("max_supplier_share", "a"): pytest.approx(4.0),
        ("max_supplier_share", "b"): pytest.approx(3.0),
    }


def test_policy_costs_remove_each_policy_in_turn():
    # Without cn-cap the allied floor still holds: CN 50 + JP 50 = 800, so the cap costs
    # 920 - 800 = 120. The floor is slack once the cap holds (JP has 80 %), so it costs nothing;
    # no-kr bans nothing that would be used, so it costs nothing either.
    inst = instance(
        {
            "caps": [{"id": "cn-cap", "group": "CN", "max_share": 0.2}],
            "floors": [{"id": "allied", "group": "allies", "min_share": 0.5}],
            "bans": [{"id": "no-kr", "group": "KR"}],
        },
        blocs=[{"id": "allies", "members": ["JP", "KR"]}],
    )
    results = solve(inst, policy_costs=True)
    costs = results.policy_costs.set_index("policy")
    assert results.objective == pytest.approx(920.0)
    assert costs.loc["cn-cap", "cost"] == pytest.approx(120.0)
    assert costs.loc["cn-cap", "objective_without"] == pytest.approx(800.0)
    assert costs.loc["allied", "cost"] == pytest.approx(0.0)
    assert costs.loc["no-kr", "cost"] == pytest.approx(0.0)
    assert list(costs["kind"]) == ["cap", "floor", "ban"]


def test_ban_and_diversity_costs():
    # Banning CN forces all 100 on JP: 1000 against 600, so the ban costs 400.
    # min_suppliers 2 (each at least 10 %) on top: JP 90 + CN... CN is banned, so KR at 12 must
    # deliver 10: 90 x 10 + 10 x 12 = 1020 with both, 1000 without min_suppliers.
    inst = instance(
        {"bans": [{"id": "no-cn", "group": "CN"}], "min_suppliers": 2},
        suppliers=[
            {"id": "cn", "region": "CN", "offers": [{"product": "chip", "unit_cost": 6}]},
            {"id": "jp", "region": "JP", "offers": [{"product": "chip", "unit_cost": 10}]},
            {"id": "kr", "region": "KR", "offers": [{"product": "chip", "unit_cost": 12}]},
        ],
    )
    results = solve(inst, policy_costs=True)
    assert results.objective == pytest.approx(1020.0)
    costs = results.policy_costs.set_index("policy")["cost"]
    # Without the ban: CN 90 + JP 10 = 640, so the ban costs 1020 - 640 = 380.
    assert costs["no-cn"] == pytest.approx(380.0)
    assert costs["min_suppliers"] == pytest.approx(20.0)
    rows = results.binding_policies.set_index("policy")
    assert rows.loc["min_suppliers", "value"] == 2.0


def test_policy_costs_in_json_and_table(tmp_path):
    from click.testing import CliRunner

    from sourcing.cli import main
    from sourcing.instance.io import dump_instance

    path = tmp_path / "caps.yaml"
    dump_instance(instance({"caps": [{"id": "cn-cap", "group": "CN", "max_share": 0.2}]}), path)
    runner = CliRunner()
    result = runner.invoke(main, ["solve", str(path), "--format", "json", "--policy-costs"])
    assert result.exit_code == 0, result.output
    import json

    payload = json.loads(result.stdout)
    assert payload["policy_costs"] == [
        {
            "policy": "cn-cap",
            "kind": "cap",
            "status_without": "optimal",
            "objective_without": 600.0,
            "cost": 320.0,
        }
    ]
    assert payload["binding_policies"][0]["price_per_point"] == pytest.approx(4.0)
    table = runner.invoke(main, ["solve", str(path), "--policy-costs"])
    assert "Cost of each policy" in table.stdout
    assert "320.00" in table.stdout

"""SPEC section 6 by hand: back-end sites, caps and bans by stage, a back-end export stop,
tariffs on both tiers' unit costs, and the checker of both tiers. The optima are worked in
instances/examples/README.md."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from sourcing import Instance, load_instance, solve
from sourcing.check import check_plan
from sourcing.cli import main
from sourcing.errors import InstanceError
from sourcing.instance.io import INSTANCES_DIR
from sourcing.model.data import build_data
from sourcing.plan import Plan

EXAMPLES = INSTANCES_DIR / "examples"


def _example(name: str) -> Instance:
    return load_instance(EXAMPLES / f"{name}.yaml")


def _solved(instance: Instance) -> Any:
    results = solve(instance, mip_gap=0.0)
    assert results.status == "optimal", results.message
    assert check_plan(instance, results.plan) == []
    return results


def _edited(instance: Instance, **changes: Any) -> Instance:
    data = instance.model_dump(by_alias=True)
    data.update(changes)
    return Instance.from_data(data)


def _shares(results: Any, stage: str) -> dict[str, float]:
    shares = results.shares
    rows = shares[(shares["stage"] == stage) & (shares["kind"] == "region")]
    return dict(zip(rows["group"], rows["share"], strict=True))


def test_a_back_end_cap_binds() -> None:
    results = _solved(_example("backend-cap"))
    assert results.objective == 1175.0
    assert _shares(results, "front") == {"EU": 1.0, "CN": 0.0, "MY": 0.0}
    assert _shares(results, "back") == {"EU": 0.0, "CN": 0.3, "MY": 0.7}
    binding = results.binding_policies.iloc[0]
    assert (binding["policy"], binding["value"], binding["limit"]) == ("cn-backend", 0.3, 0.3)
    # one point less for China moves one unit from China (1) to Malaysia (2)
    assert binding["price_per_point"] == pytest.approx(1.0)
    flows = results.flows.set_index(["supplier", "stage"])["quantity"].to_dict()
    assert flows == {
        ("eu-fab", "front"): 100.0,
        ("cn-osat", "back"): 30.0,
        ("my-osat", "back"): 70.0,
    }
    assert results.costs["fixed"] == 5.0 and results.costs["purchase"] == 1170.0


def test_the_same_cap_on_the_front_end_does_not_bind() -> None:
    instance = _example("backend-cap")
    front = instance.policies.caps[0].model_copy(update={"stage": "front"})
    policies = instance.policies.model_copy(update={"caps": [front]})
    results = _solved(instance.replace(policies=policies))
    assert results.objective == 1100.0
    assert set(results.contracts["supplier"]) == {"eu-fab", "cn-osat"}


def test_a_back_end_export_stop_makes_a_second_site_worth_its_fixed_cost() -> None:
    instance = _example("backend-export-stop")
    results = _solved(instance)
    assert results.objective == 1150.0
    stages = dict(zip(results.contracts["supplier"], results.contracts["stage"], strict=True))
    assert stages == {"eu-fab": "front", "cn-osat": "back", "my-osat": "back"}
    stop = results.plan.scenarios["cn-backend-stop"]
    assert dict(stop.back_flows) == {("my-osat", "chip", "default", 1): 100.0}
    assert dict(stop.paths) == {("eu-fab", "my-osat", "chip", "default", 1): 100.0}
    assert dict(results.plan.back_flows) == {("cn-osat", "chip", "default", 1): 100.0}
    plain = _solved(instance.replace(scenarios=[]))
    assert plain.objective == 1100.0
    assert set(plain.contracts["supplier"]) == {"eu-fab", "cn-osat"}


def test_a_ban_by_stage() -> None:
    instance = _example("backend-ban")
    back = _solved(instance)
    assert back.objective == 770.0
    assert dict(back.plan.paths) == {("cn-fab", "my-osat", "chip", "default", 1): 100.0}
    assert back.costs["tariff"] == pytest.approx(70.0)  # 10 % of 5 + 2, on 100 chips
    ban = instance.policies.bans[0].model_copy(update={"stage": "front"})
    front = _solved(instance.replace(policies=instance.policies.model_copy(update={"bans": [ban]})))
    assert front.objective == 1100.0
    assert dict(front.plan.paths) == {("eu-fab", "cn-osat", "chip", "default", 1): 100.0}


def test_taxed_wafers_take_the_site_where_the_tariff_costs_least() -> None:
    results = _solved(_example("backend-tariff-paths"))
    assert results.objective == 900.0
    assert dict(results.plan.paths) == {
        ("cn-fab", "cheap-site", "chip", "default", 1): 50.0,
        ("eu-fab", "dear-site", "chip", "default", 1): 50.0,
    }
    paths = results.paths.set_index(["supplier", "site"])["tariff"].to_dict()
    assert paths == {("cn-fab", "cheap-site"): 150.0, ("eu-fab", "dear-site"): 0.0}
    # the back-end rows carry the tariff on packaging, per unit
    back = results.flows[results.flows["stage"] == "back"].set_index("supplier")
    assert back["tariff"].to_dict() == {"cheap-site": 0.5, "dear-site": 0.0}
    assert float(results.flows["cost"].sum()) == pytest.approx(900.0)


def test_the_paths_are_built_per_rate_not_per_supplier_and_site() -> None:
    data = build_data(_example("backend-tariff-paths"))
    assert data.tariff_paths == [
        ("cheap-site", "chip", "default", 1, 0),
        ("dear-site", "chip", "default", 1, 0),
    ]
    assert data.tariff_path_cost == {data.tariff_paths[0]: 0.5, data.tariff_paths[1]: 1.5}
    assert data.transport_cost[("cn-fab", "chip", "default", 1)] == 0.0
    assert (len(data.flows), len(data.back_flows)) == (2, 2)


@pytest.mark.parametrize(
    "name", ["caps", "scenarios", "markets-transport-tariffs", "per-product-resilience"]
)
def test_an_empty_backend_changes_nothing(name: str) -> None:
    instance = _example(name)
    before = solve(instance, mip_gap=0.0).to_dict()
    after = solve(_edited(instance, backend=[]), mip_gap=0.0).to_dict()
    for key in ("timings", "model_size"):
        before.pop(key), after.pop(key)
    assert after == before
    assert "stage" not in before["flows"][0] and "paths" not in before


def test_a_free_site_everywhere_keeps_the_optimum() -> None:
    instance = _example("markets-transport-tariffs")
    site = {
        "id": "free-site",
        "region": instance.regions[0].id,
        "offers": [{"product": p.id, "unit_cost": 0} for p in instance.products],
    }
    # transport now runs from the site: give it each lane's cost by market, as the fabs had
    results = _solved(_edited(instance, backend=[site], transport=[]))
    plain = _solved(instance.replace(transport=[]))
    assert results.objective == plain.objective


def test_transport_matches_the_site() -> None:
    instance = _example("backend-cap")
    lanes = [{"from": "MY", "cost": 0.5}, {"from": "EU", "cost": 100}]
    results = _solved(_edited(instance, transport=lanes))
    # the fab's leg is free; Malaysia's 70 units pay 0.5 each
    assert results.objective == 1175.0 + 35.0
    assert results.costs["transport"] == 35.0


def test_outages_and_scenarios_hit_sites_by_region() -> None:
    instance = _example("backend-export-stop")
    data = instance.model_dump(by_alias=True)
    data["scenarios"] = []
    data["resilience"] = {"max_outage_shortage": 0.0, "outages": ["CN"]}
    results = _solved(Instance.from_data(data))
    assert results.objective == 1130.0  # the Malaysian site is needed for the N-1 rule
    outage = results.plan.scenarios["outage:CN"]
    assert dict(outage.back_flows) == {("my-osat", "chip", "default", 1): 100.0}


def test_the_json_says_each_stage() -> None:
    out = solve(_example("backend-cap")).to_dict()
    assert [(f["supplier"], f["stage"]) for f in out["flows"]] == [
        ("eu-fab", "front"),
        ("cn-osat", "back"),
        ("my-osat", "back"),
    ]
    assert out["contracts"] == ["eu-fab", "cn-osat", "my-osat"]
    assert out["contract_stages"] == {"eu-fab": "front", "cn-osat": "back", "my-osat": "back"}
    assert {s["stage"] for s in out["shares"]} == {"front", "back"}
    assert out["paths"][0] == {
        "supplier": "eu-fab",
        "site": "cn-osat",
        "product": "chip",
        "market": "default",
        "period": 1,
        "quantity": 30.0,
        "tariff": 0.0,
    }


def test_the_output_folder_has_the_paths(tmp_path: Path) -> None:
    runner = CliRunner()
    folder = tmp_path / "out"
    result = runner.invoke(
        main, ["solve", str(EXAMPLES / "backend-cap.yaml"), "--output", str(folder)]
    )
    assert result.exit_code == 0, result.output
    assert (folder / "paths.csv").read_text().splitlines()[0] == (
        "supplier,site,product,market,period,quantity,tariff"
    )
    assert "stage" in (folder / "contracts.csv").read_text().splitlines()[0]
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["objective"] == 1175.0


def test_the_back_end_frontier() -> None:
    from sourcing.studies.frontier import trace

    frame = trace(_example("backend-cap"), "share", group="CN", stage="back", points=3)
    assert list(frame["objective"]) == [1175.0, 1190.0, 1205.0]
    assert list(frame["back_share_CN"]) == [0.3, 0.15, 0.0]
    assert list(frame["share_EU"]) == [1.0, 1.0, 1.0]


def test_a_short_back_end_is_diagnosed() -> None:
    instance = _edited(
        _example("backend-cap"),
        policies={},
        backend=[
            {
                "id": "cn-osat",
                "region": "CN",
                "capacity": 40,
                "offers": [{"product": "chip", "unit_cost": 1}],
            },
            {
                "id": "my-osat",
                "region": "MY",
                "offers": [{"product": "chip", "unit_cost": 2, "capacity": 30}],
            },
        ],
    )
    results = solve(instance)
    assert results.status == "infeasible"
    messages = [r["message"] for r in results.diagnosis["repairs"]]
    assert "raise back-end site cn-osat capacity from 40 to 70 in period 1" in messages
    assert "raise back-end site my-osat capacity for chip from 30 to 60 in period 1" in messages
    assert results.diagnosis["summary"].startswith(
        "chip in period 1: the back-end sites that may deliver it can make at most 70, demand "
        "is 100"
    )


# --- validation -------------------------------------------------------------------------


def _problems(**changes: Any) -> list[tuple[str, str]]:
    data = _example("backend-cap").model_dump(by_alias=True)
    data.update(changes)
    with pytest.raises(InstanceError) as caught:
        Instance.from_data(data)
    return [(p.path, p.message) for p in caught.value.problems]


def test_site_ids_are_unique_across_suppliers_and_sites() -> None:
    site = {"id": "eu-fab", "region": "MY", "offers": []}
    assert _problems(backend=[site]) == [
        (
            "backend[0].id",
            "duplicate id 'eu-fab' (already used in suppliers); ids must be unique across "
            "regions, blocs, suppliers and back-end sites",
        )
    ]


def test_a_site_names_a_region_and_products() -> None:
    site = {
        "id": "x",
        "region": "XX",
        "capacity": {"9": 1},
        "offers": [{"product": "p", "unit_cost": 1}],
    }
    assert _problems(backend=[site]) == [
        ("backend[0].region", "unknown region 'XX'"),
        ("backend[0].capacity.9", "unknown period '9'"),
        ("backend[0].offers[0].product", "unknown product 'p'"),
    ]


def test_stage_back_needs_sites_and_stage_is_front_or_back() -> None:
    assert _problems(backend=[]) == [
        (
            "policies.caps[0].stage",
            "stage 'back' matches back-end sites, and the instance has no `backend`",
        )
    ]
    caps = [{"id": "c", "group": "CN", "max_share": 0.3, "stage": "middle"}]
    [(path, message)] = _problems(policies={"caps": caps})
    assert path == "policies.caps[0].stage"
    assert message == "Input should be 'front' or 'back'"


# --- the checker of both tiers -------------------------------------------------------------


def _plan(instance: Instance) -> Plan:
    plan = _solved(instance).plan
    assert plan is not None
    return plan


def test_the_checker_sees_unbalanced_tiers_and_paths() -> None:
    instance = _example("backend-cap")
    plan = _plan(instance)
    back = dict(plan.back_flows)
    back[("my-osat", "chip", "default", 1)] = 60.0
    assert check_plan(instance, replace(plan, back_flows=back)) == [
        "chip for default in period 1: the front end delivers 100 and the back end 90; every "
        "unit passes through one back-end site",
        "back-end site my-osat delivers 60 of chip to default in period 1, but its paths carry 70",
        "cap cn-backend: group CN at the back end delivers 30 of 90 (share 0.333333 > 0.3) of "
        "chip to default in period 1",
        "objective 1175.0 reported for the plan differs from its recomputed total cost 1155.0",
    ]
    assert check_plan(instance, replace(plan, paths={})) == [
        "supplier eu-fab delivers 100 of chip to default in period 1, but its paths carry 0",
        "back-end site cn-osat delivers 30 of chip to default in period 1, but its paths carry 0",
        "back-end site my-osat delivers 70 of chip to default in period 1, but its paths carry 0",
    ]


def test_the_checker_sees_back_end_caps_capacities_and_contracts() -> None:
    instance = _example("backend-cap")
    plan = _plan(instance)
    move = {("cn-osat", "chip", "default", 1): 50.0, ("my-osat", "chip", "default", 1): 50.0}
    paths = {("eu-fab", k, "chip", "default", 1): 50.0 for k in ("cn-osat", "my-osat")}
    moved = replace(plan, back_flows=move, paths=paths, objective=1155.0)
    assert check_plan(instance, moved) == [
        "cap cn-backend: group CN at the back end delivers 50 of 100 (share 0.5 > 0.3) of chip "
        "to default in period 1"
    ]
    small = _edited(
        instance,
        backend=[
            {"id": "cn-osat", "region": "CN", "offers": [{"product": "chip", "unit_cost": 1}]},
            {
                "id": "my-osat",
                "region": "MY",
                "fixed_cost": 5,
                "capacity": 60,
                "min_order": 75,
                "offers": [{"product": "chip", "unit_cost": 2}],
            },
        ],
    )
    uncontracted = replace(plan, contracts=frozenset({"eu-fab", "cn-osat"}), objective=1170.0)
    assert check_plan(small, uncontracted) == [
        "back-end flow my-osat -> default of chip in period 1 (70): back-end site my-osat is not "
        "contracted",
        "back-end site my-osat delivers 70 in period 1, above its capacity 60",
        "back-end site my-osat delivers 70 of chip in period 1, below its min_order 75",
    ]


def test_the_checker_sees_a_banned_back_end_flow_and_an_unknown_site() -> None:
    instance = _example("backend-ban")
    plan = _plan(instance)
    key = ("cn-osat", "chip", "default", 1)
    banned = replace(
        plan,
        contracts=plan.contracts | {"cn-osat"},
        back_flows={key: 100.0},
        paths={("cn-fab", "cn-osat", "chip", "default", 1): 100.0},
        objective=660.0,
    )
    assert check_plan(instance, banned) == [
        "back-end flow cn-osat -> default of chip in period 1 (100): banned by ban no-cn-packaging"
    ]
    unknown = replace(plan, back_flows={("nowhere", "chip", "default", 1): 100.0})
    assert check_plan(instance, unknown)[0] == (
        "back-end flow nowhere -> default of chip in period 1 names an unknown back-end site "
        "'nowhere'"
    )


@pytest.mark.parametrize("reuse", [False, True])
def test_a_sweep_shows_both_tiers_shares(reuse: bool) -> None:
    from sourcing.studies.sweep import sweep

    settings = {"policies.caps[cn-backend].max_share": [0.1, 0.5]}
    frame = sweep(_example("backend-cap"), settings, reuse=reuse)
    # 1000 + 10 x 1 + 90 x 2 + 5, and 1000 + 50 + 100 + 5
    assert list(frame["objective"]) == [1195.0, 1155.0]
    assert list(frame["back_share_CN"]) == [0.1, 0.5]
    assert list(frame["share_EU"]) == [1.0, 1.0]


def test_the_terminal_shows_each_tier() -> None:
    runner = CliRunner()
    path = str(EXAMPLES / "backend-cap.yaml")
    checked = runner.invoke(main, ["validate", path])
    assert checked.output == (
        f"{path}: valid (1 supplier, 2 back-end sites, 1 product, 1 market, 1 period)\n"
    )
    solved = runner.invoke(main, ["solve", path])
    assert solved.exit_code == 0
    text = " ".join(solved.output.split())  # titles wrap to their table's width
    assert "Supply share by region, front end (wafer fabs), % of delivered units" in text
    assert "Supply share by region, back end (sites), % of delivered units" in text
    assert "Contracted suppliers and back-end sites" in text


def test_a_product_no_site_packages_is_diagnosed() -> None:
    instance = _edited(
        _example("backend-cap"),
        policies={},
        products=[{"id": "chip"}, {"id": "hbm"}],
        suppliers=[
            {
                "id": "eu-fab",
                "region": "EU",
                "offers": [
                    {"product": "chip", "unit_cost": 10},
                    {"product": "hbm", "unit_cost": 10},
                ],
            }
        ],
        demand=[{"product": "chip", "quantity": 100}, {"product": "hbm", "quantity": 5}],
    )
    results = solve(instance)
    assert results.status == "infeasible"
    assert results.diagnosis["summary"].startswith(
        "demand of 5 for hbm in market default, period 1 cannot be served: no supplier with a "
        "back-end site that packages it may deliver it"
    )


def test_a_site_named_with_the_wrong_stage_is_refused() -> None:
    caps = [{"id": "c", "group": "my-osat", "max_share": 0.3}]
    assert _problems(policies={"caps": caps}) == [
        (
            "policies.caps[0].group",
            "'my-osat' is a back-end site, which stage 'front' never matches; write stage: back",
        )
    ]
    bans = [{"id": "b", "group": "eu-fab", "stage": "back"}]
    assert _problems(policies={"bans": bans}) == [
        (
            "policies.bans[0].group",
            "'eu-fab' is a supplier, which stage 'back' never matches; write stage: front",
        )
    ]


def test_a_frontier_from_no_share_is_one_point() -> None:
    from sourcing.studies.frontier import trace

    frame = trace(_example("backend-cap"), "share", group="EU", stage="back", points=5)
    assert list(frame["max_share"]) == [0.0]
    assert list(frame["objective"]) == [1175.0]

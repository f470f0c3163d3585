"""SPEC section 5, by hand: expansions, subsidy programmes, budgets and the budget frontier.
The base case is instances/examples/expansion-subsidy.yaml (worked in its header and in
instances/examples/README.md): demand 100, eu-fab 50 at 5, tw-fab any amount at 8, an
expansion of eu-fab by 50 for a capex of 200, and a programme paying half of it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner

from sourcing import Instance, load_instance, solve
from sourcing.check import check_plan
from sourcing.cli import main
from sourcing.errors import InstanceError
from sourcing.instance.io import INSTANCES_DIR
from sourcing.studies.frontier import budget_frontier
from sourcing.studies.sweep import sweep

EXAMPLE = INSTANCES_DIR / "examples" / "expansion-subsidy.yaml"


def _data() -> dict[str, Any]:
    return load_instance(EXAMPLE).model_dump(by_alias=True, exclude_none=True)


def _solved(data: dict[str, Any]) -> Any:
    instance = Instance.from_data(data)
    results = solve(instance, mip_gap=0.0)
    assert results.status == "optimal", results.message
    assert check_plan(instance, results.plan) == []
    return results


def _built(results: Any) -> set[str]:
    return set(results.plan.builds)


def test_an_expansion_worth_building_only_with_its_subsidy() -> None:
    results = _solved(_data())
    assert (results.objective, _built(results)) == (600.0, {"eu-line-2"})
    assert results.costs["capex"] == 200.0 and results.costs["subsidy"] == -100.0
    assert results.to_dict()["expansions"] == [
        {
            "id": "eu-line-2",
            "supplier": "eu-fab",
            "built": True,
            "capex": 200.0,
            "subsidies": {"chips-act": 100.0},
        }
    ]
    data = _data()
    data["programs"] = []
    plain = _solved(data)
    assert (plain.objective, _built(plain)) == (650.0, set())


@pytest.mark.parametrize(("budget", "objective", "built"), [(40, 650.0, False), (75, 625.0, True)])
def test_a_budget_that_binds_pays_what_it_has(budget: float, objective: float, built: bool) -> None:
    """A budget b below the rate's 100 pays b: 700 - b, better than 650 above b = 50."""
    data = _data()
    data["programs"][0]["budget"] = budget
    results = _solved(data)
    assert results.objective == objective
    assert (results.expansions["built"].tolist(), results.expansions["subsidy"].tolist()) == (
        [built],
        [float(budget) if built else 0.0],
    )
    if built:  # the budget binds: one more unit of it saves one unit of cost
        row = results.binding_policies.set_index("policy").loc["chips-act"]
        assert (row["kind"], row["value"], row["limit"]) == ("budget", 75.0, 75.0)
        assert row["price_per_point"] == pytest.approx(1.0)


def test_two_programmes_co_fund_an_expansion_up_to_its_capex() -> None:
    """70 % and 60 % would pay 260 of 200: together they pay at most the capex, so the
    expansion costs nothing net: 500."""
    data = _data()
    data["programs"] = [
        {"id": "eu-fund", "rate": 0.7, "groups": ["EU"]},
        {"id": "joint-fund", "rate": 0.6},
    ]
    results = _solved(data)
    assert results.objective == 500.0
    assert float(results.expansions["subsidy"].iloc[0]) == pytest.approx(200.0)
    assert results.costs["subsidy"] == pytest.approx(-200.0)


def test_a_programme_funds_only_its_groups() -> None:
    data = _data()
    data["programs"][0]["groups"] = ["TW"]
    results = _solved(data)
    assert (results.objective, _built(results)) == (650.0, set())


def test_an_expansion_a_scenario_cuts_is_not_worth_building() -> None:
    """With probability 0.5 Europe is cut off (the new line too): the expansion saves 150 only
    in the nominal half, 75 in expectation, against a net capex of 100. Not built: 0.5 x 650 +
    0.5 x 800 = 725 (with it, 0.5 x 500 + 0.5 x 800 + 100 = 750)."""
    data = _data()
    data["products"][0]["shortage_penalty"] = 100
    data["scenarios"] = [{"id": "eu-cut", "probability": 0.5, "capacity_factor": {"EU": 0}}]
    results = _solved(data)
    assert (results.objective, _built(results)) == (725.0, set())


def test_an_expansion_available_later() -> None:
    """Available from period 2 of [1, 2]: period 1 buys 50 from Taiwan (650), period 2 from
    Europe alone (500): 1150 + 200 - 100 = 1250."""
    data = _data()
    data["periods"] = [1, 2]
    data["expansions"][0]["available"] = 2
    results = _solved(data)
    assert results.objective == 1250.0
    by_period = results.flows.groupby(["period", "supplier"])["quantity"].sum().to_dict()
    assert by_period == {(1, "eu-fab"): 50.0, (1, "tw-fab"): 50.0, (2, "eu-fab"): 100.0}


def test_a_budget_sweep_falls_in_steps() -> None:
    frame = sweep(load_instance(EXAMPLE), {"programs[chips-act].budget": [0, 25, 50, 75, 100, 125]})
    assert frame["objective"].tolist() == [650.0, 650.0, 650.0, 625.0, 600.0, 600.0]
    assert frame["built"].tolist() == [
        "",
        "",
        frame["built"][2],
        "eu-line-2",
        "eu-line-2",
        "eu-line-2",
    ]


def test_the_budget_frontier_runs_from_zero_to_where_more_stops_helping() -> None:
    frame = budget_frontier(load_instance(EXAMPLE), "chips-act", points=5, jobs=1)
    assert frame["budget"].tolist() == [0.0, 25.0, 50.0, 75.0, 100.0]
    assert frame["objective"].tolist() == [650.0, 650.0, 650.0, 625.0, 600.0]


def test_the_budget_frontier_from_the_command_line(tmp_path: Any) -> None:
    result = CliRunner().invoke(
        main,
        [
            "frontier",
            str(EXAMPLE),
            "--measure",
            "budget",
            "--program",
            "chips-act",
            "--points",
            "3",
            "--format",
            "json",
            "--jobs",
            "1",
            "--output",
            str(tmp_path / "out"),
        ],
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["objective"] for r in rows] == [650.0, 650.0, 600.0]
    assert sorted(
        p.name for p in (tmp_path / "out").iterdir() if not p.name.startswith("sourcing")
    ) == [
        "frontier.csv",
        "frontier.png",
        "report.html",
        "results.xlsx",
    ]


def test_an_unknown_programme_is_named() -> None:
    result = CliRunner().invoke(
        main, ["frontier", str(EXAMPLE), "--measure", "budget", "--program", "nope"]
    )
    assert result.exit_code == 2
    assert result.stderr == "error: unknown programme 'nope': name one of chips-act\n"


def test_expansions_csv_is_written(tmp_path: Any) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["solve", str(EXAMPLE), "--output", str(out)])
    assert result.exit_code == 0, result.output
    text = (out / "expansions.csv").read_text()
    assert text.splitlines() == [
        "expansion,supplier,built,capex,subsidy_chips-act,subsidy,net",
        "eu-line-2,eu-fab,True,200.0,100.0,100.0,100.0",
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"supplier": "zz"}, "expansions[0].supplier: unknown supplier 'zz'"),
        ({"products": ["memory"]}, "expansions[0].products[0]: supplier 'eu-fab' does not offer"),
        ({"supplier": "tw-fab"}, "expansions[0]: adds to no capacity"),
        ({"available": 2030}, "expansions[0].available: unknown period 2030"),
    ],
)
def test_bad_expansions_are_named(change: dict[str, Any], message: str) -> None:
    data = _data()
    data["expansions"][0].update(change)
    with pytest.raises(InstanceError) as caught:
        Instance.from_data(data)
    assert message in str(caught.value)

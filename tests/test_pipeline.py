"""The pipeline every solve goes through, typed options, and what the library does for the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from sourcing import Pipeline, SolveOptions, load_instance, solve
from sourcing.errors import UsageError
from sourcing.instance.io import INSTANCES_DIR
from sourcing.model.data import Mode, build_data
from sourcing.output.outdir import MANIFEST
from sourcing.output.studies import StudyLabels, write_study
from sourcing.solver import configure, new_highs
from sourcing.studies.frontier import frontier_labels, trace
from sourcing.studies.stress import outage_table
from sourcing.studies.sweep import sweep, sweep_labels

EXAMPLES = INSTANCES_DIR / "examples"
CAPS = EXAMPLES / "caps.yaml"  # CN at 6 (at most 20 %), JP at 10, demand 100: 920
BANS = EXAMPLES / "bans.yaml"  # no Chinese advanced chips in 2027: 1700
CAP_PATH = "policies.caps[cn-cap].max_share"


def test_the_steps_one_by_one_give_what_solve_gives() -> None:
    instance = load_instance(CAPS)
    pipeline = Pipeline(instance, SolveOptions(mip_gap=0))
    pipeline.build()
    handed = pipeline.hand_over()
    outcome = pipeline.run()
    results = pipeline.finish()
    assert (outcome.status, results.status) == ("optimal", "optimal")
    assert results.objective == solve(instance).objective == 920.0
    assert set(pipeline.timings) == {"build", "handover", "solve", "extract"}
    assert results.model_size["columns"] == len(handed.columns)


def test_an_edit_changes_the_model_before_the_hand_over() -> None:
    """Without the Chinese contract all 100 units come from Japan at 10: 1000, not 920."""

    def no_china(model: Any, data: Any) -> None:
        model.use_supplier["cn"].fix(0)

    results = Pipeline(load_instance(CAPS), edit=no_china).solve()
    assert results.objective == 1000.0
    assert set(results.flows["supplier"]) == {"jp"}


def test_the_elastic_mode_builds_banned_flows_and_marks_them() -> None:
    instance = load_instance(BANS)
    banned = ("cn", "advanced", "default", 2027)
    plan = build_data(instance, Mode.PLAN)
    elastic = build_data(instance, Mode.ELASTIC)
    assert banned not in plan.flows and plan.banned == {}
    assert banned in elastic.flows
    assert elastic.banned == {banned: "no-cn-advanced"}
    assert len(elastic.flows) == len(plan.flows) + 1
    # every demand may go unmet in the elastic model, none in the plan (no penalties here)
    assert plan.unmet_bound == {}
    assert sorted(elastic.unmet_bound.values()) == [10.0, 10.0, 100.0, 100.0]


def test_a_disruption_stage_has_no_policies_and_scaled_capacity() -> None:
    instance = load_instance(CAPS)
    stage = build_data(instance, Mode.DISRUPTION, capacity_factor={"CN": 0.0})
    assert stage.caps == [] and stage.floors == []
    assert {f[0] for f in stage.flows} == {"jp"}  # China's capacity is zero: no flows
    assert stage.unmet_bound == {("chip", "default", 1): 100.0}


def test_options_become_highs_settings_in_one_place() -> None:
    highs = new_highs()
    configure(highs, SolveOptions(time_limit=30, mip_gap=0.01, seed=7, threads=1).started())

    def value(name: str) -> Any:
        return highs.getOptionValue(name)[1]  # (status, value)

    assert (value("mip_rel_gap"), value("random_seed"), value("threads")) == (0.01, 7, 1)
    assert value("output_flag") is False
    assert 29 < value("time_limit") <= 30


def test_an_unknown_solver_option_is_named() -> None:
    with pytest.raises(TypeError, match=r"^unexpected solver option 'time_limt'$"):
        SolveOptions.of(time_limt=3)
    with pytest.raises(TypeError, match=r"^unexpected solver option 'gap'$"):
        sweep(load_instance(CAPS), {CAP_PATH: [0.2]}, jobs=1, gap=0.1)


def test_stress_rows_list_the_spec_keys_first() -> None:
    rows = outage_table(load_instance(CAPS), frozenset({"cn", "jp"}))
    assert [list(row) for row in rows] == [
        [
            "outage",
            "factor",
            "shortage",
            "shortage_share",
            "cost",
            "extra_cost",
            "products_hit",
            "worst_product",
            "worst_product_share",
            "kind",
        ]
    ] * 2
    # CN out: Japan delivers all 100 at 10 (1000), against China's 100 at 6 without an outage
    # (600: the cap binds the nominal plan only, not the re-optimised flows)
    assert (rows[0]["outage"], rows[0]["cost"], rows[0]["extra_cost"]) == ("CN", 1000.0, 400.0)


def test_the_frontier_labels_say_what_is_traced() -> None:
    instance = load_instance(CAPS)
    share = frontier_labels(instance, "share", "CN")
    assert share == StudyLabels(
        kind="frontier",
        title="caps: the price of de-risking from CN",
        heading="Cost against the largest share of CN (EUR million)",
        money="EUR million",
        xlabel="largest share of CN in any product, market and period (%)",
        scale=100.0,
        shares=("CN",),
    )
    assert frontier_labels(instance, "hhi").scale == 10_000.0
    assert frontier_labels(instance, "outage").heading == (
        "Cost against the unmet share in the worst outage (EUR million)"
    )
    assert sweep_labels(instance).title == "caps: cost across the sweep"


def test_trace_names_what_is_missing() -> None:
    instance = load_instance(CAPS)
    with pytest.raises(
        UsageError, match=r"^measure must be one of share, hhi, outage, budget, got 'x'$"
    ):
        trace(instance, "x")
    with pytest.raises(UsageError, match=r"^the share frontier needs a group \(--group\)"):
        trace(instance, "share")


def test_a_study_is_written_as_one_run(tmp_path: Path) -> None:
    instance = load_instance(CAPS)
    frame = sweep(instance, {CAP_PATH: [0.2, 0.5]}, jobs=1)
    out = write_study(frame, tmp_path / "study", sweep_labels(instance))
    assert sorted(p.name for p in out.iterdir()) == [
        "report.html",
        "results.xlsx",
        MANIFEST,
        "sweep.csv",
        "sweep.png",
    ]
    table = pd.read_csv(out / "sweep.csv")
    assert table["objective"].tolist() == [920.0, 800.0]  # 50 from China: 300 + 500
    manifest = json.loads((out / MANIFEST).read_text())
    assert (manifest["command"], manifest["complete"]) == ("sweep", True)
    assert sorted(manifest["files"]) == ["report.html", "results.xlsx", "sweep.csv", "sweep.png"]

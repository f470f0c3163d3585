"""report.html in output folders and `sourcing compare`: what the pages hold, that they are
self-contained and escape the instance's text, and the comparison's tables and errors."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from sourcing import load_instance, solve
from sourcing.cli import main
from sourcing.explain.compare import Side, compare
from sourcing.output import html
from sourcing.output.outdir import MANIFEST
from sourcing.output.report import results_page

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "instances" / "examples"
CAPS = EXAMPLES / "caps.yaml"
BACKEND = EXAMPLES / "backend-cap.yaml"
SCENARIOS = EXAMPLES / "scenarios.yaml"
CAP_PATH = "policies.caps[cn-cap].max_share"


def invoke(*args: Any) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def headline(page: str, ident: str) -> tuple[str, str | None]:
    """The text and `data-value` of the headline figure `ident`."""
    match = re.search(rf'<dd id="{ident}"[^>]*?(?: data-value="([^"]*)")?>([^<]*)</dd>', page)
    assert match, ident
    return match[2], match[1]


def assert_self_contained(page: str) -> None:
    """No resource is fetched: no src/href attribute, no URL but the SVG namespace, one
    script (ours), and a policy that forbids every request."""
    assert not re.search(r"<[^>]*\s(src|href|srcset|action|data)\s*=", page)
    assert set(re.findall(r"https?://[^\s\"'<>]+", page)) <= {"http://www.w3.org/2000/svg"}
    assert page.count("<script") == 1 and "@import" not in page and "url(" not in page
    assert "default-src 'none'" in page


def test_solve_writes_the_report(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = invoke("solve", BACKEND, "--output", out, "--format", "json")
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "report.html" in json.loads((out / MANIFEST).read_text())["files"]
    assert_self_contained(page)
    assert headline(page, "status") == ("optimal", None)
    text, value = headline(page, "objective")
    assert (text, float(value or "nan")) == ("1,175.00", summary["objective"])
    assert headline(page, "gap")[0] == "0 %"
    assert headline(page, "quantity-unit")[0] == "units"
    for section in ("cost-breakdown", "shares", "flows", "contracts", "binding"):
        assert f'<section id="{section}">' in page
    assert page.count("<svg") == 1 + 2 + 2  # costs, shares per stage, flows per stage
    assert "Front end (wafer fabs)" in page and "Back end (sites)" in page
    assert "<title>chip \u00b7 default \u00b7 1: CN 30.0 % (30.0 of 100.0 units)</title>" in page
    assert "<title>CN \u2192 chip: 30.0 units</title>" in page  # a Sankey band
    assert re.search(r"<td>cn-backend</td>.*?<td class=\"num\" data-v=\"1.0\">1</td>", page)


def test_the_report_has_scenarios() -> None:
    page = results_page(solve(load_instance(SCENARIOS)))
    assert '<section id="scenario-section">' in page and "Scenarios and outages" in page
    assert '<table class="sortable" id="scenarios">' in page


def test_an_infeasible_solve_writes_its_report(tmp_path: Path) -> None:
    path = tmp_path / "none.yaml"
    path.write_text(
        "name: none\nregions: [{id: CN}]\nproducts: [{id: chip}, {id: gpu}]\n"
        "suppliers: [{id: cn, region: CN, offers: [{product: chip, unit_cost: 5}]}]\n"
        "demand: [{product: chip, quantity: 10}, {product: gpu, quantity: 5}]\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = invoke("solve", path, "--output", out)
    assert result.exit_code == 3
    page = (out / "report.html").read_text(encoding="utf-8")
    assert headline(page, "status")[0] == "infeasible"
    assert "gpu" in page and '<section id="diagnosis">' in page
    assert 'id="objective"' not in page and "<svg" not in page


def test_instance_text_is_escaped(tmp_path: Path, hostile: Path) -> None:
    path = hostile
    out = tmp_path / "out"
    result = invoke("solve", path, "--output", out)
    assert result.exit_code == 0, result.stderr
    page = (out / "report.html").read_text(encoding="utf-8")
    assert_self_contained(page)
    for raw in ("<script>alert", "<svg onload", "<img", "<i>cn", "<u>cap", "<b>units"):
        assert raw not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&quot;&gt;&lt;svg onload=alert(3)&gt;" in page
    assert "JP&amp;amp;" in page and "jp&#x27;" in page
    compared = tmp_path / "compared"
    assert invoke("compare", path, out, "--output", compared).exit_code == 0
    page = (compared / "compare.html").read_text(encoding="utf-8")
    assert_self_contained(page)
    assert "<script>alert" not in page and "<svg onload" not in page


def test_escape_covers_attributes() -> None:
    assert html.esc("\"'<>&") == "&quot;&#x27;&lt;&gt;&amp;"
    cell = html.table(["a"], [[html.Cell('x"><b>', 1.5, "num")]])
    assert '<td class="num" data-v="1.5">x&quot;&gt;&lt;b&gt;</td>' in cell


def test_sweep_and_frontier_reports(tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    result = invoke(
        "sweep", CAPS, "--set", f"{CAP_PATH}=0.1,0.2,0.3", "--jobs", "1", "--output", out
    )
    assert result.exit_code == 0, result.stderr
    page = (out / "report.html").read_text(encoding="utf-8")
    assert_self_contained(page)
    assert headline(page, "points") == ("3", "3")
    assert headline(page, "lowest") == ("880.00", "880.0")
    assert page.count("<circle") == 3 and "<polyline" in page
    assert f"<title>{CAP_PATH} 0.1: 960.00</title>" in page
    out = tmp_path / "frontier"
    result = invoke(
        "frontier", CAPS, "--group", "CN", "--points", "3", "--jobs", "1", "--output", out
    )
    assert result.exit_code == 0, result.stderr
    page = (out / "report.html").read_text(encoding="utf-8")
    assert_self_contained(page)
    assert headline(page, "study")[0] == "frontier"
    assert headline(page, "highest")[0] == "1,000.00"  # no China: 100 from Japan at 10
    assert '<table class="sortable" id="study-table">' in page


def test_compare_two_output_folders(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    assert invoke("solve", CAPS, "--output", a).exit_code == 0
    looser = tmp_path / "looser.yaml"
    data = yaml.safe_load(CAPS.read_text(encoding="utf-8"))
    data["policies"]["caps"][0]["max_share"] = 0.5
    looser.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert invoke("solve", looser, "--output", b).exit_code == 0
    result = invoke("compare", a, b, "--format", "json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["a"]["objective"] == 920.0 and document["b"]["objective"] == 800.0
    assert document["difference"] == -120.0
    costs = {r["component"]: r for r in document["costs"]}
    assert costs["purchase"] == {
        "component": "purchase",
        "a": 920.0,
        "b": 800.0,
        "difference": -120.0,
    }
    shares = {r["region"]: r for r in document["shares"]}
    assert shares["CN"]["share_a"] == pytest.approx(0.2)
    assert shares["CN"]["share_b"] == pytest.approx(0.5)
    assert shares["CN"]["difference"] == pytest.approx(0.3)
    assert document["contracts"] == {"won": [], "lost": []}
    assert [p["policy"] for p in document["policies"]["moved"]] == []
    # the looser cap still binds, in the same period: not a change
    assert document["policies"]["started"] == document["policies"]["stopped"] == []
    table = invoke("compare", a, b)
    assert table.exit_code == 0
    assert "-120.00" in table.stdout and "+30.0" in table.stdout


def test_compare_instance_files_with_contracts_and_policies(tmp_path: Path) -> None:
    freed = tmp_path / "free.yaml"
    data = yaml.safe_load(CAPS.read_text(encoding="utf-8"))
    del data["policies"]
    freed.write_text(yaml.safe_dump(data), encoding="utf-8")
    out = tmp_path / "out"
    result = invoke("compare", CAPS, freed, "--format", "json", "--output", out)
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert [c["supplier"] for c in document["contracts"]["lost"]] == ["jp"]
    assert document["contracts"]["won"] == []
    assert [(p["policy"], p["periods_a"]) for p in document["policies"]["stopped"]] == [
        ("cn-cap", "1")
    ]
    assert json.loads((out / "compare.json").read_text()) == document
    page = (out / "compare.html").read_text(encoding="utf-8")
    assert_self_contained(page)
    assert headline(page, "objective-a") == ("920.00", "920.0")
    assert headline(page, "difference") == ("-320.00", "-320.0")
    assert "stops binding" in page and "<td>lost</td>" in page
    assert json.loads((out / MANIFEST).read_text())["command"] == "compare"


def test_compare_two_tiers_per_stage(tmp_path: Path) -> None:
    a = Side.of_results(solve(load_instance(BACKEND)), "a", load_instance(BACKEND))
    other = load_instance(EXAMPLES / "backend-export-stop.yaml")
    b = Side.of_results(solve(other), "b", other)
    comparison = compare(a, b)
    shares = comparison.shares.set_index(["stage", "region"])
    assert shares.loc[("back", "CN"), "share_a"] == pytest.approx(0.3)
    assert shares.loc[("back", "CN"), "share_b"] == pytest.approx(1.0)
    assert shares.loc[("front", "EU"), "difference"] == pytest.approx(0.0)


def test_compare_errors(tmp_path: Path) -> None:
    folder = tmp_path / "study"
    assert (
        invoke(
            "sweep", CAPS, "--set", f"{CAP_PATH}=0.2", "--jobs", "1", "--output", folder
        ).exit_code
        == 0
    )
    result = invoke("compare", CAPS, tmp_path / "missing")
    assert result.exit_code == 2
    assert "missing: no such instance file or output folder" in result.stderr
    result = invoke("compare", CAPS, folder)
    assert result.exit_code == 2
    assert "holds no summary.json: not an output folder of `sourcing solve`" in result.stderr
    assert "(it holds the files of `sourcing sweep`)" in result.stderr
    result = invoke("compare", CAPS, BACKEND, "--format", "json")
    assert result.exit_code == 2
    assert "are unrelated: their costs are in 'EUR million' and 'money'" in result.stderr
    assert json.loads(result.stdout)["status"] == "invalid"
    other = tmp_path / "other.yaml"
    other.write_text(BACKEND.read_text(encoding="utf-8").replace("chip", "gpu"))
    result = invoke("compare", BACKEND, other)
    assert result.exit_code == 2
    assert "unrelated: they share no product (chip against gpu)" in result.stderr

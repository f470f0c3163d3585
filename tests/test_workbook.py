"""Instances as Excel workbooks: the layout, problems named by sheet, row and column, hostile
files, `sourcing convert`, and `results.xlsx` in an output folder."""

from __future__ import annotations

import datetime
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from openpyxl import Workbook, load_workbook

from sourcing import Instance, load_instance, solve
from sourcing.cli import main
from sourcing.errors import InstanceError, UsageError
from sourcing.instance import io as instance_io
from sourcing.instance.io import DEFAULT_INSTANCE, INSTANCES_DIR, dump_instance
from sourcing.instance.workbook import grid as workbook_grid

BUNDLED = sorted(
    str(p.relative_to(INSTANCES_DIR))
    for p in INSTANCES_DIR.rglob("*")
    if p.suffix in {".yaml", ".json", ".toml"} and not p.name.endswith(".whatifs.yaml")
)
TEMPLATE = INSTANCES_DIR / "default.xlsx"

# Two periods, two suppliers; the optimum by hand: cn (1 a unit, capacity 50 and 60) delivers
# all 80, 40 a period: 80.
SHEETS: dict[str, list[list[Any]]] = {
    "settings": [["key", "value"], ["name", "tiny"], ["periods", "2026, 2027"]],
    "regions": [["id"], ["CN"], ["JP"]],
    "products": [["id", "shortage_penalty"], ["chip", 100]],
    "suppliers": [
        ["id", "region", "capacity.2026", "capacity.2027"],
        ["cn", "CN", 50, 60],
        ["jp", "JP", 30, 30],
    ],
    "offers": [["supplier", "product", "unit_cost"], ["cn", "chip", 1], ["jp", "chip", 3]],
    "demand": [["product", "period", "quantity"], ["chip", 2026, 40], ["chip", 2027, 40]],
}
TINY = {
    "name": "tiny",
    "periods": [2026, 2027],
    "regions": [{"id": "CN"}, {"id": "JP"}],
    "products": [{"id": "chip", "shortage_penalty": 100}],
    "suppliers": [
        {
            "id": "cn",
            "region": "CN",
            "capacity": {2026: 50, 2027: 60},
            "offers": [{"product": "chip", "unit_cost": 1}],
        },
        {
            "id": "jp",
            "region": "JP",
            "capacity": {2026: 30, 2027: 30},
            "offers": [{"product": "chip", "unit_cost": 3}],
        },
    ],
    "demand": [
        {"product": "chip", "period": 2026, "quantity": 40},
        {"product": "chip", "period": 2027, "quantity": 40},
    ],
}


def book(tmp_path: Path, sheets: dict[str, list[list[Any]]], name: str = "inst.xlsx") -> Path:
    """A workbook with these sheets, each a list of rows (the first the header)."""
    created = Workbook()
    created.remove(created.active)
    for title, rows in sheets.items():
        sheet = created.create_sheet(title)
        for row in rows:
            sheet.append(row)
    path = tmp_path / name
    created.save(path)
    return path


def changed(**changes: list[list[Any]]) -> dict[str, list[list[Any]]]:
    sheets = {name: [list(row) for row in rows] for name, rows in SHEETS.items()}
    sheets.update(changes)
    return sheets


def set_cell(sheet: str, row: int, column: int, value: Any) -> dict[str, list[list[Any]]]:
    """SHEETS with the cell at (row, column) of `sheet` (1-based, as Excel counts) replaced."""
    sheets = changed()
    rows = sheets[sheet]
    while len(rows) < row:
        rows.append([])
    while len(rows[row - 1]) < column:
        rows[row - 1].append(None)
    rows[row - 1][column - 1] = value
    return sheets


def error_lines(path: Path) -> list[str]:
    with pytest.raises(InstanceError) as info:
        load_instance(path)
    return str(info.value).splitlines()


def invoke(*args: Any) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


# --- the layout ------------------------------------------------------------------------------


def test_workbook_reads_as_the_yaml_would(tmp_path: Path) -> None:
    assert load_instance(book(tmp_path, SHEETS)) == Instance.from_data(TINY)


def test_workbook_solves(tmp_path: Path) -> None:
    results = solve(load_instance(book(tmp_path, SHEETS)), mip_gap=0.0)
    assert results.objective == pytest.approx(80.0)


def test_layout_of_every_kind_of_value(tmp_path: Path) -> None:
    """Settings, lists in a cell, keyed maps as columns, a plain column for one number,
    booleans, nested sheets (caps, back-end offers), empty cells as absent keys."""
    sheets = changed(
        settings=[
            ["key", "value"],
            ["name", "all"],
            ["description", "every, kind"],
            ["units.money", "EUR million"],
            ["periods", "2026, 2027"],
            ["policies.max_supplier_share", 0.9],
            ["risk.weight", 0.5],
            ["resilience.max_outage_shortage", 1],
            ["resilience.outages", "CN, JP"],
        ],
        blocs=[["id", "members"], ["allies", "JP"], ["all", "CN, JP"]],
        suppliers=[["id", "region", "capacity"], ["cn", "CN", 50], ["jp", "JP", None]],
        backend=[["id", "region"], ["my", "CN"]],
        backend_offers=[["site", "product", "unit_cost"], ["my", "chip", 0.5]],
        caps=[
            ["id", "group", "max_share", "pooled", "periods", "stage"],
            ["c", "CN", 0.5, True, 2027, None],
            ["b", "CN", 0.9, None, "2026,2027", "back"],
        ],
        scenarios=[["id", "probability", "capacity_factor.CN", "start"], ["s", 0.1, 0, 2027]],
    )
    instance = load_instance(book(tmp_path, sheets))
    assert instance.description == "every, kind"
    assert instance.units.money == "EUR million" and instance.units.quantity == "units"
    assert instance.policies.max_supplier_share == 0.9
    assert instance.risk is not None and instance.risk.weight == 0.5
    assert instance.resilience is not None and instance.resilience.outages == ["CN", "JP"]
    assert [b.members for b in instance.blocs] == [["JP"], ["CN", "JP"]]
    assert [s.capacity for s in instance.suppliers] == [50.0, None]
    assert instance.backend[0].offers[0].unit_cost == 0.5
    cap, back = instance.policies.caps
    assert (cap.pooled, cap.periods, cap.stage) == (True, [2027], "front")
    assert (back.pooled, back.periods, back.stage) == (False, [2026, 2027], "back")
    assert instance.scenarios[0].capacity_factor == {"CN": 0.0}
    assert instance.scenarios[0].start == 2027


@pytest.mark.parametrize("name", BUNDLED)
@pytest.mark.parametrize("suffix", ["xlsx", "json", "toml"])
def test_round_trip_changes_nothing(tmp_path: Path, name: str, suffix: str) -> None:
    """YAML (or JSON, TOML) -> suffix -> YAML: the instance read back is the original."""
    original = load_instance(INSTANCES_DIR / name)
    middle, back = tmp_path / f"middle.{suffix}", tmp_path / "back.yaml"
    dump_instance(original, middle)
    assert load_instance(middle) == original
    dump_instance(load_instance(middle), back)
    assert load_instance(back) == original


def test_writer_keeps_awkward_values(tmp_path: Path) -> None:
    """Text that looks like a formula or a number stays text; a float needing 17 digits keeps
    them; a period labelled with text stays text."""
    data = json.loads(json.dumps(TINY))
    data["periods"] = ["2026-H1", "2026-H2"]
    data["suppliers"][0]["capacity"] = 0.1 + 0.2
    data["suppliers"][1]["capacity"] = 1e300 / 1e292  # not 1e8 exactly
    data["suppliers"][1]["name"] = "=SUM(A1:A9)"
    data["regions"][1]["name"] = "7"
    data["demand"] = [{"product": "chip", "period": "2026-H2", "quantity": 40}]
    original = Instance.from_data(data)
    dump_instance(original, tmp_path / "copy.xlsx")
    copy = load_instance(tmp_path / "copy.xlsx")
    assert copy == original
    assert copy.suppliers[0].capacity == 0.1 + 0.2


def test_writer_refuses_what_a_workbook_cannot_hold(tmp_path: Path) -> None:
    data = json.loads(json.dumps(TINY))
    data["regions"].append({"id": "a, b"})
    data["blocs"] = [{"id": "bloc", "members": ["a, b"]}]
    with pytest.raises(UsageError) as info:
        dump_instance(Instance.from_data(data), tmp_path / "copy.xlsx")
    assert str(info.value) == (
        "blocs[0].members: the item 'a, b' cannot be written in a workbook's list cell (items "
        "are separated by commas, and spaces around them are dropped)"
    )
    data = json.loads(json.dumps(TINY))
    data["regions"][0]["name"] = "bell\x07"
    with pytest.raises(UsageError) as info:
        dump_instance(Instance.from_data(data), tmp_path / "copy.xlsx")
    assert str(info.value) == (
        "regions[0].name: the text 'bell\\x07' holds the control character '\\x07', which a "
        "workbook cannot hold"
    )
    assert not list(tmp_path.iterdir())


def test_writer_gives_the_same_bytes_for_the_same_instance(tmp_path: Path) -> None:
    instance = load_instance(INSTANCES_DIR / "examples" / "caps.yaml")
    dump_instance(instance, tmp_path / "a.xlsx")
    dump_instance(instance, tmp_path / "b.xlsx")
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()


# --- the template workbook -------------------------------------------------------------------


def test_template_workbook_is_in_sync_with_the_default_yaml(tmp_path: Path) -> None:
    """instances/default.xlsx is `sourcing convert instances/default.yaml` (rerun that command
    after changing the YAML)."""
    assert load_instance(TEMPLATE) == load_instance(DEFAULT_INSTANCE)
    converted = tmp_path / "default.xlsx"
    dump_instance(load_instance(DEFAULT_INSTANCE), converted)
    assert load_instance(converted) == load_instance(TEMPLATE)


def test_template_workbook_has_the_documented_sheets() -> None:
    names = load_workbook(TEMPLATE).sheetnames
    assert names == [
        "settings",
        "regions",
        "blocs",
        "products",
        "markets",
        "suppliers",
        "offers",
        "backend",
        "backend_offers",
        "demand",
        "transport",
        "tariffs",
        "caps",
        "floors",
        "bans",
        "scenarios",
        "expansions",
        "programs",
    ]


# --- problems by sheet, row and column -------------------------------------------------------


@pytest.mark.parametrize(
    ("sheets", "message"),
    [
        (
            set_cell("suppliers", 3, 4, 2e9),
            "sheet suppliers, row 3, column capacity.2027: must be at most 1e9, got 2000000000: "
            "larger quantities are beyond what the solver handles reliably (use a larger "
            "quantity unit; see docs/limits.md)",
        ),
        (
            set_cell("suppliers", 2, 3, "50"),
            "sheet suppliers, row 2, column capacity.2026: expected a number, got the text '50' "
            "(a text cell: store the number as a number)",
        ),
        (
            set_cell("offers", 3, 3, "3"),
            "sheet offers, row 3, column unit_cost: expected a non-negative number or a map "
            "{period: number}, got the text '3' (a text cell: store the number as a number)",
        ),
        (
            set_cell("demand", 2, 3, True),
            "sheet demand, row 2, column quantity: expected a number, got true",
        ),
        (
            set_cell("demand", 3, 3, "many"),
            "sheet demand, row 3, column quantity: expected a number, got the text 'many'",
        ),
        (
            set_cell("regions", 2, 1, 7),
            "sheet regions, row 2, column id: expected text, got the number 7 (store the cell "
            "as text)",
        ),
        (
            set_cell("offers", 3, 2, "chipp"),
            "sheet offers, row 3, column product: unknown product 'chipp'",
        ),
        (
            set_cell("offers", 3, 1, "kr"),
            "sheet offers, row 3, column supplier: unknown supplier 'kr'",
        ),
        (
            set_cell("regions", 3, 1, "CN"),
            "sheet regions, row 3, column id: duplicate id 'CN' (already used in regions); ids "
            "must be unique across regions, blocs and suppliers",
        ),
        (
            set_cell("suppliers", 1, 4, "capacity.2028"),
            "sheet suppliers, row 2, column capacity.2028: unknown period '2028'",
        ),
        (
            set_cell("suppliers", 1, 2, "regoin"),
            "sheet suppliers, row 2, column regoin: unknown key",
        ),
        (
            changed(regions=[["name"], ["China"]]),
            "sheet regions: no column id (it names each entry); row 1 must name it",
        ),
        (
            changed(offers=[["product", "unit_cost"], ["chip", 1]]),
            "sheet offers: no column supplier (it names the supplier of each row); row 1 must "
            "name it",
        ),
        (
            changed(Blocs=[["id"]]),
            "sheet Blocs: unknown sheet (did you mean blocs?); the sheets of an "
            "instance workbook are settings, regions, blocs, products, markets, suppliers, "
            "offers, backend, backend_offers, demand, transport, tariffs, caps, floors, bans, "
            "scenarios, expansions, programs",
        ),
        (
            set_cell("settings", 3, 2, "2026, , 2027"),
            "sheet settings, row 3, key periods: an empty item in the list '2026, , 2027' "
            "(items are comma-separated)",
        ),
        (
            set_cell("settings", 2, 1, "nmae"),
            "sheet settings, row 2, key nmae: unknown key",
        ),
        (
            set_cell("settings", 4, 1, "regions"),
            "sheet settings, row 4, column key: regions is not a setting: its entries go on the "
            "sheet regions",
        ),
        (
            set_cell("suppliers", 1, 5, "offers"),
            "sheet suppliers, row 1, column offers: offers go on the sheet offers, one row each",
        ),
        (
            set_cell("settings", 4, 1, "policies.caps"),
            "sheet settings, row 4, column key: policies.caps is not a setting: its entries go "
            "on the sheet caps",
        ),
        (
            changed(blocs=[["id", "members"], ["b", "CN, XX"]]),
            "sheet blocs, row 2, column members (item 2): unknown region, bloc or supplier 'XX'",
        ),
        (
            changed(caps=[["id", "group", "max_share", "pooled"], ["c", "CN", 0.5, "TRUE"]]),
            "sheet caps, row 2, column pooled: expected true or false, got the text 'TRUE'",
        ),
        (
            changed(caps=[["id", "group", "max_share"], ["c", "CN", 1.5]]),
            "sheet caps, row 2, column max_share: Input should be less than or equal to 1",
        ),
        (
            set_cell("suppliers", 2, 5, 9),
            "sheet suppliers, cell E2: a value in a column without a key in row 1",
        ),
        (
            set_cell("suppliers", 1, 5, "capacity.2026"),
            "sheet suppliers, row 1, column E: the column capacity.2026 is given twice (also "
            "column C)",
        ),
        (
            set_cell("offers", 2, 3, "=1+2"),
            "sheet offers, cell C2: a formula (=1+2); an instance workbook holds values: "
            "replace the formula by its value",
        ),
        (
            set_cell("demand", 2, 2, datetime.datetime(2026, 1, 1)),
            "sheet demand, cell B2: a date or time; write a period label as a whole number or "
            "as text",
        ),
        (
            {k: v for k, v in SHEETS.items() if k != "regions"},
            "sheet regions: required sheet is missing",
        ),
        (
            changed(settings=[["key", "value"]]),
            "sheet settings, key name: required key is missing",
        ),
        (
            changed(suppliers=[["id", "capacity.2026"], ["cn", 50], ["jp", 30]]),
            "sheet suppliers, row 2, column region: required key is missing",
        ),
    ],
)
def test_problem_names_sheet_row_and_column(
    tmp_path: Path, sheets: dict[str, list[list[Any]]], message: str
) -> None:
    path = book(tmp_path, sheets)
    lines = error_lines(path)
    assert f"{path}: {message}" in lines, lines


def test_every_problem_at_once(tmp_path: Path) -> None:
    sheets = changed(
        offers=[["supplier", "product", "unit_cost"], ["cn", "chip", 1], ["jp", "chip", "3"]],
        demand=[["product", "period", "quantity"], ["chip", 2026, "many"]],
    )
    path = book(tmp_path, sheets)
    assert error_lines(path) == [
        f"{path}: sheet offers, row 3, column unit_cost: expected a non-negative number or a map "
        "{period: number}, got the text '3' (a text cell: store the number as a number)",
        f"{path}: sheet demand, row 2, column quantity: expected a number, got the text 'many'",
    ]


def test_one_number_and_per_period_columns_together_are_refused(tmp_path: Path) -> None:
    sheets = changed(
        suppliers=[
            ["id", "region", "capacity", "capacity.2026"],
            ["cn", "CN", 50, 40],
            ["jp", "JP", 30, None],
        ]
    )
    path = book(tmp_path, sheets)
    assert error_lines(path) == [
        f"{path}: sheet suppliers, row 2, column capacity.2026: give capacity either in one "
        "column capacity or in columns capacity.<key>, not both"
    ]


# --- hostile files ---------------------------------------------------------------------------


def _rewrite(path: Path, member: str, old: bytes, new: bytes) -> None:
    """Replace `old` by `new` in one member of the zip archive at `path`."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(buffer, "w") as target:
        for entry in source.infolist():
            content = source.read(entry)
            if entry.filename == member:
                assert old in content
                content = content.replace(old, new, 1)
            target.writestr(entry, content)
    path.write_bytes(buffer.getvalue())


def _sheet_member(path: Path, title: str) -> str:
    index = load_workbook(path).sheetnames.index(title) + 1
    return f"xl/worksheets/sheet{index}.xml"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            b"name: tiny\n",
            "not an Excel workbook (.xlsx): the file is not a zip archive (an .xls or .ods "
            "file? save it as .xlsx)",
        ),
        (
            b"",
            "not an Excel workbook (.xlsx): the file is not a zip archive (an .xls or .ods "
            "file? save it as .xlsx)",
        ),
    ],
)
def test_not_a_workbook(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "inst.xlsx"
    path.write_bytes(content)
    assert error_lines(path) == [f"{path}: {message}"]


def test_a_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "inst.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "hello")
    (line,) = error_lines(path)
    assert line.startswith(f"{path}: not a readable Excel workbook (.xlsx): ")


def test_nan_and_unreadable_numbers(tmp_path: Path) -> None:
    path = book(tmp_path, SHEETS)
    _rewrite(path, _sheet_member(path, "demand"), b"<v>40</v>", b"<v>NaN</v>")
    assert error_lines(path) == [
        f"{path}: sheet demand: a cell cannot be read (invalid literal for int() with base 10: "
        "'NaN')"
    ]


def test_overflowing_number_is_not_finite(tmp_path: Path) -> None:
    path = book(tmp_path, SHEETS)
    _rewrite(path, _sheet_member(path, "demand"), b"<v>40</v>", b"<v>1e999</v>")
    assert error_lines(path) == [
        f"{path}: sheet demand, row 2, column quantity: expected a finite number, got inf"
    ]


def test_far_away_cell_is_cheap(tmp_path: Path) -> None:
    """A cell at XFD1048576 is one cell, not a sheet of a billion empty ones."""
    path = book(tmp_path, set_cell("regions", 1, 1, "id"))
    _rewrite(
        path,
        _sheet_member(path, "regions"),
        b"</sheetData>",
        b'<row r="1048576"><c r="XFD1048576" t="n"><v>1</v></c></row></sheetData>',
    )
    assert error_lines(path) == [
        f"{path}: sheet regions, cell XFD1048576: a value in a column without a key in row 1"
    ]


def test_workbook_that_unpacks_too_far(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = book(tmp_path, SHEETS)
    monkeypatch.setattr(workbook_grid, "MAX_UNPACKED_BYTES", 2**20 // 2)
    _rewrite(path, "docProps/app.xml", b"<", b"<!--" + b" " * 2**20 + b"--><")
    assert error_lines(path) == [
        f"{path}: the workbook unpacks to more than 0 MiB, the most an instance workbook may hold"
    ]


def test_file_too_large_is_refused_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = book(tmp_path, SHEETS)
    monkeypatch.setattr(instance_io, "MAX_FILE_BYTES", 1000)
    assert error_lines(path) == [
        f"{path}: file is larger than 1000 bytes, the largest instance file read"
    ]


def test_folder_named_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "inst.xlsx"
    path.mkdir()
    assert error_lines(path) == [f"{path}: is a directory, not an instance file"]


@pytest.mark.parametrize("suffix", [".xls", ".ods", ".xlsm"])
def test_other_spreadsheets_are_refused_with_advice(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"inst{suffix}"
    path.write_bytes(b"x")
    assert error_lines(path) == [
        f"{path}: unsupported file type {suffix!r}; use .yaml, .yml, .json, .toml or .xlsx "
        "(save the spreadsheet as .xlsx)"
    ]


# --- the command line ------------------------------------------------------------------------


def test_validate_bad_workbook_exits_2(tmp_path: Path) -> None:
    path = book(tmp_path, set_cell("offers", 3, 2, "chipp"))
    result = invoke("validate", path)
    assert result.exit_code == 2
    assert result.output == (
        f"error: invalid instance\n{path}: sheet offers, row 3, column product: unknown "
        "product 'chipp'\n"
    )
    result = invoke("solve", path, "--format", "json")
    assert result.exit_code == 2
    document = json.loads(result.stdout)
    assert document["errors"] == [
        {
            "file": str(path),
            "path": "sheet offers, row 3, column product",
            "message": "unknown product 'chipp'",
        }
    ]


def test_validate_and_solve_a_workbook(tmp_path: Path) -> None:
    path = book(tmp_path, SHEETS)
    result = invoke("validate", path)
    assert result.exit_code == 0, result.output
    assert result.output == f"{path}: valid (2 suppliers, 1 product, 1 market, 2 periods)\n"
    result = invoke("solve", path, "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["objective"] == pytest.approx(80.0)


def test_convert_both_ways(tmp_path: Path) -> None:
    source = INSTANCES_DIR / "examples" / "caps.yaml"
    result = invoke("convert", source, tmp_path / "caps.xlsx")
    assert result.exit_code == 0, result.output
    assert result.output == f"{source} -> {tmp_path / 'caps.xlsx'}\n"
    for suffix in ("yaml", "json", "toml"):
        result = invoke("convert", tmp_path / "caps.xlsx", tmp_path / f"back.{suffix}")
        assert result.exit_code == 0, result.output
        assert load_instance(tmp_path / f"back.{suffix}") == load_instance(source)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "back.json",
        "back.toml",
        "back.yaml",
        "caps.xlsx",
    ]


def test_convert_refuses_to_replace_without_force(tmp_path: Path) -> None:
    target = tmp_path / "out.yaml"
    target.write_text("mine\n", encoding="utf-8")
    result = invoke("convert", INSTANCES_DIR / "examples" / "caps.yaml", target)
    assert result.exit_code == 2
    assert result.output == f"error: {target} exists; use --force to replace it\n"
    assert target.read_text(encoding="utf-8") == "mine\n"
    result = invoke("convert", INSTANCES_DIR / "examples" / "caps.yaml", target, "--force")
    assert result.exit_code == 0, result.output
    assert load_instance(target) == load_instance(INSTANCES_DIR / "examples" / "caps.yaml")


def test_convert_refuses_unknown_suffix_and_invalid_input(tmp_path: Path) -> None:
    result = invoke("convert", INSTANCES_DIR / "examples" / "caps.yaml", tmp_path / "out.csv")
    assert result.exit_code == 2
    assert result.output == (
        f"error: {tmp_path / 'out.csv'}: unsupported file type '.csv'; use .yaml, .yml, .json, "
        ".toml or .xlsx\n"
    )
    bad = book(tmp_path, set_cell("offers", 3, 2, "chipp"))
    result = invoke("convert", bad, tmp_path / "out.yaml")
    assert result.exit_code == 2
    assert "sheet offers, row 3, column product: unknown product 'chipp'" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["inst.xlsx"]


# --- results.xlsx ----------------------------------------------------------------------------


def test_results_workbook_holds_the_summary_and_every_table(tmp_path: Path) -> None:
    results = solve(load_instance(INSTANCES_DIR / "examples" / "scenarios.yaml"))
    folder = results.to_dir(tmp_path / "out")
    written = load_workbook(folder / "results.xlsx")
    tables = results.tables()
    assert written.sheetnames == ["summary", *(Path(name).stem for name in tables)]
    summary = dict(written["summary"].iter_rows(min_row=2, values_only=True))
    assert summary["status"] == "optimal"
    assert summary["objective"] == pytest.approx(680.0)
    assert summary["costs.fixed"] == pytest.approx(results.costs["fixed"])
    assert not any(key.startswith("timings") for key in summary)
    for name, table in tables.items():
        rows = list(written[Path(name).stem].iter_rows(values_only=True))
        assert list(rows[0]) == list(table.columns)
        assert len(rows) - 1 == len(table)
    flows = list(written["flows"].iter_rows(values_only=True))
    records = results.flows.to_dict(orient="records")
    assert [dict(zip(flows[0], row, strict=True)) for row in flows[1:]] == records
    manifest = json.loads((folder / "sourcing-run.json").read_text(encoding="utf-8"))
    assert "results.xlsx" in manifest["files"]
    again = results.to_dir(tmp_path / "again")
    assert (again / "results.xlsx").read_bytes() == (folder / "results.xlsx").read_bytes()

"""The HTML pages in a real browser: headless Chromium opens each one with the network off and
the tests read the DOM after the scripts ran, the console and the browser's network log.

Each page must render its charts (SVG in the DOM), run its script (the sortable headers it
marks), log nothing on the console (an error, or a request the page's policy refused, would
show there), request nothing over the network, and show the headline numbers of its JSON.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from sourcing.cli import main

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "instances" / "examples"
CAPS = EXAMPLES / "caps.yaml"
CAP_PATH = "policies.caps[cn-cap].max_share"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
MOST_BYTES = 1_000_000  # report.html of the default instance stays below this

needs_browser = pytest.mark.skipif(
    CHROMIUM is None,
    reason="needs Debian's chromium (apt-get install chromium), not found on the PATH",
)
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--host-resolver-rules=MAP * ~NOTFOUND",  # no name resolves
    "--proxy-server=127.0.0.1:9",  # and every connection goes nowhere
)


@dataclass(frozen=True)
class Opened:
    """A page as the browser left it: the DOM after scripts ran, the console messages and
    the URLs the page asked for (besides its own file)."""

    dom: str
    console: list[str]
    requests: list[str]


def open_page(page: Path, work: Path, screenshot: Path | None = None) -> Opened:
    assert CHROMIUM is not None
    work.mkdir(parents=True, exist_ok=True)
    netlog = work / "net.json"
    output = [f"--screenshot={screenshot}", "--window-size=1280,2000"] if screenshot else []
    done = subprocess.run(
        [
            CHROMIUM,
            *FLAGS,
            f"--user-data-dir={work / 'profile'}",
            "--enable-logging=stderr",
            "--v=0",
            f"--log-net-log={netlog}",
            *(output or ["--dump-dom"]),
            page.resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    console = [
        line for line in done.stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line
    ]
    return Opened(done.stdout, console, _page_requests(netlog, page.resolve().as_uri()))


def _page_requests(netlog: Path, own: str) -> list[str]:
    """The URLs the page requested: URL requests made for a file:// page, but its own.

    (The browser's own background requests belong to no page and are left out.)
    """
    log = json.loads(netlog.read_text(encoding="utf-8"))
    start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    found = []
    for event in log["events"]:
        params = event.get("params") or {}
        for_page = "file://" in str(params.get("network_isolation_key"))
        if event["type"] == start and for_page and params.get("url") != own:
            found.append(str(params.get("url")))
    return found


def headline(dom: str, ident: str) -> tuple[str, str | None]:
    match = re.search(rf'<dd id="{ident}"[^>]*?(?: data-value="([^"]*)")?>([^<]*)</dd>', dom)
    assert match, ident
    return match[2], match[1]


def assert_rendered(opened: Opened, least_svg: int) -> None:
    """Charts in the DOM, the script ran (it marks every header sortable), a quiet console
    and no request."""
    assert opened.console == []
    assert opened.requests == []
    assert opened.dom.count("<svg") >= least_svg
    assert re.search(r"<(rect|path|circle)[^>]*>\s*<title>", opened.dom)
    headers = len(re.findall(r"<th[\s>]", opened.dom))
    assert headers and opened.dom.count('tabindex="0"') == headers
    assert opened.dom.count("<script") == 1


def invoke(*args: Any) -> None:
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code == 0, result.stderr


@pytest.fixture(scope="module")
def default_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The output folder of `sourcing solve` of the default instance (about 8 s)."""
    out = tmp_path_factory.mktemp("default") / "out"
    invoke("solve", "--output", out)
    return out


def test_the_default_report_is_small(default_run: Path) -> None:
    size = (default_run / "report.html").stat().st_size
    assert 50_000 < size < MOST_BYTES, size


@needs_browser
def test_the_default_report_in_a_browser(default_run: Path, tmp_path: Path) -> None:
    opened = open_page(default_run / "report.html", tmp_path)
    assert_rendered(opened, least_svg=6)  # costs, shares and flows per stage, scenarios
    summary = json.loads((default_run / "summary.json").read_text(encoding="utf-8"))
    assert headline(opened.dom, "status") == (summary["status"], None)
    text, value = headline(opened.dom, "objective")
    assert float(value or "nan") == summary["objective"]
    assert text == f"{summary['objective']:,.2f}"
    assert headline(opened.dom, "gap")[0] == f"{100 * summary['mip_gap']:.3g} %"
    assert headline(opened.dom, "quantity-unit")[0] == summary["units"]["quantity"]
    assert headline(opened.dom, "money-unit")[0] == summary["units"]["money"]
    for policy in {row["policy"] for row in summary["binding_policies"]}:
        assert f"<td>{policy}</td>" in opened.dom
    picture = tmp_path / "report.png"
    assert open_page(default_run / "report.html", tmp_path / "shot", picture).console == []
    assert picture.stat().st_size > 20_000


@needs_browser
def test_a_sweep_report_in_a_browser(tmp_path: Path) -> None:
    out = tmp_path / "out"
    invoke("sweep", CAPS, "--set", f"{CAP_PATH}=0.1,0.2,0.4", "--jobs", "1", "--output", out)
    opened = open_page(out / "report.html", tmp_path)
    assert_rendered(opened, least_svg=2)  # cost and shares
    assert headline(opened.dom, "points") == ("3", "3")
    assert headline(opened.dom, "lowest") == ("840.00", "840.0")
    assert opened.dom.count("<circle") == 3


@needs_browser
def test_a_frontier_report_in_a_browser(tmp_path: Path) -> None:
    out = tmp_path / "out"
    invoke("frontier", CAPS, "--group", "CN", "--points", "3", "--jobs", "1", "--output", out)
    opened = open_page(out / "report.html", tmp_path)
    assert_rendered(opened, least_svg=2)
    assert headline(opened.dom, "study")[0] == "frontier"
    assert headline(opened.dom, "highest") == ("1,000.00", "1000.0")


@needs_browser
def test_a_comparison_in_a_browser(tmp_path: Path) -> None:
    freed = tmp_path / "free.yaml"
    data = yaml.safe_load(CAPS.read_text(encoding="utf-8"))
    del data["policies"]
    freed.write_text(yaml.safe_dump(data), encoding="utf-8")
    out = tmp_path / "out"
    invoke("solve", CAPS, "--output", tmp_path / "a")
    invoke("compare", tmp_path / "a", freed, "--output", out)
    opened = open_page(out / "compare.html", tmp_path)
    assert_rendered(opened, least_svg=2)  # costs and shares
    document = json.loads((out / "compare.json").read_text(encoding="utf-8"))
    for ident, key in (("objective-a", "a"), ("objective-b", "b")):
        text, value = headline(opened.dom, ident)
        assert float(value or "nan") == document[key]["objective"]
        assert text == f"{document[key]['objective']:,.2f}"
    assert headline(opened.dom, "difference") == ("-320.00", "-320.0")


@needs_browser
def test_a_hostile_instance_stays_text(tmp_path: Path, hostile: Path) -> None:
    invoke("solve", hostile, "--output", tmp_path / "out")
    opened = open_page(tmp_path / "out" / "report.html", tmp_path)
    assert_rendered(opened, least_svg=3)
    assert "<svg onload" not in opened.dom and "<img" not in opened.dom
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in opened.dom

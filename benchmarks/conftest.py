"""Benchmarks are kept out of the default test run (`testpaths = tests`); run them with
`make bench` (timed) or `make smoke-bench` (each once, untimed, sizes S and M).

`--sizes S,M,L,XL` (the default) picks the generated instance sizes: every test that takes a
`size` argument runs once per selected size, limited to the sizes of its `sizes` marker if it has
one (`@pytest.mark.sizes("S", "M", "L")`). See README.md in this directory.
"""

from __future__ import annotations

import pytest

from phases import DEFAULT_SIZES, SizeCase, parse_sizes


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--sizes",
        default=",".join(DEFAULT_SIZES),
        help="generated instance sizes to benchmark, comma-separated (default: %(default)s)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sizes(*names): the only sizes a benchmark applies to (default: all selected)"
    )
    try:
        config.selected_sizes = parse_sizes(config.getoption("--sizes"))  # type: ignore[attr-defined]
    except ValueError as exc:
        raise pytest.UsageError(f"--sizes: {exc}") from None


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "size" not in metafunc.fixturenames:
        return
    sizes: list[str] = metafunc.config.selected_sizes  # type: ignore[attr-defined]
    marker = metafunc.definition.get_closest_marker("sizes")
    if marker is not None:
        sizes = [size for size in sizes if size in marker.args]
    metafunc.parametrize("size", sizes)


class Pipelines(dict[str, SizeCase]):
    """One `SizeCase` per size for the whole session, so each size is built only once."""

    def __missing__(self, size: str) -> SizeCase:
        self[size] = SizeCase(size)
        return self[size]


@pytest.fixture(scope="session")
def pipelines() -> Pipelines:
    return Pipelines()


@pytest.fixture
def pipeline(pipelines: Pipelines, size: str) -> SizeCase:
    """The instance, model and hand-over of this size (made on first use, then kept)."""
    return pipelines[size]

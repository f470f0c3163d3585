"""Named what-ifs kept next to an instance and applied by name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from sourcing import InstanceError, UsageError, load_instance
from sourcing.cli import main
from sourcing.instance.io import INSTANCES_DIR
from sourcing.instance.overrides import apply_whatifs, load_whatifs, whatif_file_for

CAPS = INSTANCES_DIR / "examples" / "caps.yaml"  # CN at 6, JP at 10, demand 100, CN <= 20 %

WHATIFS = """\
whatifs:
  - name: tighter
    overrides:
      - policies.caps[cn-cap].max_share=0.1
  - name: no-cap
    overrides:
      - -policies.caps[cn-cap]
  - name: ban-cn
    overrides:
      "policies.bans": [{id: no-cn, group: CN}]
"""


@pytest.fixture
def instance_path(tmp_path: Path) -> Path:
    target = tmp_path / "caps.yaml"
    target.write_text(CAPS.read_text())
    whatif_file_for(target).write_text(WHATIFS)
    return target


def test_file_next_to_the_instance(tmp_path: Path):
    assert whatif_file_for(tmp_path / "default.yaml") == tmp_path / "default.whatifs.yaml"


@pytest.mark.parametrize(
    ("names", "objective"),
    [
        ((), 920.0),  # 20 x 6 + 80 x 10
        (("tighter",), 960.0),  # 10 x 6 + 90 x 10
        (("no-cap",), 600.0),  # all from CN
        (("no-cap", "ban-cn"), 1000.0),  # all from JP
    ],
)
def test_cli_applies_what_ifs_in_order(instance_path: Path, names, objective):
    args = ["solve", str(instance_path), "--format", "json"]
    for name in names:
        args += ["--what-if", name]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["objective"] == pytest.approx(objective)


def test_unknown_name_lists_the_known_ones(instance_path: Path):
    with pytest.raises(UsageError, match="no what-if named 'nope'"):
        apply_whatifs(load_instance(instance_path), ["nope"], whatif_file_for(instance_path))
    result = CliRunner().invoke(main, ["solve", str(instance_path), "--what-if", "nope"])
    assert result.exit_code == 2
    assert "(known: ban-cn, no-cap, tighter)" in result.stderr


def test_bad_file_names_the_field(tmp_path: Path):
    path = tmp_path / "bad.whatifs.yaml"
    path.write_text("whatifs:\n  - name: a\n    overrides: [oops]\n    colour: red\n")
    with pytest.raises(InstanceError) as caught:
        load_whatifs(path)
    assert str(caught.value).splitlines() == [
        f"{path}: whatifs[0].colour: unknown key",
        f"{path}: whatifs[0].overrides: override 'oops' needs the form path=value",
    ]


def test_bundled_what_ifs_give_valid_instances():
    path = whatif_file_for(INSTANCES_DIR / "default.yaml")
    base = load_instance()
    for name in load_whatifs(path):
        changed = apply_whatifs(base, [name], path)
        assert changed != base
    strict = apply_whatifs(base, ["strict-china"], path)
    assert {c.id: c.max_share for c in strict.policies.caps}["cn-cap"] == 0.1

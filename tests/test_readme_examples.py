"""The README's scenario examples are true: each YAML block is a valid scenario, and the
misspelt-key message it shows is the one `cogov validate` prints, line number included."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

from cli.main import main

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
YAML_BLOCKS = re.findall(r"```yaml\n(.*?)```", README, flags=re.S)


def call(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("block", YAML_BLOCKS, ids=lambda b: b.splitlines()[0])
def test_every_yaml_block_is_a_valid_scenario(block: str, tmp_path: Path) -> None:
    path = tmp_path / "example.yaml"
    path.write_text(block, encoding="utf-8")
    code, _, err = call(["validate", str(path)])
    assert code == 0, err


def test_the_misspelt_key_example_is_what_validate_prints(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (example,) = [b for b in YAML_BLOCKS if b.startswith("# my_county.yaml")]
    shown = re.search(r"^my_county\.yaml:\d+: .*$", README, flags=re.M)
    assert shown is not None, "the README shows the message for a misspelt key"
    misspelt = example.replace("grid_workers_per_1000:", "grid_workers_per_100:")
    assert misspelt != example
    monkeypatch.chdir(tmp_path)
    Path("my_county.yaml").write_text(misspelt, encoding="utf-8")
    code, _, err = call(["validate", "my_county.yaml"])
    assert code == 2
    assert err.splitlines()[0] == shown.group(0)

"""The memory guard reads the container's limit (cgroup v1 and v2), not only the machine's.

Each test builds a fake cgroup file system in a temporary folder: /proc/self/cgroup's
lines and the limit files, so the numbers are known exactly.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.main import main
from simulation.scenario import ScenarioError, load_scenario_file
from simulation.scenario import memory as memory_module

GIB = 2**30


def fake_cgroups(tmp_path: Path, proc_lines: list[str], limits: dict[str, str]) -> tuple[
        Path, Path]:
    """(cgroup root, /proc/self/cgroup) with `limits` as relative path -> file content."""
    root = tmp_path / "cgroup"
    for rel, text in limits.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text + "\n", encoding="ascii")
    root.mkdir(exist_ok=True)
    proc = tmp_path / "proc_self_cgroup"
    proc.write_text("".join(line + "\n" for line in proc_lines), encoding="ascii")
    return root, proc


@pytest.mark.parametrize(("proc_lines", "limits", "expected"), [
    # cgroup v2, the container's group is the namespace root
    (["0::/"], {"memory.max": str(GIB)}, GIB),
    # v2, nested: the smallest limit on the way up wins, "max" means none
    (["0::/a/b"], {"a/b/memory.max": "max", "a/memory.max": str(3 * GIB),
                   "memory.max": "max"}, 3 * GIB),
    (["0::/a/b"], {"a/b/memory.max": str(2 * GIB), "a/memory.max": str(5 * GIB)}, 2 * GIB),
    # cgroup v1: memory.limit_in_bytes of the memory controller's group
    (["4:memory:/docker/x", "1:cpu:/docker/x"],
     {"memory/docker/x/memory.limit_in_bytes": str(GIB // 2)}, GIB // 2),
    # v1 without a limit writes a number near 2^63
    (["4:memory:/docker/x"],
     {"memory/docker/x/memory.limit_in_bytes": "9223372036854771712"}, None),
    # a group outside this namespace (../..): only the visible root counts
    (["0::/../../elsewhere"], {"memory.max": str(4 * GIB)}, 4 * GIB),
    # nothing readable
    ([], {}, None),
    (["garbage line"], {"memory.max": "not a number"}, None),
])
def test_container_limit_is_the_smallest_over_the_groups(
        tmp_path: Path, proc_lines: list[str], limits: dict[str, str],
        expected: int | None) -> None:
    root, proc = fake_cgroups(tmp_path, proc_lines, limits)
    assert memory_module.container_memory_bytes(root, proc) == expected


def use_fake(monkeypatch: pytest.MonkeyPatch, root: Path, proc: Path, physical: int) -> None:
    monkeypatch.setattr(memory_module, "CGROUP_ROOT", root)
    monkeypatch.setattr(memory_module, "PROC_CGROUP", proc)
    monkeypatch.setattr(memory_module, "physical_memory_bytes", lambda: physical)


def test_a_run_may_take_half_the_smaller_of_machine_and_container(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, proc = fake_cgroups(tmp_path, ["0::/"], {"memory.max": str(GIB)})
    use_fake(monkeypatch, root, proc, physical=64 * GIB)
    assert memory_module.memory_limit_bytes() == GIB // 2
    use_fake(monkeypatch, root, proc, physical=GIB // 4)  # a machine smaller than the limit
    assert memory_module.memory_limit_bytes() == GIB // 8


def test_a_million_residents_is_refused_in_a_one_gib_container(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    # 1,000,000 residents need more than 2.5 GB at BYTES_PER_RESIDENT alone, whatever the
    # ties: far beyond half of a 1 GiB container, on a machine of 64 GiB.
    scenario = tmp_path / "big.yaml"
    scenario.write_text("description: x\npopulation:\n  residents: 1000000\n",
                        encoding="utf-8")
    root, proc = fake_cgroups(tmp_path, ["0::/"], {"memory.max": str(GIB)})
    use_fake(monkeypatch, root, proc, physical=64 * GIB)
    # The file is valid wherever it is read: the machine is checked where runs start.
    county = load_scenario_file(scenario)
    assert main(["validate", str(scenario)]) == 0
    with pytest.raises(ScenarioError) as info:
        memory_module.check_fits_in_memory(county, file=str(scenario))
    [p] = info.value.problems
    assert p.path == "population.residents" and p.file == str(scenario)
    assert "0.5 GiB" in p.message and p.value == 1_000_000
    capsys.readouterr()
    assert main(["run", str(scenario), "--out", str(tmp_path / "out")]) == 2
    assert f"{scenario}: population.residents: 1,000,000 residents" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
    # Without the container's limit the machine holds it: the refusal is the cgroup's.
    (root / "memory.max").write_text("max\n", encoding="ascii")
    memory_module.check_fits_in_memory(county)

"""How much memory one run may take: half of what this process can have.

What a process can have is the smaller of the machine's physical memory and the limit of
the control group (container) it runs in: cgroup v2's `memory.max` or cgroup v1's
`memory.limit_in_bytes`, of the process's own group and every group above it. A run in
a 1 GiB container on a 64 GiB machine has 1 GiB, not 64; sizing runs by the machine's
memory there lets the kernel kill them without a message.

Whether a county fits is a question about the machine, not about the scenario: a file is
valid or not wherever it is read, and `check_fits_in_memory` is called where runs start
(the command line, the browser view, `experiments.api.run_model`), before anything is
allocated.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from simulation.scenario.errors import Problem, ScenarioError

if TYPE_CHECKING:
    from simulation.scenario.schema import Scenario

CGROUP_ROOT = Path("/sys/fs/cgroup")
PROC_CGROUP = Path("/proc/self/cgroup")
FALLBACK_PHYSICAL = 8 * 2**30  # where the machine's memory cannot be read
NO_LIMIT = 2**60  # cgroup v1 writes "no limit" as a number near 2^63
# Bytes of memory the model needs per resident and per social tie, measured on the default
# scenario (arrays, Mesa handles, the networkx tie layer); used to refuse sizes the machine
# cannot hold before anything is allocated.
BYTES_PER_RESIDENT = 2_500
BYTES_PER_TIE = 600


def physical_memory_bytes() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return FALLBACK_PHYSICAL


def _limit_in(path: Path) -> int | None:
    """A limit file's value in bytes; None for "max", a missing file or no limit."""
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, ValueError):
        return None
    if not text.isdigit():  # "max" (v2: no limit)
        return None
    value = int(text)
    return value if 0 < value < NO_LIMIT else None


def _limit_files(root: Path, proc_cgroup: Path) -> list[Path]:
    """Every limit file that applies to this process, its own group's first."""
    files: list[Path] = []
    try:
        lines = proc_cgroup.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        lines = []
    for line in lines:
        parts = line.split(":", 2)  # "0::/user.slice/x" (v2) or "4:memory:/docker/x" (v1)
        if len(parts) != 3:
            continue
        controllers, group = parts[1], parts[2].strip("/")
        if controllers == "":
            base, name = root, "memory.max"
        elif "memory" in controllers.split(","):
            base, name = root / "memory", "memory.limit_in_bytes"
        else:
            continue
        if ".." in group.split("/"):  # a group outside this namespace: only the root shows
            group = ""
        here = base / group if group else base
        while True:  # the group and every group above it
            files.append(here / name)
            if here == base:
                break
            here = here.parent
    # A container's own group is often the root of what it sees.
    files += [root / "memory.max", root / "memory" / "memory.limit_in_bytes"]
    return list(dict.fromkeys(files))


def container_memory_bytes(root: Path | None = None,
                           proc_cgroup: Path | None = None) -> int | None:
    """The smallest cgroup memory limit over this process's groups; None if there is none."""
    files = _limit_files(root or CGROUP_ROOT, proc_cgroup or PROC_CGROUP)
    limits = [v for v in map(_limit_in, files) if v is not None]
    return min(limits) if limits else None


def available_memory_bytes() -> int:
    """The memory this process can have: physical memory or its container's limit."""
    physical = physical_memory_bytes()
    container = container_memory_bytes()
    return min(physical, container) if container is not None else physical


def memory_limit_bytes() -> int:
    """Half of what this process can have: what one run may take (others run beside it)."""
    return available_memory_bytes() // 2


def memory_problem(scenario: Scenario) -> str | None:
    """Why one run of `scenario` would not fit in what a run may take here, or None."""
    residents = scenario.population.residents
    ties = max(scenario.network.ties_urban, scenario.network.ties_rural)
    need = residents * (BYTES_PER_RESIDENT + ties * BYTES_PER_TIE)
    have = memory_limit_bytes()
    if need <= have:
        return None
    return (f"{residents:,} residents with up to {ties:g} ties each need about "
            f"{need / 2**30:.1f} GiB, more than the {have / 2**30:.1f} GiB this machine can "
            "give a run")


def check_fits_in_memory(scenario: Scenario, file: str | None = None) -> None:
    """Refuse a county this machine cannot hold, before any run starts.

    Raises:
        ScenarioError: naming `population.residents` (and `file`, the scenario's, if given).
    """
    message = memory_problem(scenario)
    if message is not None:
        raise ScenarioError([Problem(message, file=file, path="population.residents",
                                     value=scenario.population.residents)])

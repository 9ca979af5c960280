"""How much memory one run may take: half of what this process can have.

What a process can have is the smaller of the machine's physical memory and the limit of
the control group (container) it runs in: cgroup v2's `memory.max` or cgroup v1's
`memory.limit_in_bytes`, of the process's own group and every group above it. A run in
a 1 GiB container on a 64 GiB machine has 1 GiB, not 64; sizing runs by the machine's
memory there lets the kernel kill them without a message.
"""

from __future__ import annotations

import os
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
PROC_CGROUP = Path("/proc/self/cgroup")
FALLBACK_PHYSICAL = 8 * 2**30  # where the machine's memory cannot be read
NO_LIMIT = 2**60  # cgroup v1 writes "no limit" as a number near 2^63


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

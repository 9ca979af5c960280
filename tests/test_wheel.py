"""The wheel is a complete install: built from pyproject.toml, installed into a fresh
environment outside the checkout, it runs the command line on a bundled scenario,
validates a bundled file, and imports the browser view's page.

How the fresh environment gets its dependencies without a network: it is a venv made
without pip, whose site-packages holds one .pth line naming the project venv's
site-packages. Python appends that folder to sys.path after the venv's own, so the
dependencies (numpy, mesa, solara, ...) are found there while cogov itself comes from the
wheel installed into the venv. Lines of a .pth file are added to sys.path as plain
folders (the .pth files inside them are not run), so the checkout's editable install in
the project venv is not seen; the test checks that every module comes from the venv.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# What is copied to build from (a clean tree: no venv, caches or outputs of the checkout).
IGNORED = shutil.ignore_patterns(".git", ".venv", "__pycache__", "*.egg-info", "build",
                                 "dist", "runs", "results", ".mypy_cache", ".ruff_cache",
                                 ".pytest_cache", "mutants", ".cache")
EXPECTED = (
    "app.py", "cli/main.py", "viz/page.py", "experiments/sweep.py",
    "experiments/smoke.yaml", "experiments/data/targets.yaml", "simulation/model.py",
    "simulation/scenario/calibrated.yaml", "scenarios/__init__.py",
    "scenarios/fengqiao.yaml", "scenarios/scenario.schema.json",
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]  # a build and an install


def run(argv: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, f"{argv}:\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict]:
    """(the fresh venv, a working folder outside the checkout, the environment to run in)."""
    tmp = tmp_path_factory.mktemp("wheel")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    source = tmp / "source"
    shutil.copytree(ROOT, source, ignore=IGNORED)
    # Built with the project venv's setuptools (the dev extra), without an isolated build
    # environment, so nothing is downloaded.
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--wheel-dir", str(tmp / "dist"), str(source)], tmp, env)
    [wheel] = (tmp / "dist").glob("cogov-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert not [n for n in EXPECTED if n not in names], sorted(names)
    assert not any(n.startswith("tests/") for n in names)

    venv = tmp / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)], tmp, env)
    python = venv / "bin" / "python"
    purelib = run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()"
                   "['purelib'])"], tmp, env).stdout.strip()
    Path(purelib, "cogov-dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    run([str(python), "-m", "pip", "install", "--no-deps", "--no-index", str(wheel)], tmp,
        env)
    work = tmp / "work"  # outside the checkout: nothing of it is importable from here
    work.mkdir()
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return venv, work, env


def test_every_module_comes_from_the_installed_wheel(installed) -> None:
    venv, work, env = installed
    out = run([str(venv / "bin" / "python"), "-c",
               "import app, cli, experiments, scenarios, simulation, viz\n"
               "for m in (app, cli, experiments, scenarios, simulation, viz):\n"
               "    print(m.__file__)"], work, env).stdout.split()
    assert len(out) == 6 and all(path.startswith(str(venv)) for path in out), out


def test_cogov_runs_a_bundled_scenario(installed) -> None:
    venv, work, env = installed
    out = run([str(venv / "bin" / "cogov"), "run", "fengqiao", "--steps", "5"], work,
              env).stdout
    assert out.startswith("fengqiao: seed 0, 5 weeks, 10,000 residents")
    assert (work / "runs" / "fengqiao-seed0" / "summary.json").is_file()


def test_cogov_validates_a_bundled_file_and_the_defaults_are_calibrated(installed) -> None:
    venv, work, env = installed
    python = str(venv / "bin" / "python")
    folder = run([python, "-c", "import scenarios; print(scenarios.folder())"], work,
                 env).stdout.strip()
    bundled = Path(folder) / "fengqiao.yaml"
    assert str(bundled).startswith(str(venv))
    out = run([str(venv / "bin" / "cogov"), "validate", str(bundled)], work, env).stdout
    assert f"{bundled}: ok" in out
    code = ("from simulation import CoGovernanceModel as M\n"
            "from experiments.design import load_experiment, resolve_experiment\n"
            "from experiments.targets import read_targets\n"
            "print(M().params.ladder.success_l1)\n"
            "print(load_experiment(resolve_experiment('smoke')).n_runs)\n"
            "print(len(read_targets()[0]))")
    success, runs, checks = run([python, "-c", code], work, env).stdout.split()
    assert float(success) == 0.75 and int(runs) > 0 and int(checks) > 0  # calibrated


def test_the_browser_views_page_imports(installed) -> None:
    venv, work, env = installed
    run([str(venv / "bin" / "python"), "-c", "import app; assert app.Page"], work, env)
    from cli import app as launcher  # the launcher finds the page through the import system

    assert launcher.app_file().name == "app.py"

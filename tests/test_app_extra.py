"""The browser view is an optional extra: the model, the command line and the sweeps work
without solara, `cogov app` says how to get it, and the bootstrap scripts install it."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BROWSER_ONLY = ("solara", "solara-assets", "altair", "starlette")
# Run the command line with solara (and its widget stack) hidden, as in a headless install.
WITHOUT_SOLARA = """
import sys
for name in ("solara", "solara_assets", "ipyvuetify", "reacton"):
    sys.modules[name] = None  # import fails, as if not installed
from cli.main import main
sys.exit(main(sys.argv[1:]))
"""


def name_of(requirement: str) -> str:
    for sep in "=<>[; ":
        requirement = requirement.split(sep)[0]
    return requirement.lower()


def test_browser_packages_are_the_app_extra_not_core_dependencies() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    core = {name_of(r) for r in project["dependencies"]}
    app = {name_of(r) for r in project["optional-dependencies"]["app"]}
    assert not core & set(BROWSER_ONLY)
    assert set(BROWSER_ONLY) <= app


def test_the_bootstrap_scripts_install_the_app_extra() -> None:
    assert "cogov_ensure_venv app " in (ROOT / "cogov").read_text(encoding="utf-8")
    assert "cogov_ensure_venv app,dev " in (ROOT / "run-tests").read_text(encoding="utf-8")
    script = f"""set -euo pipefail
source {ROOT / 'scripts' / 'bootstrap.sh'}
cogov_extras_cover "app,dev" "app" && echo cover-1
cogov_extras_cover "app,dev" "app,dev" && echo cover-2
cogov_extras_cover "dev" "app" || echo miss-1
cogov_extras_cover "" "app" || echo miss-2
cogov_extras_cover "app" "" && echo cover-3
echo "union=$(cogov_extras_union dev app)"
echo "union=$(cogov_extras_union app,dev app)"
echo "union=$(cogov_extras_union '' '')"
"""
    out = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["cover-1", "cover-2", "miss-1", "miss-2", "cover-3",
                                  "union=app,dev", "union=app,dev", "union="]


def run_without_solara(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", WITHOUT_SOLARA, *argv], cwd=ROOT,
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_cogov_app_without_the_extra_says_how_to_install_it() -> None:
    done = run_without_solara("app", "--port", "1")
    assert done.returncode == 1
    assert "optional `app` extra" in done.stderr and "pip install -e '.[app]'" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_command_line_runs_without_solara(tmp_path: Path) -> None:
    done = run_without_solara("run", "baseline", "--steps", "2", "--set",
                              "population.residents=300", "--out", str(tmp_path / "o"))
    assert done.returncode == 0, done.stderr
    assert "baseline: seed 0, 2 weeks" in done.stdout

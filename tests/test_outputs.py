"""Results are never written over a user's files, never outside runs/, never half-written.

Each command that writes (run, compare, analyze, schema, targets --report) checks its
destination before it runs and writes under a temporary name, renamed into place at the
end. Runs here are a county of 1,000 residents for a few weeks.
"""

from __future__ import annotations

import contextlib
import errno
import io
import json
from pathlib import Path

import pandas as pd
import pytest

from cli.main import main
from experiments.outputs import MANIFEST, safe_name

SMALL = ["--set", "population.residents=1000", "--steps", "3"]


def call(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def no_model(monkeypatch: pytest.MonkeyPatch) -> None:
    from simulation.model import CoGovernanceModel

    def refuse(*args: object, **kwargs: object) -> None:
        pytest.fail("a model was built although the destination was refused")

    monkeypatch.setattr(CoGovernanceModel, "__init__", refuse)


def leftovers(folder: Path) -> list[str]:
    """Temporary files or folders left beside the destinations."""
    return sorted(p.name for p in folder.iterdir() if ".partial" in p.name or ".old-" in
                  p.name)


def disk_full(*args: object, **kwargs: object) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


# ------------------------------------------------------------------ run


def test_run_refuses_a_folder_holding_the_users_files_before_running(
        tmp_path: Path, no_model: None) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "scenario.yaml").write_text("my own scenario, not to be lost\n")
    code, _, err = call(["run", "baseline", *SMALL, "--out", str(out)])
    assert code == 2
    assert "already holds files cogov did not write" in err and "--force" in err
    assert (out / "scenario.yaml").read_text() == "my own scenario, not to be lost\n"
    assert sorted(p.name for p in out.iterdir()) == ["scenario.yaml"]
    assert leftovers(tmp_path) == []


def test_force_writes_beside_the_users_files_and_drops_only_cogovs_stale_ones(
        tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    (out / "summary.json").write_text("{}")  # same name as an output: replaced
    code, _, err = call(["run", "baseline", *SMALL, "--out", str(out), "--force"])
    assert code == 0, err
    assert (out / "notes.txt").read_text() == "keep me"
    assert json.loads((out / "summary.json").read_text())["residents"] == 1000
    manifest = json.loads((out / MANIFEST).read_text())
    assert "notes.txt" not in manifest["files"] and "series.parquet" in manifest["files"]
    # a file cogov wrote before and does not write now goes; the user's stays
    manifest["files"].append("old_output.csv")
    (out / MANIFEST).write_text(json.dumps(manifest))
    (out / "old_output.csv").write_text("stale")
    code, _, err = call(["run", "baseline", *SMALL, "--out", str(out), "--force"])
    assert code == 0, err
    assert not (out / "old_output.csv").exists() and (out / "notes.txt").exists()


def test_running_the_same_command_again_replaces_its_own_outputs(tmp_path: Path) -> None:
    out = tmp_path / "o"
    argv = ["run", "baseline", *SMALL, "--out", str(out)]
    assert call(argv)[0] == 0
    first = (out / "summary.json").read_text()
    code, _, err = call(argv)
    assert code == 0 and "replacing the outputs of `cogov run baseline" in err
    assert (out / "summary.json").read_text() == first  # deterministic: the same files
    assert leftovers(tmp_path) == []


def test_another_command_into_the_same_folder_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "o"
    assert call(["run", "baseline", *SMALL, "--out", str(out)])[0] == 0
    before = (out / "summary.json").read_text()
    code, _, err = call(["run", "baseline", *SMALL, "--seed", "5", "--out", str(out)])
    assert code == 2
    assert "already holds the outputs of `cogov run baseline" in err
    assert (out / "summary.json").read_text() == before


def test_default_folder_of_another_command_gets_a_fresh_name(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert call(["run", "baseline", *SMALL])[0] == 0
    first = (tmp_path / "runs" / "baseline-seed0" / "summary.json").read_text()
    code, out, err = call(["run", "baseline", *SMALL,
                           "--set", "levers.rule_of_law.enforcement=0.9"])
    assert code == 0, err
    assert "writing to runs/baseline-seed0-2/ instead" in err
    assert "runs/baseline-seed0-2/" in out
    assert (tmp_path / "runs" / "baseline-seed0" / "summary.json").read_text() == first
    assert (tmp_path / "runs" / "baseline-seed0-2" / "summary.json").is_file()


def test_a_run_name_cannot_lead_outside_runs(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    code, _, err = call(["run", "baseline", *SMALL, "--set", "name=../../x"])
    assert code == 0, err
    assert sorted(p.name for p in (work / "runs").iterdir()) == ["x-seed0"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a"]
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["b"]


@pytest.mark.parametrize(("name", "safe"), [
    ("../../x", "x"), ("/etc/passwd", "etc_passwd"), ("..", "scenario"), ("", "scenario"),
    ("枫桥 county", "枫桥_county"), ("a" * 300, "a" * 100), ("ok-name_1.2", "ok-name_1.2"),
])
def test_safe_names(name: str, safe: str) -> None:
    assert safe_name(name) == safe


@pytest.mark.parametrize("where", ["a file", "under a file"])
def test_an_impossible_destination_is_a_message_before_the_run(
        tmp_path: Path, no_model: None, where: str) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    out = blocker if where == "a file" else blocker / "sub"
    code, _, err = call(["run", "baseline", *SMALL, "--out", str(out)])
    assert code == 2 and "Traceback" not in err
    assert "error:" in err and str(blocker) in err
    assert blocker.read_text() == "x"


def test_a_folder_that_cannot_be_written_is_a_message_before_the_run(
        tmp_path: Path, no_model: None, monkeypatch: pytest.MonkeyPatch) -> None:
    # (as root, permissions do not stop writing: the refusal of the file system is faked)
    from experiments import outputs

    def read_only(*args: object, **kwargs: object) -> str:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(outputs.tempfile, "mkdtemp", read_only)
    code, _, err = call(["run", "baseline", *SMALL, "--out", str(tmp_path / "ro" / "o")])
    assert code == 2
    assert "cannot write the outputs to" in err and "Permission denied" in err


def test_a_full_disk_leaves_nothing_half_written(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "o"
    argv = ["run", "baseline", *SMALL, "--out", str(out)]
    assert call(argv)[0] == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    monkeypatch.setattr(pd.DataFrame, "to_parquet", disk_full)  # after series.csv is written
    code, _, err = call(argv)
    assert code == 1
    assert "No space left on device" in err and "nothing was written" in err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # old results intact
    assert leftovers(tmp_path) == []
    new = tmp_path / "new"
    code, _, _ = call(["run", "baseline", *SMALL, "--out", str(new)])
    assert code == 1 and not new.exists() and leftovers(tmp_path) == []


# ------------------------------------------------------------------ compare and analyze


def test_compare_refuses_a_folder_of_another_kind_before_running(tmp_path: Path) -> None:
    out = tmp_path / "o"
    assert call(["run", "baseline", *SMALL, "--out", str(out)])[0] == 0
    code, _, err = call(["compare", "baseline", "--reps", "2", *SMALL, "--workers", "1",
                         "--out", str(out)])
    assert code == 2 and "already holds files cogov did not write" in err
    assert not (out / "runs.csv").exists()


def test_compare_on_a_full_disk_writes_nothing(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from experiments import plots

    monkeypatch.setattr(plots, "funnel_chart", disk_full)  # the last file written
    out = tmp_path / "cmp"
    code, _, err = call(["compare", "baseline", "--reps", "2", *SMALL, "--workers", "1",
                         "--out", str(out)])
    assert code == 1 and "nothing was written" in err
    assert not out.exists() and leftovers(tmp_path) == []


@pytest.fixture(scope="module")
def small_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from experiments.design import load_experiment
    from experiments.sweep import run_sweep

    folder = tmp_path_factory.mktemp("store")
    exp_file = folder / "tiny.yaml"
    exp_file.write_text("base: default\nset:\n  population.residents: 300\nfactors:\n"
                        "  levers.rule_of_law.enforcement: [0.1, 0.9]\n"
                        "  levers.self_governance.councils: [0.2, 0.8]\n"
                        "replications: 2\nsteps: 4\noutcomes: [resolution_rate, trust]\n")
    store = folder / "tiny.duckdb"
    run_sweep(load_experiment(exp_file), store, workers=1, progress=False)
    return store


def test_analyze_refuses_a_folder_with_the_users_files(small_store: Path,
                                                       tmp_path: Path) -> None:
    out = tmp_path / "report"
    out.mkdir()
    (out / "report.html").write_text("my notes")
    code, _, err = call(["analyze", str(small_store), "--out", str(out)])
    assert code == 2 and "--force" in err
    assert (out / "report.html").read_text() == "my notes"


def test_analyze_again_replaces_its_report_and_a_full_disk_keeps_the_old(
        small_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "report"
    argv = ["analyze", str(small_store), "--out", str(out)]
    assert call(argv)[0] == 0
    code, _, err = call(argv)
    assert code == 0 and "replacing the outputs of `cogov analyze" in err
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert "report.html" in before and "runs.csv" in before
    from experiments import report

    monkeypatch.setattr(report, "write_sweep_report", disk_full)
    code, _, err = call(argv)
    assert code == 1 and "nothing was written" in err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert leftovers(tmp_path) == []


# ------------------------------------------------------------------ single files


def test_schema_out_replaces_only_a_schema_cogov_wrote(tmp_path: Path) -> None:
    from simulation.scenario.jsonschema import schema_text

    target = tmp_path / "schema.json"
    target.write_text('{"mine": true}')
    code, _, err = call(["schema", "--out", str(target)])
    assert code == 2 and "not written by cogov" in err and "--force" in err
    assert target.read_text() == '{"mine": true}'
    assert call(["schema", "--out", str(target), "--force"])[0] == 0
    assert target.read_text(encoding="utf-8") == schema_text()
    target.write_text(schema_text().replace("cogov scenario file", "older cogov scenario file"),
                      encoding="utf-8")  # an earlier cogov schema: replaced without --force
    assert call(["schema", "--out", str(target)])[0] == 0
    assert target.read_text(encoding="utf-8") == schema_text()
    assert leftovers(tmp_path) == []


def test_schema_into_a_missing_folder_creates_it(tmp_path: Path) -> None:
    target = tmp_path / "new" / "schema.json"
    code, out, err = call(["schema", "--out", str(target)])
    assert code == 0, err
    assert target.is_file() and str(target) in out


TARGETS = """\
gini:
  meaning: Gini of per-capita disposable income
  role: fitted
  kind: cross_sectional
  values: [{figure: 0.465, note: "NBS 2023"}]
  check: {scenario: default, outcome: income_gini, range: [0.0, 1.0]}
"""


@pytest.fixture
def cheap_report(monkeypatch: pytest.MonkeyPatch) -> None:
    """The validation report's charts and sensitivity runs replaced by stand-ins."""
    from experiments import validation_report as vr

    def chart(path: Path, reps: int) -> Path:
        path.write_bytes(b"\x89PNG stand-in")
        return path

    monkeypatch.setattr(vr, "funnel", chart)
    monkeypatch.setattr(vr, "income_chart", chart)
    monkeypatch.setattr(vr, "sensitivity", lambda checks, reps: pd.DataFrame(columns=[
        "parameter", "value", "target", "at_minus", "at_plus", "elasticity"]))


def targets_argv(tmp_path: Path, report: Path) -> list[str]:
    file = tmp_path / "targets.yaml"
    file.write_text(TARGETS)
    return ["targets", "--file", str(file), "--reps", "2", "--steps", "1", "--workers", "1",
            "--no-progress", "--report", str(report)]


@pytest.mark.parametrize("mine", ["report.md", "img/validation_funnel.png"])
def test_targets_report_refuses_the_users_files_before_measuring(
        tmp_path: Path, no_model: None, mine: str) -> None:
    docs = tmp_path / "docs"
    (docs / "img").mkdir(parents=True)
    (docs / mine).write_text("mine")
    code, _, err = call(targets_argv(tmp_path, docs / "report.md"))
    assert code == 2 and "not written by cogov" in err
    assert (docs / mine).read_text() == "mine"
    assert leftovers(docs) == [] and leftovers(docs / "img") == []


def test_targets_report_replaces_its_own_report_and_charts(tmp_path: Path,
                                                           cheap_report: None) -> None:
    docs = tmp_path / "docs"
    argv = targets_argv(tmp_path, docs / "report.md")
    code, _, err = call(argv)
    assert code == 0, err
    text = (docs / "report.md").read_text(encoding="utf-8")
    assert text.startswith("# Validation: the model against real figures\n\nGenerated by "
                           f"`cogov targets --reps 2 --report {(docs / 'report.md').as_posix()}`")
    assert "](img/validation_funnel.png)" in text
    assert sorted(p.name for p in (docs / "img").iterdir()) == ["validation_funnel.png",
                                                               "validation_income.png"]
    code, _, err = call(argv)  # again: cogov's own report and charts are replaced
    assert code == 0, err
    assert leftovers(docs) == [] and leftovers(docs / "img") == []

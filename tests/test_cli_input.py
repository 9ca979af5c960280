"""Hostile or odd input on the command line: a plain message and exit code 2, never a
traceback, and nothing run; a file that is not a scenario is never quoted; `validate`
reads a scenario's network file through, fast, without the plotting stack.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import duckdb
import pytest
from test_cli import ROOT, call, write

from experiments.design import load_experiment
from experiments.sweep import run_sweep


@pytest.fixture
def no_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if any model is built (bad input must be refused before that)."""
    from simulation.model import CoGovernanceModel

    def refuse(*args: object, **kwargs: object) -> None:
        pytest.fail("a model was built although the input was refused")

    monkeypatch.setattr(CoGovernanceModel, "__init__", refuse)


def refused(argv: list[str], *words: str) -> str:
    """Run the command line; it must exit 2 with `words` on stderr and no traceback."""
    code, out, err = call(argv)
    assert code == 2, (code, out, err)
    for w in words:
        assert w in err, (w, err)
    assert "Traceback" not in out + err
    return err


LONG = "x" * 300


# ------------------------------------------------------------------ names


def test_an_extends_name_over_255_bytes(tmp_path: Path, no_model: None) -> None:
    bad = write(tmp_path, "long", f"extends: {LONG}\n")
    refused(["validate", str(bad)], f"{bad}:1: extends: the name is too long")
    refused(["run", str(bad), "--out", str(tmp_path / "o")], "the name is too long")
    refused(["run", LONG], "the name is too long")


def test_a_run_name_over_255_bytes(tmp_path: Path, no_model: None) -> None:
    refused(["run", "baseline", "--set", f"name={LONG}", "--out", str(tmp_path / "o")],
            "name: the scenario's name (its file name without .yaml) is longer than 200")
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("name", ["/", ".", "..", "/tmp/.."])
def test_extends_a_folder(tmp_path: Path, no_model: None, name: str) -> None:
    bad = write(tmp_path, "folder", f"extends: {name}\n")
    refused(["validate", str(bad)], f"{bad}:1: extends: the name is a folder, not a file")


def test_run_an_empty_name(no_model: None) -> None:
    refused(["run", ""], "cannot load the scenario '': the name is empty")
    refused(["run", " "], "cannot load the scenario ' ': the name is empty")


def test_extends_a_file_that_is_not_a_scenario_does_not_quote_it(tmp_path: Path,
                                                                  no_model: None) -> None:
    secret = tmp_path / "notes"
    secret.write_text("TOPSECRET line one\nline two\n", encoding="utf-8")
    for target in ("/etc/passwd", str(secret)):
        bad = write(tmp_path, "bad", f"extends: {target}\n")
        err = refused(["validate", str(bad)], f"{bad}:1: extends: this is not a scenario file")
        assert "root:" not in err and "TOPSECRET" not in err
        err = refused(["run", target], "this is not a scenario file")
        assert "root:" not in err and "TOPSECRET" not in err
    err = refused(["validate", str(secret)], "not a scenario file")
    assert "TOPSECRET" not in err


# ------------------------------------------------------------------ numbers


@pytest.mark.parametrize("command", [["run", "baseline"], ["compare", "baseline"]])
def test_a_negative_seed(no_model: None, command: list[str]) -> None:
    refused([*command, "--seed", "-1"], "--seed must be a whole number from 0 to")


@pytest.mark.parametrize("port", ["99999", "0", "-1"])
def test_an_impossible_port(port: str) -> None:
    refused(["app", "--port", port], "--port must be a whole number from 1 to 65535")


def test_app_refuses_a_scenario_folder_that_is_not_there(tmp_path: Path) -> None:
    from cli import app as appserver

    with socket_port() as port:
        code, _, err = call(["app", "--port", str(port), "--scenario-folder",
                             str(tmp_path / "nope")])
    assert code == 2 and "no such folder" in err
    assert appserver.FOLDER_ENV not in os.environ


class socket_port:
    """A free port, released on entry so the app could bind it."""

    def __enter__(self) -> int:
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]

    def __exit__(self, *exc: object) -> None:
        return None


# ------------------------------------------------------------------ outputs


def test_schema_into_a_missing_or_impossible_folder(tmp_path: Path) -> None:
    # A missing folder is made, as for every output; a file in the way is refused.
    code, out, err = call(["schema", "--out", str(tmp_path / "missing" / "s.json")])
    assert code == 0 and (tmp_path / "missing" / "s.json").is_file(), (out, err)
    (tmp_path / "file").write_text("x", encoding="utf-8")
    refused(["schema", "--out", str(tmp_path / "file" / "s.json")], "Not a directory")


def test_analyze_when_an_outcome_has_no_value_in_any_run(tmp_path: Path) -> None:
    experiment = tmp_path / "nulls.yaml"
    experiment.write_text(
        "base: default\nset:\n  population.residents: 300\nsteps: 3\nseed: 3\n"
        "outcomes: [resolution_rate, trust]\nfactors:\n"
        "  levers.rule_of_law.enforcement: {levels: [0.1, 0.9]}\n"
        "  levers.self_governance.councils: {levels: [0.1, 0.9]}\n"
        "design: full_factorial\nreplications: 2\n", encoding="utf-8")
    store = tmp_path / "nulls.duckdb"
    run_sweep(load_experiment(experiment), store, workers=1, progress=False)
    with duckdb.connect(str(store)) as con:
        con.execute("UPDATE runs SET trust = NULL")
    code, out, err = call(["analyze", str(store), "--out", str(tmp_path / "report")])
    assert code == 0, err
    assert "note: interactions of trust skipped: no run has a value of it" in out
    assert (tmp_path / "report" / "report.html").is_file()
    assert "Traceback" not in out + err


# ------------------------------------------------------------------ network files


def scenario_with_network(folder: Path, file: str) -> Path:
    return write(folder, "net", f"extends: default\nnetwork:\n  generator: file\n"
                 f"  file: {file}\n")


def test_validate_reads_the_network_file(tmp_path: Path, no_model: None) -> None:
    scenario = scenario_with_network(tmp_path, "ties.txt")
    refused(["validate", str(scenario)],
            f"{scenario}:4: network.file: {tmp_path / 'ties.txt'}: the file does not exist")
    (tmp_path / "ties.txt").write_text("1 2\n2 3\n3 4 5\n", encoding="utf-8")
    refused(["validate", str(scenario)],
            f"{scenario}:4: network.file: {tmp_path / 'ties.txt'}:3: an edge is two node ids")
    (tmp_path / "ties.txt").write_text("1 2\n2 3\n3 4\n", encoding="utf-8")
    code, out, err = call(["validate", str(scenario)])
    assert code == 0 and f"{scenario}: ok" in out, err


def test_validate_refuses_devices_and_pipes_without_reading_them(tmp_path: Path,
                                                                  no_model: None) -> None:
    refused(["validate", str(scenario_with_network(tmp_path, "/dev/zero"))],
            "network.file", "name must end in .edgelist, .txt, .csv, .graphml")
    os.mkfifo(tmp_path / "pipe.txt")
    done: dict = {}
    thread = threading.Thread(target=lambda: done.update(
        result=call(["validate", str(scenario_with_network(tmp_path, "pipe.txt"))])),
        daemon=True)
    thread.start()
    thread.join(30)
    assert not thread.is_alive(), "validate waited on a pipe"
    code, _, err = done["result"]
    assert code == 2 and "this is not a regular file" in err
    # run refuses it too, before any model is built
    refused(["run", str(tmp_path / "net.yaml")], "this is not a regular file")


def test_validate_does_not_import_the_plotting_stack(tmp_path: Path) -> None:
    (tmp_path / "ties.txt").write_text("1 2\n2 3\n", encoding="utf-8")
    scenario = scenario_with_network(tmp_path, "ties.txt")
    code = ("import sys\nfrom cli.main import main\n"
            f"assert main(['validate', {str(scenario)!r}]) == 0\n"
            "heavy = sorted({m.split('.')[0] for m in sys.modules} & "
            "{'matplotlib', 'solara', 'plotly', 'altair', 'seaborn', 'ipywidgets'})\n"
            "print('heavy:', heavy)\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, timeout=120, check=True).stdout
    assert "heavy: []" in out

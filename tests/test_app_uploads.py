"""The browser view against hostile uploads: no server file is read or shown, no server
path appears, uploads go away with the session, and the page's own limits hold.

A trainer's page may be served to a whole room (`cogov app --host 0.0.0.0`), so a file
dropped on it must not reach the server's files through `extends:` or `network.file`. Each
case plants a secret on the "server" (a file in this test's folder, and the real
/etc/passwd and /proc/self/environ), uploads a scenario that names it, and checks that the
upload is refused and that nothing of the secret, and no server path, reaches the lab's
messages or the rendered page. Headless: `Lab.upload` is what the page's file drop calls.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from functools import partial
from pathlib import Path

import pytest
import reacton.core
import solara
from test_app import SMALL, button, idle, render_page, settle, texts

import viz.page
from simulation.model import CoGovernanceModel
from simulation.scenario import load_scenario
from viz.i18n import t
from viz.lab import APP_LIMITS, AppLimits, Lab

SECRET = "TOPSECRET-4711"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def server_files(tmp_path: Path) -> Path:
    """Files only the server should read: a valid scenario and a tie file, both secret."""
    folder = tmp_path / "server"
    folder.mkdir()
    (folder / "secret.yaml").write_text(f"description: {SECRET}\n", encoding="utf-8")
    (folder / "secret.txt").write_text(f"{SECRET} other\n1 2\n", encoding="utf-8")
    (folder / "passwd").write_text(f"{SECRET}:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    return folder


def network(file: str) -> bytes:
    return f"extends: default\nnetwork:\n  generator: file\n  file: {file}\n".encode()


def cases(server: Path) -> dict[str, bytes]:
    """Uploads that try to read a server file; every one must be refused."""
    depth = "../" * 12  # past any temporary folder, to the root
    return {
        "etc_passwd": b"extends: /etc/passwd\n",
        "etc_passwd_up": f"extends: {depth}etc/passwd\n".encode(),
        "abs_scenario": f"extends: {server / 'secret.yaml'}\n".encode(),
        "abs_scenario_stem": f"extends: {server / 'secret'}\n".encode(),
        "up_scenario": f"extends: {depth}{str(server / 'secret.yaml').lstrip('/')}\n".encode(),
        "abs_not_yaml": f"extends: {server / 'passwd'}\n".encode(),
        "environ": network("/proc/self/environ"),
        "environ_up": network(f"{depth}proc/self/environ"),
        "abs_ties": network(str(server / "secret.txt")),
        "up_ties": network(depth + str(server / "secret.txt").lstrip("/")),
        "dev_zero": network("/dev/zero"),
        "root": b"extends: /\n",
        "long": b"extends: " + b"x" * 300 + b"\n",
    }


def other_stacks() -> str:
    """Where every thread but this one is now (for a page that stopped answering)."""
    import traceback

    names = {th.ident: th.name for th in threading.enumerate()}
    return "\n".join(f"--- {names.get(ident, ident)}\n" + "".join(traceback.format_stack(frame))
                     for ident, frame in sys._current_frames().items()
                     if ident != threading.get_ident())


def forbidden(lab: Lab) -> list[str]:
    """Text that must never reach the page: server content and server paths the user did
    not write (the paths an upload names may be echoed: the user wrote them)."""
    out = [SECRET, "root:x:0:0", "cogov-upload", str(ROOT)]
    out += [f"{k}={v}" for k, v in os.environ.items() if len(v) >= 8]
    if lab._upload_dir is not None:
        out.append(str(lab._upload_dir))
    return out


def shown_by(lab: Lab) -> str:
    """Everything the lab gives the page to show."""
    parts = [*lab.sources, *lab.problems, lab.error or "", lab.notice or ""]
    for mix in lab.mixes:
        parts += [mix.label, mix.source, *mix.problems]
        if mix.scenario is not None:
            parts += [mix.scenario.description, mix.scenario.description_zh]
    return "\n".join(parts)


def test_uploads_cannot_reach_server_files(server_files: Path) -> None:
    lab = Lab(residents=SMALL)
    before = lab.mixes[0].model
    for name, data in cases(server_files).items():
        assert lab.upload(0, f"{name}.yaml", data) is False, name
        problems = "\n".join(lab.mixes[0].problems)
        assert problems.startswith(f"{name}.yaml:"), problems  # the upload's own name
        for text in forbidden(lab):
            assert text not in problems, (name, text, problems)
    assert lab.mixes[0].model is before and lab.mixes[0].source == "default"
    for text in forbidden(lab):
        assert text not in shown_by(lab), text
    assert os.listdir(lab._upload_dir) == []  # refused scenarios are not kept


def test_uploads_cannot_reach_server_files_through_the_page(server_files: Path,
                                                            monkeypatch) -> None:
    """Uploads through the page's own file-box handler; the page's text is checked after
    each (one case of each kind: every redraw of the page takes a while)."""
    labs: list[Lab] = []
    # The page's handler of a chosen or dropped file, from its latest render, with the
    # render context that drew it: a page another test left open in this process can
    # redraw meanwhile and call this stand-in too, and its handler feeds its own county.
    picks: list = []

    def make() -> Lab:
        labs.append(Lab(residents=SMALL))
        return labs[-1]

    @solara.component
    def FilePick(label: str, limit: int, accept: str = "", event_picked=None):
        picks.append((event_picked, limit, reacton.core.get_render_context()))
        solara.Text(label)

    monkeypatch.setattr(viz.page, "make_lab", make)
    monkeypatch.setattr(viz.page, "FilePick", FilePick)  # a browser's file cannot be faked
    box, rc = render_page()
    (lab,) = labs
    every = cases(server_files)
    for name in ("etc_passwd", "abs_scenario", "environ", "up_ties"):
        data = every[name]
        picked, limit, _ = [p for p in picks if p[2] is rc][-1]  # this page's own
        assert limit == APP_LIMITS.upload_bytes  # the box sends nothing larger
        picked({"name": f"{name}.yaml", "size": len(data)}, [memoryview(data)])
        try:
            shown = settle(box, f"{name}.yaml:")  # the problem is on the page
        except AssertionError as exc:
            # Say what the lab and the page's worker hold, and where every thread is (this
            # is how a drop handed to another test's page, still open, was found).
            session = rc.session
            raise AssertionError(
                f"{exc.args[0].splitlines()[0]}\nlab problems: {lab.mixes[0].problems}; "
                f"lab error: {lab.error!r}; jobs waiting: {session.jobs.qsize()}; "
                f"working: {session.working.value!r}; rev: {session.rev.value}; "
                f"picks: {len(picks)}\n{other_stacks()}") from None
        for text in forbidden(lab):
            assert text not in shown, (name, text)
        idle(rc)
    assert '<div class="cogov-mixhead">default</div>' in texts(box)  # the valid run goes on
    rc.close()


def test_an_upload_named_like_a_bundled_scenario_does_not_shadow_it() -> None:
    lab = Lab(residents=SMALL)
    mine = b"extends: baseline\ndescription: my own\n"
    assert lab.upload(0, "fengqiao.yaml", mine) is True
    assert lab.mixes[0].source == "fengqiao_uploaded.yaml"
    assert lab.mixes[0].label == "fengqiao_uploaded"
    assert "fengqiao" in lab.sources and "fengqiao_uploaded.yaml" in lab.sources
    # A later upload's `extends: fengqiao` still means the bundled one.
    assert lab.upload(0, "later.yaml", b"extends: fengqiao\n") is True
    bundled = load_scenario("fengqiao")
    assert lab.mixes[0].scenario.levers == bundled.levers
    assert lab.mixes[0].scenario.levers != load_scenario("baseline").levers
    # and picking "fengqiao" in the list is the bundled one too
    assert lab.set_source(0, "fengqiao") and lab.mixes[0].scenario.levers == bundled.levers
    # while the upload itself can be extended under its new name
    assert lab.upload(0, "child.yaml", b"extends: fengqiao_uploaded\n") is True
    assert lab.mixes[0].scenario.levers == load_scenario("baseline").levers


def test_uploads_can_extend_each_other_and_name_an_uploaded_network_file() -> None:
    lab = Lab(residents=SMALL)
    ring = "".join(f"{i},{(i + 1) % 300}\n" for i in range(300))
    assert lab.upload(0, "ring.csv", ("source,target\n" + ring).encode()) is True
    assert lab.notice == "ring.csv" and lab.mixes[0].source == "default"
    assert lab.upload(0, "base.yaml", b"extends: fengqiao\nlevers:\n  rule_of_law:\n"
                      b"    enforcement: 0.9\n") is True
    assert lab.upload(0, "mine.yaml", b"extends: base\nnetwork:\n  generator: file\n"
                      b"  file: ring.csv\n") is True
    model = lab.mixes[0].model
    assert model.n_residents == 300  # the header is not two more residents
    assert model.network.social.number_of_edges() == 300
    assert lab.mixes[0].scenario.levers.rule_of_law.enforcement == 0.9
    # A network file that is not there names the upload and the file, nothing else.
    assert lab.upload(0, "other.yaml", network("nowhere.txt")) is False
    problem = lab.mixes[0].problems[0]
    assert problem.startswith("other.yaml:4: network.file: nowhere.txt: the file does not")
    assert str(lab._upload_dir) not in problem


def test_an_upload_with_a_very_long_name_is_kept_under_a_shorter_one() -> None:
    lab = Lab(residents=SMALL)
    assert lab.upload(0, "x" * 300 + ".yaml", b"extends: fengqiao\n") is True
    assert lab.mixes[0].source == "x" * 120 + ".yaml"
    assert lab.mixes[0].label == "x" * 120


def test_a_broken_uploaded_network_file_is_reported_by_its_own_name_and_line() -> None:
    lab = Lab(residents=SMALL)
    assert lab.upload(0, "ties.txt", b"1 2\n2 3\n--5 3\n") is True
    assert lab.upload(0, "net.yaml", network("ties.txt")) is False
    assert lab.mixes[0].problems == [
        "ties.txt:3: node id '--5' is neither a whole number nor a name (a name has a "
        "letter in it)"]


def test_upload_folders_are_deleted_when_the_session_ends(monkeypatch) -> None:
    labs: list[Lab] = []

    def make() -> Lab:
        labs.append(Lab(residents=SMALL))
        return labs[-1]

    monkeypatch.setattr(viz.page, "make_lab", make)
    _, rc = render_page()
    (lab,) = labs
    assert lab.upload(0, "mine.yaml", b"extends: fengqiao\n")
    folder = lab._upload_dir
    assert folder is not None and (folder / "mine.yaml").is_file()
    rc.close()  # what the server does when a browser session ends
    assert not folder.exists()


def test_upload_folders_are_deleted_when_the_server_exits(tmp_path: Path) -> None:
    code = ("from viz.lab import Lab\n"
            "lab = Lab(residents=500)\n"
            "assert lab.upload(0, 'mine.yaml', b'extends: fengqiao\\n')\n"
            "print(lab._upload_dir)\n")
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, text=True,
                         capture_output=True, timeout=120, check=True).stdout
    assert Path(out.strip()).parent == tmp_path
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------ the page's limits


def test_a_tiny_upload_cannot_build_a_huge_county(monkeypatch) -> None:
    built: list[int] = []
    original = CoGovernanceModel.__init__

    def counting(self, scenario, *args, **kwargs):
        built.append(scenario.population.residents)
        original(self, scenario, *args, **kwargs)

    monkeypatch.setattr(CoGovernanceModel, "__init__", counting)
    lab = Lab()  # the county's size as the scenario says (the page's box is not moved)
    before = lab.mixes[0].model
    data = b"population:\n  residents: 1000000\n"
    assert len(data) < 54
    assert lab.upload(0, "huge.yaml", data) is False
    assert lab.mixes[0].problems == [
        "huge.yaml:2: population.residents: 1,000,000 is more than the browser view allows "
        f"(at most {APP_LIMITS.residents:,}); run larger counties and longer runs with "
        "`cogov run`\n  got: 1000000"]
    assert lab.mixes[0].model is before
    assert lab.upload(0, "long.yaml", b"run:\n  steps: 5000\n") is False
    assert f"at most {APP_LIMITS.steps:,}" in lab.mixes[0].problems[0]
    assert lab.set_residents(APP_LIMITS.residents + 1) is False
    assert "population.residents" in lab.mixes[0].problems[0]
    assert lab.residents == 10_000
    assert built == [10_000]  # only the first county was ever built


def test_a_network_file_counts_against_the_page_cap(monkeypatch) -> None:
    monkeypatch.setattr("viz.lab.APP_LIMITS", AppLimits(residents=1_000))
    lab = Lab(residents=500)
    ring = "".join(f"{i} {(i + 1) % 1_001}\n" for i in range(1_001))
    assert lab.upload(0, "ring.txt", ring.encode()) is True
    assert lab.upload(0, "net.yaml", network("ring.txt")) is False
    assert lab.mixes[0].problems == [
        "ring.txt: the network has more than 1,000 residents (nodes), the most allowed"]


def test_an_upload_over_the_size_limit_is_refused_unread() -> None:
    lab = Lab(residents=SMALL)

    class Unreadable:
        def __buffer__(self, flags):
            raise AssertionError("an upload over the limit was read")

    size = APP_LIMITS.upload_bytes + 1
    assert viz.page.read_upload(lab, 0, {"name": "big.txt", "size": size},
                                [Unreadable()]) is False
    assert lab.mixes[0].problems == [
        f"big.txt: the file is too large ({size:,} bytes; the browser view takes at most "
        f"{APP_LIMITS.upload_bytes:,})"]
    assert lab.upload(0, "x.exe", b"MZ") is False
    assert "a scenario (.yaml) or a network file" in lab.mixes[0].problems[0]


def test_the_page_shows_that_it_is_busy_while_a_county_is_built(monkeypatch) -> None:
    monkeypatch.setattr(viz.page, "make_lab", partial(Lab, residents=SMALL))
    box, rc = render_page()
    release = threading.Event()
    original = Lab._rebuild

    def slow(self, *args, **kwargs):
        release.wait(timeout=30)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Lab, "_rebuild", slow)
    lab_step = button(rc, "Step")
    lab_step.click()
    settle(box, "Week 1 of 260")
    idle(rc)
    button(rc, "Reset").click()  # rebuilds the county
    settle_busy = "\n".join(texts(box))
    assert t("building", "en") in settle_busy
    release.set()
    shown = settle(box, "Week 0 of 260")
    assert t("building", "en") not in shown
    rc.close()

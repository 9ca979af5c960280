"""The browser view's logic and components, headless (no browser, no server).

The page is rendered with Solara's test renderer where a check needs the components; a
county of 1,200 residents (every resident drawn) or 2,000 keeps each test well under a
second or two.
"""

from __future__ import annotations

import re
import time
from functools import partial
from pathlib import Path

import pytest

pytest.importorskip("solara", reason="the browser view is the optional `app` extra")

import ipyvuetify as v
import ipywidgets
import numpy as np
import solara

import viz.page
from simulation.metrics import OUTCOMES
from simulation.scenario import iter_parameters, load_scenario
from viz import markup
from viz.charts import chart_specs
from viz.controls import lever_controls, lever_groups, snap, value_at
from viz.i18n import UI, outcome_label, param_label, t
from viz.lab import Lab

SMALL = 1_200  # residents: below the drawing threshold
LEVERS = [s for s in iter_parameters() if s.path.startswith("levers.")]


# ------------------------------------------------------------------ helpers


def texts(widget, out: list[str] | None = None) -> list[str]:
    """Every string shown by a widget tree (labels, HTML, children, slots)."""
    out = [] if out is None else out
    if isinstance(widget, str):
        out.append(widget)
        return out
    for name in ("value", "unsafe_innerHTML", "label", "text"):
        val = getattr(widget, name, None)
        if isinstance(val, str) and val:
            out.append(val)
    for child in getattr(widget, "children", None) or []:
        texts(child, out)
    for slot in getattr(widget, "v_slots", None) or []:
        kids = slot.get("children")
        for child in kids if isinstance(kids, list) else [kids]:
            texts(child, out)
    return out


def settle(box, expect: str, timeout: float = 60.0) -> str:
    """The page's text once a change that rebuilds the county (built in another thread,
    with a busy indicator on the page meanwhile) has finished and `expect` is shown."""
    deadline = time.monotonic() + timeout
    while True:
        shown = "\n".join(texts(box))
        if expect in shown and t("building", "en") not in shown:
            return shown
        assert time.monotonic() < deadline, (
            f"the page never showed {expect!r} (shown: {expect in shown}, busy indicator: "
            f"{t('building', 'en') in shown}); it shows, first:\n{shown[:3000]}")
        time.sleep(0.02)


def shows(box, expect: str, timeout: float = 30.0) -> list[str]:
    """The page's texts once `expect` is among them (a change may be drawn a moment
    after the event that caused it)."""
    deadline = time.monotonic() + timeout
    while True:
        shown = texts(box)
        if expect in shown or expect in "\n".join(shown):
            return shown
        assert time.monotonic() < deadline, (
            f"the page never showed {expect!r} (shown: {expect in shown}, busy indicator: "
            f"{t('building', 'en') in shown}); it shows, first:\n{shown[:3000]}")
        time.sleep(0.02)


def button(rc, label: str):
    """The button whose text contains `label`."""
    found = [b for b in rc.find(v.Btn).widgets if any(label in s for s in texts(b))]
    assert found, f"no button {label!r}"
    return found[0]


def sliders(rc) -> dict[str, v.Slider]:
    return {w.attributes["data-path"]: w for w in rc.find(v.Slider).widgets
            if "data-path" in (w.attributes or {})}


def render_page():
    """The page rendered headless, once its first county is built (in the page's worker
    thread); returns (root widget, render context), the context holding the page's
    `Session` as `rc.session`."""
    sessions: list[viz.page.Session] = []
    original = viz.page.Session

    class Recorded(original):  # type: ignore[valid-type, misc]
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            sessions.append(self)

    viz.page.Session = Recorded  # type: ignore[misc]
    try:
        box, rc = solara.render(viz.page.Page(), handle_error=False)
    finally:
        viz.page.Session = original  # type: ignore[misc]
    settle(box, "Policy levers")
    rc.session = sessions[0]
    idle(rc)
    return box, rc


def idle(rc, timeout: float = 60.0) -> None:
    """Wait until the page's worker has nothing to do and nothing is being drawn (a change
    is drawn by whichever thread holds the page's render lock, so an event sent while the
    worker draws is drawn a moment later)."""
    deadline = time.monotonic() + timeout
    quiet = 0
    while quiet < 3:
        busy = rc.session.working.value is not None or rc._lock_thread is not None
        quiet = 0 if busy else quiet + 1
        assert time.monotonic() < deadline, "the page never became idle"
        time.sleep(0.02)


@pytest.fixture
def page(monkeypatch):
    """The page rendered headless, for a small county; yields (root widget, render context)."""
    monkeypatch.setattr(viz.page, "make_lab", partial(Lab, residents=SMALL))
    box, rc = render_page()
    yield box, rc
    rc.close()


# ------------------------------------------------------------------ controls


def test_every_lever_has_a_slider_with_the_declared_bounds():
    controls = {c.path: c for c in lever_controls()}
    assert set(controls) == {s.path for s in LEVERS}
    assert len(controls) == 15
    for spec in LEVERS:
        c = controls[spec.path]
        assert c.spec == spec  # the declaration itself, not a copy of its numbers
        assert (c.minimum, c.maximum) == (spec.minimum, spec.maximum)
        assert snap(c, spec.default) == pytest.approx(spec.default)
    grouped = [c.path for _, cs in lever_groups() for c in cs]
    assert grouped == [s.path for s in LEVERS]  # declaration order, grouped by governance


def test_page_sliders_follow_the_declarations_and_the_loaded_scenario(page):
    _, rc = page
    shown = sliders(rc)
    assert set(shown) == {s.path for s in LEVERS}
    default = load_scenario("default")
    for spec in LEVERS:
        w = shown[spec.path]
        assert (w.min, w.max) == (spec.minimum, spec.maximum)
        assert w.v_model == pytest.approx(value_at(default, spec.path))
        assert w.v_model == pytest.approx(spec.default)  # the default scenario changes none


def test_moving_a_lever_rebuilds_the_model_from_the_scenario():
    lab = Lab(residents=SMALL)
    lab.step(3)
    path = "levers.rule_of_law.enforcement"
    assert lab.set_lever(0, path, 0.9)
    mix = lab.mixes[0]
    assert lab.week == 0  # restarted
    assert value_at(mix.scenario, path) == pytest.approx(0.9)
    assert mix.model.params is mix.scenario
    assert lab.reset_levers(0) and value_at(mix.scenario, path) == pytest.approx(0.3)


def test_scenario_picker_lists_bundled_scenarios_and_loads_their_levers():
    lab = Lab(residents=SMALL)
    assert "baseline" in lab.sources and "fengqiao" in lab.sources
    assert lab.set_source(0, "baseline")
    assert lab.mixes[0].lever_value("levers.party_leadership.cell_coverage") == \
        pytest.approx(value_at(load_scenario("baseline"), "levers.party_leadership.cell_coverage"))


# ------------------------------------------------------------------ language


def test_translation_table_is_complete():
    for key, (en, zh) in UI.items():
        assert en.strip() and zh.strip(), key
        assert set(re.findall(r"{(\w+)}", en)) == set(re.findall(r"{(\w+)}", zh)), key
    used = set()
    for path in Path("viz").glob("*.py"):
        used |= set(re.findall(r"""\bt\(\s*f?["']([\w{}]+)["']""", path.read_text("utf-8")))
    literal = {k for k in used if "{" not in k}
    assert literal - set(UI) == set(), "keys used but missing from viz.i18n.UI"
    # Keys made from a value: every value has its words.
    from simulation.disputes import DisputeType, Outcome, Stage
    from viz.network import COLOUR_BY, INSTITUTIONS
    from viz.texts import TABS

    families = {
        "tab_": TABS, "colour_": COLOUR_BY, "event_": ("shock", "ramp", "surge"),
        "shock_": ("dispute_surge", "income", "legitimacy"),
        "group_": ("all", "urban", "rural", "migrant", "elderly"),
        "kind_": [str(int(k)) for k in DisputeType],
        "stage_": [str(int(s)) for s in Stage if s != Stage.ENDED],
        "ended_": [str(int(o)) for o in Outcome if o != Outcome.OPEN],
        "holder_": ("party_cell", "town_office", "social_organisation", "county_centre",
                    "court", "court_entrusted", "petition_office"),
        "rung_": ("1", "2", "3"), "follow_": ("escalated", "court", "longest"),
        "network_level_": ("residents", "grids", "towns"),
    }
    for prefix, values in families.items():
        for value in values:
            assert f"{prefix}{value}" in UI, f"{prefix}{value}"
    for name in INSTITUTIONS:
        assert name in UI or name == "petitions", name
    for colour in COLOUR_BY:
        assert f"colour_{colour}_short" in UI
    for group, _ in lever_groups():
        assert f"group_{group}" in UI
    for key, spec in chart_specs().items():
        assert outcome_label(key, "zh") != outcome_label(key, "en")
        for series in spec.series:
            assert outcome_label(series, "zh")


def test_labels_come_from_the_declarations():
    for spec in LEVERS:
        assert param_label(spec, "zh") == spec.label_zh
        assert spec.meaning_zh  # every lever has Chinese help text to show
    for o in OUTCOMES:
        assert outcome_label(o.name, "zh") == o.label_zh


def test_language_switch_changes_every_label(page):
    box, rc = page
    before = texts(box)
    assert "Policy levers" in before and "Enforcement" in before
    button(rc, "中文").click()
    after = shows(box, t("levers", "zh"))
    for spec in LEVERS:
        assert spec.label_zh in after
    assert t("levers", "zh") in after and "Policy levers" not in after
    joined = "\n".join(after)
    assert t("funnel", "zh") in joined and t("arisen", "zh") in joined
    trust = next(o for o in OUTCOMES if o.name == "trust")
    assert trust.label_zh in joined
    for tab in ("tab_overview", "tab_network", "tab_about"):
        assert t(tab, "zh") in joined
    _session_of(rc).tab.value = "network"
    joined = "\n".join(shows(box, t("cell_active", "zh")))
    assert t("calm", "zh") in joined  # residents drawn
    button(rc, "English").click()
    shows(box, "Policy levers")


def _session_of(rc) -> viz.page.Session:
    return rc.session


# ------------------------------------------------------------------ errors


BAD_SCENARIO = """\
extends: baseline
levers:
  rule_of_law:
    enforcement: 1.5
  self_governence:
    councils: 0.4
"""


def test_a_bad_scenario_file_is_reported_not_raised(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD_SCENARIO, encoding="utf-8")
    lab = Lab(residents=SMALL, folder=tmp_path)
    model = lab.mixes[0].model
    assert lab.load_file(0, "bad.yaml") is False
    problems = "\n".join(lab.mixes[0].problems)
    assert "bad.yaml:4: levers.rule_of_law.enforcement" in problems
    assert "self_governance" in problems  # the typo's suggestion
    assert "Traceback" not in problems and str(tmp_path) not in problems
    assert lab.mixes[0].model is model and lab.mixes[0].source == "default"  # run kept
    assert "bad.yaml" not in lab.sources
    assert lab.load_file(0, "missing.yaml") is False
    assert "no scenario file" in lab.mixes[0].problems[0]
    # Only by its name in the folder: the server's paths are refused before any lookup.
    assert lab.load_file(0, str(bad)) is False
    assert "cannot start with '/'" in lab.mixes[0].problems[0]


def test_a_bad_scenario_file_shows_an_alert_on_the_page(monkeypatch, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD_SCENARIO, encoding="utf-8")
    monkeypatch.setattr(viz.page, "make_lab", partial(Lab, residents=SMALL, folder=tmp_path))
    box, rc = render_page()
    label = t("scenario_file", "en")
    field = next(w for w in rc.find(v.TextField).widgets if w.label == label)
    field.v_model = "bad.yaml"
    button(rc, "Load").click()
    shown = settle(box, "bad.yaml:4:")
    assert t("scenario_problems", "en") in shown
    assert "levers.rule_of_law.enforcement: out of range" in shown
    assert "Traceback" not in shown
    rc.close()


def test_without_a_server_folder_the_page_has_no_path_box(page):
    _, rc = page
    assert t("scenario_file", "en") not in [w.label for w in rc.find(v.TextField).widgets]


def test_an_uploaded_scenario_is_checked_too():
    lab = Lab(residents=SMALL)
    assert lab.upload(0, "../x y.yaml", b"levers: [1, 2]\n") is False
    assert lab.mixes[0].problems
    assert lab.upload(0, "mine.yaml", b"extends: fengqiao\n") is True
    assert lab.mixes[0].label == "mine" and lab.mixes[0].source in lab.sources


def test_seed_and_county_size_out_of_bounds_are_reported():
    lab = Lab(residents=SMALL)
    assert lab.set_seed(-1) is False and "seed" in lab.problems[0]
    assert lab.set_residents(5) is False
    assert "population.residents" in "\n".join(lab.mixes[0].problems)
    assert lab.residents == SMALL


def test_a_failure_while_drawing_shows_a_message_not_a_traceback(page, monkeypatch):
    box, rc = page

    def broken(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(markup, "funnel_html", broken)
    button(rc, "Step").click()
    shown = "\n".join(shows(box, t("draw_failed", "en", what="RuntimeError")))
    assert "Traceback" not in shown


# ------------------------------------------------------------------ stepping and compare


def chart(rc, key: str, timeout: float = 30.0):
    """The chart widget `key` on the page (waiting for it to be drawn)."""
    deadline = time.monotonic() + timeout
    while True:
        found = [w for w in widgets_in(rc.container) if getattr(w, "chart_key", None) == key]
        if found:
            return found[0]
        assert time.monotonic() < deadline, f"no chart {key!r} on the page"
        time.sleep(0.02)


def widgets_in(widget) -> list:
    """Every widget of a tree (children and slots)."""
    out = [widget]
    for child in getattr(widget, "children", None) or []:
        if isinstance(child, ipywidgets.Widget):
            out += widgets_in(child)
    for slot in getattr(widget, "v_slots", None) or []:
        kids = slot.get("children")
        for child in kids if isinstance(kids, list) else [kids]:
            if isinstance(child, ipywidgets.Widget):
                out += widgets_in(child)
    return out


def frame_data(rc, key: str) -> dict:
    """The frame a chart on the page was last given (its `frame_data` as sent)."""
    return chart(rc, key).frame_data.value


def test_stepping_the_page_sends_new_chart_data(page):
    box, rc = page
    before = frame_data(rc, "resolution_rate")
    button(rc, "Step").click()
    shows(box, "Week 1 of 260")
    deadline = time.monotonic() + 30
    while (after := frame_data(rc, "resolution_rate"))["frame"] == before["frame"]:
        assert time.monotonic() < deadline, "the chart was not given the new week"
        time.sleep(0.02)
    (line,) = after["update"]["series"]
    values = np.frombuffer(line["y"], dtype=np.float32)
    assert len(values) == 2  # weeks 0 and 1, as numbers: the browser draws them


def test_compare_mode_names_the_mixes_by_their_scenarios(page):
    box, rc = page
    switch = rc.find(v.Switch).widget
    switch.v_model = True
    shown = settle(box, "B · fengqiao")
    assert "A · default" in shown
    assert "B − A" in shown  # the table of headline numbers
    # Chart legends name each line by its mix and scenario, not "Mix A / Mix B".
    deadline = time.monotonic() + 30
    while len((option := chart(rc, "resolution_rate").option.value)["series"]) < 2:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert [s["name"] for s in option["series"]] == ["A · default", "B · fengqiao"]


def test_compare_uses_one_seed_for_both_mixes():
    lab = Lab(residents=SMALL)
    assert lab.set_compare(True)
    lab.step(3)
    a, b = (m.model for m in lab.mixes)
    assert a.week == b.week == 3
    assert np.array_equal(a.residents.grid, b.residents.grid)
    # The same county: what the build drew and no week changes (incomes move with
    # retirements and newcomers, which follow each mix's own draws).
    assert np.array_equal(a.residents.place_factor, b.residents.place_factor)
    assert np.array_equal(a.residents.income_unit, b.residents.income_unit)
    assert [f.name for f in lab.frame()] == ["A", "B"]


def test_several_levers_move_in_one_rebuild():
    lab = Lab(residents=SMALL)
    builds = []
    original = lab._rebuild
    lab._rebuild = lambda *a, **k: builds.append(1) or original(*a, **k)
    assert lab.set_levers({0: {"levers.rule_of_law.enforcement": 0.9,
                               "levers.self_governance.councils": 0.123}})
    assert builds == [1]
    scenario = lab.mixes[0].scenario
    assert scenario.levers.rule_of_law.enforcement == pytest.approx(0.9)
    assert scenario.levers.self_governance.councils == pytest.approx(0.12)  # slider step
    assert lab.frame()[0].overrides == 2


def test_lever_moves_of_a_quick_series_all_land(page):
    """Three levers moved one after another, faster than a county is built: each move
    waits until none has come for a moment, then all are applied together."""
    box, rc = page
    shown = sliders(rc)
    moves = {"levers.rule_of_law.enforcement": 0.9, "levers.self_governance.councils": 0.8,
             "levers.party_leadership.cell_coverage": 0.7}
    for path, value in moves.items():
        shown[path].v_model = value  # what a drag or a key press does
    assert shown["levers.rule_of_law.enforcement"].attributes["data-pending"] == "true"
    deadline = time.monotonic() + 60
    while True:
        now = sliders(rc)
        if all(now[p].attributes["data-pending"] == "false" for p in moves) and \
                t("building", "en") not in "\n".join(texts(box)):
            break
        assert time.monotonic() < deadline, "the moves were never applied"
        time.sleep(0.05)
    lab = _lab_of(rc)
    for path, value in moves.items():
        assert value_at(lab.mixes[0].scenario, path) == pytest.approx(value)
        assert now[path].v_model == pytest.approx(value)


def _lab_of(rc) -> Lab:
    return _session_of(rc).lab


def test_a_refused_seed_goes_back_to_the_one_in_force(page):
    box, rc = page
    field = next(w for w in rc.find(v.TextField).widgets if w.label == t("seed", "en"))
    field.v_model = "-5"
    field.fire_event("focusout", None)  # the box applies what was typed when it loses focus
    shown = settle(box, "seed: out of range")
    assert "Random seed" in shown
    deadline = time.monotonic() + 30
    while True:  # the box shows the seed of the run that goes on
        field = next(w for w in rc.find(v.TextField).widgets if w.label == t("seed", "en"))
        if field.v_model == "0":
            break
        assert time.monotonic() < deadline, field.v_model
        time.sleep(0.02)


def test_a_problem_is_shown_in_the_page_language(page):
    box, rc = page
    field = next(w for w in rc.find(v.TextField).widgets if w.label == t("seed", "en"))
    field.v_model = "-5"
    field.fire_event("focusout", None)
    settle(box, "seed: out of range")
    button(rc, "中文").click()
    shown = "\n".join(shows(box, "随机种子：超出允许范围"))
    assert "随机种子：超出允许范围" in shown and "允许：0 到 2,147,483,647 之间的整数" in shown


# ------------------------------------------------------------------ the server


def test_server_is_set_up_to_work_offline():
    from cli import app as appserver

    assert appserver.asset_problem() is None  # solara-assets installed and matching
    env = appserver.OFFLINE_ENV
    assert env["SOLARA_ASSETS_PROXY"] == "true"
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "false"
    args = appserver.solara_args("127.0.0.1", 8765)
    page = appserver.app_file()  # found as the installed module `app`, not by a path
    assert args[0] == str(page) and page.is_file() and page.name == "app.py"
    for flag in ("--production", "--no-open", "--no-check-version"):
        assert flag in args


def test_a_busy_port_is_reported():
    import socket

    from cli import app as appserver

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        assert "try `cogov app --port" in appserver.port_problem("127.0.0.1", port)


def test_every_outcome_has_help_text_in_both_languages() -> None:
    from simulation.metrics import OUTCOMES
    from viz.i18n import outcome_help

    for o in OUTCOMES:
        assert outcome_help(o.name, "en").startswith(o.meaning)
        zh = outcome_help(o.name, "zh")
        assert zh and any("\u4e00" <= ch <= "\u9fff" for ch in zh), o.name


@pytest.mark.parametrize("warmup", [0, 26])
def test_the_funnel_holds_every_dispute_of_the_run_once(warmup: int) -> None:
    """Every ending has a row, so the rows add up to the disputes that arose in the run plus
    those still open when it began (from the warm-up), which the total line names; no bar
    is wider than the whole."""
    from simulation.model import CoGovernanceModel
    from simulation.scenario import with_values
    from viz.charts import funnel_of

    scenario = with_values(load_scenario("default"), {"population.residents": 2_000,
                                                       "run.warmup_weeks": warmup})
    model = CoGovernanceModel(scenario, rng=2)
    carried = int(model.record[0]["open"])  # open at week 0
    assert (carried > 0) == (warmup > 0)
    for _ in range(30):
        model.step()
    week = model.record[-1]
    funnel = funnel_of(week)
    assert funnel.total == week["arisen"] + carried
    assert funnel.carried == carried
    ended = sum(week[k] for k in ("resolved", "relapsed", "abandoned", "escalated",
                                  "lumped", "closed_unresolved"))
    assert funnel.total == ended + week["open"]
    html = markup.funnel_html(funnel, "en")
    widths = [float(w) for w in re.findall(r"width:([0-9.]+)%", html)]
    assert widths and max(widths) <= 100.0
    assert (f"{carried:,} open from the warm-up" in html) == (warmup > 0)

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
import networkx as nx
import numpy as np
import solara

import viz.page
from simulation.metrics import OUTCOMES
from simulation.scenario import iter_parameters, load_scenario
from viz import markup
from viz.charts import CHARTS, ChartPainter, funnel_of, series_of
from viz.controls import lever_controls, lever_groups, snap, value_at
from viz.i18n import UI, outcome_label, param_label, t
from viz.lab import Lab
from viz.network import (
    RESIDENT_DRAW_LIMIT,
    NetworkPainter,
    compute_layout,
    network_data,
)

PNG = b"\x89PNG"
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
        assert time.monotonic() < deadline, f"the page never showed {expect!r}"
        time.sleep(0.02)


def button(rc, label: str):
    """The button whose text contains `label`."""
    found = [b for b in rc.find(v.Btn).widgets if any(label in s for s in texts(b))]
    assert found, f"no button {label!r}"
    return found[0]


def sliders(rc) -> dict[str, v.Slider]:
    return {w.attributes["data-path"]: w for w in rc.find(v.Slider).widgets
            if "data-path" in (w.attributes or {})}


@pytest.fixture
def page(monkeypatch):
    """The page rendered headless, for a small county; yields (root widget, render context)."""
    monkeypatch.setattr(viz.page, "make_lab", partial(Lab, residents=SMALL))
    box, rc = solara.render(viz.page.Page(), handle_error=False)
    yield box, rc
    rc.close()


# ------------------------------------------------------------------ controls


def test_every_lever_has_a_slider_with_the_declared_bounds():
    controls = {c.path: c for c in lever_controls()}
    assert set(controls) == {s.path for s in LEVERS}
    assert len(controls) == 14
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
    for group, _ in lever_groups():
        assert f"group_{group}" in UI
    for spec in CHARTS:
        assert outcome_label(spec.key, "zh") != outcome_label(spec.key, "en")
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
    after = texts(box)
    for spec in LEVERS:
        assert spec.label_zh in after
    assert t("levers", "zh") in after and "Policy levers" not in after
    joined = "\n".join(after)
    assert t("funnel", "zh") in joined
    assert t("arisen", "zh") in joined and t("calm", "zh") in joined  # residents drawn
    trust = next(o for o in OUTCOMES if o.name == "trust")
    assert trust.label_zh in joined
    button(rc, "English").click()
    assert "Policy levers" in texts(box)


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
    box, rc = solara.render(viz.page.Page(), handle_error=False)
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
    shown = "\n".join(texts(box))
    assert t("draw_failed", "en", what="RuntimeError") in shown
    assert "Traceback" not in shown


# ------------------------------------------------------------------ network


def test_few_residents_are_drawn_one_by_one():
    lab = Lab(residents=SMALL)
    lab.step(5)
    model = lab.mixes[0].model
    data = network_data(model)
    assert data.draw_residents and model.n_residents <= RESIDENT_DRAW_LIMIT
    xy = data.static.layout.resident_xy
    assert xy is not None and xy.shape == (SMALL, 2) and np.isfinite(xy).all()
    assert data.resident_state is not None and len(data.resident_state) == SMALL
    assert len(data.static.social_segments) > 0
    assert sum(data.state_counts.values()) == SMALL
    assert NetworkPainter().render(data).startswith(PNG)


def test_many_residents_are_aggregated_per_grid(monkeypatch):
    def no_layout(*_args, **_kwargs):
        raise AssertionError("a force-directed layout was run")

    monkeypatch.setattr(nx, "spring_layout", no_layout)
    lab = Lab(residents=2_000)
    monkeypatch.setattr("viz.network.RESIDENT_DRAW_LIMIT", 1_500)
    lab.step(5)
    model = lab.mixes[0].model
    data = network_data(model)
    assert not data.draw_residents
    assert data.resident_state is None and data.static.layout.resident_xy is None
    assert len(data.grid_share_in_dispute) == model.territory.n_grids
    assert np.all((data.grid_share_in_dispute >= 0) & (data.grid_share_in_dispute <= 1))
    assert data.grid_population.sum() == model.n_residents
    for colour_by in ("dispute", "trust"):
        assert NetworkPainter().render(data, colour_by).startswith(PNG)
    # institutional actors and their ties are drawn in both views
    assert len(data.static.service_segments) == model.network.service.number_of_edges()
    assert len(data.coordination_segments) == model.network.coordination.number_of_edges()


def test_layout_is_computed_once_per_county():
    lab = Lab(residents=SMALL)
    first = network_data(lab.mixes[0].model).static
    lab.step(2)
    assert network_data(lab.mixes[0].model).static is first
    lab.reset()  # a new model of the same county: the cached layout is reused
    assert network_data(lab.mixes[0].model).static.layout is first.layout


def test_layout_is_radial_and_deterministic():
    grid_of = np.repeat(np.arange(8), 50)
    comm = np.arange(8) // 4
    town = np.zeros(8, dtype=int)
    a = compute_layout(grid_of, comm, town, 3, True)
    b = compute_layout(grid_of, comm, town, 3, True)
    assert np.array_equal(a.resident_xy, b.resident_xy)
    assert np.allclose(np.hypot(*a.grid_xy.T), 1.0)
    assert np.abs(a.resident_xy).max() <= a.extent


# ------------------------------------------------------------------ charts and stepping


def test_a_step_updates_the_chart_data():
    lab = Lab(residents=SMALL)
    before = lab.frame()[0]
    painter = ChartPainter(CHARTS[0])
    png_before = painter.render([before.series], 260)
    lab.step(4)
    after = lab.frame()[0]
    assert after.week == before.week + 4
    assert len(after.series["week"]) == len(before.series["week"]) + 4
    for spec in CHARTS:
        for name in spec.series:
            assert len(after.series[name]) == 5
    assert after.funnel.arisen > 0
    assert sum(n for _, n in after.funnel.rows) == after.funnel.arisen
    png_after = painter.render([after.series], 260)
    assert png_after.startswith(PNG) and png_after != png_before


def test_series_and_funnel_read_the_record():
    record = [{"week": 0, "arisen": 0}, {"week": 1, "resolution_rate": 0.5, "arisen": 4,
                                         "resolved_l1": 2, "escalated": 1, "open": 1,
                                         "queued_l2": 3}]
    s = series_of(record, ["resolution_rate"])
    assert s["week"].tolist() == [0, 1]
    assert np.isnan(s["resolution_rate"][0]) and s["resolution_rate"][1] == 0.5
    f = funnel_of(record[-1])
    assert f.arisen == 4 and f.queues == (0, 3, 0) and f.share("resolved_l1") == 0.5


def test_stepping_the_page_redraws(monkeypatch):
    labs: list[Lab] = []

    def make_lab(*args, **kwargs) -> Lab:
        labs.append(Lab(*args, residents=SMALL, **kwargs))
        return labs[-1]

    monkeypatch.setattr(viz.page, "make_lab", make_lab)
    box, rc = solara.render(viz.page.Page(), handle_error=False)
    try:
        before = [w.value for w in rc.find(ipywidgets.Image).widgets]
        assert len(before) == 1 + len(CHARTS)  # the network and every chart
        button(rc, "Step").click()
        after = [w.value for w in rc.find(ipywidgets.Image).widgets]
        assert "Week 1 of 260" in texts(box)
        # The network and every chart whose series moved in week 1 are drawn anew (a
        # rate of endings does not move in a week in which nothing ended).
        week_0, week_1 = labs[-1].mixes[0].model.record
        drawn = [c for c in CHARTS if any(np.isfinite(week_1[k]) and week_1[k] != week_0[k]
                                          for k in c.series)]
        assert len(drawn) >= 3  # trust, Gini and welfare move every week
        assert sum(a != b for a, b in zip(before, after, strict=True)) >= 1 + len(drawn)
    finally:
        rc.close()


def test_compare_mode_runs_two_mixes_with_the_same_seed(page):
    box, rc = page
    switch = rc.find(v.Switch).widget
    switch.v_model = True
    settle(box, "Mix B")
    shown = texts(box)
    assert "Mix A · default" in "".join(shown) and "Mix B · fengqiao" in "".join(shown)
    assert any("B − A" in s for s in shown)  # the table of headline numbers
    assert len(rc.find(ipywidgets.Image).widgets) == 2 + len(CHARTS)


def test_compare_uses_one_seed_for_both_mixes():
    lab = Lab(residents=SMALL)
    assert lab.set_compare(True)
    lab.step(3)
    a, b = (m.model for m in lab.mixes)
    assert a.week == b.week == 3
    assert np.array_equal(a.residents.grid, b.residents.grid)
    assert np.array_equal(a.residents.base_income, b.residents.base_income)
    assert [f.name for f in lab.frame()] == ["A", "B"]


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

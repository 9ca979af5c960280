"""What the browser view shows, as data: series over a moving year, chart axes and
numbers, events on the timeline, the network picture at every county size, a followed
dispute, the CSV export, the address bar and the queue of lever moves. Headless."""

from __future__ import annotations

import csv
import io
import math

import numpy as np
import pytest

pytest.importorskip("solara", reason="the browser view is the optional `app` extra")

import simulation.metrics as metrics
import viz.series
from simulation.disputes import Outcome, Stage
from simulation.metrics import OUTCOMES, STEP_METRICS
from simulation.scenario import load_scenario
from viz import markup
from viz.charts import (
    KEY_CHARTS,
    WELFARE_BY_GROUP,
    axis_for,
    chart_option,
    chart_specs,
    chart_update,
    format_difference,
    format_value,
    nice_ceiling,
    tick_interval,
)
from viz.dispute import dispute_view, pick_dispute
from viz.events import event_text, scenario_events
from viz.export import series_csv
from viz.lab import Lab
from viz.moves import LeverMoves
from viz.network import (
    GRID_DRAW_LIMIT,
    RESIDENT_DRAW_LIMIT,
    compute_layout,
    layout_of,
    level_for,
    network_frame,
    network_option,
    network_update,
)
from viz.series import (
    MIN_WEEKS,
    RATE_MIN_WEEKS,
    SeriesBook,
    moving_year,
    per_year_outcomes,
    petition_surges,
    poisson_tail,
    windowed_outcomes,
)
from viz.urlstate import UrlState, decode, encode

SMALL = 1_200


# ------------------------------------------------------------------ outcomes and series


def test_every_outcome_with_a_weekly_value_is_a_chart():
    specs = chart_specs()
    windowed = set(windowed_outcomes())
    for o in OUTCOMES:
        weekly = o.name in STEP_METRICS or o.name in windowed
        assert (o.name in specs) == weekly, o.name
        if weekly:
            assert specs[o.name].unit == o.unit
    assert set(KEY_CHARTS) <= set(specs) and WELFARE_BY_GROUP in specs


def test_an_outcome_added_to_the_model_appears_without_a_change_here(monkeypatch):
    """A new outcome declared in OUTCOMES and recorded weekly becomes a chart and a row of
    the outcomes table; one derived from dispute counts is shown over a moving year."""
    new = metrics.OutcomeSpec("petitions_handled", "Petitions handled per week", "ratio",
                              "信访处理数", True, "每周处理的信访件数")
    court = metrics.OutcomeSpec("court_rate", "Court resolutions a week", "ratio", "法院化解",
                                None, "每周法院化解数")
    monkeypatch.setattr(metrics, "OUTCOMES", (*metrics.OUTCOMES, new, court))
    monkeypatch.setattr(metrics, "STEP_METRICS", (*STEP_METRICS, "petitions_handled"))
    original = metrics.resolution_shares

    def shares(c, residents, weeks):
        return {**original(c, residents, weeks), "court_rate": c["resolved_l3"] / weeks}

    monkeypatch.setattr(metrics, "resolution_shares", shares)
    for fn in (viz.series.windowed_outcomes, viz.series.per_year_outcomes,
                   viz.series.chartable_outcomes, chart_specs):
        fn.cache_clear()
    try:
        assert "petitions_handled" in chart_specs() and "court_rate" in chart_specs()
        assert "court_rate" in windowed_outcomes()
        record = [{"week": w, "resolved_l3": 2 * w} for w in range(20)]
        assert moving_year(record, 100)["court_rate"][-1] == pytest.approx(2.0)
        html = markup.outcomes_table_html(["x"], [{"petitions_handled": 3.0}], "zh")
        assert "信访处理数" in html  # the table lists every outcome of metrics.OUTCOMES
        assert chart_specs()["petitions_handled"].unit == "ratio"
    finally:
        monkeypatch.undo()  # before the caches are refilled by anyone
        for fn in (viz.series.windowed_outcomes, viz.series.per_year_outcomes,
                   viz.series.chartable_outcomes, chart_specs):
            fn.cache_clear()


def steady_record(weeks: int) -> list[dict]:
    """Every week 3 disputes resolved (2 at L1, 1 at L3), 1 relapsed, 1 petition."""
    return [{"week": w, "arisen": 5 * w, "resolved": 3 * w, "relapsed": w, "abandoned": 0,
             "escalated": w, "prevented": 0, "resolved_l0": 0, "resolved_l1": 2 * w,
             "resolved_l2": 0, "resolved_l3": w} for w in range(weeks + 1)]


def test_rates_are_over_a_moving_year():
    """Hand-computed: 3 resolved, 1 relapsed and 1 petition a week in a county of 1,000 is
    3/5 = 60% resolved of those that ended, and 52 petitions a year = 520 per 10,000."""
    series = moving_year(steady_record(80), residents=1_000)
    rate, petitions = series["resolution_rate"], series["escalations_per_10k"]
    assert all(math.isnan(v) for v in rate[:MIN_WEEKS])
    assert all(math.isnan(v) for v in petitions[:RATE_MIN_WEEKS])
    for week in (MIN_WEEKS, 30, 52, 80):  # a steady share: the same at any window length
        assert rate[week] == pytest.approx(0.6)
    for week in (RATE_MIN_WEEKS, 30, 52, 80):  # and a steady rate a year
        assert petitions[week] == pytest.approx(520.0)
    assert series["grassroots_share"][80] == pytest.approx(2 / 3)


def test_a_rate_a_year_is_shown_only_from_half_a_year_on():
    """The rates a year are those whose unit is "per year" (petitions, disputes a year),
    and none of them jumps with the first petitions: one petition in week 1 in a county
    of 10,000 is 1 per 10,000 in the weeks so far; scaled up to a year from 26 weeks it is
    52/26 = 2 per 10,000 a year at most (from 8 weeks it would be 6.5), and 1 after a
    full year. Shares of disputes show from week 8, with the same weeks so far."""
    units = {o.name: o.unit for o in OUTCOMES}
    assert set(per_year_outcomes()) == {n for n in windowed_outcomes()
                                        if units[n] in ("per 10,000 per year",
                                                        "per 1,000 per year")}
    assert {"escalations_per_10k", "petitions_per_10k", "disputes_per_1000"} <= set(
        per_year_outcomes())
    assert "resolution_rate" not in per_year_outcomes()
    record = []
    for w in range(61):
        one = 1 if w >= 1 else 0  # week 1: two disputes, one resolved, one petitioned
        record.append({"week": w, "arisen": 2 * one, "resolved": one, "resolved_l1": one,
                       "escalated": one, "first_petitions": one})
    series = moving_year(record, residents=10_000)
    for name in per_year_outcomes():
        shown = series[name]
        assert all(math.isnan(v) for v in shown[:RATE_MIN_WEEKS]), name
        assert all(not math.isnan(v) for v in shown[RATE_MIN_WEEKS:]), name
    petitions = np.array(series["escalations_per_10k"])
    assert petitions[RATE_MIN_WEEKS] == pytest.approx(2.0)  # 1 / 10,000 over 26 weeks
    assert np.nanmax(petitions) == pytest.approx(2.0)
    assert petitions[52] == pytest.approx(1.0) and petitions[53] == pytest.approx(0.0)
    assert series["resolution_rate"][MIN_WEEKS] == pytest.approx(0.5)  # shares: week 8
    # The page's series (the charts, the headline numbers, the CSV) are these.
    book = SeriesBook(lambda: record, 10_000)
    assert np.isnan(book.series()["petitions_per_10k"][RATE_MIN_WEEKS - 1])
    assert book.series()["petitions_per_10k"][RATE_MIN_WEEKS] == pytest.approx(2.0)


def test_a_change_shows_within_a_year_and_not_before():
    """Petitions stop at week 60: the moving year counts down to none by week 112, while a
    cumulative rate would still be near its old level."""
    record = steady_record(60)
    last = dict(record[-1])
    for w in range(61, 121):
        record.append({**last, "week": w})
    petitions = moving_year(record, 1_000)["escalations_per_10k"]
    assert petitions[86] == pytest.approx(520.0 * 26 / 52)  # half the year had petitions
    assert petitions[112] == pytest.approx(0.0)


def test_petition_surges_are_found_once_each():
    weeks = np.arange(60)
    per_week = np.ones(60)
    per_week[0] = 0  # none in week 0, then one a week...
    per_week[30:34] = 3  # ...and three a week in weeks 30-33
    surges = petition_surges(weeks, np.cumsum(per_week))
    # At a rate of one a week, 4 weeks hold 4 on average. Weeks 28-31 hold 8 (P(X >= 8)
    # = 0.051 for Poisson(4)), weeks 29-32 hold 10 (0.0081): chance can do that. Weeks
    # 30-33 hold 12: P(X >= 12) = 0.00091, under 1 in 1,000: the surge, seen in week 33.
    assert [(s.week, s.count) for s in surges] == [(33, 12)]
    per_week[30:34] = 1
    assert petition_surges(weeks, np.cumsum(per_week)) == []


def test_the_surge_rule_is_a_poisson_tail():
    # Oracle: scipy's Poisson survival function, P(X >= k) = sf(k - 1).
    from scipy.stats import poisson

    for k, mean in [(1, 0.5), (4, 4.0), (8, 4.0), (12, 4.0), (30, 7.3)]:
        assert poisson_tail(k, mean) == pytest.approx(poisson.sf(k - 1, mean), abs=1e-12)
    assert poisson_tail(0, 3.0) == 1.0


def test_petitions_at_a_steady_rate_rarely_surge():
    # 200 five-year runs whose petitions arrive at a steady 1.15 a week (60 per 10,000 a
    # year in a county of 10,000): chance alone. "Twice the average" would flag about
    # four surges a run; the Poisson rule about one run in ten or fewer.
    rng = np.random.default_rng(7)
    weeks = np.arange(261)
    found = [len(petition_surges(weeks, np.cumsum(rng.poisson(1.15, 261))))
             for _ in range(200)]
    assert np.mean(found) < 0.25
    # and a real surge, five times the rate for 4 weeks, is seen
    per_week = rng.poisson(1.15, 261)
    per_week[150:154] += rng.poisson(4.6, 4)
    assert any(150 <= s.week <= 154 for s in petition_surges(weeks, np.cumsum(per_week)))


def test_scenario_events_and_their_words():
    shocks = scenario_events(load_scenario("factory_closure"))
    assert [(e.kind, e.start, e.end) for e in shocks] == [("shock", 104, 130)] * 2
    texts = {event_text(e, "en") for e in shocks}
    assert texts == {"weeks 104–130: migrants: incomes −30%",
                     "weeks 104–130: migrants: disputes arise ×4"}
    assert "外来务工人员：纠纷发生率 ×4" in event_text(shocks[1], "zh") + event_text(
        shocks[0], "zh")
    (ramp,) = scenario_events(load_scenario("reform_party_cells"))
    assert (ramp.kind, ramp.start, ramp.end) == ("ramp", 0, 260)
    assert event_text(ramp, "en") == "weeks 0–260: Cell coverage moves to 1"


# ------------------------------------------------------------------ axes and numbers


def test_axes_follow_the_declared_units():
    share = axis_for("share")
    assert (share.lo, share.hi, share.percent) == (0.0, 100.0, True)  # never truncated
    assert axis_for("0-1").hi == 1.0
    assert axis_for("per 10,000 per year").hi is None  # from 0 to a round number above
    assert [nice_ceiling(x) for x in (0.3, 7, 43, 101, 2_600)] == [0.5, 10, 50, 200, 5_000]
    assert tick_interval(50) == 10 and tick_interval(200) == 50 and tick_interval(2.5) == 0.5


def test_numbers_as_the_room_reads_them():
    assert format_value(0.8012, "share") == "80.1%"
    assert format_value(-0.00001, "0-1") == "0.000"  # no "-0.000"
    assert format_value(float("nan"), "share") == "–"
    assert format_value(36_123.4, "yuan per year") == "36,123"
    assert format_difference(0.03, "share", "en") == "+3.0 pp"  # points, not per cent
    assert format_difference(-0.03, "share", "zh") == "−3.0 个百分点"
    assert format_difference(-0.0001, "0-1", "en") == "0.000"  # zero has no sign
    assert format_difference(-2.5, "per 10,000 per year", "en") == "−2.5"


def test_a_chart_frame_is_numbers_with_the_axis_above_them():
    spec = chart_specs()["escalations_per_10k"]
    option = chart_option(spec, ["A · default", "B · fengqiao"], 260, "en")
    assert option["xAxis"]["name"] == "week" and option["xAxis"]["max"] == 260
    assert "per 10,000 residents a year" in option["yAxis"]["name"]
    assert "past 52 weeks" in option["yAxis"]["name"]
    assert [s["lineStyle"]["type"] for s in option["series"]] == ["solid", "dashed"]
    series = [{"escalations_per_10k": np.array([np.nan, 12.0, 43.0])},
              {"escalations_per_10k": np.array([np.nan, 5.0, 3.0])}]
    update = chart_update(spec, series, [], "en")
    a = np.frombuffer(update["series"][0]["y"], dtype=np.float32)
    assert np.isnan(a[0]) and a[1:].tolist() == [12.0, 43.0]
    assert update["yAxis"]["max"] == 50.0  # above the largest value of either mix
    share = chart_update(chart_specs()["resolution_rate"],
                         [{"resolution_rate": np.array([0.5, 0.75])}], [], "en")
    assert np.frombuffer(share["series"][0]["y"], np.float32).tolist() == [50.0, 75.0]
    assert "yAxis" not in share  # a share's axis is fixed at 0-100%


# ------------------------------------------------------------------ the network


def test_the_network_is_drawn_at_the_level_the_county_size_allows():
    assert level_for(RESIDENT_DRAW_LIMIT, 6) == "residents"
    assert level_for(RESIDENT_DRAW_LIMIT + 1, 8) == "grids"
    assert level_for(25_000, GRID_DRAW_LIMIT) == "grids"
    assert level_for(200_000, 800) == "towns"


def test_two_hundred_thousand_residents_are_forty_towns_on_the_rim():
    """At 250 residents a grid, 20 grids a town: 800 grids, 40 towns (no model needed)."""
    grid_of = np.repeat(np.arange(800), 250)
    community = np.arange(800) // 5
    town = np.arange(800) // 20
    lay = compute_layout(grid_of, community, town, 3, "towns")
    assert lay.n_units == 40 and lay.resident_xy is None
    assert np.allclose(np.hypot(*lay.unit_xy.T), 1.0)
    assert lay.unit_population.tolist() == [5_000.0] * 40
    assert np.array_equal(lay.unit_of_grid, town)
    gaps = np.hypot(*np.diff(lay.unit_xy, axis=0).T)
    assert gaps.min() > 0.1  # forty circles apart on the rim, not a solid disc
    again = compute_layout(grid_of, community, town, 3, "towns")
    assert np.array_equal(lay.unit_xy, again.unit_xy)  # no randomness


def test_what_changes_week_to_week_counts_every_open_case_once():
    lab = Lab(residents=2_000)
    lab.step(30)
    model = lab.mixes[0].model
    frame = network_frame(model)
    pool = model.disputes
    ids = pool.open_ids
    held = [c for c in ids.tolist() if c in model.ladder.handler_of]
    assert sum(f.cases for f in frame.flows) == len(held) > 0
    # every flow goes from the grid its parties live in to their case's rung
    for f in frame.flows:
        assert f.rung in (1, 2, 3, 4)  # 4: the petition office
    per_1000 = np.bincount(pool.grid[ids], minlength=model.territory.n_grids) \
        / model.grid_population * 1000
    assert np.allclose(frame.open_per_1000, per_1000)
    n = pool.size
    recent = (pool.outcome[:n] == Outcome.ESCALATED) & (pool.ended[:n] > model.week - 4)
    assert sum(c for _, c in frame.petitions) == int(recent.sum())
    assert 0 <= frame.cells_active.min() and frame.cells_active.max() <= 1
    option = network_option(frame.layout, np.empty((0, 2), int), "open", "zh")
    assert [s["id"] for s in option["series"]][:3] == ["structure", "social", "flows"]
    update = network_update(frame, "open")
    (units,) = [s for s in update["series"] if s["id"] == "units"]
    assert len(units["cols"]) == 4  # x, y, colour value, size


def test_a_small_county_draws_every_resident():
    lab = Lab(residents=SMALL)
    lab.step(5)
    model = lab.mixes[0].model
    lay = layout_of(model)
    assert lay.level == "residents" and lay.resident_xy.shape == (SMALL, 2)
    frame = network_frame(model)
    assert frame.resident_state is not None and len(frame.resident_state) == SMALL
    assert np.abs(lay.resident_xy).max() <= lay.extent


# ------------------------------------------------------------------ following a dispute


def test_a_followed_dispute_is_told_in_both_languages():
    lab = Lab(residents=2_000)
    lab.step(60)
    mix = lab.mixes[0]
    case = pick_dispute(mix.model, "escalated")
    assert case is not None and mix.model.disputes.outcome[case] == Outcome.ESCALATED
    en = dispute_view(mix.model, mix.trail, case, "en")
    zh = dispute_view(mix.model, mix.trail, case, "zh")
    assert en.rows[-1][2] == "petition left unresolved (信访)" and zh.rows[-1][2] == "信访未解决"
    assert en.rows[0][0] == mix.model.disputes.arose[case]
    assert f"Dispute {case}" in en.title and f"纠纷 {case}" in zh.title
    court = pick_dispute(mix.model, "court")
    assert court is not None and mix.model.disputes.level[court] == 3
    waiting = pick_dispute(mix.model, "longest")
    pool = mix.model.disputes
    assert waiting is None or pool.waited[waiting] == pool.waited[pool.open_ids].max()
    if waiting is not None:  # waiting is counted in days: told in weeks to a tenth
        told = dispute_view(mix.model, mix.trail, waiting, "en").summary
        assert f", {pool.waited[waiting]:.1f} of them waiting;" in told
    stages = {p.stage for p in mix.trail.path(case)}
    assert Stage.ENDED in stages


# ------------------------------------------------------------------ export, address, moves


def test_the_csv_holds_every_week_of_every_mix():
    lab = Lab(residents=SMALL)
    lab.set_compare(True)
    lab.step(6)
    rows = [(m.name, m.label, lab.seed, m.model.n_residents, m.model.record,
             m.book.series()) for m in lab.active]
    table = list(csv.DictReader(io.StringIO(series_csv(rows).decode("utf-8"))))
    assert len(table) == 2 * 7
    assert [r["mix"] for r in table[:7]] == ["A"] * 7 and table[7]["scenario"] == "fengqiao"
    last = lab.mixes[0].model.record[-1]
    assert float(table[6]["escalated"]) == last["escalated"]
    assert float(table[6]["trust"]) == pytest.approx(last["trust"], rel=1e-9)
    assert "resolution_rate_past_52_weeks" in table[0]


def test_the_address_round_trips_the_page_state():
    state = UrlState(lang="zh", sources=["baseline", "fengqiao"],
                     levers=[{"levers.party_leadership.cell_coverage": 1.0}, {}],
                     compare=True, seed=3, residents=2_000, speed=4, week=52, tab="network",
                     lesson="party_cells", step=2)
    query = encode(state)
    assert "a.party_leadership.cell_coverage=1" in query and "lang=zh" in query
    assert decode(query) == state
    assert decode("?" + query) == state
    assert encode(UrlState()) == ""  # a fresh page has a bare address


def test_a_garbled_address_is_read_leniently():
    state = decode("seed=abc&w=-4&tab=../../etc&a.not_a_lever=1&a.rule_of_law.enforcement=nan"
                   "&lang=fr&zz=1&a=/etc/passwd")
    assert state.seed is None and state.week == 0 and state.tab == "overview"
    assert state.levers == [{}, {}] and state.lang == "en"
    assert state.sources[0] == "/etc/passwd"  # applied through the page's own checks


def test_no_lever_move_is_lost():
    moves = LeverMoves()
    moves.move(0, "levers.rule_of_law.enforcement", 0.9)
    moves.move(0, "levers.self_governance.councils", 0.5)
    taken = moves.take()  # a rebuild starts with these two
    moves.move(1, "levers.party_leadership.cell_coverage", 1.0)  # during the rebuild
    moves.move(0, "levers.rule_of_law.enforcement", 0.7)  # moved again meanwhile
    moves.done(taken)
    assert moves.take() == {0: {"levers.rule_of_law.enforcement": 0.7},
                            1: {"levers.party_leadership.cell_coverage": 1.0}}
    assert moves.value(0, "levers.self_governance.councils") is None  # applied: gone

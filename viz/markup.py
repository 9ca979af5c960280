"""HTML for the page's words and simple graphics: headline numbers, funnel, legends, the
followed dispute, the guide and the "about" panel.

Pure functions from data and language to HTML strings, so the browser renders every word
(in Chinese too, with the viewer's own fonts) and the tests can read them. Every text is
escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from simulation import metrics
from viz.charts import FUNNEL_COLOURS, KPIS, Funnel, format_difference, format_value, unit_of
from viz.dispute import DisputeView
from viz.events import Event, event_text
from viz.i18n import Lang, outcome_help, outcome_label, t, unit_label
from viz.network import (
    CELL_COLOURS,
    INSTITUTIONS,
    PETITION_COLOUR,
    RUNG_COLOURS,
    SCALES,
    STATE_COLOURS,
    ColourBy,
    Layout,
)
from viz.series import windowed_outcomes
from viz.texts import Step, about, pick

CSS = """
html, body { font-size: 16px; }
.cogov-header, .cogov-shell { width: 100vw; max-width: 100vw; box-sizing: border-box; }
.cogov-header { display: flex; align-items: center; gap: 14px; height: 52px; padding: 0 14px;
  background: #1f3a5f; color: #fff; position: relative; }
.cogov-header .title { font-size: 21px; font-weight: 600; flex: 1 1 auto; white-space: nowrap;
  overflow: hidden; text-overflow: ellipsis; }
.cogov-header .v-label { color: #fff; opacity: 1; font-size: 15px; }
.cogov-header .v-btn { color: #fff; border-color: #fff; }
.cogov-header .v-input { flex: 0 0 auto; }
.cogov-busy { position: absolute; left: 0; right: 0; bottom: 0; height: 4px; }
.cogov-busy-text { font-size: 14px; color: #fff; background: #c75b12; border-radius: 4px;
  padding: 2px 8px; white-space: nowrap; }
.cogov-shell { display: flex; height: calc(100vh - 52px); }
.cogov-side { flex: 0 0 320px; overflow-y: auto; padding: 6px 8px; background: #f4f6f8; }
.cogov-side .v-card { margin-bottom: 8px; }
.cogov-run { position: sticky; top: -6px; z-index: 3; }
.cogov-body { flex: 1 1 auto; overflow-y: auto; padding: 8px 12px; font-size: 16px;
  min-width: 0; }
.cogov-lever-label { font-size: 15px; }
.cogov-panel { background: #fff; border-radius: 8px; padding: 6px 10px; margin: 0 0 8px;
  box-shadow: 0 1px 3px rgba(0, 0, 0, 0.15); min-width: 0; position: relative; }
.cogov-kpis { display: grid; grid-template-columns: repeat(6, minmax(0, 1fr)); gap: 8px;
  margin-bottom: 4px; }
.cogov-kpi { background: #f5f7fa; border-radius: 8px; padding: 4px 8px; min-width: 0; }
.cogov-kpi .v { font-size: 25px; font-weight: 600; color: #1f3a5f; line-height: 1.2;
  white-space: nowrap; }
.cogov-kpi .l { font-size: 13px; color: #33404d; line-height: 1.25; }
.cogov-note { font-size: 13px; color: #4a5560; }
.cogov-key { display: grid; grid-template-columns: minmax(0, 0.9fr) minmax(0, 1fr)
  minmax(0, 1fr); gap: 8px; }
@media (max-width: 1180px) {
  .cogov-key { grid-template-columns: minmax(0, 0.85fr) minmax(0, 1fr); }
  .cogov-key .cogov-chart:last-child { grid-column: 2; }
  .cogov-key .cogov-funnel-card { grid-row: span 2; }
  .cogov-kpi .v { font-size: 21px; }
  /* The two key charts stacked beside the funnel share what the header, the headline
     numbers and the tabs leave of the screen (1024×768: about 185 px each). */
  .cogov-key .cogov-echart-canvas { height: max(170px, calc((100vh - 400px) / 2))
    !important; }
}
.cogov-charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(380px, 1fr));
  gap: 8px; }
.cogov-table { border-collapse: collapse; width: 100%; font-size: 16px; }
.cogov-table th, .cogov-table td { padding: 3px 8px; border-bottom: 1px solid #e3e7eb;
  text-align: left; }
.cogov-table td.n { text-align: right; font-variant-numeric: tabular-nums; font-weight: 600; }
.cogov-table.compact { font-size: 15px; }
.cogov-funnel .row { display: flex; align-items: center; margin: 1px 0; font-size: 14px; }
.cogov-funnel .name { flex: 0 0 56%; padding-right: 6px; color: #222; line-height: 1.1; }
.cogov-funnel .bar { flex: 1 1 auto; background: #f0f2f5; height: 13px; border-radius: 3px; }
.cogov-funnel .fill { height: 13px; border-radius: 3px; }
.cogov-funnel .n { flex: 0 0 50px; text-align: right; font-variant-numeric: tabular-nums; }
.cogov-funnel .total { font-weight: 600; margin-bottom: 2px; }
.cogov-legend { display: flex; flex-wrap: wrap; gap: 3px 14px; font-size: 14px; color: #222; }
.cogov-legend span.sw { display: inline-block; margin-right: 5px; vertical-align: middle; }
.cogov-scale { display: inline-block; width: 110px; height: 10px; vertical-align: middle;
  margin: 0 6px; border-radius: 2px; }
.cogov-title { font-size: 18px; font-weight: 600; color: #1f3a5f; margin: 2px 0 2px;
  padding-right: 48px; }
.cogov-mixhead { font-size: 17px; font-weight: 600; }
.cogov-png { position: absolute; top: 4px; right: 6px; font-size: 13px; padding: 1px 7px;
  border: 1px solid #9aa5b1; border-radius: 4px; background: #fff; color: #1f3a5f;
  cursor: pointer; z-index: 2; }
.cogov-echart { position: static; }
.cogov-events { font-size: 14px; color: #333; margin: 2px 0 6px; }
.cogov-events .ev { display: inline-block; margin-right: 14px; }
.cogov-alert { border: 1px solid #c62828; border-left: 6px solid #c62828; background: #fdecea;
  color: #5f1212; border-radius: 4px; padding: 8px 12px; margin: 6px 0; }
.cogov-alert .head { font-weight: 600; }
.cogov-problems { white-space: pre-wrap; font-family: monospace; font-size: 14px; margin: 4px 0 0;
  overflow-x: auto; }
.cogov-guide { background: #fff8e1; border: 1px solid #e6b800; border-radius: 8px;
  padding: 6px 12px; margin-bottom: 8px; }
.cogov-guide .head { font-weight: 600; font-size: 17px; color: #5c4000; }
.cogov-guide .text { font-size: 16px; line-height: 1.4; margin: 2px 0 4px; }
.cogov-about h3 { font-size: 18px; color: #1f3a5f; margin: 10px 0 4px; }
.cogov-about p { font-size: 16px; line-height: 1.5; margin: 0 0 8px; max-width: 60em; }
.cogov-path td, .cogov-path th { font-size: 15px; }
.cogov-filepick { border: 1.5px dashed #7f8c99; border-radius: 6px; padding: 10px;
  margin: 6px 0; cursor: pointer; font-size: 14px; color: #33404d; background: #fff; }
.cogov-filepick.over, .cogov-filepick:hover { border-color: #1f3a5f; background: #eef3f8; }
.cogov-dispute-wrap { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr);
  gap: 8px; }
@media (max-width: 1180px) { .cogov-dispute-wrap { grid-template-columns: minmax(0, 1fr); } }
.cogov-network-row { display: flex; gap: 10px; align-items: flex-start; }
.cogov-network-chart { flex: 0 0 auto; width: min(100%, max(320px, calc(100vh - 410px))); }
.cogov-network-legend { flex: 1 1 200px; min-width: 180px; }
.cogov-network-legend .cogov-legend { flex-direction: column; }
@media (max-width: 1180px) { .cogov-network-row { flex-wrap: wrap; } }
.cogov-download { font-size: 14px; color: #1f3a5f; padding: 4px 6px; margin-top: 4px;
  border-radius: 4px; }
.cogov-download:hover { background: #eef3f8; }
.cogov-speed .v-btn { min-width: 44px !important; padding: 0 6px !important; }
.v-slide-group__content .v-tab, .v-tab { font-size: 15px; text-transform: none; }
"""


def _swatch(colour: str, shape: str = "box", edge: str | None = None) -> str:
    edge_css = f"border:1.5px solid {edge};" if edge else ""
    if shape == "line":
        return (f'<span class="sw" style="width:22px;height:0;border-top:3px solid {colour};'
                f'"></span>')
    if shape == "dash":
        return (f'<span class="sw" style="width:22px;height:0;border-top:3px dashed {colour};'
                f'"></span>')
    if shape == "dot":
        return (f'<span class="sw" style="width:11px;height:11px;border-radius:50%;'
                f'background:{colour};{edge_css}"></span>')
    glyph = {"triangle": "▲", "rect": "■", "star": "★", "diamond": "◆", "circle": "●",
             "pin": "⬤"}.get(shape)
    if glyph:
        return f'<span class="sw" style="color:{colour};font-size:15px">{glyph}</span>'
    return (f'<span class="sw" style="width:12px;height:12px;background:{colour};'
            f'{edge_css}"></span>')


def legend_html(items: Sequence[tuple[str, str]]) -> str:
    """A row of (swatch HTML, label) pairs."""
    return '<div class="cogov-legend">' + "".join(
        f"<span>{sw}{escape(label)}</span>" for sw, label in items) + "</div>"


def kpis_html(values: dict[str, float], lang: Lang) -> str:
    """Headline numbers of one mix, as cards (this week's values)."""
    cards = []
    for key in KPIS:
        value = format_value(values.get(key, float("nan")), unit_of(key))
        cards.append(f'<div class="cogov-kpi" title="{escape(outcome_help(key, lang))}">'
                     f'<div class="v">{escape(value)}</div>'
                     f'<div class="l">{escape(outcome_label(key, lang))}</div></div>')
    return '<div class="cogov-kpis">' + "".join(cards) + "</div>"


def comparison_html(keys: Sequence[str], heads: Sequence[str],
                    values: Sequence[dict[str, float]], lang: Lang,
                    compact: bool = False) -> str:
    """Outcomes of one or two mixes side by side, with the difference B − A (shares in
    percentage points) and each outcome's unit."""
    head = "".join(f"<th>{escape(h)}</th>" for h in heads)
    diff_head = f"<th>{escape(t('difference', lang))}</th>" if len(values) == 2 else ""
    rows = []
    for key in keys:
        unit = unit_of(key)
        cells = "".join(f'<td class="n">{escape(format_value(v.get(key), unit))}</td>'
                        for v in values)
        diff = ""
        if len(values) == 2:
            a, b = values[0].get(key), values[1].get(key)
            d = None if a is None or b is None else b - a
            diff = f'<td class="n">{escape(format_difference(d, unit, lang))}</td>'
        shown_unit = unit_label(unit, lang) if unit != "share" else "%"
        rows.append(f'<tr><td title="{escape(outcome_help(key, lang))}">'
                    f"{escape(outcome_label(key, lang))}</td>{cells}{diff}"
                    f'<td class="u">{escape(shown_unit)}</td></tr>')
    cls = "cogov-table compact" if compact else "cogov-table"
    return (f'<table class="{cls}"><tr><th>{escape(t("outcome", lang))}</th>{head}'
            f"{diff_head}<th>{escape(t('unit', lang))}</th></tr>{''.join(rows)}</table>")


def kpi_table_html(heads: Sequence[str], values: Sequence[dict[str, float]], lang: Lang) -> str:
    """Headline numbers of two mixes side by side, with B − A."""
    return comparison_html(KPIS, heads, values, lang, compact=True)


def outcomes_table_html(heads: Sequence[str], values: Sequence[dict[str, float]],
                        lang: Lang) -> str:
    """Every outcome of `OUTCOMES` (the whole run so far), one or two mixes."""
    return comparison_html([o.name for o in metrics.OUTCOMES], heads, values, lang)


def funnel_html(funnel: Funnel, lang: Lang, scale: int | None = None) -> str:
    """The funnel as bars: disputes arisen, then how they ended, then the live queues.

    `scale` is the count a full bar stands for (the larger mix's disputes, so two funnels
    side by side share a scale).
    """
    full = max(scale or funnel.total, 1)
    total = f"{escape(t('arisen', lang))}: {funnel.arisen:,}"
    if funnel.carried:
        total += " " + escape(t("carried", lang, n=f"{funnel.carried:,}"))
    rows = [f'<div class="total">{total}</div>']
    for key, count in funnel.rows:
        width = 100.0 * count / full
        rows.append(
            f'<div class="row"><span class="name">{escape(t(key, lang))}</span>'
            f'<span class="bar"><div class="fill" style="width:{width:.1f}%;'
            f'background:{FUNNEL_COLOURS[key]}"></div></span>'
            f'<span class="n">{count:,}</span></div>')
    queues = " · ".join(f"{q:,}" for q in funnel.queues)
    rows.append(f'<div class="row"><span class="name">{escape(t("queues", lang))}</span>'
                f"<span><b>{queues}</b></span></div>")
    return '<div class="cogov-funnel">' + "".join(rows) + "</div>"


def network_legend_html(layout: Layout, colour_by: ColourBy, lang: Lang) -> str:
    items: list[tuple[str, str]] = []
    if layout.level == "residents":
        for state, colour in STATE_COLOURS.items():
            items.append((_swatch(colour, "dot"), t(state.name.lower(), lang)))
        items.append((_swatch("#FFFFFF", "dot", "#5b6770"), t("grid", lang)))
    else:
        lo, hi, colours = SCALES[colour_by]
        if colour_by == "trust":
            fmt = "{:+.2f}"
            low, high = fmt.format(lo), fmt.format(hi)
        else:
            low, high = f"{lo:g}", f"≥{hi:g}"
        scale = (f'{escape(low)}<span class="cogov-scale" style="background:'
                 f'linear-gradient(to right, {", ".join(colours)})"></span>{escape(high)}')
        items.append((scale, t(f"colour_{colour_by}", lang)))
    items.append((_swatch(CELL_COLOURS[1], "triangle"), t("cell_active", lang)))
    items.append((_swatch("#9aa5b1", "triangle"), t("cell_inactive", lang)))
    for name in ("town_office", "county_centre", "court", "social_organisation"):
        symbol, _size, colour = INSTITUTIONS[name]
        shape = "star" if symbol.startswith("path://") else symbol
        items.append((_swatch(colour, shape), t(name, lang)))
    for rung, colour in RUNG_COLOURS.items():
        items.append((_swatch(colour, "line"), t(f"rung_{rung}", lang)))
    items.append((_swatch(PETITION_COLOUR, "line"), t("petition_lines", lang)))
    return legend_html(items) + f'<div class="cogov-note">{escape(t("flows_legend", lang))}</div>'


def events_html(events: Sequence[tuple[str, Event]], lang: Lang) -> str:
    """The events of the run so far, each with the mix it happened in (when two)."""
    if not events:
        return f'<div class="cogov-events">{escape(t("no_events", lang))}</div>'
    parts = []
    for mix, e in events:
        mark = {"shock": "⚡", "ramp": "↗", "surge": "▲"}[e.kind]
        prefix = f"{mix} · " if mix else ""
        parts.append(f'<span class="ev">{mark} {escape(prefix + event_text(e, lang))}</span>')
    return (f'<div class="cogov-events"><b>{escape(t("events", lang))}:</b> '
            + "".join(parts) + "</div>")


def dispute_html(view: DisputeView, lang: Lang) -> str:
    rows = "".join(f"<tr><td class='n'>{week}</td><td>{escape(where)}</td>"
                   f"<td>{escape(what)}</td></tr>" for week, where, what in view.rows)
    return (f'<div class="cogov-title">{escape(view.title)}</div>'
            f"<div>{escape(view.parties)}</div><div>{escape(view.home)}</div>"
            f'<div class="cogov-note">{escape(view.summary)}</div>'
            f'<table class="cogov-table cogov-path"><tr><th>{escape(t("path_week", lang))}'
            f'</th><th>{escape(t("path_where", lang))}</th><th>{escape(t("path_what", lang))}'
            f"</th></tr>{rows}</table>")


def guide_html(step: Step, n: int, total: int, lesson_title: str, lang: Lang) -> str:
    return (f'<div class="head">{escape(lesson_title)} · '
            f'{escape(t("guide_step", lang, n=n, total=total))} · '
            f"{escape(pick(step.title, lang))}</div>"
            f'<div class="text">{escape(pick(step.text, lang))}</div>')


def about_html(lang: Lang) -> str:
    parts = []
    for heading, paragraphs in about():
        parts.append(f"<h3>{escape(pick(heading, lang))}</h3>")
        parts.extend(f"<p>{escape(pick(p, lang))}</p>" for p in paragraphs)
    return '<div class="cogov-about">' + "".join(parts) + "</div>"


def windowed_note(key: str, lang: Lang) -> str:
    return t("past_year", lang) if key in windowed_outcomes() else ""

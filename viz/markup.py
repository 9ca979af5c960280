"""HTML for the page's words and simple graphics: headline numbers, funnel, legends.

Pure functions from frame data and language to HTML strings, so the browser renders every
word (in Chinese too, with the viewer's own fonts) and the tests can read them. Every
text is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from viz.charts import (
    FUNNEL_COLOURS,
    GROUP_COLOURS,
    KPI_KIND,
    KPIS,
    MIX_COLOURS,
    ChartSpec,
    Funnel,
    format_value,
)
from viz.i18n import Lang, outcome_help, outcome_label, t
from viz.network import ACTOR_STYLE, SCALES, STATE_COLOURS, TIE_STYLE, ColourBy, colour_stops

CSS = """
.cogov-header { display: flex; align-items: center; gap: 16px; height: 56px; padding: 0 16px;
  background: #1f3a5f; color: #fff; }
.cogov-header .title { font-size: 22px; font-weight: 600; flex: 1 1 auto; }
.cogov-header .v-label { color: #fff; opacity: 1; font-size: 16px; }
.cogov-header .v-btn { color: #fff; border-color: #fff; }
.cogov-shell { display: flex; height: calc(100vh - 56px); }
.cogov-side { flex: 0 0 380px; overflow-y: auto; padding: 8px; background: #f4f6f8; }
.cogov-body { flex: 1 1 auto; overflow-y: auto; padding: 12px; font-size: 16px; }
.cogov-lever-label { font-size: 15px; }
.cogov-panel { background: #fff; border-radius: 8px; padding: 8px 10px; margin: 0 0 10px;
  box-shadow: 0 1px 3px rgba(0, 0, 0, 0.15); }
.cogov-panel img { display: block; margin: 0 auto; }
.cogov-kpis { display: flex; flex-wrap: wrap; gap: 10px; }
.cogov-kpi { flex: 1 1 120px; background: #f5f7fa; border-radius: 8px; padding: 8px 12px; }
.cogov-kpi .v { font-size: 26px; font-weight: 600; color: #1f3a5f; line-height: 1.2; }
.cogov-kpi .l { font-size: 13px; color: #4a5560; }
.cogov-table { border-collapse: collapse; width: 100%; font-size: 16px; }
.cogov-table th, .cogov-table td { padding: 4px 10px; border-bottom: 1px solid #e3e7eb; }
.cogov-table td.n { text-align: right; font-variant-numeric: tabular-nums; font-weight: 600; }
.cogov-funnel .row { display: flex; align-items: center; margin: 3px 0; font-size: 14px; }
.cogov-funnel .name { flex: 0 0 42%; padding-right: 6px; color: #333; }
.cogov-funnel .bar { flex: 1 1 auto; background: #f0f2f5; height: 18px; border-radius: 3px; }
.cogov-funnel .fill { height: 18px; border-radius: 3px; }
.cogov-funnel .n { flex: 0 0 64px; text-align: right; font-variant-numeric: tabular-nums; }
.cogov-funnel .total { font-weight: 600; margin-bottom: 4px; }
.cogov-legend { display: flex; flex-wrap: wrap; gap: 4px 14px; font-size: 13px; color: #333; }
.cogov-legend span.sw { display: inline-block; margin-right: 5px; vertical-align: middle; }
.cogov-scale { display: inline-block; width: 120px; height: 10px; vertical-align: middle;
  margin: 0 6px; border-radius: 2px; }
.cogov-title { font-size: 18px; font-weight: 600; color: #1f3a5f; margin: 2px 0 4px; }
.cogov-mixhead { font-size: 18px; font-weight: 600; }
.cogov-alert { border: 1px solid #c62828; border-left: 6px solid #c62828; background: #fdecea;
  color: #5f1212; border-radius: 4px; padding: 8px 12px; margin: 6px 0; }
.cogov-alert .head { font-weight: 600; }
.cogov-problems { white-space: pre-wrap; font-family: monospace; font-size: 14px; margin: 4px 0 0;
  overflow-x: auto; }
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
    glyph = {"^": "▲", "s": "■", "*": "★", "D": "◆", "p": "⬟"}.get(shape)
    if glyph:
        return f'<span class="sw" style="color:{colour};font-size:15px">{glyph}</span>'
    return (f'<span class="sw" style="width:12px;height:12px;background:{colour};'
            f'{edge_css}"></span>')


def legend_html(items: Sequence[tuple[str, str]]) -> str:
    """A row of (swatch HTML, label) pairs."""
    return '<div class="cogov-legend">' + "".join(
        f"<span>{sw}{escape(label)}</span>" for sw, label in items) + "</div>"


def kpis_html(values: dict[str, float], lang: Lang) -> str:
    """Headline numbers of one mix, as cards."""
    cards = []
    for key in KPIS:
        value = format_value(values.get(key, float("nan")), KPI_KIND.get(key, "share"))
        cards.append(f'<div class="cogov-kpi" title="{escape(outcome_help(key, lang))}">'
                     f'<div class="v">{escape(value)}</div>'
                     f'<div class="l">{escape(outcome_label(key, lang))}</div></div>')
    return '<div class="cogov-kpis">' + "".join(cards) + "</div>"


def kpi_table_html(names: Sequence[str], values: Sequence[dict[str, float]], lang: Lang) -> str:
    """Headline numbers of two mixes side by side, with the difference B − A."""
    head = "".join(f"<th>{escape(t('mix', lang, name=n))}</th>" for n in names)
    rows = []
    for key in KPIS:
        kind = KPI_KIND.get(key, "share")
        cells = "".join(f'<td class="n">{escape(format_value(v.get(key, float("nan")), kind))}'
                        "</td>" for v in values)
        diff = ""
        if len(values) == 2:
            d = values[1].get(key, float("nan")) - values[0].get(key, float("nan"))
            text = format_value(abs(d), kind)
            sign = "" if text == "–" else ("+" if d > 0 else "−" if d < 0 else "±")
            diff = f'<td class="n">{escape(sign + text)}</td>'
        rows.append(f'<tr><td title="{escape(outcome_help(key, lang))}">'
                    f"{escape(outcome_label(key, lang))}</td>{cells}{diff}</tr>")
    diff_head = f"<th>{escape(t('difference', lang))}</th>" if len(values) == 2 else ""
    return (f'<table class="cogov-table"><tr><th>{escape(t("outcome", lang))}</th>{head}'
            f"{diff_head}</tr>{''.join(rows)}</table>")


def funnel_html(funnel: Funnel, lang: Lang, scale: int | None = None) -> str:
    """The funnel as bars: disputes arisen, then how they ended, then the live queues.

    `scale` is the count a full bar stands for (the larger mix's disputes, so two funnels
    side by side share a scale).
    """
    full = max(scale or funnel.arisen, 1)
    rows = [f'<div class="total">{escape(t("arisen", lang))}: {funnel.arisen:,}</div>']
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


def network_legend_html(draw_residents: bool, colour_by: ColourBy, lang: Lang) -> str:
    items: list[tuple[str, str]] = []
    if draw_residents:
        for state, colour in STATE_COLOURS.items():
            items.append((_swatch(colour, "dot"), t(state.name.lower(), lang)))
        items.append((_swatch("#FFFFFF", "dot", "#5b6770"), t("grid", lang)))
    else:
        _cmap, lo, hi = SCALES[colour_by]
        stops = ", ".join(colour_stops(colour_by))
        fmt = (lambda v: f"{100 * v:.0f}%") if colour_by == "dispute" else (lambda v: f"{v:.1f}")
        scale = (f'{escape(fmt(lo))}<span class="cogov-scale" style="background:'
                 f'linear-gradient(to right, {stops})"></span>≥{escape(fmt(hi))}')
        key = "share_in_dispute" if colour_by == "dispute" else "mean_trust"
        items.append(("", f"{t('grid', lang)}: {t(key, lang)}"))
        items.append((scale, ""))
    for name in ("party_cell", "party_cell_inactive", "town_office", "county_centre", "court",
                 "social_organisation"):
        marker, _, face, edge = ACTOR_STYLE[name]
        colour = edge if face == "#FFFFFF" else face
        items.append((_swatch(colour, marker), t(name, lang)))
    for name in ("service_tie", "coordination_tie") + (("social_tie",) if draw_residents else ()):
        items.append((_swatch(TIE_STYLE[name][0], "line"), t(name, lang)))
    return legend_html(items)


def chart_legend_html(spec: ChartSpec, mix_names: Sequence[str], lang: Lang) -> str:
    """Which line is which: groups by colour (welfare), mixes by colour or dash."""
    items: list[tuple[str, str]] = []
    if len(spec.series) > 1:
        for name in spec.series:
            items.append((_swatch(GROUP_COLOURS[name], "line"), outcome_label(name, lang)))
        if len(mix_names) > 1:
            for i, mix in enumerate(mix_names):
                items.append((_swatch("#333333", "line" if i == 0 else "dash"),
                              t("mix", lang, name=mix)))
    elif len(mix_names) > 1:
        for i, mix in enumerate(mix_names):
            items.append((_swatch(MIX_COLOURS[i], "line" if i == 0 else "dash"),
                          t("mix", lang, name=mix)))
    return legend_html(items) if items else ""


def chart_title(spec: ChartSpec, lang: Lang) -> str:
    return outcome_label(spec.key, lang)

"""Words on the page, in English and Chinese.

The page's own words (titles, buttons, legends) live in `UI`, one entry per key with both
languages. Parameter labels and help text come from the scenario declarations
(`ParameterSpec.label_zh`, `meaning`, `meaning_zh`) and outcome labels from
`simulation.metrics.OUTCOMES`, so they are never copied here.
"""

from __future__ import annotations

from typing import Literal

from simulation import metrics
from simulation.scenario import ParameterSpec

Lang = Literal["en", "zh"]
LANGS: tuple[Lang, ...] = ("en", "zh")

# key: (English, 中文). Placeholders in braces are filled by `t(key, lang, **values)`.
UI: dict[str, tuple[str, str]] = {
    # title bar and modes
    "app_title": ("Co-governance in a county", "县域共建共治共享模拟"),
    "switch_language": ("中文", "English"),
    "compare": ("Compare two mixes", "对比两种组合"),
    "mix": ("Mix {name}", "组合 {name}"),
    # run controls
    "run": ("Run", "运行"),
    "play": ("Play", "播放"),
    "pause": ("Pause", "暂停"),
    "step": ("Step", "单步"),
    "reset": ("Reset", "重置"),
    "speed": ("Weeks per frame", "每帧推进周数"),
    "seed": ("Random seed", "随机种子"),
    "seed_help": ("Same seed, same county and same chance events: differences between "
                  "two mixes come from the levers.",
                  "随机种子相同，县域与随机事件相同：两种组合的差异来自政策抓手。"),
    "week_of": ("Week {week} of {total}", "第 {week} 周 / 共 {total} 周"),
    "finished": ("End of run", "运行结束"),
    "restart_note": ("Every change restarts the county at week 0 with the same seed.",
                     "任何调整都会以相同随机种子从第 0 周重新开始。"),
    # county and scenario
    "county": ("County", "县域"),
    "scenario": ("Policy mix (scenario)", "政策组合（情景）"),
    "scenario_file": ("Scenario file (name in the server's scenario folder)",
                      "情景文件（服务器情景文件夹中的文件名）"),
    "load": ("Load", "加载"),
    "upload": ("or drop a scenario .yaml file (or a network file it names) here",
               "或将情景 .yaml 文件（或其引用的网络文件）拖放到这里"),
    "network_uploaded": ("{name} uploaded: a scenario uploaded next can name it in "
                         "network.file.",
                         "已上传 {name}：之后上传的情景可在 network.file 中引用它。"),
    "building": ("Building the county…", "正在建立县域模型……"),
    "levers": ("Policy levers", "政策抓手"),
    "back_to_scenario": ("Back to the scenario's values", "恢复情景原值"),
    "changed_levers": ("{n} lever(s) moved from the scenario", "已调整 {n} 项抓手"),
    # lever groups (the sections of `levers:` in a scenario)
    "group_self_governance": ("Self-governance", "自治"),
    "group_rule_of_law": ("Rule of law", "法治"),
    "group_rule_of_virtue": ("Rule of virtue", "德治"),
    "group_smart_governance": ("Smart governance", "智治"),
    "group_party_leadership": ("Party leadership", "党建引领"),
    # errors (never a traceback)
    "scenario_problems": ("This scenario has problems; still showing the last valid one:",
                          "该情景有问题，仍显示上一个有效情景："),
    "build_failed": ("The county could not be built:", "无法建立县域模型："),
    "unexpected": ("Something went wrong ({what}). The run was stopped; press Reset to "
                   "go on.", "出现问题（{what}），运行已停止；请点击“重置”继续。"),
    "draw_failed": ("This part of the page could not be drawn ({what}); the server log "
                    "says why.", "页面此处无法绘制（{what}），原因见服务器日志。"),
    # network
    "network": ("County network: grids and institutions", "县域网络：网格与治理主体"),
    "network_residents": ("Every resident drawn ({n}), coloured by dispute state",
                          "逐一绘出全部居民（{n} 人），按纠纷状态着色"),
    "network_grids": ("{n} residents: each grid drawn as one circle, sized by population",
                      "{n} 名居民：每个网格画作一个圆，大小表示人口"),
    "colour_by": ("Colour grids by", "网格着色依据"),
    "share_in_dispute": ("share of residents in a dispute", "纠纷中居民比例"),
    "mean_trust": ("mean trust", "平均信任"),
    "calm": ("Calm", "平稳"),
    "in_dispute": ("In a dispute", "纠纷中"),
    "discontented": ("Discontented", "心存不满"),
    "grid": ("Grid", "网格"),
    "party_cell": ("Party cell", "网格党组织"),
    "party_cell_inactive": ("Grid without an active party cell", "尚无活跃党组织的网格"),
    "town_office": ("Town / street office", "镇（街道）"),
    "county_centre": ("County dispute centre", "县矛调中心"),
    "court": ("Court", "法院"),
    "social_organisation": ("Social organisation", "社会组织"),
    "service_tie": ("Service tie", "服务联系"),
    "coordination_tie": ("Coordination tie", "协同联系"),
    "social_tie": ("Resident tie", "居民关系"),
    # funnel
    "funnel": ("Dispute funnel (cumulative)", "纠纷化解漏斗（累计）"),
    "arisen": ("Disputes arisen", "发生纠纷"),
    "resolved_l0": ("L0 settled by the parties", "L0 当事人自行和解"),
    "resolved_l1": ("L1 grid / community mediation", "L1 网格、社区调解"),
    "resolved_l2": ("L2 town, county centre, social org.", "L2 镇街、矛调中心、社会组织"),
    "resolved_l3": ("L3 court, arbitration", "L3 诉讼、仲裁"),
    "relapsed": ("Relapsed (agreement not kept)", "反悔（协议未履行）"),
    "abandoned": ("Abandoned", "放弃"),
    "escalated": ("Escalated (petition)", "上访"),
    "resolved_petition": ("Petition office resolved", "信访部门化解"),
    "closed_unresolved": ("Closed, grievance unmet", "办结未解决"),
    "lumped": ("Lumped (never taken in)", "隐忍未反映"),
    "open": ("Still open", "尚未了结"),
    "carried": ("(+ {n} open from the warm-up)", "（另有预热期遗留 {n} 件）"),
    "queues": ("Waiting now at L1 · L2 · L3", "当前排队：L1 · L2 · L3"),
    # charts
    "charts": ("Outcomes week by week", "逐周结果"),
    "welfare_by_group": ("Welfare by group (yuan per year)", "分群体福利（元/年）"),
    "welfare_urban": ("Urban", "城镇"),
    "welfare_rural": ("Rural", "农村"),
    "welfare_elderly": ("Aged 60+", "60岁以上"),
    "welfare_digitally_excluded": ("Digitally excluded", "无数字接入"),
    "week": ("week", "周"),
    "difference": ("B − A", "B − A"),
    "outcome": ("Outcome", "指标"),
    "week_axis": ("week", "周"),
    "past_year": ("past 52 weeks", "近52周"),
    "points": ("{value} pp", "{value} 个百分点"),
    "png": ("PNG", "PNG"),
    "png_help": ("Save this chart as a PNG picture", "将此图保存为 PNG 图片"),
    "csv": ("Series (CSV)", "序列数据（CSV）"),
    "csv_help": ("Every weekly value of this run, for a spreadsheet",
                 "本次运行的全部逐周数据，可用电子表格打开"),
    "export": ("Export", "导出"),
    # layout
    "tab_overview": ("Overview", "总览"),
    "tab_network": ("County network", "县域网络"),
    "tab_charts": ("All charts", "全部图表"),
    "tab_dispute": ("Follow a dispute", "跟踪纠纷"),
    "tab_outcomes": ("All outcomes", "全部指标"),
    "tab_about": ("About this model", "关于本模型"),
    "county_card": ("County", "县域"),
    "headline_note": ("Shares and rates of disputes: past 52 weeks (in the first year, the "
                      "weeks so far; rates a year from week {weeks} on)",
                      "纠纷相关比例与比率：近52周（首年按已运行的周数计；年率自第{weeks}周起显示）"),
    "busy": ("Working…", "处理中……"),
    "restoring": ("Restoring the shared view…", "正在恢复分享的视图……"),
    "uploading": ("Reading the file…", "正在读取文件……"),
    "levers_moved": ("{n} lever(s) moved", "已调整 {n} 项抓手"),
    "choose_file": ("Choose a file…", "选择文件……"),
    "drop_or_click": ("Drop a scenario .yaml (or a network file it names) here, or click to "
                      "choose one",
                      "将情景 .yaml 文件（或其引用的网络文件）拖放到这里，或点击选择文件"),
    "charts_pick": ("Charts shown", "显示的图表"),
    "key_chart": ("Chart", "图表"),
    "events": ("Events", "事件"),
    "no_events": ("No shocks or reforms in this scenario.", "本情景没有冲击或改革。"),
    "event_shock": ("shock", "冲击"),
    "event_ramp": ("reform", "改革"),
    "event_surge": ("surge", "上访高峰"),
    "event_weeks": ("weeks {start}–{end}: {what}", "第 {start}–{end} 周：{what}"),
    "event_week": ("week {week}: {what}", "第 {week} 周：{what}"),
    "shock_dispute_surge": ("{group}: disputes arise ×{factor}", "{group}：纠纷发生率 ×{factor}"),
    "shock_income": ("{group}: incomes −{pct}%", "{group}：收入 −{pct}%"),
    "shock_legitimacy": ("{group}: trust −{pct}%", "{group}：信任 −{pct}%"),
    "ramp_text": ("{lever} moves to {to}", "{lever}逐步调整到 {to}"),
    "surge_text": ("petition surge ({n} in {weeks} weeks)", "上访高峰（{weeks} 周内 {n} 件）"),
    "group_all": ("everyone", "全体居民"),
    "group_urban": ("urban residents", "城镇居民"),
    "group_rural": ("rural residents", "农村居民"),
    "group_migrant": ("migrants", "外来务工人员"),
    "group_elderly": ("residents 60+", "60岁以上居民"),
    # network, as it changes
    "colour_open": ("open disputes per 1,000 residents", "每千名居民未了结纠纷数"),
    "colour_petitions": ("petitions per 10,000 residents a year (past 52 weeks)",
                         "每万人年上访数（近52周）"),
    "colour_trust": ("change of mean trust since week 0", "平均信任较第0周的变化"),
    "colour_open_short": ("Open disputes", "未了结纠纷"),
    "colour_petitions_short": ("Petitions", "上访"),
    "colour_trust_short": ("Trust change", "信任变化"),
    "network_level_residents": ("{n} residents: every resident drawn, by dispute state",
                                "{n} 名居民：逐一绘出每位居民，按纠纷状态着色"),
    "network_level_grids": ("{n} residents: each grid one circle, sized by population",
                            "{n} 名居民：每个网格画作一个圆，大小表示人口"),
    "network_level_towns": ("{n} residents: each town one circle, sized by population",
                            "{n} 名居民：每个镇（街道）画作一个圆，大小表示人口"),
    "flows_legend": ("Lines: where open cases are now, from where the parties live (thicker: "
                     "more cases)",
                     "连线：未了结案件当前所在的受理主体，从当事人所在地连出（越粗案件越多）"),
    "rung_1": ("L1 grid", "L1 网格"),
    "rung_2": ("L2 town, social org., county centre", "L2 镇街、社会组织、县矛调中心"),
    "rung_3": ("L3 court", "L3 法院"),
    "petitions_marker": ("Petitions (the dispute leaves the ladder)", "上访（纠纷离开化解阶梯）"),
    "petition_lines": ("Petitions in the past 4 weeks", "近4周上访"),
    "cell_active": ("Active party cell", "活跃的网格党组织"),
    "cell_inactive": ("No active party cell", "尚无活跃党组织"),
    "this_week": ("This week: {arisen} disputes arose, {petitions} petitions",
                  "本周：发生纠纷 {arisen} 件，上访 {petitions} 件"),
    "click_unit": ("Click a grid or town to follow one of its disputes.",
                   "点击网格或镇（街道），跟踪其中的一件纠纷。"),
    # following a dispute
    "follow_pick": ("Follow", "跟踪"),
    "follow_escalated": ("a dispute that ended in a petition", "一件以上访告终的纠纷"),
    "follow_court": ("a dispute that reached the court", "一件进入法院的纠纷"),
    "follow_open": ("a dispute still open", "一件尚未了结的纠纷"),
    "follow_longest": ("the dispute that has waited longest", "等待最久的纠纷"),
    "follow_none": ("No such dispute yet: play on a little.", "暂时没有这样的纠纷：再播放一会儿。"),
    "follow_number": ("Dispute number", "纠纷编号"),
    "dispute_title": ("Dispute {n} · {kind} · severity {severity}",
                      "纠纷 {n} · {kind} · 严重程度 {severity}"),
    "dispute_parties": ("Parties: {party} and {other}", "当事人：{party} 与 {other}"),
    "dispute_grid": ("Grid {grid} (town {town})", "网格 {grid}（镇 {town}）"),
    "resident_desc": ("resident {n} ({groups})", "居民 {n}（{groups}）"),
    "firm_or_office": ("a firm, market or office", "企业、市场或机关"),
    "urban": ("urban", "城镇"),
    "rural": ("rural", "农村"),
    "aged_60": ("60+", "60岁以上"),
    "migrant": ("migrant", "外来务工"),
    "no_digital": ("no internet", "无数字接入"),
    "kind_0": ("neighbour / family", "邻里、婚姻家庭"),
    "kind_1": ("property / land", "房产、土地"),
    "kind_2": ("labour / wages", "劳动、欠薪"),
    "kind_3": ("consumer / market", "消费、市场"),
    "kind_4": ("public service demand", "民生诉求"),
    "path_week": ("Week", "周"),
    "path_where": ("Where", "所在"),
    "path_what": ("What", "状态"),
    "stage_0": ("arose, not yet reported", "发生，尚未反映"),
    "stage_1": ("waiting (queue or hand-off)", "排队或转交途中"),
    "stage_2": ("being handled", "正在办理"),
    "holder_party_cell": ("grid {n} mediation (party cell)", "网格 {n} 调解（网格党组织）"),
    "holder_town_office": ("town {n} office", "镇（街道）{n}"),
    "holder_social_organisation": ("social organisation {n}", "社会组织 {n}"),
    "holder_county_centre": ("county dispute centre", "县矛调中心"),
    "holder_court": ("court (litigation)", "法院（诉讼）"),
    "holder_court_entrusted": ("court-entrusted mediation", "法院委派调解"),
    "holder_petition_office": ("petition office (信访)", "信访部门"),
    "ended_1": ("resolved at L{level}", "在 L{level} 化解"),
    "ended_2": ("agreement broken at L{level}: the dispute comes back",
                "L{level} 达成的协议未履行：纠纷再起"),
    "ended_3": ("given up", "放弃"),
    "ended_4": ("petition left unresolved (信访)", "信访未解决"),
    "ended_5": ("endured, never brought forward", "隐忍未反映"),
    "ended_6": ("closed without meeting the grievance", "办结但诉求未解决"),
    "dispute_summary": ("{weeks} weeks so far, {waited} of them waiting; {handoffs} hand-off(s)",
                        "至今 {weeks} 周，其中等待 {waited} 周；转交 {handoffs} 次"),
    "dispute_summary_ended": ("{weeks} weeks from arising to the end, {waited} of them "
                              "waiting; {handoffs} hand-off(s)",
                              "从发生到了结共 {weeks} 周，其中等待 {waited} 周；"
                              "转交 {handoffs} 次"),
    "dispute_mix": ("In mix", "组合"),
    # all outcomes
    "outcomes_note": ("The whole run so far, as `cogov run` reports it.",
                      "至今整个运行期的数值，与 `cogov run` 的结果一致。"),
    "unit": ("Unit", "单位"),
    # guide
    "guide": ("Guide", "课程引导"),
    "guide_lesson": ("Lesson", "课程"),
    "guide_step": ("Step {n} of {total}", "第 {n} 步 / 共 {total} 步"),
    "guide_back": ("Back", "上一步"),
    "guide_next": ("Next", "下一步"),
    "guide_close": ("Close the guide", "关闭引导"),
}

_EN_WORDS = {"gini": "Gini", "10k": "10,000", "l0": "L0", "l1": "L1", "l2": "L2",
             "l3": "L3", "p90": "90th percentile"}


def t(key: str, lang: Lang, **values: object) -> str:
    """The page's word for `key` in `lang`; KeyError for a key missing from `UI`."""
    en, zh = UI[key]
    text = zh if lang == "zh" else en
    return text.format(**values) if values else text


def humanise(name: str) -> str:
    """'welfare_gini' -> 'Welfare Gini': an English label from an identifier."""
    words = [_EN_WORDS.get(w, w) for w in name.split("_")]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def param_label(spec: ParameterSpec, lang: Lang) -> str:
    """A parameter's short label: its declared `label_zh`, or its name in English."""
    if lang == "zh" and spec.label_zh:
        return spec.label_zh
    return humanise(spec.path.rsplit(".", 1)[-1])


def param_help(spec: ParameterSpec, lang: Lang) -> str:
    """A parameter's help text: its declared meaning (`meaning_zh` in Chinese)."""
    if lang == "zh" and spec.meaning_zh:
        return spec.meaning_zh
    return spec.meaning


def _outcome(name: str):
    """An outcome's declaration, looked up when asked (an outcome the model gains later
    has its words at once)."""
    return next((o for o in metrics.OUTCOMES if o.name == name), None)


def outcome_label(name: str, lang: Lang) -> str:
    """An outcome's short label: `OUTCOMES` label_zh in Chinese, its name in English.

    Recorded series that are not outcomes (welfare of one group) take their words from `UI`.
    """
    spec = _outcome(name)
    if spec is None:
        return t(name, lang)
    return spec.label_zh if lang == "zh" else humanise(name)


def outcome_help(name: str, lang: Lang) -> str:
    """An outcome's meaning as declared in `OUTCOMES` (`meaning_zh` in Chinese)."""
    spec = _outcome(name)
    if spec is None:
        return ""
    if lang == "zh":
        return spec.meaning_zh
    return f"{spec.meaning} ({spec.unit})"


# Units of the outcomes (`OutcomeSpec.unit`) as an axis names them; an unknown unit is
# shown as declared.
UNITS: dict[str, tuple[str, str]] = {
    "share": ("%", "%"),
    "0-1": ("index, 0-1", "指数，0-1"),
    "index": ("index", "指数"),
    "ratio": ("ratio", "比值"),
    "weeks": ("weeks", "周"),
    "hours": ("hours per resident a year", "小时/人·年"),
    "yuan": ("yuan", "元"),
    "yuan per year": ("yuan a year", "元/年"),
    "per 10,000 per year": ("per 10,000 residents a year", "每万人每年"),
    "per 1,000 per year": ("per 1,000 residents a year", "每千人每年"),
}


def unit_label(unit: str, lang: Lang) -> str:
    en, zh = UNITS.get(unit, (unit, unit))
    return zh if lang == "zh" else en


# Problems found in a scenario or a change are written in English by the model's loader
# (file, line, field, what is wrong, what is allowed). In Chinese, their fixed words are
# translated; names, numbers and values stay as they are.
_PROBLEM_ZH: tuple[tuple[str, str], ...] = (
    (r"\(did you mean '([^']*)'\?\)", r"（是否应为 '\1'？）"),
    (r"(^|\n)  allowed: ", r"\1  允许："),
    (r"; got: ", "；实际："),
    (r"(^|\n)  got: ", r"\1  实际："),
    (r"\bout of range\b", "超出允许范围"),
    (r"^seed: ", "随机种子："),
    (r"unknown key '([^']*)'", r"未知字段 '\1'"),
    (r"unknown parameter '([^']*)'", r"未知参数 '\1'"),
    (r"a whole number from ([\d,.-]+) to ([\d,.-]+)", r"\1 到 \2 之间的整数"),
    (r"a number from ([\d,.-]+) to ([\d,.-]+)", r"\1 到 \2 之间的数"),
    (r"no scenario file or bundled scenario named ", "找不到情景文件或内置情景："),
    (r"extends names a scenario that does not exist: ", "extends 指向的情景不存在："),
    (r"the page takes a scenario \(\.yaml\) or a network file \(",
     "页面只接受情景文件（.yaml）或网络文件（"),
    (r"the file is too large \(([\d,]+) bytes; the browser view takes at most ([\d,]+)\)",
     r"文件过大（\1 字节；浏览器界面最多接受 \2 字节）"),
    (r"no such file", "文件不存在"),
    (r"one of: ", "以下之一："),
    (r"a bundled scenario: ", "内置情景："),
    (r"expected a mapping of keys to values", "应为“键: 值”形式的映射"),
    (r"a mapping \(key: value lines, indented under this key\)",
     "映射（缩进在此键下的“键: 值”行）"),
    (r"YAML syntax error: ", "YAML 语法错误："),
    (r"expected (.+), got the word ('[^']*')", r"应为\1，实际为词语 \2"),
    (r"this page reads only bundled scenarios and files uploaded in this session",
     "本页面只读取内置情景和本次会话上传的文件"),
    (r"this page reads network files only from files uploaded in this session",
     "本页面只从本次会话上传的文件中读取网络文件"),
    (r"or in the server's scenario folder", "或服务器情景文件夹中的文件"),
    (r"; a name here cannot start with '/' or hold '\.\.'",
     "；此处的名称不能以 '/' 开头，也不能包含 '..'"),
    (r"is more than the browser view allows \(at most ([\d,]+)\)",
     r"超过浏览器界面允许的上限（最多 \1）"),
    (r"not enough memory for a county this size", "内存不足，无法建立这么大的县域"),
    (r"run larger counties and longer runs with `cogov run`",
     "更大的县域和更长的运行请用 `cogov run`"),
    (r"the browser view", "浏览器界面"),
)


def problem_text(line: str, lang: Lang) -> str:
    """A problem line in `lang` (see `_PROBLEM_ZH`)."""
    if lang != "zh":
        return line
    import re

    for pattern, repl in _PROBLEM_ZH:
        line = re.sub(pattern, repl, line)
    return line

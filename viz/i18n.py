"""Words on the page, in English and Chinese.

The page's own words (titles, buttons, legends) live in `UI`, one entry per key with both
languages. Parameter labels and help text come from the scenario declarations
(`ParameterSpec.label_zh`, `meaning`, `meaning_zh`) and outcome labels from
`simulation.metrics.OUTCOMES`, so they are never copied here.
"""

from __future__ import annotations

from typing import Literal

from simulation.metrics import OUTCOMES
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
    "open": ("Still open", "尚未了结"),
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
}

_EN_WORDS = {"gini": "Gini", "10k": "10,000", "l0": "L0", "l1": "L1", "l2": "L2",
             "l3": "L3", "p90": "90th percentile"}
_OUTCOME_BY_NAME = {o.name: o for o in OUTCOMES}


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


def outcome_label(name: str, lang: Lang) -> str:
    """An outcome's short label: `OUTCOMES` label_zh in Chinese, its name in English.

    Recorded series that are not outcomes (welfare of one group) take their words from `UI`.
    """
    spec = _OUTCOME_BY_NAME.get(name)
    if spec is None:
        return t(name, lang)
    return spec.label_zh if lang == "zh" else humanise(name)


def outcome_help(name: str, lang: Lang) -> str:
    """An outcome's meaning as declared in `OUTCOMES` (`meaning_zh` in Chinese)."""
    spec = _OUTCOME_BY_NAME.get(name)
    if spec is None:
        return ""
    if lang == "zh":
        return spec.meaning_zh
    return f"{spec.meaning} ({spec.unit})"

"""Outcomes of a run, as pure functions of a model's state (brief §5).

`step_snapshot` is what is recorded every week (cumulative counts and current states);
`summary` is the run's outcome table, used by the CLI, the sweeps and the browser view.
`OUTCOMES` documents every outcome's meaning and unit once.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numba
import numpy as np

from simulation import metrics_core as mc
from simulation.disputes import Level, Outcome
from simulation.employment import at_risk
from simulation.places import town_spread

if TYPE_CHECKING:
    from simulation.model import CoGovernanceModel


@dataclass(frozen=True)
class OutcomeSpec:
    name: str
    meaning: str
    unit: str
    label_zh: str
    higher_is_better: bool | None = None
    meaning_zh: str = ""
    windowed: bool = True  # also reported for the last year (`<name>_last_year`)


OUTCOMES: tuple[OutcomeSpec, ...] = (
    OutcomeSpec("resolution_rate", "Share of ended disputes that were resolved and held",
                "share", "纠纷化解率", True),
    OutcomeSpec("reported_resolution_rate", "Share of ended disputes recorded as resolved "
                "by the handlers: resolved and held, or closed unresolved (gaming the "
                "ratings)", "share", "上报办结率", None),
    OutcomeSpec("grassroots_share", "Share of resolved disputes resolved at L0-L1 "
                "(小事不出村)", "share", "村(社区)内化解比例", True),
    OutcomeSpec("township_share", "Share of resolved disputes resolved at L0-L2 "
                "(大事不出镇)", "share", "镇街及以下化解比例", True),
    OutcomeSpec("escalations_per_10k", "Disputes that ended as unresolved petitions per "
                "10,000 residents per year", "per 10,000 per year", "每万人年信访未解决数",
                False),
    OutcomeSpec("petitions_per_10k", "Petitions lodged (first and repeat) per 10,000 "
                "residents per year", "per 10,000 per year", "每万人年信访件次", False),
    OutcomeSpec("first_petitions_per_10k", "First petitions per 10,000 residents per year",
                "per 10,000 per year", "每万人年初次信访", False),
    OutcomeSpec("repeat_petitions_per_10k", "Repeat petitions per 10,000 residents per year",
                "per 10,000 per year", "每万人年重复信访", False),
    OutcomeSpec("unresolved_exit_share", "Share of ended disputes that left unresolved: "
                "unresolved petitions, abandoned, lumped, closed unresolved", "share",
                "未解决退出比例", False),
    OutcomeSpec("requests_per_1000", "Grievances taken in by the ladder (found or brought "
                "forward) per 1,000 residents per year", "per 1,000 per year",
                "每千人年受理诉求数", None),
    OutcomeSpec("reporting_share", "Share of grievances not settled alone that were taken "
                "in: taken in / (taken in + lumped)", "share", "诉求受理比例", True),
    OutcomeSpec("lumped_share", "Share of ended disputes that were lumped: endured, never "
                "brought forward nor found", "share", "隐忍比例", False),
    OutcomeSpec("litigation_share", "Share of resolved disputes resolved at L3 (formal law)",
                "share", "诉讼解决比例", None),
    OutcomeSpec("court_filings_per_10k", "Cases filed for litigation at court (立案) per "
                "10,000 residents per year", "per 10,000 per year", "每万人年法院立案数", None),
    OutcomeSpec("prelitigation_diversions_per_10k", "Cases headed for court settled before "
                "filing (at the county centre or in court-entrusted mediation) per 10,000 "
                "residents per year", "per 10,000 per year", "每万人年诉前化解数", None),
    OutcomeSpec("diversion_share", "Share of cases headed for court settled before filing: "
                "diversions / (diversions + filings)", "share", "诉前调解成功比例", None),
    OutcomeSpec("trips_per_resolved", "Trips in person (walk-in reports, filings, hand-offs, "
                "extra departments) per resolved dispute", "trips", "每件化解跑腿次数", False),
    OutcomeSpec("relapse_rate", "Share of agreements not kept (relapsed / (resolved + "
                "relapsed))", "share", "反悔率", False),
    OutcomeSpec("abandon_rate", "Share of ended disputes whose party gave up", "share",
                "放弃率", False),
    OutcomeSpec("grassroots_mediation_success", "Share of L1-L2 mediations that ended in "
                "agreement", "share", "基层调解成功率", True),
    OutcomeSpec("median_weeks", "Median weeks from arising to resolution", "weeks",
                "化解时长中位数", False),
    OutcomeSpec("p90_weeks", "90th percentile of weeks from arising to resolution", "weeks",
                "化解时长90分位", False),
    OutcomeSpec("days_to_resolution_mean", "Mean calendar days from intake to resolution "
                "(disputes the ladder took in; self-settlements excluded)", "days",
                "受理至化解平均天数", False),
    OutcomeSpec("days_to_resolution_median", "Median calendar days from intake to "
                "resolution (self-settlements excluded)", "days", "受理至化解天数中位数",
                False),
    OutcomeSpec("days_to_resolution_p90", "90th percentile of calendar days from intake to "
                "resolution (self-settlements excluded)", "days", "受理至化解天数90分位",
                False),
    OutcomeSpec("satisfaction", "Mean satisfaction of parties with how disputes ended",
                "0-1", "满意度", True),
    OutcomeSpec("trust", "Mean trust in institutions (legitimacy)", "0-1", "平均信任", True),
    OutcomeSpec("norm", "Mean internal norm adherence", "0-1", "规范内化", True),
    OutcomeSpec("false_compliance", "Mean displayed minus internal norm adherence",
                "0-1", "表面遵从", False),
    OutcomeSpec("disputes_per_1000", "Disputes arisen per 1,000 residents per year",
                "per 1,000 per year", "每千人年纠纷数", False),
    OutcomeSpec("prevented_share", "Share of dispute risks defused early (源头治理)",
                "share", "源头化解比例", True),
    OutcomeSpec("welfare_mean", "Mean welfare (income + services - dispute losses)",
                "yuan per year", "平均福利", True),
    OutcomeSpec("welfare_gini", "Gini of welfare", "0-1", "福利基尼系数", False),
    OutcomeSpec("welfare_theil", "Theil T of welfare", "index", "福利泰尔指数", False),
    OutcomeSpec("welfare_theil_between", "Urban/rural between-group part of Theil T",
                "index", "城乡组间泰尔", False),
    OutcomeSpec("welfare_theil_within", "Within urban and rural part of Theil T of welfare "
                "(total - between)", "index", "城乡组内福利泰尔", False),
    OutcomeSpec("top_bottom_ratio", "Welfare of the top 20% / bottom 20%", "ratio",
                "高低收入组比", False),
    OutcomeSpec("bottom20_share", "Share of welfare held by the bottom 20%", "share",
                "最低20%份额", True),
    OutcomeSpec("urban_rural_ratio", "Mean urban welfare / mean rural welfare", "ratio",
                "城乡福利比", False),
    OutcomeSpec("digital_gap", "Welfare gap of the digitally excluded: 1 - their mean / "
                "others' mean", "share", "数字鸿沟", False),
    OutcomeSpec("elderly_gap", "Welfare gap of residents 60+: 1 - their mean / others' mean",
                "share", "老年差距", False),
    OutcomeSpec("income_gini", "Gini of disposable income (earnings and pensions less "
                "dispute losses, plus 低保 paid: NBS's 人均可支配收入, net transfers "
                "included)", "0-1", "可支配收入基尼系数", None),
    OutcomeSpec("market_income_gini", "Gini of income before transfers (earnings and "
                "unemployment benefits less dispute losses; no pensions, no 低保)", "0-1",
                "转移前收入基尼系数", None),
    OutcomeSpec("income_urban_rural_ratio", "Mean urban disposable income / mean rural "
                "disposable income", "ratio", "城乡收入比", None),
    OutcomeSpec("income_top_bottom_ratio", "Disposable income of the top 20% / bottom 20%",
                "ratio", "收入高低组比", None),
    OutcomeSpec("income_theil", "Theil T of disposable income", "index", "收入泰尔指数",
                None),
    OutcomeSpec("income_theil_between", "Urban/rural between-group part of Theil T of "
                "income", "index", "城乡组间收入泰尔", None),
    OutcomeSpec("income_theil_within", "Within urban and rural part of Theil T of income",
                "index", "城乡组内收入泰尔", None),
    OutcomeSpec("migrant_gap", "Welfare gap of migrants: 1 - their mean / others' mean",
                "share", "流动人口差距", False),
    OutcomeSpec("poverty_share", "Share of residents with disposable income below the "
                "relative poverty line (welfare.poverty_line_share × median disposable "
                "income)", "share",
                "相对贫困比例", False),
    OutcomeSpec("income_bottom20_share", "Share of disposable income held by the bottom "
                "20%", "share",
                "收入最低20%份额", True),
    OutcomeSpec("dibao_coverage", "Share of residents eligible for 低保 who receive it "
                "(1 - exclusion error)", "share", "低保覆盖率", True),
    OutcomeSpec("dibao_inclusion", "Share of 低保 recipients who are not eligible "
                "(inclusion error)", "share", "低保错保率", False),
    OutcomeSpec("dibao_per_resident", "低保 paid per resident per year", "yuan per year",
                "人均低保支出", None),
    OutcomeSpec("assisted_share", "Share of residents without digital access who are "
                "assisted online (代办)", "share", "代办覆盖率", True),
    OutcomeSpec("elderly_share", "Share of residents aged 60 or more (ageing: "
                "simulation.demography)", "share", "60岁以上人口比例", None),
    OutcomeSpec("elderly_online_share", "Share of residents 60+ with digital access (their "
                "cohorts' own: CNNIC's 60+ trend is held out)", "share", "老年人网络接入率",
                True),
    OutcomeSpec("unemployment_rate", "Share of urban residents aged 16-59 in an "
                "unemployment spell (simulation.employment)", "share", "城镇失业率", False),
    OutcomeSpec("town_resolution_spread", "Spread between towns of the resolution rate: "
                "standard deviation of the towns' rates (resolved / ended disputes, by the "
                "party's grid), weighted by ended disputes", "share", "镇街化解率差异",
                False),
    OutcomeSpec("quality_resolution_gap", "Resolution rate in towns of above-mean "
                "implementation quality minus that in the other towns (resolved / ended "
                "disputes, by the party's grid; residents' mean quality)", "share",
                "执行质量高低镇街化解率差", None),
    OutcomeSpec("town_welfare_spread", "Spread between towns of mean welfare: standard "
                "deviation of the towns' means over the county's mean, weighted by "
                "residents", "ratio", "镇街福利差异", False),
    OutcomeSpec("volunteer_share", "Share of residents who are active volunteers", "share",
                "志愿者比例", True),
    OutcomeSpec("volunteer_hours", "Volunteer hours per resident per year", "hours",
                "人均志愿时长", True),
    OutcomeSpec("handoff_loss_rate", "Share of hand-offs between actors that lost the case",
                "share", "转办流失率", False),
    OutcomeSpec("spending_per_resident", "Governance spending (levers + cases) per resident "
                "per year", "yuan per year", "人均治理支出", None),
    OutcomeSpec("cost_per_resolved", "Governance spending per resolved dispute", "yuan",
                "每件化解成本", False),
    OutcomeSpec("services_per_resident", "Public services (not 低保 or pensions) per "
                "resident per year", "yuan per year", "人均公共服务", True),
    OutcomeSpec("overspend_per_resident", "Spending above the budget per resident per year "
                "(levers and cases are paid even when they exceed it)", "yuan per year",
                "人均超预算支出", False),
)
# Chinese meanings, for the browser view's help text (the 中文 switch).
_MEANING_ZH = {
    "resolution_rate": "已结束纠纷中得到化解且未反悔的比例",
    "grassroots_share": "已化解纠纷中由当事人自行和解或在网格、村（社区）化解的比例"
    "（小事不出村）",
    "township_share": "已化解纠纷中在镇街及以下化解的比例（大事不出镇）",
    "escalations_per_10k": "每年每万名居民中以信访未解决告终的纠纷数",
    "petitions_per_10k": "每年每万名居民的信访件次（初次与重复）",
    "first_petitions_per_10k": "每年每万名居民的初次信访件数",
    "repeat_petitions_per_10k": "每年每万名居民的重复信访件次",
    "unresolved_exit_share": "已结束纠纷中未获解决而退出的比例：信访未解决、放弃、隐忍、"
    "未解决即结案",
    "reported_resolution_rate": "已结束纠纷中被承办方记为办结的比例：化解且未反悔的，"
    "加上未解决即结案的（应付考评）",
    "requests_per_1000": "每年每千名居民中被受理的诉求数（主动发现或群众反映）",
    "reporting_share": "未自行和解的纠纷中进入受理的比例：受理 /（受理 + 隐忍）",
    "lumped_share": "已结束纠纷中当事人隐忍、始终未反映也未被发现的比例",
    "litigation_share": "已化解纠纷中通过诉讼、仲裁等法律途径化解的比例",
    "court_filings_per_10k": "每年每万名居民中进入法院诉讼立案的案件数",
    "prelitigation_diversions_per_10k": "每年每万名居民中诉前（矛调中心或法院委派调解）化解的"
    "案件数",
    "diversion_share": "拟起诉案件中诉前调解成功的比例：诉前化解 / （诉前化解 + 立案）",
    "trips_per_resolved": "每件化解纠纷中当事人亲自跑腿的次数（来访、起诉、转办、多部门）",
    "relapse_rate": "达成的协议未得到履行而反悔的比例",
    "abandon_rate": "已结束纠纷中当事人放弃的比例",
    "grassroots_mediation_success": "进入网格、镇街调解的纠纷中达成协议的比例",
    "median_weeks": "从纠纷发生到化解所用周数的中位数",
    "p90_weeks": "从纠纷发生到化解所用周数的90分位数",
    "days_to_resolution_mean": "经受理的纠纷从受理到化解的平均天数（不含当事人自行和解）",
    "days_to_resolution_median": "经受理的纠纷从受理到化解天数的中位数（不含当事人自行和解）",
    "days_to_resolution_p90": "经受理的纠纷从受理到化解天数的90分位数（不含当事人自行和解）",
    "satisfaction": "当事人对纠纷结果的平均满意度",
    "trust": "居民对制度与机构的平均信任（合法性）",
    "norm": "居民内在规范遵从的平均水平",
    "false_compliance": "表面遵从与内在规范之差的平均值（红黑榜等带来的表面遵从）",
    "disputes_per_1000": "每年每千名居民发生的纠纷数",
    "prevented_share": "通过源头治理提前发现并化解的纠纷风险比例",
    "welfare_mean": "平均福利：收入加公共服务减纠纷损失（元/年）",
    "welfare_gini": "福利的基尼系数",
    "welfare_theil": "福利的泰尔指数",
    "welfare_theil_between": "泰尔指数中城乡组间部分",
    "top_bottom_ratio": "福利最高20%与最低20%人群的均值之比",
    "bottom20_share": "最低20%人群拥有的福利份额",
    "urban_rural_ratio": "城镇居民与农村居民的平均福利之比",
    "digital_gap": "无数字接入居民的福利差距：1 − 其均值 / 其他人均值",
    "elderly_gap": "60岁以上居民的福利差距：1 − 其均值 / 其他人均值",
    "income_gini": "人均可支配收入的基尼系数：劳动与经营收入、养老金，减纠纷损失，加低保"
    "（含转移净收入，与国家统计局口径一致）",
    "market_income_gini": "转移前收入的基尼系数：劳动与经营收入（含失业保险金）减纠纷损失，"
    "不含养老金与低保",
    "income_urban_rural_ratio": "城镇与农村居民的平均可支配收入之比",
    "income_top_bottom_ratio": "可支配收入最高20%与最低20%人群的均值之比",
    "migrant_gap": "流动人口的福利差距：1 − 其均值 / 其他人均值",
    "poverty_share": "可支配收入低于相对贫困线（可支配收入中位数的一定比例）的居民比例",
    "income_bottom20_share": "可支配收入最低20%人群拥有的收入份额",
    "dibao_coverage": "符合低保条件的居民中实际领取低保的比例（1 − 漏保率）",
    "dibao_inclusion": "低保领取者中不符合条件者的比例（错保率）",
    "dibao_per_resident": "每年人均低保支出",
    "assisted_share": "没有数字接入的居民中得到代办帮办的比例",
    "elderly_share": "60岁及以上居民占全部居民的比例（人口老龄化）",
    "elderly_online_share": "60岁及以上居民中有数字接入的比例（各年龄队列自带的接入水平）",
    "unemployment_rate": "16至59岁城镇居民中处于失业期的比例",
    "welfare_theil_within": "福利泰尔指数中城镇、农村组内的部分（总体减组间）",
    "income_theil": "收入的泰尔T指数",
    "income_theil_between": "收入泰尔指数中城乡组间的部分",
    "income_theil_within": "收入泰尔指数中城镇、农村组内的部分",
    "town_resolution_spread": "各镇街纠纷化解率的标准差（按已结束纠纷数加权）",
    "town_welfare_spread": "各镇街平均福利的标准差除以全县平均福利（按人口加权）",
    "quality_resolution_gap": "执行质量高于全县平均的镇街与其余镇街的纠纷化解率之差",
    "volunteer_share": "活跃志愿者占居民的比例",
    "volunteer_hours": "每年人均志愿服务时长",
    "handoff_loss_rate": "部门间转办过程中案件流失的比例",
    "spending_per_resident": "每年人均治理支出（政策抓手与办案）",
    "cost_per_resolved": "每化解一件纠纷的治理支出",
    "services_per_resident": "每年人均公共服务（不含低保与养老金）",
    "overspend_per_resident": "每年人均超出预算的支出（抓手与办案费用超过预算时仍照付）",
}
RUN_OUTCOMES = tuple(dataclasses.replace(o, meaning_zh=_MEANING_ZH[o.name]) for o in OUTCOMES)

# Every windowed outcome again for the last 52 weeks of the run, generated here so that
# an outcome declared above gets its twin without a second declaration.
LAST_YEAR = "_last_year"
WINDOW_WEEKS = 52


def _last_year(o: OutcomeSpec) -> OutcomeSpec:
    return dataclasses.replace(
        o, name=o.name + LAST_YEAR, meaning=f"{o.meaning} - over the last 52 weeks",
        label_zh=f"{o.label_zh}（最近一年）", meaning_zh=f"{o.meaning_zh}（最近52周）",
        windowed=False)


OUTCOMES = RUN_OUTCOMES + tuple(_last_year(o) for o in RUN_OUTCOMES if o.windowed)
OUTCOME_NAMES: tuple[str, ...] = tuple(o.name for o in OUTCOMES)
RUN_OUTCOME_NAMES: tuple[str, ...] = tuple(o.name for o in RUN_OUTCOMES)
WINDOWED_NAMES: tuple[str, ...] = tuple(o.name for o in RUN_OUTCOMES if o.windowed)
# Counts over the whole run that the summary reports before the outcomes.
COUNT_NAMES: tuple[str, ...] = (
    "residents", "weeks", "arisen", "resolved", "relapsed", "abandoned", "escalated",
    "lumped", "closed_unresolved", "prevented", "resolved_l0", "resolved_l1", "resolved_l2",
    "resolved_l3", "resolved_petition", "first_petitions", "repeat_petitions",
)

# What is recorded every week (the time series); the summary adds time-to-resolution and
# satisfaction, which need the whole pool.
STEP_METRICS: tuple[str, ...] = (
    "arisen", "open", "resolved", "relapsed", "abandoned", "escalated", "lumped",
    "closed_unresolved", "prevented", "resolved_l0", "resolved_l1", "resolved_l2",
    "resolved_l3", "resolved_petition", "first_petitions", "repeat_petitions",
    "queued_l1", "queued_l2", "queued_l3", "queued_petition",
    "resolution_rate", "grassroots_share", "township_share", "escalations_per_10k",
    "litigation_share", "relapse_rate", "trust", "norm", "false_compliance",
    "welfare_mean", "welfare_gini", "welfare_theil", "welfare_theil_between",
    "bottom20_share", "top_bottom_ratio", "urban_rural_ratio", "digital_gap", "elderly_gap",
    "welfare_urban", "welfare_rural", "welfare_elderly", "welfare_digitally_excluded",
    "volunteer_share", "detection_coverage", "spending_per_resident",
    "income_gini", "income_urban_rural_ratio", "income_top_bottom_ratio",
    "market_income_gini",
)

# Outcomes that describe the county's state: over a window, the mean of their weekly
# values (weeks after the window's start up to its end).
STATE_OUTCOMES: tuple[str, ...] = (
    "trust", "norm", "false_compliance", "volunteer_share",
    "welfare_mean", "welfare_gini", "welfare_theil", "welfare_theil_between",
    "top_bottom_ratio", "bottom20_share", "urban_rural_ratio", "digital_gap", "elderly_gap",
    "income_gini", "income_urban_rural_ratio", "income_top_bottom_ratio",
    "market_income_gini", "migrant_gap", "poverty_share", "income_bottom20_share",
    "dibao_coverage", "dibao_inclusion", "assisted_share", "elderly_share", "elderly_online_share",
    "unemployment_rate", "town_welfare_spread", "welfare_theil_within", "income_theil",
    "income_theil_between", "income_theil_within",
)

# Running totals whose differences between a window's ends give its counts and sums.
TALLY_COUNTS: tuple[str, ...] = (  # counts, read from the week's record
    "arisen", "resolved", "relapsed", "abandoned", "escalated", "lumped", "closed_unresolved",
    "prevented", "resolved_l0", "resolved_l1", "resolved_l2", "resolved_l3",
    "resolved_petition", "first_petitions", "repeat_petitions",
)
TALLY_NAMES: tuple[str, ...] = (
    *TALLY_COUNTS, "handoffs", "handoffs_lost", "spent", "services", "overspent",
    "volunteer_hours", "dibao", "court_filings", "prelitigation_diversions", "taken_in",
)


def _ratio(a: float, b: float) -> float:
    return float(a) / float(b) if b else float("nan")


def dispute_counts(model: CoGovernanceModel) -> dict[str, int]:
    """Cumulative counts: arisen, open, each outcome, resolutions by rung."""
    pool = model.disputes
    by_outcome = pool.counts()  # running tallies: O(1) however long the run
    counts = {k: by_outcome[k] for k in ("arisen", "open", "resolved", "relapsed",
                                          "abandoned", "escalated", "lumped",
                                          "closed_unresolved")}
    counts["prevented"] = int(model.prevented)
    for level in (Level.L0, Level.L1, Level.L2, Level.L3):
        counts[f"resolved_l{int(level)}"] = int(pool.resolved_by_level[level])
    counts["resolved_petition"] = int(pool.resolved_by_level[Level.PETITION])
    counts["first_petitions"] = model.ladder.first_petitions
    counts["repeat_petitions"] = model.ladder.repeat_petitions
    return counts


def resolution_shares(c: dict[str, int], residents: int, weeks: int) -> dict[str, float]:
    """Rates derived from cumulative counts."""
    unresolved = c["abandoned"] + c["escalated"] + c["lumped"] + c["closed_unresolved"]
    ended = c["resolved"] + c["relapsed"] + unresolved
    years = max(weeks, 1) / 52.0
    petitions = c["first_petitions"] + c["repeat_petitions"]
    return {
        "resolution_rate": _ratio(c["resolved"], ended),
        "reported_resolution_rate": _ratio(c["resolved"] + c["closed_unresolved"], ended),
        "lumped_share": _ratio(c["lumped"], ended),
        "grassroots_share": _ratio(c["resolved_l0"] + c["resolved_l1"], c["resolved"]),
        "township_share": _ratio(c["resolved_l0"] + c["resolved_l1"] + c["resolved_l2"],
                                 c["resolved"]),
        "escalations_per_10k": c["escalated"] / residents * 10_000 / years,
        "petitions_per_10k": petitions / residents * 10_000 / years,
        "first_petitions_per_10k": c["first_petitions"] / residents * 10_000 / years,
        "repeat_petitions_per_10k": c["repeat_petitions"] / residents * 10_000 / years,
        "unresolved_exit_share": _ratio(unresolved, ended),
        "litigation_share": _ratio(c["resolved_l3"], c["resolved"]),
        "relapse_rate": _ratio(c["relapsed"], c["resolved"] + c["relapsed"]),
        "abandon_rate": _ratio(c["abandoned"], ended),
        "disputes_per_1000": c["arisen"] / residents * 1000 / years,
        "prevented_share": _ratio(c["prevented"], c["prevented"] + c["arisen"]),
    }


def group_sums(codes: np.ndarray, values: np.ndarray, groups: int) -> np.ndarray:
    """Sums of `values` by group: ``np.bincount(codes, weights=values, minlength=groups)``
    bit for bit, several times faster.

    np.bincount adds each value into its group's total in row order; the compiled loop
    makes the same additions in the same order, so the same bits. `codes` are integers in
    0..groups-1 and `values` float64, one per row.
    """
    if len(values) != len(codes):
        raise ValueError(f"{len(values)} values for {len(codes)} group codes")
    sums = np.zeros(groups)
    _add_by_group(codes, values, sums)
    return sums


@numba.njit(cache=True, nogil=True)
def _add_by_group(codes: np.ndarray, values: np.ndarray,
                  sums: np.ndarray) -> None:  # pragma: no cover - compiled; tested
    """sums[codes[i]] += values[i] in row order. Residents are listed grid by grid and town
    by town, so codes come in runs: a run's running total stays in a register and is
    stored when the code changes (adding into memory at every row waits on the store
    before each addition: four times slower)."""
    n, groups = codes.shape[0], sums.shape[0]
    if n == 0:
        return
    code = codes[0]
    if code < 0 or code >= groups:  # compiled code does not check its indices itself
        raise IndexError("a group code is outside 0 .. groups - 1")
    total = sums[code]
    for i in range(n):
        if codes[i] != code:
            sums[code] = total
            code = codes[i]
            if code < 0 or code >= groups:
                raise IndexError("a group code is outside 0 .. groups - 1")
            total = sums[code]
        total += values[i]
    sums[code] = total


class _Group:
    """A boolean group of residents in the forms the weekly measures use."""

    def __init__(self, mask: np.ndarray) -> None:
        self.mask = mask.copy()  # what the forms below were made from
        self.inside = mask.astype(np.float64)
        self.outside = (~mask).astype(np.float64)
        self.codes = self.mask.astype(np.intp)  # 1 inside, 0 outside (Theil's groups)
        self._count()

    def sums(self, values: np.ndarray) -> np.ndarray:
        """[sum outside, sum inside] of `values`: np.bincount(codes, weights=values,
        minlength=2), bit for bit (`group_sums`)."""
        return group_sums(self.codes, values, 2)

    def _count(self, n_in: int | None = None) -> None:
        """The count inside (`n_in`, counted when not given) and both counts."""
        self.n_in = int(np.count_nonzero(self.mask)) if n_in is None else n_in
        # np.bincount(codes, minlength=2), from the count inside
        self.counts = np.array([self.mask.size - self.n_in, self.n_in], dtype=np.int64)

    def follow(self, mask: np.ndarray) -> None:
        """Bring the forms in step with `mask` (same shape), changing only the rows that
        changed: ageing and migration move a few residents between groups each week."""
        changed = (self.mask != mask).nonzero()[0]
        if len(changed) == 0:
            return
        now = mask[changed]
        self.mask[changed] = now
        self.inside[changed] = now
        self.outside[changed] = ~now
        self.codes[changed] = now
        joined = int(np.count_nonzero(now))  # the changed rows now inside; the rest left
        self._count(self.n_in + joined - (len(changed) - joined))


# Groups by the id of their mask, brought in step with the mask's contents at every use:
# the groups (urban, elderly, digital, migrant) change in a few rows a week at most, so
# their float and code forms are kept instead of being made every week. A few entries:
# the groups of the models in use.
_GROUPS: dict[int, _Group] = {}
_GROUPS_KEPT = 6


def _group(mask: np.ndarray) -> _Group:
    hit = _GROUPS.get(id(mask))
    if hit is not None and hit.mask.shape == mask.shape and mask.dtype == np.bool_:
        hit.follow(mask)
        return hit
    if len(_GROUPS) >= _GROUPS_KEPT:
        del _GROUPS[next(iter(_GROUPS))]  # the oldest
    _GROUPS[id(mask)] = group = _Group(np.asarray(mask, dtype=bool))
    return group


def _mean(values: np.ndarray) -> float:
    """float(values.mean()) of a float64 array: numpy's sum (the same pairwise additions)
    over the count, without ndarray.mean's Python layer (the record takes five a week)."""
    return float(values.sum()) / values.size if values.size else float("nan")


def _means_in_and_out(values: np.ndarray, group: _Group) -> tuple[float, float]:
    """Mean of `values` inside the group and outside it (NaN for an empty side)."""
    n_in = group.n_in
    n_out = values.size - n_in
    # Dot products with the 0/1 weights: much cheaper than selecting values[mask] (numpy's
    # loop, not the threaded BLAS: see `metrics_core._dot`).
    inside = float(np.einsum("i,i->", values, group.inside))
    outside = float(np.einsum("i,i->", values, group.outside))
    return (inside / n_in if n_in else float("nan"),
            outside / n_out if n_out else float("nan"))


def welfare_measures(model: CoGovernanceModel) -> dict[str, float]:
    """Level and spread of welfare, and the group gaps.

    One sort serves the three order-based measures, and each group's mean is taken once
    (the gaps are one minus the ratios of `metrics_core.ratio_of_means`).
    """
    res = model.residents
    return _welfare_measures_of(model, _group(res.urban), _group(res.elderly),
                                _group(res.digital), _group(res.migrant))


def _welfare_measures_of(model: CoGovernanceModel, urban_group: _Group,
                         elderly_group: _Group, digital_group: _Group,
                         migrant_group: _Group) -> dict[str, float]:
    """`welfare_measures` with the groups already brought up to date (`_group`)."""
    w = np.asarray(model.residents.welfare, dtype=np.float64)
    ordered = np.sort(w)
    # Sorted, the checks of the inequality measures are the two ends: NaN sorts last.
    if ordered.size and not (ordered[0] >= 0 and np.isfinite(ordered[-1])):
        raise ValueError("welfare must be finite and non-negative")
    gini, bottom20, top_bottom = mc.sorted_inequality_of_checked(ordered, 0.2)
    total, between, within = mc.theil_decomposition_of_codes(
        w, urban_group.codes, urban_group.counts,
        all_positive=bool(ordered.size) and bool(ordered[0] > 0),
        group_sums=urban_group.sums(w))
    urban, rural = _means_in_and_out(w, urban_group)
    elderly, not_elderly = _means_in_and_out(w, elderly_group)
    digital, excluded = _means_in_and_out(w, digital_group)
    migrant, local = _means_in_and_out(w, migrant_group)
    return {
        "welfare_mean": _mean(w),
        "welfare_gini": gini,
        "welfare_theil": total,
        "welfare_theil_between": between,
        "welfare_theil_within": within,
        "bottom20_share": bottom20,
        "top_bottom_ratio": top_bottom,
        "urban_rural_ratio": _ratio(urban, rural),
        "digital_gap": 1.0 - _ratio(excluded, digital),
        "elderly_gap": 1.0 - _ratio(elderly, not_elderly),
        "migrant_gap": 1.0 - _ratio(migrant, local),
        "welfare_urban": urban,
        "welfare_rural": rural,
        "welfare_elderly": elderly,
        "welfare_digitally_excluded": excluded,
    }


def queue_lengths(model: CoGovernanceModel) -> dict[str, int]:
    """Open disputes waiting or in service at each rung (the live funnel)."""
    from simulation.disputes import Stage

    pool = model.disputes
    ids = pool.open_ids
    on_ladder = ids[pool.stage[ids] != Stage.AWAITING_INTAKE] if len(ids) else ids
    lv = (np.bincount(pool.level[on_ladder], minlength=len(Level)) if len(on_ladder)
          else np.zeros(len(Level)))
    return {"queued_l1": int(lv[1]), "queued_l2": int(lv[2]), "queued_l3": int(lv[3]),
            "queued_petition": int(lv[Level.PETITION])}


def spending(model: CoGovernanceModel) -> dict[str, float]:
    years = max(model.week, 1) / 52.0
    return {"spending_per_resident": model.spent_total / model.n_residents / years}


def step_snapshot(model: CoGovernanceModel) -> dict[str, float]:
    """Everything recorded for the current week."""
    res = model.residents
    c = dispute_counts(model)
    snap: dict[str, float] = {"week": model.week, **c}
    snap.update(resolution_shares(c, model.n_residents, model.week))
    snap.update(queue_lengths(model))
    # The groups brought up to date once for the week's measures.
    elderly_group, digital_group = _group(res.elderly), _group(res.digital)
    welfare = _welfare_measures_of(model, _group(res.urban), elderly_group, digital_group,
                                   _group(res.migrant))
    snap.update(welfare)
    snap.update(spending(model))
    snap["trust"] = _mean(res.trust)
    snap["norm"] = _mean(res.norm)
    snap["false_compliance"] = _mean(res.norm_displayed - res.norm)
    snap["volunteer_share"] = np.count_nonzero(res.volunteer) / res.volunteer.size
    snap["detection_coverage"] = _mean(model.detection_coverage)
    snap.update(model.income_measures)
    snap["dibao_coverage"] = model.dibao_coverage
    snap["dibao_inclusion"] = model.dibao_inclusion
    n = len(res)
    offline = n - digital_group.n_in
    snap["assisted_share"] = (float(np.count_nonzero(model.assisted)) / offline if offline
                              else float("nan"))
    n_elderly = elderly_group.n_in
    snap["elderly_share"] = n_elderly / n
    terr = model.territory
    town_pop = model.town_population
    town_welfare = (group_sums(model.town_of_resident, res.welfare, terr.n_towns)
                    / np.maximum(town_pop, 1))
    mean_welfare = welfare["welfare_mean"]  # res.welfare.mean()
    snap["town_welfare_spread"] = (town_spread(town_welfare, town_pop) / mean_welfare
                                   if mean_welfare > 0 else float("nan"))
    risk = at_risk(res)
    n_risk = int(np.count_nonzero(risk))
    snap["unemployment_rate"] = (float(np.count_nonzero(res.unemployed & risk)) / n_risk
                                 if n_risk else float("nan"))
    snap["elderly_online_share"] = (float(np.count_nonzero(res.elderly & res.digital))
                                    / n_elderly if n_elderly else float("nan"))
    return snap


def income_measures(income: np.ndarray, market: np.ndarray, urban: np.ndarray,
                    poverty_line_share: float) -> dict[str, float]:
    """Income inequality and poverty, of disposable `income` (what NBS's 人均可支配收入
    measures: net transfers included), and the Gini of `market` income (before pensions
    and 低保). Incomes move every week (growth, losses); the model recomputes these at each
    means-test review and income shock (`welfare.review_means_test`), which is often enough
    for measures that move by thousandths a year."""
    gini, bottom20, top_bottom = mc.sorted_inequality(np.sort(income), 0.2)
    # The urban mask as the groups: coded 0/1 directly (int labels would be sorted first).
    theil, between, within = mc.theil_decomposition(income, urban)
    return {
        "income_theil": theil,
        "income_theil_between": between,
        "income_theil_within": within,
        "income_gini": gini,
        "market_income_gini": mc.sorted_inequality(np.sort(market), 0.2)[0],
        "income_urban_rural_ratio": mc.ratio_of_means(income, urban),
        "income_top_bottom_ratio": top_bottom,
        "income_bottom20_share": bottom20,
        "poverty_share": poverty_share(income, poverty_line_share),
    }


def tallies(model: CoGovernanceModel, snapshot: dict[str, float]) -> tuple[float, ...]:
    """The running totals of `TALLY_NAMES` now (counts from the week's snapshot)."""
    return (
        *(float(snapshot[k]) for k in TALLY_COUNTS),
        float(model.ladder.handoffs), float(model.ladder.handoffs_lost),
        model.spent_total, model.services_total, model.overspent_total,
        model.volunteer_hours_total, model.dibao_total,
        float(model.ladder.court_filings), float(model.ladder.prelitigation_diversions),
        float(model.ladder.taken_in),
    )


def town_resolution_spread(model: CoGovernanceModel, window: np.ndarray) -> float:
    """Standard deviation between towns of the resolution rate of the disputes in
    `window` (a mask over the pool's rows), by the grid where each arose, weighted by the
    towns' ended disputes (`simulation.places.town_spread`)."""
    pool, terr = model.disputes, model.territory
    town = terr.town_of_grid[pool.grid[: pool.size][window]]
    resolved = pool.outcome[: pool.size][window] == Outcome.RESOLVED
    ended = np.bincount(town, minlength=terr.n_towns).astype(np.float64)
    rate = np.bincount(town, weights=resolved, minlength=terr.n_towns) / np.maximum(ended, 1)
    return town_spread(rate, ended)


def quality_resolution_gap(model: CoGovernanceModel, window: np.ndarray) -> float:
    """Resolution rate of the disputes in `window` (a mask over the pool's rows) that
    arose in towns whose implementation quality is above the residents' mean, minus that
    of the others; NaN when all towns fall on one side."""
    pool, terr = model.disputes, model.territory
    quality = terr.town_quality
    if quality is None:
        return float("nan")
    above = quality > np.average(quality, weights=model.town_population)
    if above.all() or not above.any():
        return float("nan")
    high = above[terr.town_of_grid[pool.grid[: pool.size][window]]]
    resolved = pool.outcome[: pool.size][window] == Outcome.RESOLVED
    n_high = int(np.count_nonzero(high))
    n_low = len(high) - n_high
    if n_high == 0 or n_low == 0:
        return float("nan")
    return (float(np.count_nonzero(resolved & high)) / n_high
            - float(np.count_nonzero(resolved & ~high)) / n_low)


def ended_in(model: CoGovernanceModel, start: int, end: int) -> np.ndarray:
    """Mask over the pool's rows: disputes that ended in weeks start + 1 … end."""
    pool = model.disputes
    ended = pool.ended[: pool.size]
    return (pool.outcome[: pool.size] != Outcome.OPEN) & (ended > start) & (ended <= end)


def time_to_resolution(model: CoGovernanceModel, window: np.ndarray | None = None
                       ) -> tuple[float, float]:
    """Median and 90th percentile of weeks from arising to resolution (of the disputes
    in `window`, a mask over the pool's rows; all by default)."""
    pool = model.disputes
    n = pool.size
    done = pool.outcome[:n] == Outcome.RESOLVED
    if window is not None:
        done &= window
    weeks = (pool.ended[:n] - pool.arose[:n])[done]
    return mc.percentile_or_nan(weeks, 50), mc.percentile_or_nan(weeks, 90)


def days_to_resolution(model: CoGovernanceModel, window: np.ndarray | None = None
                       ) -> tuple[float, float, float]:
    """Mean, median and 90th percentile of calendar days from intake to resolution, over
    the resolved disputes the ladder took in (in `window`, a mask over the pool's rows;
    all by default). Self-settlements (L0) never reach intake and are left out."""
    pool = model.disputes
    n = pool.size
    done = (pool.outcome[:n] == Outcome.RESOLVED) & ~np.isnan(pool.intake_day[:n])
    if window is not None:
        done &= window
    days = (pool.ended_day[:n] - pool.intake_day[:n])[done]
    mean = float(days.mean()) if days.size else float("nan")
    return mean, mc.percentile_or_nan(days, 50), mc.percentile_or_nan(days, 90)


def mediation_success(model: CoGovernanceModel, window: np.ndarray | None = None) -> float:
    """Share of disputes that reached L1-L2 mediation and ended in agreement there.

    Counts disputes whose last rung was L1 or L2 (ended there, whatever the outcome) and
    disputes that passed through L1-L2 and went on to court; the successes are the ones
    resolved at L1 or L2, relapses included (an agreement was reached).
    """
    pool = model.disputes
    n = pool.size
    level = pool.level[:n]
    out = pool.outcome[:n]
    ended = out != Outcome.OPEN
    if window is not None:
        ended &= window
    at_mediation = ended & ((level == Level.L1) | (level == Level.L2))
    agreed = at_mediation & ((out == Outcome.RESOLVED) | (out == Outcome.RELAPSED))
    went_on = ended & (level == Level.L3) & (pool.handoffs[:n] > 0)
    return _ratio(int(agreed.sum()), int(at_mediation.sum() + went_on.sum()))


def court_outcomes(filings: float, diversions: float, residents: int, years: float
                   ) -> dict[str, float]:
    """Court filings and pre-litigation diversions per 10,000 a year, and the share of
    cases headed for court settled before filing."""
    return {
        "court_filings_per_10k": filings / residents * 10_000 / years,
        "prelitigation_diversions_per_10k": diversions / residents * 10_000 / years,
        "diversion_share": _ratio(diversions, diversions + filings),
    }


def poverty_share(income: np.ndarray, line_share: float) -> float:
    """Share of residents with income below `line_share` × the median income."""
    if income.size == 0:
        return float("nan")
    line = line_share * float(np.median(income))
    return float(np.count_nonzero(income < line)) / income.size


def _state_means(model: CoGovernanceModel, start: int, end: int) -> dict[str, float]:
    """Mean weekly value of each state outcome over weeks start + 1 … end (the value of
    week `end` for an empty window); weeks not recorded take the current value."""
    columns = model.datacollector.model_vars
    out: dict[str, float] = {}
    for name in STATE_OUTCOMES:
        recorded = columns.get(name, [])
        weeks = range(start + 1, end + 1) if end > start else range(end, end + 1)
        values = [recorded[w] if w < len(recorded) else model._snapshot[name] for w in weeks]
        out[name] = float(np.mean(values))
    return out


def _tallies_at(model: CoGovernanceModel, week: int) -> np.ndarray:
    if week >= model.week or week >= len(model.tallies_by_week):
        return np.asarray(tallies(model, model._snapshot), dtype=np.float64)
    return np.asarray(model.tallies_by_week[week], dtype=np.float64)


def outcomes_between(model: CoGovernanceModel, start: int, end: int) -> dict[str, float]:
    """Every run outcome (`RUN_OUTCOMES`) over weeks start + 1 … end.

    Counts and rates come from the differences of running totals between the window's
    ends; outcomes over disputes (time to resolution, satisfaction, mediation success)
    from the disputes that ended in the window; state outcomes (trust, inequality,
    volunteer share) are the mean of their weekly values in the window.
    """
    t = dict(zip(TALLY_NAMES, _tallies_at(model, end) - _tallies_at(model, start),
                 strict=True))
    c = {k: round(t[k]) for k in TALLY_COUNTS}
    weeks = max(end - start, 1)
    years = weeks / 52.0
    n_res = model.n_residents
    out: dict[str, float] = resolution_shares(c, n_res, weeks)
    window = ended_in(model, start, end)
    out["grassroots_mediation_success"] = mediation_success(model, window)
    out["median_weeks"], out["p90_weeks"] = time_to_resolution(model, window)
    (out["days_to_resolution_mean"], out["days_to_resolution_median"],
     out["days_to_resolution_p90"]) = days_to_resolution(model, window)
    pool = model.disputes
    satisfied = pool.satisfaction[: pool.size][window]
    out["satisfaction"] = float(np.nanmean(satisfied)) if satisfied.size else float("nan")
    out["town_resolution_spread"] = town_resolution_spread(model, window)
    out["quality_resolution_gap"] = quality_resolution_gap(model, window)
    out.update(_state_means(model, start, end))
    out["volunteer_hours"] = t["volunteer_hours"] / n_res / years
    out["handoff_loss_rate"] = _ratio(t["handoffs_lost"], t["handoffs"])
    out["requests_per_1000"] = t["taken_in"] / n_res * 1000 / years
    out["reporting_share"] = _ratio(t["taken_in"], t["taken_in"] + c["lumped"])
    out["spending_per_resident"] = t["spent"] / n_res / years
    out["cost_per_resolved"] = _ratio(t["spent"], c["resolved"])
    out["services_per_resident"] = t["services"] / n_res / years
    out["overspend_per_resident"] = t["overspent"] / n_res / years
    out["dibao_per_resident"] = t["dibao"] / n_res / years
    out.update(court_outcomes(t["court_filings"], t["prelitigation_diversions"], n_res, years))
    resolved = window & (pool.outcome[: pool.size] == Outcome.RESOLVED)
    out["trips_per_resolved"] = (float(pool.trips[: pool.size][resolved].mean())
                                 if resolved.any() else float("nan"))
    return {k: out[k] for k in RUN_OUTCOME_NAMES}


def summary(model: CoGovernanceModel) -> dict[str, float]:
    """Every outcome in `OUTCOMES` for the run so far, plus the residents and weeks.

    `<outcome>` is over the whole run (weeks 1 … now); `<outcome>_last_year` over its
    last 52 weeks (the whole run, if shorter).
    """
    if model._snapshot.get("week") != model.week:
        model._snapshot = step_snapshot(model)
    snap = model._snapshot
    out: dict[str, float] = {"residents": model.n_residents, "weeks": model.week}
    for k in COUNT_NAMES[2:]:
        out[k] = float(snap[k])
    out.update(outcomes_between(model, 0, model.week))
    last = outcomes_between(model, max(0, model.week - WINDOW_WEEKS), model.week)
    out.update({name + LAST_YEAR: last[name] for name in WINDOWED_NAMES})
    return {k: out[k] for k in COUNT_NAMES + OUTCOME_NAMES}


def yearly(model: CoGovernanceModel) -> list[dict[str, float]]:
    """One row per year of the run so far (the last may be part of a year): every
    windowed outcome over that year's weeks."""
    rows = []
    for first in range(0, model.week, WINDOW_WEEKS):
        end = min(first + WINDOW_WEEKS, model.week)
        values = outcomes_between(model, first, end)
        rows.append({"year": first // WINDOW_WEEKS + 1, "first_week": first + 1,
                     "last_week": end, **{k: values[k] for k in WINDOWED_NAMES}})
    return rows

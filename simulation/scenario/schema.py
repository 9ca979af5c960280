"""The scenario type: the single declaration of every model parameter.

Each parameter is declared exactly once, here, with its default, bounds, unit, meaning (in
English and Chinese) and source. The YAML scenario files, the JSON schema for editors, the
command line, the sweep factors, the browser sliders and the parameter table in
`docs/ODD.md` are all derived from these declarations (see `iter_parameters`).

Sources: "assumed" marks a value chosen by the modellers (and a candidate for calibration);
anything else cites where the figure comes from.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from simulation.scenario.errors import nearest_path
from simulation.scenario.paths import get_path, nested
from simulation.scenario.validation import Invalid

ASSUMED = "assumed"
# The largest county a scenario may declare; a network file may hold no more residents.
MAX_RESIDENTS = 1_000_000
# A scenario's name becomes part of a folder name (runs/NAME-seedN): with room for the
# seed, it must fit the 255 bytes a file name may have.
MAX_NAME_BYTES = 200

# Plausible ranges of the assumptions, for sensitivity and robustness studies. A parameter
# may declare its own (`param(..., plausible=(low, high))`). Otherwise the documented rule:
# an "assumed" parameter of a section that describes behaviour or mechanisms (not the
# county's size, the levers, the budget's level or the run) ranges from ×0.5 to ×1.5 its
# default, within its bounds. A parameter whose default is 0 has no range by rule (×0.5
# and ×1.5 of 0 are both 0): it needs a declared one. Sourced parameters have a range only
# when one is declared. Lever costs are unsourced guesses in yuan per resident-year, wrong
# by a factor rather than a share: their rule is ×1/3 to ×3.
PLAUSIBLE_FACTORS = (0.5, 1.5)
PLAUSIBLE_FACTORS_BY_SECTION = {"budget.lever_costs.": (1 / 3, 3.0)}
ASSUMPTION_SECTIONS = ("welfare.", "network.", "disputes.", "ladder.", "effects.",
                       "budget.lever_costs.", "behaviour.")


def param(
    default: Any,
    ge: float | None,
    le: float | None,
    *,
    unit: str,
    meaning: str,
    zh: str,
    source: str = ASSUMED,
    meaning_zh: str = "",
    plausible: tuple[float, float] | None = None,
) -> Any:
    """Declare one numeric parameter: default, inclusive bounds, unit, meaning and source.

    `zh` is the short Chinese label shown in the browser view and the docs; `meaning_zh`
    the Chinese help text (given for the levers, which the browser view shows).
    `plausible` is the range a sensitivity or robustness study samples (within the bounds);
    without it the rule above `PLAUSIBLE_FACTORS` applies.
    """
    if plausible is not None:
        low, high = (float(v) for v in plausible)
        if not low <= high or (ge is not None and low < ge) or (le is not None and high > le):
            raise ValueError(f"plausible range {plausible} must be (low, high) with low <= high "
                             f"inside the bounds [{ge}, {le}]")
    return Field(
        default,
        ge=ge,
        le=le,
        strict=True,  # a quoted "0.5" or a `yes` is a mistake, not a number
        description=meaning,
        json_schema_extra={"unit": unit, "label_zh": zh, "source": source,
                           **({"meaning_zh": meaning_zh} if meaning_zh else {}),
                           **({"plausible": [plausible[0], plausible[1]]}
                              if plausible is not None else {})},
    )


def lever(default: float, *, meaning: str, zh: str, meaning_zh: str,
          source: str = ASSUMED) -> Any:
    """A policy lever: an intensity from 0 (absent) to 1 (the strongest programme modelled)."""
    return param(default, 0.0, 1.0, unit="intensity 0-1", meaning=meaning, zh=zh,
                 source=source, meaning_zh=meaning_zh)


class Section(BaseModel):
    """Base of every scenario section: frozen, no unknown keys, no silent coercion of strings."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=False, validate_default=True)


# --------------------------------------------------------------------------- population


class Population(Section):
    """Who lives in the county and how they are grouped."""

    residents: int = param(
        10_000, 100, MAX_RESIDENTS, unit="residents", zh="居民人数",
        meaning="Number of residents in the county.",
    )
    residents_per_grid: int = param(
        250, 10, 2_000, unit="residents", zh="每网格居民数",
        meaning="Mean residents per grid (网格: tens to a few hundred residents).",
        source="model brief §2",
    )
    grids_per_community: int = param(
        5, 1, 50, unit="grids", zh="每社区网格数", meaning="Grids per community or village.",
    )
    communities_per_town: int = param(
        4, 1, 50, unit="communities", zh="每镇社区数", meaning="Communities per street or town.",
    )
    urban_share: float = param(
        0.67, 0.0, 1.0, unit="share", zh="城镇人口比例",
        meaning="Share of residents living in urban towns.",
        source="urbanisation rate, end of 2024 (NBS; seed 004)",
    )
    elderly_share: float = param(
        0.22, 0.0, 1.0, unit="share", zh="老年人比例",
        meaning="Share of residents aged 60 or more.",
        source="end of 2024 (NBS; seed 004)",
    )
    migrant_share: float = param(
        0.20, 0.0, 1.0, unit="share", zh="流动人口比例",
        meaning="Share of urban residents who are migrants (registered elsewhere).",
        source="assumed; the 2020 census counts 376 million floating residents (26.6%)",
    )
    digital_access_urban: float = param(
        0.83, 0.0, 1.0, unit="share", zh="城镇数字接入率",
        meaning="Share of urban residents under 60 with internet access (hotline apps, platforms).",
        source="CNNIC 53rd report (Dec 2023): urban internet penetration 83.3%",
    )
    digital_access_rural: float = param(
        0.665, 0.0, 1.0, unit="share", zh="农村数字接入率",
        meaning="Share of rural residents under 60 with internet access.",
        source="CNNIC 53rd report (Dec 2023): rural internet penetration 66.5%",
    )
    elderly_digital_factor: float = param(
        0.70, 0.0, 1.0, unit="ratio", zh="老年人数字接入系数",
        meaning="Digital access of residents 60+ relative to younger residents in the same area.",
        source="CNNIC 2023: about 55% of people 60+ online against about 78% overall",
    )
    # ----------------------------------------------------------- demography over time
    elderly_mortality: float = param(
        0.03, 0.0, 0.5, unit="per year", zh="老年人死亡率",
        meaning="Annual death rate of residents 60+. A death's row is taken by a newborn "
        "local resident (the county's size stays fixed; deaths under 60 are left out).",
        source="NBS 2023: 11.1 million deaths against 297 million people 60+; about 80% of "
        "deaths at 60+ (assumed) gives about 3% a year",
        plausible=(0.02, 0.045),
    )
    migrant_departure_rate: float = param(
        0.15, 0.0, 2.0, unit="per year", zh="流动人口年离开率",
        meaning="Annual chance that a migrant leaves the county; a newcomer migrant arrives "
        "in the same row at once (arrivals equal departures, so the migrant share holds).",
        source="assumed: a mean stay of about 6-7 years in one city (order of magnitude of "
        "the migrant dynamic monitoring surveys; verify)",
        plausible=(0.05, 0.3),
    )
    # ----------------------------------------------------------- differences between places
    town_development_spread: float = param(
        0.15, 0.0, 1.0, unit="log-sd", zh="镇街发展水平差异",
        meaning="Spread of towns' development levels: residents' other income is multiplied "
        "by their town's lognormal level (mean 1 in each area, so area means hold).",
        source="assumed, below the regional anchor: East/Central/West per-capita disposable "
        "income 1.60/1.07/1.0 (2023, seed 004) has a log-sd of about 0.2 between regions",
        plausible=(0.05, 0.25),
    )
    town_implementation_spread: float = param(
        0.2, 0.0, 1.0, unit="log-sd", zh="镇街执行质量差异",
        meaning="Spread of towns' implementation quality: a lognormal multiplier (mean 1) on "
        "the effects of welfare-side levers in the town (assisted access capacity, data "
        "sharing's cut of 低保 targeting errors), and through "
        "effects.implementation_elasticity on the dispute-side levers acting in it.",
        source="assumed; seed 004: practice differs with economic development, social "
        "structure and culture",
    )
    development_implementation_correlation: float = param(
        0.5, -1.0, 1.0, unit="correlation", zh="发展与执行相关",
        meaning="Correlation of a town's log implementation quality with its log development.",
        source="assumed: richer towns have more capable offices",
    )


# --------------------------------------------------------------------------- welfare


class Welfare(Section):
    """Incomes and what changes them."""

    income_urban_mean: float = param(
        54_188.0, 1_000.0, 1_000_000.0, unit="yuan per year", zh="城镇人均可支配收入",
        meaning="Mean annual disposable income of urban residents.",
        source="NBS 2024: urban per-capita disposable income 54,188 yuan (seed 004)",
    )
    income_rural_mean: float = param(
        23_119.0, 1_000.0, 1_000_000.0, unit="yuan per year", zh="农村人均可支配收入",
        meaning="Mean annual disposable income of rural residents.",
        source="NBS 2024: rural per-capita disposable income 23,119 yuan (seed 004)",
    )
    income_dispersion: float = param(
        0.80, 0.05, 2.0, unit="log-sd", zh="组内收入离散度",
        meaning="Standard deviation of log income inside each group (lognormal spread).",
        source="calibrated to the income Gini 0.468 and top/bottom quintile ratio 10.3 (NBS)",
    )
    migrant_income_factor: float = param(
        0.80, 0.1, 2.0, unit="ratio", zh="流动人口收入系数",
        meaning="Mean income of urban migrants relative to other urban residents.",
    )
    elderly_income_factor: float = param(
        0.75, 0.1, 2.0, unit="ratio", zh="老年人收入系数",
        meaning="Mean income of residents 60+ relative to younger residents in the same area.",
    )
    dispute_loss_per_week: float = param(
        300.0, 0.0, 100_000.0, unit="yuan per week at severity 1", zh="纠纷周损失",
        meaning="Income lost by each party for every week a dispute stays open, scaled by "
        "severity (time off work, fees, wages withheld).",
    )
    service_targeting: float = param(
        0.3, 0.0, 1.0, unit="share", zh="公共服务瞄准度",
        meaning="Share of public services (not pensions or 低保) that reach the poorest 40% "
        "on purpose without smart-governance targeting; the rest follows needs evenly.",
    )
    # ----------------------------------------------------------- cash transfers
    pension_employee_month: float = param(
        3_300.0, 0.0, 100_000.0, unit="yuan per month", zh="职工养老金",
        meaning="Basic pension of an urban retiree in the employee scheme (城镇职工基本养老保险).",
        source="enterprise-employee average about 3,000-3,500 yuan/month, c. 2023-24 "
        "(MoHRSS, reported in the seeds digest §4.8; verify)",
    )
    pension_resident_month: float = param(
        220.0, 0.0, 100_000.0, unit="yuan per month", zh="城乡居民养老金",
        meaning="Pension of an elderly resident in the urban-rural resident scheme "
        "(城乡居民基本养老保险).",
        source="central minimum 123 yuan/month in 2024, average actually paid about 200-250 "
        "(MoHRSS, reported in the seeds digest §4.8; verify)",
    )
    employee_pension_share_urban: float = param(
        0.65, 0.0, 1.0, unit="share", zh="城镇老人职工养老金比例",
        meaning="Share of urban residents 60+ drawing an employee pension; the others, and "
        "every rural resident 60+, draw the resident pension.",
        source="assumed; order of magnitude: about 140 million retirees in the employee scheme "
        "(MoHRSS 2023, verify) against about 210 million urban residents 60+",
    )
    dibao_urban_month: float = param(
        790.0, 0.0, 100_000.0, unit="yuan per person-month", zh="城市低保标准",
        meaning="Urban 低保 standard: urban local residents below it are eligible, topped up "
        "to it.",
        source="average urban standard about 780-800 yuan/month, c. 2023-24 (MCA, reported in "
        "the seeds digest §4.8; verify)",
    )
    dibao_rural_year: float = param(
        7_500.0, 0.0, 1_000_000.0, unit="yuan per person-year", zh="农村低保标准",
        meaning="Rural 低保 standard: rural residents below it are eligible, topped up to it.",
        source="average rural standard about 7,300-7,700 yuan/year, c. 2023-24 (MCA, reported "
        "in the seeds digest §4.8; verify)",
    )
    dibao_exclusion_error: float = param(
        0.6, 0.0, 0.99, unit="share", zh="低保漏保率",
        meaning="Share of eligible residents (local hukou, income below the standard) who do "
        "not receive 低保, without data-based means-testing.",
        source="assumed; large exclusion errors reported by Golan, Sicular & Umapathi 2017 "
        "(World Development 93:316, rural) and Chen, Ravallion & Wang 2006 (World Bank WP "
        "3805, urban); verify the level",
    )
    dibao_inclusion_error: float = param(
        0.4, 0.0, 0.95, unit="share", zh="低保错保率",
        meaning="Share of 低保 recipients who are not eligible (income above the standard), "
        "without data-based means-testing.",
        source="assumed; large inclusion errors reported by Golan, Sicular & Umapathi 2017 "
        "and Kakwani, Li, Wang & Zhu 2019 (China Economic Review 53:1); verify the level",
    )
    dibao_inclusion_band: float = param(
        2.0, 1.0, 10.0, unit="× standard", zh="错保收入上限",
        meaning="Residents wrongly included in 低保 have incomes below this multiple of the "
        "standard (near-poor households mistaken for poor ones).",
    )
    review_weeks: int = param(
        13, 1, 52, unit="weeks", zh="低保复核周期",
        meaning="Weeks between means-test reviews: 低保 eligibility and payments, and the "
        "poorest 40% that targeted services follow, are reassessed this often.",
        source="assumed (低保 dynamic management reviews households periodically)",
    )
    elderly_service_need: float = param(
        1.5, 0.0, 10.0, unit="ratio", zh="老年人服务需求系数",
        meaning="Need for public services (health, elder care) of a resident 60+ relative to "
        "a younger resident: the weight of their share of services.",
    )
    migrant_service_access: float = param(
        0.2, 0.0, 1.0, unit="share", zh="未登记流动人口服务可及",
        meaning="Weight of an unregistered migrant's share of local public services relative "
        "to a local resident's; registered migrants weigh as locals.",
        source="assumed; with migrant_registered_share 0.5 a migrant's mean weight is 0.6",
    )
    migrant_registered_share: float = param(
        0.5, 0.0, 1.0, unit="share", zh="流动人口居住登记比例",
        meaning="Share of migrants registered under the residence-permit (居住证) or points "
        "system, which gives access to local public services as a local resident has.",
        source="assumed; Zhejiang reports 98% of migrants registered under its points system "
        "(seed 001), an upper bound",
    )
    # ----------------------------------------------------------- income dynamics
    income_growth_urban: float = param(
        0.044, -0.2, 0.3, unit="per year", zh="城镇收入实际增速",
        meaning="Annual real growth of urban residents' incomes (an input: the urban/rural "
        "trend it implies is an echo of the inputs, not a check).",
        source="NBS 2024 statistical communiqué: urban per-capita disposable income grew 4.4% "
        "in real terms (verify)",
    )
    income_growth_rural: float = param(
        0.063, -0.2, 0.3, unit="per year", zh="农村收入实际增速",
        meaning="Annual real growth of rural residents' incomes.",
        source="NBS 2024 statistical communiqué: rural per-capita disposable income grew 6.3% "
        "in real terms (verify)",
    )
    # ----------------------------------------------------------- employment shocks
    job_loss_rate_local: float = param(
        0.16, 0.0, 2.0, unit="per year", zh="本地居民失业风险",
        meaning="Annual hazard of losing one's job for urban local residents aged 16-59.",
        source="NBS: surveyed urban unemployment averaged 5.1% in 2024 (verify); with spells "
        "of unemployment_spell_weeks the steady state h / (h + 52 / spell) is about 5%",
    )
    job_loss_rate_migrant: float = param(
        0.24, 0.0, 2.0, unit="per year", zh="流动人口失业风险",
        meaning="Annual hazard of losing one's job for migrants aged 16-59 (less secure "
        "jobs).",
        source="assumed: 1.5 × the local hazard",
    )
    unemployment_spell_weeks: float = param(
        17.0, 1.0, 260.0, unit="weeks", zh="失业持续周数",
        meaning="Mean length of an unemployment spell (each week a job is found with chance "
        "1 / this).",
        source="assumed: about four months",
    )
    unemployment_insurance_local: float = param(
        0.5, 0.0, 1.0, unit="share", zh="本地居民失业保险覆盖",
        meaning="Share of urban local residents insured against unemployment (失业保险).",
        source="MoHRSS 2023: about 244 million insured against about 470 million urban "
        "employed (verify)",
    )
    unemployment_insurance_migrant: float = param(
        0.2, 0.0, 1.0, unit="share", zh="流动人口失业保险覆盖",
        meaning="Share of migrants insured against unemployment.",
        source="assumed: migrant workers' social insurance take-up is well below locals'",
    )
    unemployment_benefit_share: float = param(
        0.65, 0.0, 1.0, unit="share of other income", zh="失业保险替代率",
        meaning="Per-capita household income while unemployed and insured, as a share of the "
        "other (non-pension) income: the other earners' incomes plus the benefit (paid by "
        "the insurance fund, not the county budget).",
        source="assumed: benefits are set below the local minimum wage and above 低保; "
        "incomes are per capita of households, which keep their other earners",
    )
    uninsured_income_share: float = param(
        0.5, 0.0, 1.0, unit="share of other income", zh="无保险失业收入比例",
        meaning="Per-capita household income while unemployed without insurance, as a share "
        "of the other income (the other earners, savings, odd jobs); locals below the 低保 "
        "standard can then claim it.",
        source="assumed: incomes are per capita of households, which keep their other "
        "earners",
    )
    wage_arrears_share: float = param(
        0.5, 0.0, 1.0, unit="share of income", zh="欠薪比例",
        meaning="Share of a party's income withheld while a labour dispute stays open (wage "
        "arrears); paid back if the dispute is resolved, lost otherwise.",
    )
    property_loss_share: float = param(
        0.1, 0.0, 1.0, unit="share of annual income at severity 1", zh="产权纠纷损失",
        meaning="One-off share of annual income a party loses, × severity, when a land or "
        "property dispute ends unresolved (relapsed, abandoned or escalated).",
    )
    poverty_line_share: float = param(
        0.4, 0.1, 1.0, unit="share of median income", zh="相对贫困线",
        meaning="Relative poverty line as a share of median income (poverty_share outcome).",
        source="40% of median income, the relative poverty line proposed for China after 2020 "
        "(e.g. Shen Yangyang & Li Shi 2020; verify)",
    )


# --------------------------------------------------------------------------- network


class NetworkSettings(Section):
    """The resident social-tie layer (service and coordination layers follow the structure)."""

    generator: Literal["small_world", "file"] = Field(
        "small_world",
        description="How resident ties are made: 'small_world' (clustered inside each grid, "
        "a few ties across grids of one community) or 'file' (read from `file`).",
        json_schema_extra={"label_zh": "社会关系网络生成方式"},
    )
    file: str | None = Field(
        None,
        description="Edge-list (.edgelist/.txt/.csv: two node ids a line, whole numbers or "
        "names; a header line is skipped) or GraphML (.graphml) file of resident ties, "
        "relative to the scenario file; at most 100 MB and 1,000,000 residents. Nodes become "
        "residents in sorted order of their ids; a whole-number node attribute 'grid' on "
        "every node assigns grids, else consecutive blocks of "
        "`population.residents_per_grid` do.",
        json_schema_extra={"label_zh": "网络文件"},
    )
    ties_urban: float = param(
        6.0, 1.0, 50.0, unit="ties per resident", zh="城镇人均社会关系",
        meaning="Mean number of social ties of an urban resident.",
    )
    ties_rural: float = param(
        10.0, 1.0, 50.0, unit="ties per resident", zh="农村人均社会关系",
        meaning="Mean number of social ties of a rural resident (denser village ties).",
    )
    rewiring: float = param(
        0.1, 0.0, 1.0, unit="probability", zh="重连概率",
        meaning="Watts-Strogatz rewiring probability inside a grid.",
    )
    cross_grid_share: float = param(
        0.1, 0.0, 0.5, unit="share", zh="跨网格关系比例",
        meaning="Share of a resident's ties that go to other grids of the same community.",
    )

    @model_validator(mode="after")
    def _file_when_needed(self) -> NetworkSettings:
        if self.generator == "file" and not self.file:
            raise ValueError("file: network.generator is 'file' but network.file is not set")
        return self


# --------------------------------------------------------------------------- disputes


class Disputes(Section):
    """How disputes arise and how their parties behave."""

    base_rate: float = param(
        0.04, 0.0, 1.0, unit="disputes per resident per year", zh="纠纷基础发生率",
        meaning="Arising rate at average stress, norms and deterrence, before prevention.",
        source="assumed; order of magnitude: about 16 million people's mediation cases a year "
        "(Ministry of Justice 2025: 79 million over 2021-2025) plus court cases, over 1.4 "
        "billion people",
    )
    share_neighbour_family: float = param(
        0.35, 0.0, 1.0, unit="share", zh="邻里婚姻家庭纠纷占比",
        meaning="Share of disputes between neighbours or family members.",
        source="assumed; marriage, family and neighbour disputes are the largest categories "
        "of people's mediation",
    )
    share_property_land: float = param(
        0.15, 0.0, 1.0, unit="share", zh="房产土地纠纷占比",
        meaning="Share of property and land disputes.",
    )
    share_labour_wages: float = param(
        0.15, 0.0, 1.0, unit="share", zh="劳动工资纠纷占比",
        meaning="Share of labour and unpaid-wage disputes.",
    )
    share_consumer_market: float = param(
        0.15, 0.0, 1.0, unit="share", zh="消费市场纠纷占比",
        meaning="Share of consumer and market disputes.",
    )
    share_public_service: float = param(
        0.20, 0.0, 1.0, unit="share", zh="民生诉求占比",
        meaning="Share of public-service demands (民生诉求) addressed to the government.",
    )
    deprivation_effect: float = param(
        1.0, 0.0, 5.0, unit="per unit of relative deprivation", zh="相对剥夺效应",
        meaning="How strongly relative deprivation (shortfall from the grid's mean income) "
        "raises the arising rate: rate × (1 + effect × deprivation).",
    )
    norm_effect: float = param(
        0.8, 0.0, 1.0, unit="share", zh="规范抑制效应",
        meaning="Arising rate falls by this share as internal norm adherence goes from 0 to 1.",
    )
    deterrence_effect: float = param(
        0.3, 0.0, 1.0, unit="share", zh="威慑抑制效应",
        meaning="Arising rate falls by this share under full, clear and enforced rules.",
    )
    prevention_effect: float = param(
        0.3, 0.0, 1.0, unit="share", zh="源头预防效应",
        meaning="Share of arising disputes defused when their risk is detected early "
        "(源头治理), multiplied by the grid's early-detection coverage.",
    )
    patience_weeks: float = param(
        10.0, 1.0, 104.0, unit="weeks", zh="平均耐心",
        meaning="Mean time a party waits in the ladder before giving up or escalating, "
        "at trust 0.5 (more trust, more patience).",
    )
    escalation_threshold: float = param(
        0.15, 0.0, 1.0, unit="grievance", zh="上访阈值",
        meaning="Epstein's threshold T: a party whose grievance minus perceived deterrence "
        "exceeds it escalates (petitions) when patience runs out; otherwise gives up.",
        source="Epstein 2002 (threshold 0.1); assumed here",
    )
    enforcement_deters_petitions: int = param(
        0, 0, 1, unit="switch 0/1", zh="执法威慑信访",
        meaning="1: perceived deterrence by enforcement (effects.enforcement_escalation × "
        "enforcement) is subtracted from a party's grievance when it decides whether to "
        "petition (Epstein's arrest risk); 0 (default): petitions are not deterred, so "
        "enforcement cannot turn petitions into silent abandonment.",
    )
    relapse_base: float = param(
        0.15, 0.0, 1.0, unit="probability", zh="协议反悔基础概率",
        meaning="Chance an agreement that cannot be enforced (reached alone, or mediated "
        "and not judicially confirmed) is not kept, at average norms (0.5).",
    )
    judicial_confirmation: float = param(
        0.5, 0.0, 1.0, unit="share", zh="司法确认比例",
        meaning="Share of L1-L2 mediation agreements judicially confirmed (司法确认, "
        "which makes them enforceable) at full mediation-litigation linkage: × "
        "court_linkage.",
    )

    # Voice: grievances brought forward or endured (simulation.reporting). A dispute the
    # parties do not settle alone is a grievance whether or not anyone brings it forward
    # (naming, blaming, claiming: Felstiner, Abel & Sarat 1980, Law & Society Review
    # 15:631; the dispute pyramid: Miller & Sarat 1980, ibid. 15:525; for China the
    # dispute pagoda: Michelson 2007, American Sociological Review 72:459).
    report_base: float = param(
        0.5, 0.0, 1.0, unit="probability", zh="诉求表达基础倾向",
        meaning="Propensity to bring a grievance forward at average trust, legal awareness, "
        "severity and remembered experience (0.5 each): the weekly chance of voice is this "
        "propensity × channel access. Most grievances never reach an official (Miller & "
        "Sarat 1980; Michelson 2007); the value is a prior for calibration on the volumes "
        "taken in.",
    )
    report_trust: float = param(
        2.0, 0.0, 10.0, unit="log-odds", zh="信任→诉求表达",
        meaning="Propensity log-odds + this × (trust − 0.5): residents who expect a "
        "response speak up.",
        source="voice rises with expected responsiveness: Hirschman 1970, Exit, Voice, and "
        "Loyalty (direction); size assumed",
    )
    report_legal: float = param(
        1.5, 0.0, 10.0, unit="log-odds", zh="法律意识→诉求表达",
        meaning="Propensity log-odds + this × (legal awareness − 0.5): naming an injury "
        "and a responsible party takes knowing one's rights.",
        source="Felstiner, Abel & Sarat 1980 (direction); size assumed",
    )
    report_severity: float = param(
        2.0, 0.0, 10.0, unit="log-odds", zh="严重度→诉求表达",
        meaning="Propensity log-odds + this × (severity − 0.5): graver grievances are "
        "claimed more often.",
        source="Miller & Sarat 1980 (claims rise with the stakes); size assumed",
    )
    report_experience: float = param(
        2.0, 0.0, 10.0, unit="log-odds", zh="经历→诉求表达",
        meaning="Propensity log-odds + this × (remembered experience − 0.5): the quality of "
        "past contacts with the ladder, own and neighbours'.",
        source="Michelson 2007 (past contacts with officials shape claiming); size assumed",
    )
    patrol_find_rate: float = param(
        0.1, 0.0, 1.0, unit="share", zh="巡查发现率",
        meaning="Weekly chance that patrol and data alerts find a grievance whose risk was "
        "not detected early: this × the grid's detection coverage (a grievance detected "
        "early is found at once). Proactive governance (主动治理, 未诉先办, seed 004).",
    )
    experience_rate: float = param(
        0.3, 0.0, 1.0, unit="share of the gap per ending", zh="经历记忆速率",
        meaning="Step of a party's remembered experience towards the experience quality q "
        "of an ending on the ladder; each tie neighbour takes behaviour.vicarious_weight "
        "of that step.",
    )
    lumped_discontent: float = param(
        0.3, 0.0, 1.0, unit="share of severity", zh="隐忍不满",
        meaning="Discontent a lumped (endured) grievance leaves: this × severity, against "
        "the full severity left by a failure on the ladder.",
    )


# --------------------------------------------------------------------------- handling ladder


class Ladder(Section):
    """Capacity, speed and quality of each rung of the handling ladder."""

    l0_settle_base: float = param(
        0.25, 0.0, 1.0, unit="probability", zh="自行和解基础概率",
        meaning="Chance the parties settle alone (L0) at average norms, trust and tie strength.",
    )
    grid_workers_per_1000: float = param(
        5.1, 0.0, 100.0, unit="workers per 1,000 residents", zh="每千人网格员",
        meaning="Grid workers per 1,000 residents; they patrol and take on small disputes.",
        source="Zhejiang 2020: about 330,000 grid workers for 64.6 million residents",
    )
    grid_worker_cases: float = param(
        0.05, 0.0, 10.0, unit="cases per worker per week", zh="网格员调解能力",
        meaning="Disputes one grid worker can take on per week beside other duties.",
        # People's mediators handling their own intake average 2.81 cases a year (0.05 a
        # week; Xinhua 2024-01-14), court-invited ones 75 in nine months (about 2 a week);
        # grid workers fall between: up to 0.3 a week.
        plausible=(0.02, 0.3),
    )
    grid_worker_patrol_hours: float = param(
        8.0, 0.0, 60.0, unit="hours per worker per week", zh="网格员巡查时长",
        meaning="Hours a grid worker patrols the grid per week (early detection).",
    )
    volunteer_cases: float = param(
        0.01, 0.0, 5.0, unit="cases per volunteer per week", zh="志愿者调解能力",
        meaning="Disputes one active volunteer helps settle per week (L1 capacity).",
    )
    patrol_hours_for_detection: float = param(
        0.1, 0.001, 10.0, unit="hours per resident per week", zh="早发现所需巡查",
        meaning="Patrol hours per resident per week at which 63% of dispute risks are "
        "detected early: coverage = 1 - exp(-hours / this).",
    )
    town_mediators_per_10000: float = param(
        20.0, 0.0, 1_000.0, unit="mediators per 10,000 residents", zh="每万人镇街调解员",
        meaning="Mediators at the town or street offices, per 10,000 residents.",
        source="assumed; about 3.2 million people's mediators serve 1.41 billion people "
        "(23 per 10,000), most of them part-time",
    )
    mediator_cases: float = param(
        0.1, 0.0, 10.0, unit="cases per mediator per week", zh="调解员办案能力",
        meaning="Cases one town mediator completes per week.",
        source="about 16 million cases a year over 3.2 million mediators, 5 a year each",
    )
    county_centre_staff_per_10000: float = param(
        3.0, 0.0, 500.0, unit="staff per 10,000 residents", zh="每万人矛调中心人员",
        meaning="Staff of the county one-stop dispute-resolution centre per 10,000 residents.",
    )
    centre_cases: float = param(
        0.5, 0.0, 20.0, unit="cases per staff per week", zh="中心人均办案能力",
        meaning="Cases one one-stop centre staff member completes per week.",
    )
    # -- the county one-stop centre as pre-litigation filter and integrator (诉源治理)
    centre_filter: float = param(
        0.5, 0.0, 1.0, unit="probability", zh="诉前分流比例",
        meaning="Chance a dispute headed for court (triaged to L3, filed directly, or "
        "failed at town mediation) is first mediated at the county one-stop centre with "
        "the court's backing (诉前调解), when the centre has staff; failure goes on to court.",
        plausible=(0.2, 0.8),
    )
    multi_department_share: float = param(
        0.3, 0.0, 1.0, unit="share", zh="多部门纠纷比例",
        meaning="Share of public-service, land and labour disputes that need two or more "
        "government departments (other types need one).",
        plausible=(0.1, 0.6),
    )
    three_department_share: float = param(
        0.3, 0.0, 1.0, unit="share", zh="三部门纠纷比例",
        meaning="Share of the multi-department disputes that need three departments "
        "rather than two.",
        plausible=(0.1, 0.6),
    )
    judges_per_10000: float = param(
        0.86, 0.0, 50.0, unit="judges per 10,000 residents", zh="每万人法官数",
        meaning="Judges available for civil cases per 10,000 residents.",
        source="about 120,000 judges for 1.41 billion people (Supreme People's Court)",
    )
    judge_cases: float = param(
        2.0, 0.0, 50.0, unit="cases per judge per week", zh="法官办案能力",
        meaning="Civil cases one judge completes per week for this county's disputes.",
        source="assumed; Chinese judges close about 250-300 cases a year, not all of them "
        "civil disputes of residents",
    )
    social_organisations: int = param(
        3, 0, 50, unit="organisations", zh="社会组织数",
        meaning="Social organisations (professional mediation, legal aid, social work) the "
        "government contracts for L2 cases.",
    )
    social_organisation_staff_per_10000: float = param(
        1.5, 0.0, 200.0, unit="staff per organisation per 10,000 residents",
        zh="每万人社会组织人员",
        meaning="Professional mediators of each contracted social organisation, per 10,000 "
        "residents (contracts scale with the county).",
    )
    social_organisation_cases: float = param(
        0.5, 0.0, 20.0, unit="cases per staff per week", zh="社会组织人均办案能力",
        meaning="Cases one social-organisation mediator completes per week.",
    )
    # --- handling time in days (simulation/handling_time.py) ---------------------------
    # Means of exponential service times; the legal and administrative time limits are
    # upper bounds, so the means sit below them.
    service_days_l1: float = param(
        10.5, 0.5, 365.0, unit="days", zh="网格处理天数",
        meaning="Mean calendar days one L1 (grid/community) mediation takes a server.",
        source="assumed; Jiangsu 12345 reports 1.4 working days for inquiries and 4.6 for "
        "other requests (2024, reported by the Jiangsu government, verify); grid mediation "
        "that convenes the parties takes longer",
        plausible=(5.0, 21.0),
    )
    service_days_l2: float = param(
        21.0, 0.5, 365.0, unit="days", zh="镇县处理天数",
        meaning="Mean calendar days one L2 (town, one-stop centre, social organisation, "
        "court-entrusted) mediation takes a server.",
        source="people's mediation is to conclude 'generally within one month' (Ministry "
        "of Justice rules on people's mediation); court pre-litigation mediation within "
        "30 days (Supreme People's Court rules on 诉前调解); the mean is assumed below",
        plausible=(10.0, 30.0),
    )
    service_days_l3: float = param(
        84.0, 0.5, 730.0, unit="days", zh="司法处理天数",
        meaning="Mean calendar days one L3 (arbitration, litigation) case takes a server.",
        source="Civil Procedure Law: summary procedure within 3 months, ordinary procedure "
        "within 6 months; the mean is assumed below the summary limit",
        plausible=(45.0, 150.0),
    )
    grid_admin_share: float = param(
        0.4, 0.0, 0.95, unit="share of hours", zh="网格员行政负担",
        meaning="Share of a grid worker's hours spent on forms and reporting (填表报数) "
        "without data integration; integration frees this × data_sharing_admin × "
        "data_sharing × platform_coverage of it, for cases and patrol (freed_hours_patrol).",
        source="assumed (0.3-0.5); Ordos reports form-filling time 'greatly shortened' "
        "by data integration (seed 004), direction only",
        plausible=(0.3, 0.5),
    )
    freed_hours_patrol: float = param(
        0.5, 0.0, 1.0, unit="share of freed hours", zh="减负时间用于走访",
        meaning="Share of the hours data integration frees from grid workers' paperwork "
        "that goes to patrol and household visits (early detection); the rest goes to "
        "cases (L1 capacity).",
        source="assumed; direction: Ordos's freed form-filling time and grid workers who "
        "'walk the grid' (人在格中走) [seed 004], Jiaxing's visits to every household "
        "(走访连心全覆盖) [seed 001]",
        plausible=(0.2, 0.8),
    )
    grid_worker_hours: float = param(
        40.0, 1.0, 80.0, unit="hours per worker per week", zh="网格员周工时",
        meaning="A grid worker's working hours a week, of which grid_admin_share go to "
        "forms and reporting; turns the share of hours data integration frees into hours.",
        source="Labour Law and State Council working-hours rules (1995): 8 hours a day, "
        "40 hours a week",
    )
    success_l1: float = param(
        0.65, 0.0, 1.0, unit="probability", zh="网格调解成功率",
        meaning="Chance an L1 mediation ends in agreement at average trust, no legal advice.",
    )
    success_l2: float = param(
        0.75, 0.0, 1.0, unit="probability", zh="镇县调解成功率",
        meaning="Chance an L2 mediation ends in agreement at average trust, no legal advice.",
    )
    success_l3: float = param(
        0.92, 0.0, 1.0, unit="probability", zh="司法解决率",
        meaning="Chance an L3 case ends in a ruling or court-entrusted agreement.",
    )
    # -- triage by severity and the court's time for entrusted mediation
    rung_l1_severity_max: float = param(
        0.45, 0.0, 1.0, unit="severity 0-1", zh="网格处理严重度上限",
        meaning="Triage sends a dispute below this severity to the grid (L1).",
        plausible=(0.3, 0.6),
    )
    rung_l2_severity_max: float = param(
        0.80, 0.0, 1.0, unit="severity 0-1", zh="镇县处理严重度上限",
        meaning="Triage sends a dispute below this severity (and at or above the L1 bound) "
        "to town mediation (L2), graver ones to court (L3); returned petitions at or above "
        "it go to court.",
        plausible=(0.65, 0.95),
    )
    entrusted_judge_share: float = param(
        0.5, 0.0, 1.0, unit="share", zh="委派调解占法官时间",
        meaning="Share of the court's capacity given to supervising court-entrusted "
        "mediation at full mediation-litigation linkage (× court_linkage).",
    )
    handoff_loss: float = param(
        0.25, 0.0, 1.0, unit="probability", zh="转办流失率",
        meaning="Chance a case handed from one actor to another is lost (the party gives up "
        "or goes elsewhere) with no coordination.",
    )
    handoff_delay_weeks: float = param(
        2.0, 0.0, 26.0, unit="weeks", zh="转办延迟",
        meaning="Mean delay of a hand-off between actors with no coordination or data sharing.",
    )
    cost_l1: float = param(
        300.0, 0.0, 1e6, unit="yuan per case", zh="网格办案成本", meaning="Cost of one L1 case.",
    )
    cost_l2: float = param(
        2_000.0, 0.0, 1e6, unit="yuan per case", zh="镇县办案成本",
        meaning="Cost of one L2 case.",
    )
    cost_l3: float = param(
        10_000.0, 0.0, 1e7, unit="yuan per case", zh="司法办案成本",
        meaning="Cost of one L3 case to the public purse.",
    )
    cost_petition: float = param(
        20_000.0, 0.0, 1e7, unit="yuan per case", zh="信访处置成本",
        meaning="Cost of handling one petition at the petition office.",
    )
    petition_staff_per_10000: float = param(
        1.0, 0.0, 100.0, unit="staff per 10,000 residents", zh="每万人信访工作人员",
        meaning="Staff of the county petition office (信访局) working on petitions, per "
        "10,000 residents.",
    )
    petition_cases: float = param(
        0.5, 0.0, 20.0, unit="cases per staff per week", zh="信访人均办理能力",
        meaning="Petitions one petition-office staff member concludes per week.",
    )
    service_days_petition: float = param(
        42.0, 0.5, 365.0, unit="days", zh="信访办理天数",
        meaning="Mean calendar days the petition office takes a server to conclude a "
        "petition.",
        source="Regulations on Letters and Visits (信访工作条例, 2022): accept within 15 "
        "days, conclude within 60; the mean (6 weeks) is assumed below the limit",
        plausible=(21.0, 60.0),
    )
    success_petition: float = param(
        0.3, 0.0, 1.0, unit="probability", zh="信访化解率",
        meaning="Chance a petition is resolved at the petition office at average trust and "
        "severity.",
    )
    petition_return_share: float = param(
        0.3, 0.0, 1.0, unit="share", zh="访诉分离转回比例",
        meaning="Share of petitions not resolved at the office that are returned to the "
        "ladder (访诉分离: law-related petitions to the court, the rest to the county "
        "centre), as a hand-off.",
    )
    repeat_petition_base: float = param(
        0.4, 0.0, 1.0, unit="probability", zh="重复信访基础概率",
        meaning="Chance a party whose petition was not resolved petitions again, at a "
        "grievance equal to the escalation threshold: base × decay^(petitions − 1) × "
        "grievance / threshold, capped at 1.",
    )
    repeat_petition_decay: float = param(
        0.6, 0.0, 1.0, unit="factor per petition", zh="重复信访衰减",
        meaning="Factor on the chance of a further petition after each petition lodged.",
    )
    repeat_delay_weeks: float = param(
        8.0, 0.0, 104.0, unit="weeks", zh="重复信访间隔",
        meaning="Mean delay before a repeat petition reaches the petition office.",
    )
    max_repeat_petitions: int = param(
        3, 0, 20, unit="petitions", zh="最多重复信访次数",
        meaning="Repeat petitions a party lodges at most for one dispute; after the last "
        "unresolved one the dispute ends as an unresolved petition (escalated).",
    )


# --------------------------------------------------------------------------- mechanisms


class Effects(Section):
    """Strength of each lever's mechanism (see docs/ODD.md, 'Submodels')."""

    councils_l1_capacity: float = param(
        1.0, 0.0, 10.0, unit="relative", zh="议事会→网格调解能力",
        meaning="L1 capacity × (1 + this × councils × convened); convened is 1 in grids "
        "with an active party cell, 1 - council_convening elsewhere.",
    )
    councils_l1_success: float = param(
        1.0, 0.0, 5.0, unit="log-odds", zh="议事会→网格调解成功",
        meaning="L1 success log-odds + this × councils × convened (1 with an active party "
        "cell, 1 - council_convening without).",
    )
    # -- channels between governances (each a declared mechanism, no lever × lever terms)
    council_convening: float = param(
        0.5, 0.0, 1.0, unit="share", zh="议事会对党组织召集的依赖",
        meaning="How much resident councils depend on a party cell convening them (党建引领"
        "自治): convened = 1 - this × (1 - active cell); 0 means councils work as well "
        "without a cell, 1 that they do not work without one.",
        plausible=(0.0, 1.0),
    )
    professional_bonus: float = param(
        0.5, 0.0, 3.0, unit="log-odds", zh="社会组织专业加成",
        meaning="Mediation success log-odds + this for a contracted social organisation's "
        "professional mediators on property, labour and consumer disputes.",
    )
    court_authority: float = param(
        0.5, 0.0, 3.0, unit="log-odds", zh="法院权威加成",
        meaning="Mediation success log-odds + this in court-entrusted mediation and in "
        "pre-litigation mediation at the county centre (the court's backing, 诉调对接).",
    )
    councils_participation: float = param(
        0.4, 0.0, 1.0, unit="0-1", zh="议事会→参与意愿",
        meaning="Target willingness to take part rises by this × councils × (1 - initial).",
    )
    incentives_join: float = param(
        1.5, 0.0, 20.0, unit="relative", zh="积分激励→加入",
        meaning="Volunteer join rate × (1 + this × volunteer_incentives).",
    )
    incentives_quit: float = param(
        0.6, 0.0, 1.0, unit="share", zh="积分激励→退出",
        meaning="Volunteer quit rate × (1 - this × volunteer_incentives).",
    )
    legal_advice_success: float = param(
        0.8, 0.0, 5.0, unit="log-odds", zh="法律服务→调解成功",
        meaning="Mediation success log-odds (L1, L2 and court-entrusted mediation) + this × "
        "legal_services (legal advice).",
    )
    legal_awareness_gain: float = param(
        0.5, 0.0, 1.0, unit="0-1", zh="法律服务→法律意识",
        meaning="Target legal awareness rises by this × legal_services × (1 - initial).",
    )
    enforcement_relapse: float = param(
        0.7, 0.0, 1.0, unit="share", zh="执法→反悔",
        meaning="Relapse chance × (1 - this × enforcement).",
    )
    enforcement_escalation: float = param(
        0.2, 0.0, 1.0, unit="grievance", zh="执法→上访威慑",
        meaning="Perceived deterrence subtracted from grievance: this × enforcement "
        "(Epstein's arrest risk).",
    )
    campaign_norm_rate: float = param(
        0.003, 0.0, 0.5, unit="per week", zh="宣传→规范内化速率",
        meaning="Weekly pull of internal norms towards 1: this × norm_campaigns × (1 - norm).",
    )
    credit_norm_rate: float = param(
        0.001, 0.0, 0.5, unit="per week", zh="信用→规范内化速率",
        meaning="Weekly pull of internal norms towards 1 by the credit system.",
    )
    credit_display: float = param(
        0.6, 0.0, 1.0, unit="share", zh="信用→表面遵从",
        meaning="Displayed compliance = internal + this × credit_system × (1 - internal): "
        "compliance shown for the lists, not felt.",
    )
    credit_volunteer: float = param(
        1.0, 0.0, 10.0, unit="relative", zh="道德银行→志愿",
        meaning="Volunteer join rate × (1 + this × credit_system) (moral bank).",
    )
    platform_intake: float = param(
        0.6, 0.0, 1.0, unit="per week", zh="平台→受理",
        meaning="Weekly chance a digitally included party reports through the hotline/app: "
        "this × platform_coverage.",
    )
    platform_targeting: float = param(
        0.5, 0.0, 1.0, unit="share", zh="平台→精准服务",
        meaning="Share of untargeted public services that platforms turn into targeted ones: "
        "this × platform_coverage. Services only: pensions and 低保 follow eligibility rules.",
    )
    assisted_per_grid_worker: float = param(
        40.0, 0.0, 10_000.0, unit="residents per grid worker", zh="网格员代办能力",
        meaning="Residents without digital access one grid worker keeps assisted at full "
        "assisted access.",
    )
    assisted_per_volunteer: float = param(
        3.0, 0.0, 1_000.0, unit="residents per volunteer", zh="志愿者代办能力",
        meaning="Residents without digital access one active volunteer keeps assisted at "
        "full assisted access.",
    )
    data_sharing_targeting: float = param(
        0.5, 0.0, 1.0, unit="share", zh="数据比对→低保瞄准",
        meaning="Share of 低保 targeting errors (exclusion and inclusion) removed by data-based "
        "means-testing (大数据比对) at full data sharing: errors × (1 − this × data_sharing).",
    )
    walk_in_intake: float = param(
        0.25, 0.0, 1.0, unit="per week", zh="线下→受理",
        meaning="Weekly chance a party walks in to report, at full offline channels; "
        "× (0.3 + 0.7 × offline_channels).",
    )
    data_sharing_delay: float = param(
        0.5, 0.0, 1.0, unit="share", zh="数据共享→转办延迟",
        meaning="Hand-off delay × (1 - this × data_sharing).",
    )
    # --- data sharing shortens handling (simulation/handling_time.py) -------------------
    data_sharing_service: float = param(
        0.2, 0.0, 0.9, unit="share", zh="数据共享→办理提速",
        meaning="Service days × (1 − this × data_sharing): online case transfer and no "
        "re-collection of documents.",
        source="assumed; direction from Ordos (seed 004) and 12345 platforms",
        plausible=(0.05, 0.4),
    )
    data_sharing_admin: float = param(
        0.5, 0.0, 1.0, unit="share", zh="数据整合→减负",
        meaning="Share of grid workers' administrative burden removed by data integration "
        "at full data sharing and platform coverage: burden × (1 − this × data_sharing × "
        "platform_coverage).",
        source="assumed; Ordos: 填表报数时间大大缩短 (seed 004), direction only",
        plausible=(0.2, 0.8),
    )
    implementation_elasticity: float = param(
        1.0, 0.0, 3.0, unit="elasticity", zh="执行质量→抓手效果弹性",
        meaning="How the effects of the dispute-side levers that act in a town (resident "
        "councils' L1 capacity and success, legal advice at grid and town mediation, data "
        "sharing's early detection) scale with the town's implementation quality q: × q^this "
        "/ (county mean of q^this over residents), so the county-wide mean effect is kept; "
        "0 = the same effect everywhere.",
        source="assumed; selective implementation by local cadres: O'Brien & Li (1999), "
        "Comparative Politics 31(2)",
        plausible=(0.0, 2.0),
    )
    data_sharing_detection: float = param(
        0.3, 0.0, 1.0, unit="share", zh="数据共享→风险预警",
        meaning="Extra early-detection coverage from data: this × data_sharing × "
        "platform_coverage.",
    )
    cell_mobilisation: float = param(
        0.5, 0.0, 10.0, unit="relative", zh="党组织→志愿动员",
        meaning="Mobilisation M in grids with an active party cell (2 × this for party "
        "members, 党员联户): volunteer join rate × (1 + M), quit rate / (1 + M), and "
        "volunteers' L1 work × (1 + this/2).",
    )
    coordination_loss: float = param(
        0.8, 0.0, 1.0, unit="share", zh="协同→转办流失",
        meaning="Hand-off loss × (1 - this × coordination) when a party cell (or the county "
        "centre) coordinates the hand-off.",
    )
    coordination_delay: float = param(
        0.5, 0.0, 1.0, unit="share", zh="协同→转办延迟",
        meaning="Hand-off delay × (1 - this × coordination).",
    )
    trust_success: float = param(
        1.0, 0.0, 5.0, unit="log-odds", zh="信任→调解成功",
        meaning="Mediation success log-odds + this × (trust - 0.5).",
    )
    severity_success: float = param(
        1.5, 0.0, 10.0, unit="log-odds", zh="严重度→调解成功",
        meaning="Mediation success log-odds - this × (severity - 0.5).",
    )

    # Accountability: handlers rated on response, resolution and satisfaction (三率考评,
    # seed 004), and the risk that what is measured is gamed (simulation.accountability).
    ratings_effort: float = param(
        0.5, 0.0, 5.0, unit="log-odds", zh="考评→办理努力",
        meaning="Success log-odds of rated handlers (L1, L2) + this × ratings.",
    )
    ratings_speed: float = param(
        0.3, 0.0, 0.9, unit="share", zh="考评→办理提速",
        meaning="Service time of rated handlers (L1, L2) × (1 − this × ratings).",
    )
    ratings_gaming: float = param(
        0.5, 0.0, 1.0, unit="share", zh="考评→虚假办结",
        meaning="Share gaming × ratings of the cases a rated handler would have failed or "
        "referred that it closes unresolved instead (recorded as done, the grievance not "
        "met). What is measured is gamed (Bevan & Hood 2006, Public Administration "
        "84:517; Campbell's law); the size is a prior, anchored on the gap between Beijing "
        "12345's self-reported and surveyed satisfaction (targets).",
        plausible=(0.1, 1.0),
    )
    ratings_discourage: float = param(
        0.5, 0.0, 5.0, unit="log-odds", zh="考评→劝阻诉求",
        meaning="Propensity log-odds to bring a grievance forward − this × ratings: rated "
        "handlers discourage requests that would count against them.",
        source="Bevan & Hood 2006 (direction); size assumed",
    )


# --------------------------------------------------------------------------- levers


class SelfGovernance(Section):
    """自治: resident councils, deliberation, village rules, volunteer incentives."""

    councils: float = lever(
        0.3, zh="居民议事会",
        meaning_zh="居民议事会与民主协商（村规民约）："
        "提高网格调解能力与成功率，提高居民参与意愿。",
        meaning="Resident councils and deliberation (民主协商, 村规民约): "
        "raise L1 capacity and success and residents' willingness to take part.",
    )
    volunteer_incentives: float = lever(
        0.3, zh="志愿积分激励",
        meaning_zh="志愿服务积分制："
        "提高居民加入志愿者的比例，降低退出率。",
        meaning="Points systems for volunteers (积分制): raise the rate "
        "at which residents join as volunteers and lower the rate they quit.",
    )


class RuleOfLaw(Section):
    """法治: public legal services, mediation-litigation linkage, enforcement."""

    legal_services: float = lever(
        0.3, zh="公共法律服务",
        meaning_zh="公共法律服务："
        "网格与镇街调解获得法律咨询（成功率更高），提高居民法律意识。",
        meaning="Public legal services: legal advice at L1-L2 (higher "
        "success) and residents' legal awareness.",
    )
    court_linkage: float = lever(
        0.3, zh="诉调对接",
        meaning_zh="诉调对接："
        "起诉案件先行诉前委派调解；镇街调解不成的案件转入法院不流失。",
        meaning="Mediation-litigation linkage: cases filed at court go to "
        "court-entrusted mediation first, and failed L2 cases reach court with no loss.",
    )
    enforcement: float = lever(
        0.3, zh="执法与履约保障",
        meaning_zh="规则清晰、执法有力："
        "威慑减少纠纷与上访，调解协议更能得到履行（反悔更少）。",
        meaning="Clear, enforced rules: deterrence (fewer disputes "
        "arise, less escalation) and agreements kept (fewer relapses).",
    )


class RuleOfVirtue(Section):
    """德治: norm campaigns, reputation and credit systems, family virtues."""

    norm_campaigns: float = lever(
        0.3, zh="道德宣传教化",
        meaning_zh="道德宣传与家风建设："
        "提升居民内在规范遵从，减少纠纷、促进当事人自行和解。",
        meaning="Norm campaigns and family virtues: pull residents' "
        "internal norm adherence up, which lowers arising and raises L0 settlement.",
    )
    credit_system: float = lever(
        0.2, zh="红黑榜与道德银行",
        meaning_zh="红黑榜与道德银行："
        "快速提高表面遵从、缓慢提高内在规范、带动志愿服务；过严则产生表面遵从。",
        meaning="Public reputation and credit systems (红黑榜, "
        "道德银行): raise displayed compliance fast, internal norms slowly, and volunteering; "
        "strict lists breed false compliance (Centola et al. 2005).",
    )


class SmartGovernance(Section):
    """智治: hotlines and apps, data sharing, triage, targeting."""

    platform_coverage: float = lever(
        0.3, zh="平台覆盖",
        meaning_zh="热线与App覆盖（接诉即办）："
        "有数字接入的居民受理更快，公共服务更精准。",
        meaning="Hotline and app coverage (接诉即办): faster intake for "
        "residents with digital access, and better targeting of public services.",
    )
    data_sharing: float = lever(
        0.3, zh="部门数据共享",
        meaning_zh="部门间数据共享："
        "缩短转办延迟，提前发现风险。",
        meaning="Data sharing between departments: shorter hand-off "
        "delays and better early detection of risks.",
    )
    triage: float = lever(
        0.3, zh="智能分拨",
        meaning_zh="智能分拨："
        "案件第一次就分到合适层级，不必逐级上转。",
        meaning="Triage: the share of cases sent to the right rung first "
        "time instead of climbing the ladder one rung at a time.",
    )
    offline_channels: float = lever(
        0.7, zh="线下渠道保留",
        meaning_zh="线下渠道保留程度："
        "越低，无数字接入的居民受理越慢、享受服务越少（数字鸿沟）。",
        meaning="How far offline channels stay open as platforms "
        "spread: low values leave digitally excluded residents with slower intake and fewer "
        "services (the digital divide).",
    )
    assisted_access: float = lever(
        0.0, zh="代办帮办",
        meaning_zh="网格员、志愿者帮助没有数字接入的居民办理线上服务和诉求（代办制）："
        "受助居民与有数字接入者一样享受线上服务和热线受理。",
        meaning="Assisted access (代办/帮办): grid workers and volunteers help residents "
        "without digital access to use online services and the hotline; an assisted "
        "resident counts as online, up to each grid's capacity.",
        source="assumed; 民情民访代办制 in Jinhua (seed 001)",
    )
    ratings: float = lever(
        0.0, zh="三率考评",
        meaning_zh="接诉即办“三率”考评（响应率、解决率、满意率）："
        "承办单位办得更快更用心，但也可能未解决即结案、劝阻群众诉求。",
        meaning="Ratings of handlers on response, resolution and satisfaction (接诉即办's "
        "三率考评): rated handlers (L1, L2) work harder and faster, with a risk of gaming "
        "(cases closed unresolved, requests discouraged).",
        source="assumed; 三率考评 of Beijing's 12345 (seed 004)",
    )


class PartyLeadership(Section):
    """党建引领: party cells on the grids and their coordinating strength."""

    cell_coverage: float = lever(
        0.5, zh="网格党组织覆盖",
        meaning_zh="党支部建在网格上的比例："
        "党组织召集网格调解、动员志愿者、协调转办。",
        meaning="Share of grids with an active party cell (党支部建在"
        "网格上): the cell convenes L1 mediation and mobilises volunteers.",
    )
    coordination: float = lever(
        0.3, zh="协同统筹强度",
        meaning_zh="党组织与县矛调中心的协同统筹强度："
        "减少转办流失、缩短转办延迟。",
        meaning="Coordination strength of party cells and the county "
        "centre: fewer hand-off losses and shorter hand-off delays.",
    )


class Levers(Section):
    """The policy mix: the four governances led by party-building."""

    self_governance: SelfGovernance = Field(default_factory=SelfGovernance)
    rule_of_law: RuleOfLaw = Field(default_factory=RuleOfLaw)
    rule_of_virtue: RuleOfVirtue = Field(default_factory=RuleOfVirtue)
    smart_governance: SmartGovernance = Field(default_factory=SmartGovernance)
    party_leadership: PartyLeadership = Field(default_factory=PartyLeadership)


class LeverCosts(Section):
    """What each lever costs at full intensity, in yuan per resident per year."""

    councils: float = param(8.0, 0.0, 10_000.0, unit="yuan per resident-year", zh="议事会成本",
                            meaning="Cost of resident councils at intensity 1.")
    volunteer_incentives: float = param(
        12.0, 0.0, 10_000.0, unit="yuan per resident-year", zh="志愿激励成本",
        meaning="Cost of the volunteer points system at intensity 1.")
    legal_services: float = param(
        20.0, 0.0, 10_000.0, unit="yuan per resident-year", zh="法律服务成本",
        meaning="Cost of public legal services at intensity 1.")
    court_linkage: float = param(
        10.0, 0.0, 10_000.0, unit="yuan per resident-year", zh="诉调对接成本",
        meaning="Cost of mediation-litigation linkage at intensity 1.")
    enforcement: float = param(
        20.0, 0.0, 10_000.0, unit="yuan per resident-year", zh="执法成本",
        meaning="Cost of enforcement at intensity 1.")
    norm_campaigns: float = param(
        6.0, 0.0, 10_000.0, unit="yuan per resident-year", zh="宣传教化成本",
        meaning="Cost of norm campaigns at intensity 1.")
    credit_system: float = param(
        8.0, 0.0, 10_000.0, unit="yuan per resident-year", zh="信用体系成本",
        meaning="Cost of reputation and credit systems at intensity 1.")
    platform_coverage: float = param(
        25.0, 0.0, 10_000.0, unit="yuan per resident-year", zh="平台成本",
        meaning="Cost of hotline and app platforms at intensity 1.")
    data_sharing: float = param(
        12.0, 0.0, 10_000.0, unit="yuan per resident-year", zh="数据共享成本",
        meaning="Cost of data sharing at intensity 1.")
    triage: float = param(
        8.0, 0.0, 10_000.0, unit="yuan per resident-year", zh="智能分拨成本",
        meaning="Cost of triage at intensity 1.")
    offline_channels: float = param(
        6.0, 0.0, 10_000.0, unit="yuan per resident-year", zh="线下渠道成本",
        meaning="Cost of keeping offline channels open at intensity 1.")
    cell_coverage: float = param(
        6.0, 0.0, 10_000.0, unit="yuan per resident-year", zh="党组织覆盖成本",
        meaning="Cost of party cells on every grid at intensity 1.")
    coordination: float = param(
        8.0, 0.0, 10_000.0, unit="yuan per resident-year", zh="协同统筹成本",
        meaning="Cost of coordination at intensity 1.")
    assisted_access: float = param(
        10.0, 0.0, 10_000.0, unit="yuan per resident-year", zh="代办帮办成本",
        meaning="Cost of assisted access at intensity 1 (the helpers' hours and counters).")
    ratings: float = param(
        5.0, 0.0, 10_000.0, unit="yuan per resident-year", zh="三率考评成本",
        meaning="Cost of rating handlers at intensity 1 (call-backs to every party, "
        "surveys, supervision).")


class Budget(Section):
    """The public purse: governance levers and case handling first, the rest to services."""

    per_resident_year: float = param(
        2_800.0, 0.0, 100_000.0, unit="yuan per resident-year", zh="人均治理与公共服务预算",
        meaning="Budget for social governance, public services and transfers. Lever and "
        "case-handling costs are paid first; what remains is paid out as public services and "
        "transfers (共享).",
        source="general public budget spending on social security and employment, 2023: "
        "3.99 trillion yuan for 1.41 billion people, about 2,830 yuan each (Ministry of "
        "Finance)",
    )
    lever_spending: float | None = param(
        None, 0.0, 10_000.0, unit="yuan per resident-year", zh="治理抓手支出上限",
        meaning="If set, every lever is scaled by one common factor (capped at 1) so that "
        "lever spending equals this amount: the mix keeps its proportions at a given "
        "budget, for comparisons at equal cost. Unset: the levers as written.",
    )
    lever_costs: LeverCosts = Field(default_factory=LeverCosts)


# --------------------------------------------------------------------------- people


class Behaviour(Section):
    """Residents' initial attitudes and how they learn."""

    trust_initial: float = param(
        0.55, 0.0, 1.0, unit="0-1", zh="初始信任",
        meaning="Mean initial trust in institutions (legitimacy).",
    )
    norm_initial: float = param(
        0.5, 0.0, 1.0, unit="0-1", zh="初始规范遵从",
        meaning="Mean initial internal norm adherence.",
    )
    legal_awareness_initial: float = param(
        0.4, 0.0, 1.0, unit="0-1", zh="初始法律意识", meaning="Mean initial legal awareness.",
    )
    participation_initial: float = param(
        0.3, 0.0, 1.0, unit="0-1", zh="初始参与意愿",
        meaning="Mean initial willingness to take part in community affairs.",
    )
    volunteer_share_initial: float = param(
        0.03, 0.0, 1.0, unit="share", zh="初始志愿者比例",
        meaning="Share of residents who are active volunteers at the start (drawn among "
        "those with the spare time for the hours asked).",
        source="Zhejiang: over 2 million active volunteers, about 3% of residents "
        "[seed 001]; registered shares (7% in 2018, 16.9% c. 2025) count registrations, "
        "not activity",
    )
    volunteer_hours: float = param(
        1.0, 0.0, 40.0, unit="hours per volunteer per week", zh="志愿服务时长",
        meaning="Hours a week an active volunteer is asked to give (patrol and mediation), "
        "before mobilisation and incentives ask more.",
        source="assumed (the 13.85 hours per registered volunteer reported for 2017 are "
        "cumulative since registration, not per year, so they give no weekly figure)",
    )
    volunteer_hours_pressure: float = param(
        3.0, 0.0, 10.0, unit="relative", zh="动员加码时长",
        meaning="Hours asked × (1 + this × (party mobilisation + volunteer_incentives)): "
        "campaigns and points for hours ask more of each volunteer.",
    )
    volunteer_burnout: float = param(
        0.05, 0.0, 1.0, unit="per week", zh="志愿者倦怠退出率",
        meaning="Extra weekly quit chance × max(0, 1 - spare hours / hours asked): "
        "volunteers asked for more than their spare time burn out.",
        source="time availability limits volunteering: Wilson 2000, Annual Review of "
        "Sociology 26:215 (direction); size assumed",
    )
    volunteer_peer_effect: float = param(
        2.0, 0.0, 10.0, unit="relative", zh="志愿同伴效应",
        meaning="Join rate × (1 + this × share of the resident's ties who volunteer).",
    )
    volunteer_posts_per_1000: float = param(
        60.0, 0.0, 1_000.0, unit="posts per 1,000 residents", zh="志愿岗位数",
        meaning="Posts for active volunteers that a grid's volunteer teams organise (patrol, "
        "informants, mediation, assisted access), per 1,000 residents; a resident who would "
        "join a grid whose posts are all held is turned away: the share's ceiling, which "
        "does not move as residents age.",
        source="assumed between two anchors: about one mediator or dispute informant per "
        "ten households (people's mediation network; 2.62 persons a household, 2020 "
        "census: about 38 per 1,000) counts mediation posts only; registered volunteers "
        "(7% in 2018, targets.yaml; 16.9% c. 2025 [seed 004]) bound active ones from "
        "above. Organising volunteering costs money: local funding limits volunteer "
        "services (China Volunteer Service Development Report 2021-2022)",
        plausible=(38.0, 120.0),
    )
    spare_hours_elderly: float = param(
        12.0, 0.0, 80.0, unit="hours per week", zh="老年人空闲时间",
        meaning="Mean spare hours a week of residents aged 60+ (retirees); each resident's "
        "spare hours are exponential around its group's mean.",
        source="retirees have most time to give ('发挥离退休人员作用' [seed 002]; Wilson "
        "2000); size assumed",
    )
    spare_hours_urban: float = param(
        2.5, 0.0, 80.0, unit="hours per week", zh="城镇劳动年龄居民空闲时间",
        meaning="Mean spare hours a week of working-age urban residents (not migrants).",
    )
    spare_hours_rural: float = param(
        3.0, 0.0, 80.0, unit="hours per week", zh="农村劳动年龄居民空闲时间",
        meaning="Mean spare hours a week of working-age rural residents (not migrants).",
    )
    spare_hours_migrant: float = param(
        1.0, 0.0, 80.0, unit="hours per week", zh="流动人口空闲时间",
        meaning="Mean spare hours a week of working-age migrants (long working hours).",
    )
    social_learning: float = param(
        0.05, 0.0, 1.0, unit="per week", zh="社会学习速率",
        meaning="Weekly rate at which norms, trust and discontent move towards the "
        "neighbours' mean.",
    )
    trust_rate_up: float = param(
        0.10, 0.0, 1.0, unit="share of the gap per ending", zh="信任上调速率",
        meaning="Step of a party's trust towards the experience quality q of an ending "
        "when q is above its trust.",
    )
    trust_rate_down: float = param(
        0.20, 0.0, 1.0, unit="share of the gap per ending", zh="信任下调速率",
        meaning="Step of a party's trust towards q when q is below its trust; larger than "
        "the step up (negativity bias).",
        source="negativity bias in trust in government: Kampen, Van de Walle & Bouckaert "
        "2006, Public Performance & Management Review 29:387 (direction); size assumed",
    )
    vicarious_weight: float = param(
        0.3, 0.0, 1.0, unit="share of a party's step", zh="间接经验权重",
        meaning="Each tie neighbour of a party moves its trust towards the ending's "
        "experience quality by this share of the party's own step (word of mouth).",
        source="vicarious experience shapes attitudes to authorities: Rosenbaum, Schuck, "
        "Costello, Hawkins & Ring 2005, Police Quarterly 8:343 (direction); size assumed",
    )
    trust_recovery: float = param(
        0.0044, 0.0, 0.1, unit="per week", zh="信任恢复速率",
        meaning="Weekly pull of each resident's trust back towards its initial level "
        "(its predisposition): 0.0044 is a half-life of about three years.",
    )
    weight_outcome: float = param(
        0.4, 0.0, 1.0, unit="weight", zh="体验权重：结果",
        meaning="Weight of the outcome (resolved or not) in experience quality q.",
        source="procedural justice: Tyler 2006, Why People Obey the Law (process weighs "
        "about as much as outcome); weights assumed",
    )
    weight_voice: float = param(
        0.2, 0.0, 1.0, unit="weight", zh="体验权重：被倾听",
        meaning="Weight of being heard (a handler worked on the case) in q.",
        source="Tyler 2006 (voice); weight assumed",
    )
    weight_speed: float = param(
        0.2, 0.0, 1.0, unit="weight", zh="体验权重：及时",
        meaning="Weight of timeliness in q.",
        source="expectancy disconfirmation: Van Ryzin 2006, JPART 16:599; weight assumed",
    )
    weight_fair: float = param(
        0.2, 0.0, 1.0, unit="weight", zh="体验权重：公正",
        meaning="Weight of fairness in q.",
        source="Tyler 2006 (fair treatment); weight assumed",
    )
    timely_patience_multiple: float = param(
        2.0, 0.1, 10.0, unit="multiple of patience", zh="及时性时限倍数",
        meaning="Timeliness = 1 - days from intake to the ending (from arising if never "
        "taken in) / (this × the party's patience in days), at least 0.",
    )
    ruling_fairness: float = param(
        0.5, 0.0, 1.0, unit="0-1", zh="判决公正感",
        meaning="Fairness of a court ruling as the parties experience it: one side loses, "
        "so each expects it to be fair with this chance (mediated agreements: 1).",
    )
    norm_decay: float = param(
        0.005, 0.0, 1.0, unit="per week", zh="规范回落速率",
        meaning="Weekly pull of each resident's internal norm back towards its initial "
        "level: norms erode without upkeep, so campaigns raise them to an equilibrium, "
        "not to 1.",
    )
    volunteer_join_rate: float = param(
        0.002, 0.0, 1.0, unit="per week", zh="志愿者加入率",
        meaning="Weekly chance a willing resident joins as a volunteer with no incentives.",
    )
    volunteer_quit_rate: float = param(
        0.02, 0.0, 1.0, unit="per week", zh="志愿者退出率",
        meaning="Weekly chance a volunteer quits with no incentives.",
    )


# --------------------------------------------------------------------------- time


class Ramp(Section):
    """A reform: one lever, ladder parameter or the budget moves linearly from its scenario
    value to `to` over a period (a step when start_week = end_week)."""

    parameter: str = Field(
        description="Dotted path of the lever, ladder parameter (staffing, cases per staff, "
        "service times, success rates) or budget that changes, e.g. "
        "'levers.rule_of_law.legal_services' or 'ladder.county_centre_staff_per_10000'.",
    )
    start_week: int = param(
        0, 0, 5_200, unit="week", zh="开始周", meaning="First week of the ramp.",
    )
    end_week: int = param(
        260, 0, 5_200, unit="week", zh="结束周", meaning="Week the lever reaches `to`.",
    )
    to: float = param(1.0, None, None, unit="the parameter's unit", zh="目标值",
                      meaning="Value at end_week and after, within the parameter's declared "
                      "bounds.")

    @field_validator("parameter")
    @classmethod
    def _rampable(cls, parameter: str) -> str:
        # Checked with the other fields, so a ramp of a parameter that cannot move is
        # reported at once (RAMPABLE_PATHS is defined below, from the sections).
        if parameter not in RAMPABLE_PATHS:
            raise Invalid(f"{parameter!r} is not a lever, ladder parameter or the budget",
                          value=parameter, allowed="one of: " + ", ".join(RAMPABLE_PATHS),
                          suggestion=nearest_path(parameter, RAMPABLE_PATHS))
        return parameter

    @field_validator("to")
    @classmethod
    def _within_bounds(cls, to: float, info: ValidationInfo) -> float:
        parameter = info.data.get("parameter")
        if parameter not in RAMPABLE_BOUNDS:
            return to  # the parameter itself is reported
        lo, hi = RAMPABLE_BOUNDS[parameter]
        if not (lo is None or to >= lo) or not (hi is None or to <= hi):
            raise Invalid("out of range", value=to,
                          allowed=f"{'' if lo is None else f'{lo:g}'} – "
                          f"{'' if hi is None else f'{hi:g}'}")
        return to

    @model_validator(mode="after")
    def _ordered(self) -> Ramp:
        if self.end_week < self.start_week:
            raise ValueError(
                f"end_week: week {self.end_week} is before start_week {self.start_week}"
            )
        return self


ShockKind = Literal["dispute_surge", "legitimacy", "income"]
Group = Literal["all", "urban", "rural", "migrant", "elderly"]


class Shock(Section):
    """A sudden event: a surge of disputes, a fall in trust, or a fall in income."""

    kind: ShockKind = Field(
        description="'dispute_surge' multiplies the group's arising hazard by 1 + magnitude; "
        "'legitimacy' lowers the group's trust by the share magnitude (spread over the "
        "duration); 'income' lowers the group's incomes by the share magnitude for the "
        "duration.",
    )
    week: int = param(52, 0, 5_200, unit="week", zh="发生周", meaning="Week the shock starts.")
    duration_weeks: int = param(
        1, 1, 5_200, unit="weeks", zh="持续周数", meaning="How long the shock lasts.",
    )
    magnitude: float = param(
        0.5, 0.0, 10.0, unit="see kind", zh="强度", meaning="Size of the shock (see kind).",
    )
    group: Group = Field("all", description="Who is hit (every kind of shock hits only its "
                         "group).")

    @model_validator(mode="after")
    def _magnitude_fits_kind(self) -> Shock:
        if self.kind in ("legitimacy", "income") and self.magnitude > 1:
            raise ValueError(
                f"magnitude: {self.magnitude} is more than 1, but a {self.kind} shock "
                "removes a share (0-1)"
            )
        return self


class Run(Section):
    """How long a run lasts."""

    steps: int = param(
        260, 1, 5_200, unit="weeks", zh="模拟周数",
        meaning="Number of weekly steps (260 = 5 years).",
    )
    warmup_weeks: int = param(
        52, 0, 520, unit="weeks", zh="预热周数",
        meaning="Weeks run before week 0 with the levers of `run.warmup_levers` and no "
        "shocks, then discarded (outcomes never include them): the county reaches its own "
        "state first.",
        source="Initial-transient deletion: Law (2015), Simulation Modeling and Analysis, "
        "ch. 9. One year by default: the calibrated figures all still hold after it "
        "(ODD §6), and queues, trust and norms have then left their cold start.",
    )
    warmup_levers: Literal["status_quo", "scenario"] = Field(
        "status_quo",
        description="Levers in force during the warm-up: 'status_quo', the calibrated "
        "county's own (the `default` scenario's), so the scenario's policy starts at week "
        "0 in a county that has lived under the status quo (a pre-policy warm-up); or "
        "'scenario', the scenario's own week-0 levers, as if its policy had been in force "
        "already, which is the pre-policy warm-up of a reform ramp that starts from the "
        "county's levers before the reform.",
        json_schema_extra={"label_zh": "预热期政策"},
    )


# --------------------------------------------------------------------------- scenario


DISPUTE_SHARE_FIELDS = (
    "share_neighbour_family",
    "share_property_land",
    "share_labour_wages",
    "share_consumer_market",
    "share_public_service",
)

class Scenario(Section):
    """A complete scenario: every parameter of a run except the seed."""

    name: str = Field("default", description="Short name (the file name without .yaml).")
    description: str = Field("", description="What this scenario is, in English.")
    description_zh: str = Field("", description="What this scenario is, in Chinese.")
    extends: str | None = Field(
        None, description="Scenario this one changes (a name beside this file or bundled)."
    )
    population: Population = Field(default_factory=Population)
    welfare: Welfare = Field(default_factory=Welfare)
    network: NetworkSettings = Field(default_factory=NetworkSettings)
    disputes: Disputes = Field(default_factory=Disputes)
    ladder: Ladder = Field(default_factory=Ladder)
    effects: Effects = Field(default_factory=Effects)
    levers: Levers = Field(default_factory=Levers)
    budget: Budget = Field(default_factory=Budget)
    behaviour: Behaviour = Field(default_factory=Behaviour)
    schedules: tuple[Ramp, ...] = Field(default=(), description="Lever ramps (reforms).")
    shocks: tuple[Shock, ...] = Field(default=(), description="Shocks.")
    run: Run = Field(default_factory=Run)

    @classmethod
    def priors(cls) -> Scenario:
        """The county of the declared values alone: every calibrated parameter at its prior
        (what `cogov calibrate` fits from). `Scenario()` is the calibrated county."""
        return cls.model_validate(nested({p.path: p.prior for p in iter_parameters()
                                          if p.calibrated}))

    @model_validator(mode="after")
    def _within_caps(self, info: ValidationInfo) -> Scenario:
        """Bounds lower than the declared ones, when the caller gives some (`Caps`)."""
        if len(self.name.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES:
            raise ValueError(f"name: the scenario's name (its file name without .yaml) is "
                             f"longer than {MAX_NAME_BYTES} bytes")
        caps = (info.context or {}).get("caps")
        if caps is None:
            return self
        for path, most in caps.bounds.items():
            value = get_path(self, path)
            if value > most:
                raise ValueError(f"{path}: {value:,} is more than {caps.where} allows "
                                 f"(at most {most:,}); {caps.advice}")
        return self

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        shares = [getattr(self.disputes, f) for f in DISPUTE_SHARE_FIELDS]
        if sum(shares) <= 0:
            raise ValueError("disputes: the dispute type shares (share_*) are all zero")
        # Whether the levers can spend budget.lever_spending needs the levers' arithmetic
        # (simulation.levers.lever_spending_problem, called by the loader), and whether a
        # county fits in memory depends on the machine (simulation.scenario.memory, called
        # where runs start): neither belongs to the declaration.
        return self


class Caps(NamedTuple):
    """Upper bounds lower than the declared ones, e.g. for the browser view."""

    bounds: Mapping[str, float]  # parameter path -> most allowed
    where: str  # who sets them, for messages: "the browser view"
    advice: str  # what to do instead: "run larger counties with `cogov run`"


# --------------------------------------------------------------------------- introspection


@dataclass(frozen=True)
class ParameterSpec:
    """One declared parameter, as the CLI, the sweeps, the browser view and the docs see it."""

    path: str
    kind: str  # "int", "float", "choice", "text"
    default: Any  # what a scenario has unless it sets it: the calibrated value or the prior
    minimum: float | None
    maximum: float | None
    unit: str
    meaning: str
    label_zh: str
    source: str
    choices: tuple[str, ...] = ()
    meaning_zh: str = ""
    prior: Any = None  # the value declared here, before any calibration
    calibrated: bool = False  # fitted to real figures (simulation/scenario/calibrated.yaml)
    calibrated_against: tuple[str, ...] = ()  # the targets it was fitted to
    # The range sensitivity and robustness studies sample: declared with `param(plausible=)`
    # or given by the rule (`PLAUSIBLE_FACTORS`); None when the parameter is not uncertain.
    plausible: tuple[float, float] | None = None
    plausible_declared: bool = False  # True if declared, False if by rule (or none)


def plausible_by_rule(path: str, kind: str, source: str, default: Any,
                      minimum: float | None, maximum: float | None
                      ) -> tuple[float, float] | None:
    """The rule's plausible range of a parameter without a declared one (see
    `PLAUSIBLE_FACTORS`): ×0.5-×1.5 its default within its bounds, for assumed (or
    calibrated-from-assumed) numbers of the behaviour and mechanism sections; else None."""
    if kind not in ("int", "float") or not isinstance(default, int | float):
        return None
    if source != ASSUMED or not path.startswith(ASSUMPTION_SECTIONS) or default == 0:
        return None
    factors = next((f for prefix, f in PLAUSIBLE_FACTORS_BY_SECTION.items()
                    if path.startswith(prefix)), PLAUSIBLE_FACTORS)
    low, high = sorted(default * f for f in factors)
    if minimum is not None:
        low = max(low, minimum)
    if maximum is not None:
        high = min(high, maximum)
    if kind == "int":
        low, high = float(math.ceil(low)), float(math.floor(high))
    # Rounded to 12 significant digits: 0.8 × 1.5 is 1.2, not 1.2000000000000002.
    low, high = float(f"{low:.12g}"), float(f"{high:.12g}")
    return (low, high) if low < high else None


def _pair(values: list[Any]) -> tuple[float, float]:
    low, high = values
    return float(low), float(high)


def _walk(model: type[BaseModel], prefix: str) -> list[ParameterSpec]:
    import typing

    specs: list[ParameterSpec] = []
    for name, field in model.model_fields.items():
        path = f"{prefix}{name}"
        ann = field.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            specs.extend(_walk(ann, path + "."))
            continue
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        lo = hi = None
        for meta in field.metadata:
            lo = getattr(meta, "ge", lo) if getattr(meta, "ge", None) is not None else lo
            hi = getattr(meta, "le", hi) if getattr(meta, "le", None) is not None else hi
        choices: tuple[str, ...] = ()
        if typing.get_origin(ann) is Literal:
            kind, choices = "choice", tuple(typing.get_args(ann))
        elif ann is int:
            kind = "int"
        elif ann is float or ann == (float | None):
            kind = "float"
        else:
            kind = "text"
        default = field.get_default(call_default_factory=True)
        calibration = extra.get("calibrated")
        targets = calibration.get("targets") if isinstance(calibration, dict) else None
        source = str(extra.get("source", ASSUMED))
        declared = extra.get("plausible")
        plausible = (_pair(declared) if isinstance(declared, list)
                     else plausible_by_rule(path, kind, source, default, lo, hi))
        specs.append(
            ParameterSpec(
                path=path,
                kind=kind,
                default=default,
                minimum=lo,
                maximum=hi,
                unit=str(extra.get("unit", "")),
                meaning=field.description or "",
                label_zh=str(extra.get("label_zh", "")),
                source=source,
                choices=choices,
                meaning_zh=str(extra.get("meaning_zh", "")),
                prior=extra.get("prior", default),
                calibrated=isinstance(calibration, dict),
                calibrated_against=tuple(map(str, targets))
                if isinstance(targets, list) else (),
                plausible=plausible,
                plausible_declared=isinstance(declared, list),
            )
        )
    return specs


def iter_parameters() -> list[ParameterSpec]:
    """Every numeric or choice parameter of a scenario, in declaration order.

    Excludes the scenario's own metadata (name, description, extends) and the lists of
    schedules and shocks, which are events rather than parameters.
    """
    skip = {"name", "description", "description_zh", "extends", "schedules", "shocks"}
    top = {n: f for n, f in Scenario.model_fields.items() if n not in skip}
    specs: list[ParameterSpec] = []
    for name, field in top.items():
        ann = field.annotation
        assert isinstance(ann, type) and issubclass(ann, BaseModel)
        specs.extend(_walk(ann, name + "."))
    return specs


def iter_assumptions() -> list[ParameterSpec]:
    """The uncertain assumptions: every parameter with a plausible range (declared or by
    rule), in declaration order. Sensitivity and robustness studies sample these."""
    return [p for p in iter_parameters() if p.plausible is not None]


def iter_event_fields() -> list[ParameterSpec]:
    """The fields of the two event lists, `schedules[].*` (reform ramps) and `shocks[].*`,
    declared like parameters but set per event rather than once per scenario."""
    return _walk(Ramp, "schedules[].") + _walk(Shock, "shocks[].")


def parameter_spec(path: str) -> ParameterSpec:
    """The declaration of one parameter by its dotted path; KeyError if there is none."""
    for spec in iter_parameters():
        if spec.path == path:
            return spec
    raise KeyError(path)


LEVER_PATHS: tuple[str, ...] = tuple(
    f"levers.{group}.{name}"
    for group, field in Levers.model_fields.items()
    for name in field.annotation.model_fields  # type: ignore[union-attr]
)

# What a ramp (`schedules`) may move: the levers, the ladder's real-valued parameters
# (staffing, cases per staff, service times, success rates, hand-offs, costs) and the
# budget per resident; with each one's declared bounds, against which `Ramp.to` is checked.
RAMPABLE_BOUNDS: dict[str, tuple[float | None, float | None]] = {
    spec.path: (spec.minimum, spec.maximum)
    for spec in _walk(Scenario, "")
    if spec.path in LEVER_PATHS
    or (spec.path.startswith("ladder.") and spec.kind == "float")
    or spec.path == "budget.per_resident_year"
}
RAMPABLE_PATHS: tuple[str, ...] = tuple(RAMPABLE_BOUNDS)

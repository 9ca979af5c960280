"""docs/ODD.md stays true to the code: its parameter table, paths, methods, levers and outcomes.

The model description is read by people who cannot check it against the code, so every name
it uses is checked here: the generated parameter table is current and complete, every
parameter path, file, class attribute and module attribute it names exists, the schedule it
lists is the order of `CoGovernanceModel.step`, and every lever and outcome is described.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
import textwrap
from pathlib import Path

import mesa
import pytest
from pydantic import BaseModel

from cli.docs import END, START, current_block, parameter_table_markdown
from simulation.metrics import OUTCOMES
from simulation.model import CoGovernanceModel
from simulation.scenario.schema import LEVER_PATHS, Scenario, iter_parameters

ROOT = Path(__file__).resolve().parents[1]
ODD = ROOT / "docs" / "ODD.md"
TEXT = ODD.read_text(encoding="utf-8")
FIX = "run `python -m cli.docs --write` to regenerate it"

# Top-level scenario sections that hold parameters (not metadata, schedules or shocks).
SECTIONS = tuple(
    name for name, field in Scenario.model_fields.items()
    if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel)
)

# Modules whose classes and functions the document may name.
MODULES = (
    "simulation.model", "simulation.ladder", "simulation.queueing", "simulation.disputes",
    "simulation.levers", "simulation.population", "simulation.network", "simulation.metrics",
    "simulation.metrics_core", "simulation.agents.resident", "simulation.agents.volunteer",
    "simulation.agents.party_cell", "simulation.agents.government",
    "simulation.agents.social_organisation", "simulation.scenario.schema",
)


def _namespace() -> dict[str, object]:
    names: dict[str, object] = {name: getattr(mesa, name) for name in dir(mesa)}
    for module_name in MODULES:
        module = importlib.import_module(module_name)
        names.update({name: getattr(module, name) for name in dir(module)})
    return names


NAMESPACE = _namespace()


def _prose(text: str) -> str:
    """The text outside fenced code blocks (inline code is what the checks read)."""
    return re.sub(r"^[ \t]*```.*?^[ \t]*```", "", text, flags=re.S | re.M)


def _section(heading: str, text: str = TEXT) -> str:
    """The text under the first heading that starts with `heading`, up to the next heading
    of the same or a higher level."""
    match = re.search(rf"^(#+) {re.escape(heading)}.*$", text, flags=re.M)
    assert match, f"docs/ODD.md has no heading starting with {heading!r}"
    level = len(match.group(1))
    rest = text[match.end():]
    end = re.search(rf"^#{{1,{level}}} ", rest, flags=re.M)
    return rest[: end.start()] if end else rest


def _inline_code(text: str) -> list[str]:
    return re.findall(r"`([^`\n]+)`", _prose(text))


def _resolve(path: str) -> bool:
    """Whether a dotted path names a field (section or parameter) of the scenario type.

    A trailing `.*` names a section.
    """
    parts = path.split(".")
    wildcard = parts[-1] == "*"
    if wildcard:
        parts = parts[:-1]
    model: type[BaseModel] = Scenario
    for i, part in enumerate(parts):
        field = model.model_fields.get(part)
        if field is None:
            return False
        ann = field.annotation
        is_section = isinstance(ann, type) and issubclass(ann, BaseModel)
        if i < len(parts) - 1 or wildcard:
            if not is_section:
                return False
            model = ann  # type: ignore[assignment]
    return True


# ------------------------------------------------------------------ the parameter table


def test_generated_parameter_block_is_current() -> None:
    assert START in TEXT and END in TEXT, f"docs/ODD.md lacks the parameter markers; {FIX}"
    assert current_block(ODD) == parameter_table_markdown(), (
        f"the parameter table in docs/ODD.md is stale; {FIX}"
    )


def test_parameter_table_lists_exactly_the_scenario_parameters() -> None:
    block = TEXT[TEXT.index(START):TEXT.index(END)]
    listed = re.findall(r"^\| `([^`]+)` \|", block, flags=re.M)
    declared = [spec.path for spec in iter_parameters()]
    assert len(listed) == len(set(listed)), "a parameter is listed twice in docs/ODD.md"
    unknown = [p for p in listed if not _resolve(p)]
    assert not unknown, f"docs/ODD.md lists parameters the scenario type lacks: {unknown}; {FIX}"
    missing = sorted(set(declared) - set(listed))
    assert not missing, f"docs/ODD.md does not list these parameters: {missing}; {FIX}"


def test_parameter_table_is_under_the_parameters_heading() -> None:
    assert START in _section("9 Parameters"), "the generated table belongs under 'Parameters'"


# ------------------------------------------------------------------ names in the text


def test_every_parameter_path_named_in_the_text_exists() -> None:
    pattern = re.compile(rf"^(?:{'|'.join(SECTIONS)})\.[\w.*]+$")
    named = {code for code in _inline_code(TEXT) if pattern.match(code)}
    assert named, "expected docs/ODD.md to name parameters"
    unknown = sorted(p for p in named if not _resolve(p))
    assert not unknown, f"docs/ODD.md names parameter paths that do not exist: {unknown}"


def test_every_file_path_named_in_the_text_exists() -> None:
    pattern = re.compile(
        r"^(?:simulation|scenarios|experiments|docs|tests|benchmarks|scripts)/[\w./*-]+$")
    paths = {code for code in _inline_code(TEXT) if pattern.match(code)}
    assert paths, "expected docs/ODD.md to name files"
    missing = sorted(p for p in paths
                     if not (any(ROOT.glob(p)) if "*" in p else (ROOT / p).exists()))
    assert not missing, f"docs/ODD.md names files that do not exist: {missing}"


def test_every_class_attribute_named_in_the_text_exists() -> None:
    """`CoGovernanceModel.step`, `ServiceQueue.admit`, … exist on their classes."""
    missing = []
    for code in _inline_code(TEXT):
        m = re.fullmatch(r"([A-Z]\w+)\.(\w+)", code)
        if not m:
            continue
        cls = NAMESPACE.get(m.group(1))
        assert inspect.isclass(cls), f"docs/ODD.md names an unknown class: {code}"
        fields = getattr(cls, "__dataclass_fields__", {})
        if not (hasattr(cls, m.group(2)) or m.group(2) in fields):
            missing.append(code)
    assert not missing, f"docs/ODD.md names attributes that do not exist: {missing}"


def test_every_class_named_in_the_text_exists() -> None:
    named = {code for code in _inline_code(TEXT) if re.fullmatch(r"[A-Z][a-z]\w*[a-z]\w*", code)}
    unknown = sorted(n for n in named if not inspect.isclass(NAMESPACE.get(n)))
    assert not unknown, f"docs/ODD.md names classes that do not exist: {unknown}"


def test_every_module_attribute_named_in_the_text_exists() -> None:
    """`simulation.metrics.OUTCOMES` and the like resolve."""
    unknown = []
    for code in _inline_code(TEXT):
        if not re.fullmatch(r"simulation(?:\.\w+)+", code):
            continue
        parts = code.split(".")
        for cut in range(len(parts), 0, -1):
            try:
                obj: object = importlib.import_module(".".join(parts[:cut]))
            except ImportError:
                continue
            try:
                for attr in parts[cut:]:
                    obj = getattr(obj, attr)
            except AttributeError:
                unknown.append(code)
            break
        else:
            unknown.append(code)
    assert not unknown, f"docs/ODD.md names module attributes that do not exist: {unknown}"


# ------------------------------------------------------------------ the schedule


def _step_phases() -> list[str]:
    """The `self.<phase>()` calls of `CoGovernanceModel.step`, in order."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(CoGovernanceModel.step)))
    phases = []
    for node in ast.walk(tree.body[0]):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "self"):
            phases.append((node.lineno, node.col_offset, node.func.attr))
    return [name for *_, name in sorted(phases)]


def test_schedule_lists_the_phases_of_step_in_order() -> None:
    schedule = _section("1.3 Process overview and scheduling")
    listed = re.findall(r"^\d+\. `CoGovernanceModel\.(\w+)`", schedule, flags=re.M)
    assert listed == _step_phases(), (
        "the numbered schedule in docs/ODD.md §1.3 must list the phases of "
        f"CoGovernanceModel.step in order: {_step_phases()}"
    )


def test_every_phase_named_in_the_schedule_section_is_a_method() -> None:
    schedule = _section("1.3 Process overview and scheduling")
    named = re.findall(r"`CoGovernanceModel\.(\w+)`", schedule)
    assert named
    missing = [n for n in named if not callable(getattr(CoGovernanceModel, n, None))]
    assert not missing, f"not methods of CoGovernanceModel: {missing}"


def test_every_phase_has_a_submodel_subsection() -> None:
    submodels = _section("3.4 Submodels")
    headings = re.findall(r"^####.*\(`(\w+)`\)\s*$", submodels, flags=re.M)
    missing = [p for p in _step_phases() if p not in headings]
    assert not missing, f"phases without a subsection under '3.4 Submodels': {missing}"
    not_methods = [h for h in headings if not callable(getattr(CoGovernanceModel, h, None))]
    assert not not_methods, f"submodel headings name no phase method: {not_methods}"


# ------------------------------------------------------------------ levers and outcomes


def test_every_lever_has_a_subsection_or_row_in_the_levers_section() -> None:
    levers = _section("4 Policy levers and their mechanisms")
    missing = [
        path for path in LEVER_PATHS
        if not re.search(rf"^(?:#+ |\| )`{re.escape(path)}`", levers, flags=re.M)
    ]
    assert not missing, f"levers not described in docs/ODD.md §4: {missing}"


def test_outcome_module_reads_no_lever() -> None:
    """No lever acts directly on an outcome: the outcome code never reads lever values."""
    for module in ("simulation/metrics.py", "simulation/metrics_core.py"):
        source = (ROOT / module).read_text(encoding="utf-8")
        assert not re.search(r"\blever\s*\[|\blevers_at\b|\.levers\b|\bLEVER_", source), (
            f"{module} reads a lever value"
        )


def test_every_outcome_is_defined() -> None:
    outcomes = _section("6 Outcomes")
    defined = set(re.findall(r"^\| `(\w+)` \|", outcomes, flags=re.M))
    missing = [o.name for o in OUTCOMES if o.name not in defined]
    assert not missing, f"outcomes not defined in docs/ODD.md §6: {missing}"


def _slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to '-'."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_every_internal_link_points_at_a_heading() -> None:
    anchors = {_slug(h) for h in re.findall(r"^#+ (.+)$", _prose(TEXT), flags=re.M)}
    targets = set(re.findall(r"\]\(#([^)]+)\)", TEXT))
    assert targets, "expected cross-references in docs/ODD.md"
    broken = sorted(targets - anchors)
    assert not broken, f"links in docs/ODD.md to headings that do not exist: {broken}"


@pytest.mark.parametrize("heading", [
    "1 Overview", "1.1 Purpose and patterns", "1.2 Entities, state variables and scales",
    "1.3 Process overview and scheduling", "2 Design concepts",
    "2.1 Theoretical and empirical background", "2.2 Individual decision making",
    "2.3 Learning", "2.4 Individual sensing", "2.5 Individual prediction", "2.6 Interaction",
    "2.7 Collectives", "2.8 Heterogeneity", "2.9 Stochasticity", "2.10 Observation",
    "3 Details", "3.1 Implementation details", "3.2 Initialisation", "3.3 Input data",
    "3.4 Submodels", "4 Policy levers and their mechanisms", "5 Scenarios",
    "5.3 How the mixes differ, and why", "6 Outcomes", "7 What the model leaves out",
    "8 Departures from the anchor models", "9 Parameters",
])
def test_odd_d_headings_are_present(heading: str) -> None:
    assert re.search(rf"^#+ {re.escape(heading)}\s*$", TEXT, flags=re.M), heading


def test_every_bundled_scenario_is_described() -> None:
    scenarios = _section("5.1 The bundled scenarios")
    missing = [p.name for p in sorted((ROOT / "scenarios").glob("*.yaml"))
               if f"`scenarios/{p.name}`" not in scenarios]
    assert not missing, f"bundled scenarios not described in docs/ODD.md §5.1: {missing}"

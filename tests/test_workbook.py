"""The student workbook (docs/workbook/) stays true as the model changes.

Every exercise's worked answer (docs/workbook/answers/NN-*.md) starts with a YAML front
matter that holds the exercise's command and the claims its questions' answers rest on.
This file runs each command as a student would, on a small county (2,000 residents, two
years, three seeds), and checks every claim against the run's own numbers:

- a comparison claim (`direction: higher|lower`) reads the paired difference of the
  exercise's scenario from the command's first one (`differences.csv`); `strength:
  clearly` needs the difference's 95% interval to exclude zero on the claimed side,
  `strength: on average` needs the mean difference to have the claimed sign, and
  `strength: not clearly` needs the interval not to lie wholly on the claimed side (the
  change is not shown, as when a reform keeps a gap from widening);
- a level claim (`above:`/`below:` a number or another outcome) reads one run's
  `summary.json`.

Claims are directions that follow from a mechanism (docs/ODD.md), not magnitudes, so they
hold across seeds; a change of mechanism that turns an answer round fails here, naming
the exercise and the question. The pages themselves are checked too: both languages
exist, and their commands and starter files are the ones tested.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shlex
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

import experiments.runner
from cli.common import load_with_overrides
from cli.main import main as cogov
from simulation.metrics import OUTCOMES
from simulation.scenario import Scenario, load_scenario
from simulation.scenario.files import bundled_names
from simulation.scenario.paths import get_path

ROOT = Path(__file__).resolve().parents[1]
WORKBOOK = ROOT / "docs" / "workbook"
ANSWERS = WORKBOOK / "answers"
EXERCISES = ROOT / "scenarios" / "exercises"

# The small county every command runs on here: enough disputes (about 90 a year) for the
# claimed directions to show, few enough runs for the whole file to take about a minute.
SMALL = ["--set", "population.residents=2000", "--steps", "104"]
TEST_REPS = 3

# Six short runs and two charts per exercise: seconds each, but a heavily loaded machine
# can stretch that several times over.
pytestmark = pytest.mark.timeout(240)


def front_matter(path: Path) -> dict[str, Any]:
    """The YAML block between the first two `---` lines of a page."""
    text = path.read_text(encoding="utf-8")
    match = re.match(r"---\n(.*?)\n---\n", text, re.S)
    assert match, f"{path.name}: no front matter"
    return yaml.safe_load(match.group(1))


def answer_pages() -> list[Path]:
    return sorted(p for p in ANSWERS.glob("[0-9][0-9]-*.md"))


ANSWER_PAGES = answer_pages()


def test_every_exercise_has_pages_in_both_languages_a_starter_and_an_answer() -> None:
    stems = sorted(p.stem for p in EXERCISES.glob("*.yaml"))
    assert len(stems) >= 8
    for lang in ("en", "zh"):
        assert sorted(p.stem for p in (WORKBOOK / lang).glob("[0-9][0-9]-*.md")) == stems
    assert [p.stem for p in ANSWER_PAGES] == stems


def test_the_starter_files_are_valid_and_are_not_bundled_scenarios() -> None:
    assert not {p.stem for p in EXERCISES.glob("*.yaml")} & set(bundled_names())
    for path in sorted(EXERCISES.glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        assert re.search(r"^extends: \w+$", text, re.M), f"{path.name} extends no mix"
        assert text.startswith("#"), f"{path.name} has no comment for students"
        load_scenario(str(path))  # raises, naming file and line, if it is not valid


PARAMETER = re.compile(r"`((?:population|welfare|network|disputes|ladder|effects|levers|"
                       r"behaviour|budget|run)\.[a-z_0-9.]+)")


def printed_names() -> set[str]:
    """Every line of the table `cogov run` prints: the counts and the outcomes."""
    tiny = load_with_overrides("default", {"population.residents": 200})
    return set(experiments.runner.simulate(tiny, 0, 1).summary()) | {o.name for o in OUTCOMES}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_pages_name_parameters_and_outcomes_that_exist(lang: str) -> None:
    """A parameter path or an outcome that is renamed or removed fails here, by page."""
    defaults = Scenario()
    printed = printed_names()
    for page in sorted((WORKBOOK / lang).glob("[0-9][0-9]-*.md")):
        text = page.read_text(encoding="utf-8")
        for path in PARAMETER.findall(text):
            try:
                get_path(defaults, path.rstrip("."))
            except KeyError:
                pytest.fail(f"{lang}/{page.name} names `{path}`, which is not a parameter")
        look = text.split("**What to look at.**" if lang == "en" else "**看什么。**")[1]
        look = look.split("**")[0]
        named = set(re.findall(r"`([a-z][a-z0-9_]+)`", look))
        assert named, f"{lang}/{page.name}: no outcomes to look at"
        unknown = named - printed
        assert not unknown, f"{lang}/{page.name} names outcomes that do not exist: {unknown}"


@pytest.mark.parametrize("page", ANSWER_PAGES, ids=lambda p: p.stem)
def test_the_pages_show_the_command_that_is_tested(page: Path) -> None:
    command = front_matter(page)["command"]
    for lang in ("en", "zh"):
        text = (WORKBOOK / lang / page.name).read_text(encoding="utf-8")
        assert command in text, f"{lang}/{page.name} does not show `{command}`"
        assert f"scenarios/exercises/{page.stem}.yaml" in text


def run_command(command: str, out: Path) -> None:
    """The exercise's command, on the small county, written to `out`."""
    argv = shlex.split(command)
    assert argv[0] == "./cogov" and argv[1] in ("run", "compare"), command
    argv = argv[1:]
    if "--reps" in argv:
        i = argv.index("--reps")
        argv[i + 1] = str(TEST_REPS)
    if argv[0] == "compare":
        argv += ["--workers", "1", "--no-progress"]
    argv += [*SMALL, "--out", str(out), "--force"]
    assert cogov(argv) == 0


def check_claim(claim: dict[str, Any], out: Path) -> str | None:
    """None if the claim holds in the outputs in `out`, else what was found."""
    outcome = claim["outcome"]
    if "direction" in claim:
        diffs = pd.read_csv(out / "differences.csv")
        row = diffs[diffs.outcome == outcome]
        assert len(row) == 1, f"{outcome}: expected one compared scenario"
        d, low, high = (float(row[c].iloc[0]) for c in ("difference", "ci_low", "ci_high"))
        sign = 1 if claim["direction"] == "higher" else -1
        # the end of the interval nearer zero on the claimed side
        near = low if sign > 0 else high
        strength = claim["strength"]
        assert strength in ("clearly", "on average", "not clearly"), strength
        ok = {"clearly": sign * near > 0, "on average": sign * d > 0,
              "not clearly": not sign * near > 0}[strength]
        found = f"difference {d:+.4g}, 95% interval [{low:+.4g}, {high:+.4g}]"
    else:
        summary = json.loads((out / "summary.json").read_text())
        value = float(summary[outcome])
        bound = claim.get("above", claim.get("below"))
        limit = float(summary[bound]) if isinstance(bound, str) else float(bound)
        ok = value > limit if "above" in claim else value < limit
        found = f"{outcome} = {value:.4g}, bound {bound} = {limit:.4g}"
    return None if ok else found


def describe(claim: dict[str, Any]) -> str:
    if "direction" in claim:
        return f"{claim['outcome']} {claim['strength']} {claim['direction']}"
    side = "above" if "above" in claim else "below"
    return f"{claim['outcome']} {side} {claim[side]}"


@pytest.fixture(scope="module")
def shared_runs():
    """Runs shared between exercises: several compare the same mix (the baseline) on the
    same seeds, and the same scenario and seed give the same run bit for bit, so each is
    run once (the time this file takes)."""
    done: dict[tuple, experiments.runner.RunResult] = {}
    original = experiments.runner.run_one

    def run_one(spec, keep_series=True):
        key = (experiments.runner.scenario_hash(spec.scenario), spec.seed, spec.steps,
               spec.scenario_dir, keep_series)
        if key not in done:
            done[key] = original(spec, keep_series)
        return dataclasses.replace(done[key], spec=spec)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(experiments.runner, "run_one", run_one)
        yield


@pytest.mark.parametrize("page", ANSWER_PAGES, ids=lambda p: p.stem)
def test_the_worked_answers_still_hold(page: Path, tmp_path: Path, shared_runs) -> None:
    spec = front_matter(page)
    run_command(spec["command"], tmp_path / "out")
    failures = []
    for claim in spec["claims"]:
        found = check_claim(claim, tmp_path / "out")
        if found is not None:
            failures.append(f"exercise {spec['exercise']} ({page.stem}), question "
                            f"{claim['question']}: the answer says {describe(claim)} "
                            f"({claim['mechanism']}), but {found}")
    assert not failures, "\n".join(failures)


def test_a_claim_that_does_not_hold_is_reported(tmp_path: Path) -> None:
    """The check itself: a reversed claim fails and an interval across zero is not 'clearly'."""
    out = tmp_path
    pd.DataFrame([{"scenario": "x", "outcome": "trust", "n": 3, "difference": 0.1,
                   "ci_low": -0.05, "ci_high": 0.25}]).to_csv(out / "differences.csv")
    on_average = {"outcome": "trust", "direction": "higher", "strength": "on average"}
    assert check_claim(on_average, out) is None
    assert check_claim({**on_average, "direction": "lower"}, out) is not None
    assert check_claim({**on_average, "strength": "clearly"}, out) is not None
    assert check_claim({**on_average, "strength": "not clearly"}, out) is None
    assert check_claim({**on_average, "direction": "lower", "strength": "not clearly"},
                       out) is None
    pd.DataFrame([{"scenario": "x", "outcome": "trust", "n": 3, "difference": 0.1,
                   "ci_low": 0.02, "ci_high": 0.18}]).to_csv(out / "differences.csv")
    assert check_claim({**on_average, "strength": "not clearly"}, out) is not None
    (out / "summary.json").write_text(json.dumps({"escalated": 5, "resolved": 50}))
    assert check_claim({"outcome": "escalated", "below": "resolved"}, out) is None
    assert check_claim({"outcome": "escalated", "above": 10}, out) is not None


# ------------------------------------------------------------------ texts shared with the guide

def test_the_texts_shared_with_the_guided_lessons_are_copied_unchanged() -> None:
    """Each `<!-- shared: KEY -->` block holds its source text (viz/texts/shared.yaml) as
    `python -m viz.shared_texts` writes it; every shared text is used by a guided step and
    by a page in each language, so neither side drifts from the other."""
    from viz import shared_texts

    used: dict[str, set[str]] = {}
    for page, lang in shared_texts.pages():
        for key, body in shared_texts.blocks(page):
            assert key in shared_texts.shared(), f"{page.name}: no shared text {key!r}"
            assert body == shared_texts.rendered(key, lang), (
                f"{page}: the shared text {key!r} differs from viz/texts/shared.yaml; "
                "run `.venv/bin/python -m viz.shared_texts`")
            used.setdefault(key, set()).add(lang)
    guide = yaml.safe_load(Path("viz/texts/guide.yaml").read_text(encoding="utf-8"))
    in_guide = {step["text"]["shared"] for lesson in guide["lessons"]
                for step in lesson["steps"] if "shared" in step["text"]}
    for key in shared_texts.shared():
        assert used.get(key) == {"en", "zh"}, f"{key}: not on a workbook page in both languages"
        assert key in in_guide, f"{key}: no guided step uses it"


def test_syncing_rewrites_only_the_shared_blocks(tmp_path: Path) -> None:
    from viz import shared_texts

    page = tmp_path / "page.md"
    page.write_text("# Title\n\nBefore.\n<!-- shared: chance_or_structure -->\nold text\n"
                    "<!-- /shared -->\n\nAfter.\n", encoding="utf-8")
    assert shared_texts.sync(page, "en")
    text = page.read_text(encoding="utf-8")
    assert text.startswith("# Title\n\nBefore.\n<!-- shared: chance_or_structure -->\n")
    assert text.endswith("\n<!-- /shared -->\n\nAfter.\n")
    assert "old text" not in text
    assert shared_texts.blocks(page) == [
        ("chance_or_structure", shared_texts.rendered("chance_or_structure", "en"))]
    assert not shared_texts.sync(page, "en")  # a second sync changes nothing


def test_chinese_shared_texts_lose_the_spaces_of_folded_lines() -> None:
    from viz.shared_texts import normalise

    assert normalise("第一行，\n  第二行 and `cogov compare` 第三行", "zh") == \
        "第一行，第二行 and `cogov compare` 第三行"
    assert normalise(" two\n  lines ", "en") == "two lines"

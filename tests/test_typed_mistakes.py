"""Values typed the way people type them: full-width characters from a Chinese input method
and numbers written as in prose get a message that names the mistake, on its own line."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from cli.main import main
from simulation.scenario import Problem, ScenarioError, load_scenario_file

COLON = "full-width colon '：' (U+FF1A): use ':'"


def problems(tmp_path: Path, text: str) -> list[Problem]:
    path = tmp_path / "mine.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario_file(path)
    return info.value.problems


def only(tmp_path: Path, text: str) -> Problem:
    found = problems(tmp_path, text)
    assert len(found) == 1, [p.format() for p in found]
    return found[0]


@pytest.mark.parametrize(("text", "line"), [
    # A key typed with a full-width colon: YAML's own message points at the next line.
    ("extends: fengqiao\ndescription: x\nlevers：\n  rule_of_law:\n    enforcement: 0.9\n", 3),
    ("extends：fengqiao\ndescription: x\n", 1),
    ("extends：fengqiao\n", 1),
    ("extends: fengqiao\nschedules:\n  - parameter: levers.party_leadership.cell_coverage\n"
     "    start_week： 0\n    to: 1\n", 4),
    ("extends: fengqiao\nladder:\n  grid_workers_per_1000：2.5\n", 3),
])
def test_a_full_width_colon_is_named_on_its_line(tmp_path: Path, text: str, line: int) -> None:
    p = only(tmp_path, text)
    assert p.line == line
    assert p.message == COLON


@pytest.mark.parametrize(("value", "words"), [
    ("２.５", ["full-width digit two '２' (U+FF12): use '2'",
               "full-width digit five '５' (U+FF15): use '5'", "(write 2.5)"]),
    ("2．5", ["full-width full stop '．' (U+FF0E): use '.'", "(write 2.5)"]),
    ("2，5", ["full-width comma '，' (U+FF0C): use ','", "write 2.5"]),
    ("（2.5）", ["full-width left parenthesis '（' (U+FF08): use '('",
                "full-width right parenthesis '）' (U+FF09): use ')'", "(write 2.5)"]),
    ("－1", ["full-width minus sign '－' (U+FF0D): use '-'"]),
])
def test_full_width_characters_in_a_number_are_named(tmp_path: Path, value: str,
                                                     words: list[str]) -> None:
    p = only(tmp_path, f"extends: fengqiao\ndescription: x\nladder:\n"
                       f"  grid_workers_per_1000: {value}\n")
    assert p.line == 4 and p.path == "ladder.grid_workers_per_1000"
    for w in words:
        assert w in p.message, p.message
    assert "remove the quotes" not in p.message


def test_a_full_width_space_in_an_indent_is_named(tmp_path: Path) -> None:
    found = problems(tmp_path, "extends: fengqiao\nladder:\n\u3000 grid_workers_per_1000: 2.5\n")
    assert any(p.line == 3 and p.message == "full-width space '\\u3000' (U+3000): use ' '"
               for p in found), [p.format() for p in found]


def test_chinese_text_and_comments_are_not_mistakes(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(
        "# 我的县：网格员减半（试点）\n"
        "extends: fengqiao\n"
        "description: Half the grid workers\n"
        "description_zh: >-\n"
        "  网格员减半的枫桥县：（试点），２０２４年。\n"
        "ladder:\n"
        "  grid_workers_per_1000: 2.5   # 每千人：２.５名\n", encoding="utf-8")
    assert load_scenario_file(path).ladder.grid_workers_per_1000 == 2.5


def test_a_syntax_error_elsewhere_is_not_blamed_on_chinese_text(tmp_path: Path) -> None:
    p = only(tmp_path, "extends: fengqiao\ndescription_zh: 县：（试点）\nladder:\n"
                       "  grid_workers_per_1000: [2.5\n")
    assert p.message.startswith("YAML syntax error")


@pytest.mark.parametrize(("key", "value", "message"), [
    ("levers:\n  rule_of_law:\n    enforcement", "80%",
     "write 0.8, not 80% (shares are numbers from 0 to 1)"),
    ("levers:\n  rule_of_law:\n    enforcement", "high",
     "expected a number from 0 to 1 (intensity 0-1), got the word 'high'"),
    ("population:\n  residents", "10k", "write 10000, not 10k"),
    ("population:\n  residents", "1.5万", "write 15000, not 1.5万"),
    ("population:\n  residents", "12,000", "write 12000, without the thousands separators"),
    ("population:\n  residents", "'12000'",
     "expected a whole number from 100 to 1,000,000 (residents), got text "
     "(remove the quotes)"),
])
def test_numbers_written_as_in_prose(tmp_path: Path, key: str, value: str,
                                     message: str) -> None:
    p = only(tmp_path, f"extends: fengqiao\n{key}: {value}\n")
    assert p.message == message
    assert p.line == 2 + key.count("\n")


def test_validate_prints_the_character_and_its_line(tmp_path: Path) -> None:
    path = tmp_path / "my_county.yaml"
    path.write_text("extends: fengqiao\ndescription: x\nlevers：\n  rule_of_law:\n"
                    "    enforcement: 0.9\n", encoding="utf-8")
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(["validate", str(path)])
    assert code == 2
    assert err.getvalue().splitlines()[0] == f"{path}:3: {COLON}"


def test_a_file_broken_by_a_full_width_colon_still_reports_its_other_problems(
        tmp_path: Path) -> None:
    """A full-width colon stops YAML; the rest of the file is read on with ASCII put in,
    so the student gets every problem, on its own line, in one run."""
    path = tmp_path / "bad.yaml"
    path.write_text("extends: fengqiao\nlevers：\n  rule_of_law:\n    enforcement: ２.５\n"
                    "ladder:\n  success_l1: 80%\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario_file(path)
    by_line: dict[int | None, str] = {}
    for p in info.value.problems:
        by_line[p.line] = by_line.get(p.line, "") + p.format()
    assert "full-width colon '：' (U+FF1A): use ':'" in by_line[2]
    assert "full-width digit two" in by_line[4]
    assert "write 0.8, not 80%" in by_line[6]
    assert [p.line for p in info.value.problems] == sorted(p.line for p in info.value.problems)

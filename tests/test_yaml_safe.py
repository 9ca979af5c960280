"""Tests for the hardened scenario YAML reader and its error type.

Each failure case checks the message a student will read, the line it points at and the
field path, since those are what make a hand-edited scenario fixable."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import yaml

from simulation.scenario import yaml_safe
from simulation.scenario.errors import Problem, ScenarioError, nearest_name
from simulation.scenario.yaml_safe import parse_yaml_mapping, read_yaml_mapping

NESTED = """\
description: baseline
levers:
  rule_of_law:
    enforcement: 0.6
    legal_services: 0.4
shocks:
  - week: 10
    size: 0.2
  - week: 52
    size: -0.1
seeds: [1, 2, 3]
"""


def problems_of(text: str | bytes, **kw: int) -> list[Problem]:
    with pytest.raises(ScenarioError) as info:
        parse_yaml_mapping(text, "s.yaml", **kw)
    return info.value.problems


def only_problem(text: str | bytes, **kw: int) -> Problem:
    problems = problems_of(text, **kw)
    assert len(problems) == 1, problems
    assert problems[0].file == "s.yaml"
    return problems[0]


# --- happy paths ---------------------------------------------------------------------------


def test_nested_document_data_and_lines(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(NESTED, encoding="utf-8")
    data, lines = read_yaml_mapping(path)
    assert data == {
        "description": "baseline",
        "levers": {"rule_of_law": {"enforcement": 0.6, "legal_services": 0.4}},
        "shocks": [{"week": 10, "size": 0.2}, {"week": 52, "size": -0.1}],
        "seeds": [1, 2, 3],
    }
    assert lines[""] == 1
    assert lines["levers"] == 2
    assert lines["levers.rule_of_law"] == 3
    assert lines["levers.rule_of_law.enforcement"] == 4
    assert lines["shocks"] == 6
    assert lines["shocks[0]"] == 7
    assert lines["shocks[1]"] == 9
    assert lines["shocks[1].week"] == 9
    assert lines["shocks[1].size"] == 10
    assert lines["seeds[2]"] == 11


@pytest.mark.parametrize("value", ["yes", "no", "on", "0x1F", "0o17", "1e3", "1.5e3", "~", "1_000"])
def test_scalars_mean_what_they_mean_to_safe_load(value: str) -> None:
    data, _ = parse_yaml_mapping(f"x: {value}\n", "s.yaml")
    assert data["x"] == yaml.safe_load(f"x: {value}\n")["x"]


def test_dates_stay_text_and_standard_explicit_tags_are_allowed() -> None:
    data, _ = parse_yaml_mapping('start: 2024-05-01\ncode: !!str 123\n"1": one\n', "s.yaml")
    assert data == {"start": "2024-05-01", "code": "123", "1": "one"}


def test_utf8_bom_is_accepted() -> None:
    data, lines = parse_yaml_mapping(b"\xef\xbb\xbfa: 1\nb: \xe5\x85\xb1\xe5\xbb\xba\n", "s.yaml")
    assert data == {"a": 1, "b": "共建"}
    assert lines["b"] == 2


# --- hostile input -------------------------------------------------------------------------


def billion_laughs() -> str:
    """Nine levels of nine aliases: under 1 kB that would expand to 9⁹ ≈ 387 million values."""
    text = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        text += f"{name}: &{name} [{', '.join(['*' + prev] * 9)}]\n"
    return text


def count_visits(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count every value the reader converts (each alias expansion is one visit)."""
    visits = [0]
    convert = yaml_safe._Converter.convert

    def counting(self, node, path, depth):
        visits[0] += 1
        return convert(self, node, path, depth)

    monkeypatch.setattr(yaml_safe._Converter, "convert", counting)
    return visits


def test_billion_laughs_stops_after_the_node_limit_without_expanding(monkeypatch) -> None:
    """The work is bounded by the limit on values, not by what the aliases would expand to:
    the reader stops at the first value past the limit (no clock involved)."""
    visits = count_visits(monkeypatch)
    problem = only_problem(billion_laughs())
    assert visits[0] == 100_001  # the limit, plus the one value that broke it
    assert problem.message == "the file expands to more than 100,000 values (YAML aliases?)"
    assert problem.line is not None
    assert problem.path is not None and problem.path.startswith("f[")


@pytest.mark.parametrize("limit", [10, 1_000])
def test_the_node_limit_is_the_bound_on_work(monkeypatch, limit: int) -> None:
    visits = count_visits(monkeypatch)
    problem = only_problem(billion_laughs(), max_nodes=limit)
    assert visits[0] == limit + 1
    assert problem.message == f"the file expands to more than {limit:,} values (YAML aliases?)"


def test_a_document_within_the_node_limit_is_read_whole(monkeypatch) -> None:
    visits = count_visits(monkeypatch)
    text = "a: &a [1, 2]\nb: [*a, *a]\n"
    # The root; key a, its list and 2 items; key b, its list, and twice a's list and items.
    values = 1 + (1 + 1 + 2) + (1 + 1 + 2 * (1 + 2))
    data, _ = parse_yaml_mapping(text, "s.yaml", max_nodes=values)
    assert data == {"a": [1, 2], "b": [[1, 2], [1, 2]]}
    assert visits[0] == values == 13
    problem = only_problem(text, max_nodes=values - 1)
    assert problem.message == "the file expands to more than 12 values (YAML aliases?)"


def test_python_tag_is_rejected_and_never_executed(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    text = f'a: 1\nrun: !!python/object/apply:os.system ["echo hi > {marker}"]\n'
    problem = only_problem(text)
    assert problem.message == "YAML tags are not allowed"
    assert (problem.line, problem.path) == (2, "run")
    assert problem.value == "!!python/object/apply:os.system"
    assert not marker.exists()


def test_custom_and_non_core_tags_are_all_reported() -> None:
    text = "a: !foo bar\nb:\n  c: !!binary aGk=\nd: !!set {x, y}\n"
    problems = problems_of(text)
    assert [(p.line, p.path, p.value) for p in problems] == [
        (1, "a", "!foo"),
        (3, "b.c", "!!binary"),
        (4, "d", "!!set"),
    ]
    assert all(p.message == "YAML tags are not allowed" for p in problems)


def test_explicit_standard_tag_with_a_bad_value() -> None:
    problem = only_problem("a: 1\nn: !!int abc\n")
    assert (problem.message, problem.line, problem.path, problem.value) == (
        "this is not a valid int",
        2,
        "n",
        "abc",
    )


def test_file_over_the_size_limit_is_refused_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(b"a: 1\n" + b"#" * 1_999_995)

    def no_open(*args: object, **kwargs: object) -> None:
        raise AssertionError("a file over the limit must not be opened")

    monkeypatch.setattr(yaml_safe, "open", no_open, raising=False)
    with pytest.raises(ScenarioError) as info:
        read_yaml_mapping(path)
    (problem,) = info.value.problems
    assert problem.message == (
        "the file is too large (2,000,000 bytes; the limit is 1,000,000 bytes)"
    )
    assert problem.file == str(path)


def test_text_in_memory_over_the_size_limit() -> None:
    assert only_problem(b"a: 1\n" * 3, max_bytes=10).message == (
        "the file is too large (15 bytes; the limit is 10 bytes)"
    )


def test_invalid_utf8_reports_line_and_offset() -> None:
    problem = only_problem(b"a: 1\nb: \xff\n")
    assert problem.message == "the file is not valid UTF-8 text (byte 0xff at offset 8)"
    assert problem.line == 2


def test_utf16_file_gets_a_hint() -> None:
    problem = only_problem("a: 1\n".encode("utf-16"))
    assert problem.message == "the file is UTF-16 text; save it as UTF-8"


def test_control_character_is_located() -> None:
    problem = only_problem("a: 1\nb: \x07\n")
    assert problem.message == "the file contains a character YAML does not allow (U+0007)"
    assert problem.line == 2


def test_nesting_deeper_than_64_levels() -> None:
    problem = only_problem("a:\n  b: " + "[" * 70 + "]" * 70 + "\n")
    assert problem.message == "values are nested more than 64 levels deep"
    assert problem.line == 2
    assert problem.path == "a.b" + "[0]" * 63


def test_recursive_alias_hits_the_depth_guard() -> None:
    problem = only_problem("a: &x [*x]\n")
    assert problem.message == "values are nested more than 64 levels deep"
    assert problem.line == 1


def test_nesting_too_deep_for_pyyaml_itself_does_not_leak_recursion_error() -> None:
    problem = only_problem("a: " + "[" * 1000 + "]" * 1000 + "\n")
    assert problem.message == "values are nested more than 64 levels deep"


# --- keys ----------------------------------------------------------------------------------


def test_duplicate_keys_are_all_reported_with_both_lines() -> None:
    text = "a: 1\nlevers:\n  x: 1\n  y: 2\n  x: 3\na: 4\n"
    problems = problems_of(text)
    assert [(p.message, p.line, p.path) for p in problems] == [
        ("duplicate key 'x' (first at line 3, again at line 5)", 5, "levers.x"),
        ("duplicate key 'a' (first at line 1, again at line 6)", 6, "a"),
    ]


def test_merge_keys_are_not_supported() -> None:
    problem = only_problem("base: &b {x: 1}\nother:\n  <<: *b\n  y: 2\n")
    assert problem.message == "merge keys ('<<') are not supported; write the keys out in full"
    assert (problem.line, problem.path) == (3, "other")


def test_non_string_keys_are_reported() -> None:
    text = "ok: 1\n1: x\n[a]: b\nnull: x\nsub:\n  on: 1\n"
    problems = problems_of(text)
    assert [(p.message, p.line, p.path) for p in problems] == [
        ("keys must be text, but this key is a number", 2, ""),
        ("keys must be text, but this key is a list", 3, ""),
        ("keys must be text, but this key is null", 4, ""),
        ("keys must be text, but this key is true/false", 6, "sub"),
    ]
    assert problems[0].value == 1


# --- numbers -------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [".nan", ".NaN", ".inf", "-.inf", "1.0e+999"])
def test_non_finite_numbers_are_rejected(value: str) -> None:
    problem = only_problem(f"levers:\n  enforcement: {value}\n")
    assert problem.message == "not a finite number"
    assert (problem.line, problem.path, problem.value) == (2, "levers.enforcement", value)


# --- syntax and document shape ---------------------------------------------------------------


def test_syntax_error_uses_the_parser_wording_and_line() -> None:
    problem = only_problem("a: 1\nb: c: d\n")
    assert problem.message == "YAML syntax error: mapping values are not allowed here"
    assert problem.line == 2
    assert problem.path is None


def test_tab_indentation_is_a_syntax_error_with_a_hint() -> None:
    problem = only_problem("levers:\n  a: 1\n\tb: 2\n")
    assert problem.message.startswith(
        "YAML syntax error: found character '\\t' that cannot start any token"
    )
    assert problem.message.endswith("indent with spaces, not tabs")
    assert problem.line == 3


def test_syntax_error_mentions_where_the_construct_began() -> None:
    problem = only_problem("a: [1, 2\nb: 3\n")
    assert problem.message == (
        "YAML syntax error: expected ',' or ']', but got ':' "
        "(while parsing a flow sequence at line 1)"
    )
    assert problem.line == 2


@pytest.mark.parametrize("text", ["", "\n\n", "# only\n# comments\n", "---\n"])
def test_empty_file(text: str) -> None:
    problem = only_problem(text)
    assert problem.message == (
        "the file is empty; a scenario is a mapping of keys to values, e.g. `description: ...`"
    )
    assert problem.line == 1


def test_two_documents_are_refused() -> None:
    problem = only_problem("a: 1\n---\nb: 2\n")
    assert problem.message.startswith("the file holds more than one YAML document")
    assert problem.line == 2


def test_list_root_is_refused() -> None:
    problem = only_problem("# scenario\n- a\n- b\n")
    assert problem.message == (
        "the top level of the file must be a mapping of keys to values "
        "(e.g. `description: ...`), but it is a list"
    )
    assert problem.line == 2


def test_scalar_root_is_refused() -> None:
    problem = only_problem("just some text\n")
    assert problem.message.endswith("but it is a single piece of text")
    assert problem.value == "just some text"


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as info:
        read_yaml_mapping(tmp_path / "nope.yaml")
    assert str(info.value) == f"{tmp_path / 'nope.yaml'}: the file does not exist"


def test_mangled_documents_only_ever_raise_scenario_error() -> None:
    """No yaml exception, UnicodeDecodeError or RecursionError may reach the student."""
    rng = random.Random(20240501)
    alphabet = b"\t\n :-[]{}&*!|>'\"#%@`,?<=~.0\xff\x07"
    for _ in range(400):
        data = bytearray(NESTED.encode("utf-8"))
        for _ in range(rng.randint(1, 6)):
            data.insert(rng.randrange(len(data) + 1), rng.choice(alphabet))
        try:
            parse_yaml_mapping(bytes(data), "s.yaml")
        except ScenarioError as e:
            assert e.problems and all(p.file == "s.yaml" for p in e.problems)


# --- errors module -------------------------------------------------------------------------


def test_problem_format_with_every_part() -> None:
    problem = Problem(
        "unknown key 'enforcment'",
        file="scenarios/x.yaml",
        line=12,
        path="levers.rule_of_law.enforcment",
        value=1.5,
        allowed="one of: enforcement, legal_services",
        suggestion="enforcement",
    )
    assert problem.format() == (
        "scenarios/x.yaml:12: levers.rule_of_law.enforcment: unknown key 'enforcment' "
        "(did you mean 'enforcement'?)\n"
        "  allowed: one of: enforcement, legal_services; got: 1.5"
    )


def test_problem_format_omits_missing_parts_and_truncates_values() -> None:
    assert Problem("the file is empty").format() == "the file is empty"
    assert Problem("bad", file="x.yaml").format() == "x.yaml: bad"
    formatted = Problem("too long", value="x" * 500).format()
    got = formatted.splitlines()[1]
    assert got.startswith("  got: 'xxx") and got.endswith("...")
    assert len(got) == len("  got: ") + 80


def test_scenario_error_joins_problems() -> None:
    error = ScenarioError([Problem("one", line=1), Problem("two", line=2)])
    assert str(error) == "1: one\n2: two"
    assert [p.message for p in error.problems] == ["one", "two"]


def test_nearest_name() -> None:
    choices = ["levers", "shocks", "description"]
    assert nearest_name("levres", choices) == "levers"
    assert nearest_name("LEVERS", choices) == "levers"
    assert nearest_name("Shock", iter(choices)) == "shocks"
    assert nearest_name("zzz", choices) is None

from pathlib import Path

import pytest

from huleedu_service_libs.envfile import load_env_file, parse_env_text


def test_parses_keys_values_comments_and_quotes():
    text = """
# comment
A=1
export B = two words
C="quoted # not a comment"
D='$NOT_EXPANDED'
E=
"""
    assert parse_env_text(text) == {
        "A": "1",
        "B": "two words",
        "C": "quoted # not a comment",
        "D": "$NOT_EXPANDED",
        "E": "",
    }


def test_value_may_contain_equals_signs():
    assert parse_env_text("URL=postgresql://u@h/db?x=1") == {"URL": "postgresql://u@h/db?x=1"}


@pytest.mark.parametrize("line", ["no equals sign", "=value", "BAD-KEY=1"])
def test_rejects_malformed_lines_with_the_line_number(line: str):
    with pytest.raises(ValueError, match="line 2"):
        parse_env_text("OK=1\n" + line)


def test_missing_file_is_empty(tmp_path: Path):
    assert load_env_file(tmp_path / "absent") == {}


def test_reads_a_file(tmp_path: Path):
    path = tmp_path / "env"
    path.write_text("X=1\nY=2\n")
    assert load_env_file(path) == {"X": "1", "Y": "2"}

"""A lane that skips tests must not show green unless the skip is intended (PITFALLS: operations)."""

import pytest

SKIPPING = """
import pytest

def test_runs():
    assert True

@pytest.mark.skip(reason="heavy lane not configured")
def test_heavy():
    assert True
"""


def _run(pytester: pytest.Pytester) -> pytest.RunResult:
    pytester.makepyfile(SKIPPING)
    return pytester.runpytest_subprocess("-p", "huleedu_service_libs.testing.pytest_plugin", "-p", "no:cacheprovider")


def test_a_skipped_test_fails_the_run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("HULEEDU_ALLOW_SKIPS", raising=False)
    result = _run(pytester)
    result.assert_outcomes(passed=1, skipped=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*skipped tests fail this run*", "SKIPPED *test_heavy*"])


def test_skips_pass_when_explicitly_allowed(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("HULEEDU_ALLOW_SKIPS", "1")
    assert _run(pytester).ret == pytest.ExitCode.OK


def test_integration_folder_tests_are_marked(pytester: pytest.Pytester):
    pytester.mkpydir("integration")
    pytester.path.joinpath("integration", "test_x.py").write_text("def test_x():\n    pass\n")
    pytester.makepyfile(test_unit="def test_u():\n    pass\n")
    result = pytester.runpytest_subprocess(
        "-p", "huleedu_service_libs.testing.pytest_plugin", "-m", "not integration", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(passed=1, deselected=1)

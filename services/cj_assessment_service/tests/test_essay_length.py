"""Essay length as the moderation fit's covariate (domain/essay_length.py): the word count the repository's
SQL shares, and the within-job z-score of log(1 + words), None when length cannot be learnt from."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cj_assessment_service.domain.essay_length import length_covariate, word_count


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", 0),
        ("   \n\t ", 0),
        ("one", 1),
        ("  Two  words  ", 2),
        ("line one\nline two\r\nthree\tfour\x0bfive\x0csix", 8),
        ("Åsa läser böcker.", 3),
        ("hy-phen, comma,and.dot", 2),  # punctuation does not split
        ("no\u00a0break space", 2),  # only ASCII whitespace splits (as in SQL, whatever the locale)
    ],
)
def test_a_word_is_a_run_without_ascii_whitespace(text: str, words: int):
    assert word_count(text) == words


def test_the_covariate_is_the_z_score_of_log_length_in_the_given_order():
    words = [100, 400, 0, 250]
    covariate = length_covariate(words)
    assert covariate is not None
    assert covariate.shape == (4, 1)
    column = covariate[:, 0]
    assert column.mean() == pytest.approx(0.0, abs=1e-12)
    assert column.std() == pytest.approx(1.0)
    log_length = [math.log1p(w) for w in words]
    # The order follows log length, and equal steps of log length are equal steps of z.
    assert list(np.argsort(column)) == list(np.argsort(log_length))
    expected = (np.array(log_length) - np.mean(log_length)) / np.std(log_length)
    np.testing.assert_allclose(column, expected)


@pytest.mark.parametrize(
    "words",
    [
        [],
        [100, 900],  # fewer than three essays
        [300, 300, 300, 300],  # all alike
        [1000, 1001, 1002, 1003],  # SD of log length about 0.001: length explains nothing
    ],
)
def test_no_covariate_when_length_cannot_be_learnt_from(words: list[int]):
    assert length_covariate(words) is None


def test_a_short_job_with_different_lengths_has_one():
    assert length_covariate([100, 200, 300]) is not None
    assert length_covariate([0, 0, 5]) is not None


def test_a_negative_count_is_refused():
    with pytest.raises(ValueError, match="negative"):
        length_covariate([10, -1, 30])

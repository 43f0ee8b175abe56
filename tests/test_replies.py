"""What people type in the guided walk (cli.replies): read generously, never guessed, every refusal plain."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backpain_cli.cli import replies
from backpain_cli.errors import UsageError

TODAY = dt.date(2026, 12, 7)
SCORE_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]


@pytest.mark.parametrize(
    ("typed", "score"),
    [
        ("7", 7),
        ("7.5", 7.5),
        ("7/10", 7),
        ("7 / 10", 7),
        ("7 out of 10", 7),
        ("7 of 10", 7),
        ("seven", 7),
        ("Seven out of ten", 7),
        ("about 7", 7),
        ("7.", 7),
        ("10/10", 10),
        ("0", 0),
    ],
)
def test_pain_scores_people_type(typed: str, score: float) -> None:
    assert replies.parse_pain(typed) == score


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("11", "from 0 (no pain) to 10"),
        ("-3", "from 0 (no pain) to 10"),
        ("7/5", "out of 10"),
        ("3 out of 5", "out of 10"),
        ("6-7", "one number"),
        ("6 or 7", "one number"),
        ("7,5", "with a point"),
        ("bad", "from 0 (no pain) to 10"),
        ("a", "from 0 (no pain) to 10"),
        ("lots", "best guess"),
        ("more than 7", "best guess"),
    ],
)
def test_pain_scores_that_are_asked_again(typed: str, reason: str) -> None:
    with pytest.raises(UsageError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        replies.parse_pain(typed)


@given(st.integers(0, 10), st.sampled_from(["{n}", "{n}/10", "{n} / 10", "{n} out of 10", " {n} ", "about {n}", "{w}", "{w} out of ten"]))
def test_every_score_from_0_to_10_in_every_form(n: int, form: str) -> None:
    assert replies.parse_pain(form.format(n=n, w=SCORE_WORDS[n])) == n


@given(st.decimals(min_value=0, max_value=10, places=1).map(str))
def test_decimal_scores(typed: str) -> None:
    assert replies.parse_pain(typed + "/10") == float(typed)


@given(st.integers(11, 10**6) | st.integers(-(10**6), -1), st.sampled_from(["{n}", "{n}/10", "{n} out of 10"]))
def test_out_of_range_scores_are_refused(n: int, form: str) -> None:
    with pytest.raises(UsageError):
        replies.parse_pain(form.format(n=n))


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("4 months", (4, "months")),
        ("about 4 months", (4, "months")),
        ("About 4 months.", (4, "months")),
        ("around 4 months ago", (4, "months")),
        ("it's been about 4 months", (4, "months")),
        ("since 4 months", (4, "months")),
        ("4months", (4, "months")),
        ("~4 mths", (4, "months")),
        ("six weeks", (6, "weeks")),
        ("3 wks", (3, "weeks")),
        ("10 days", (10 / 7, "weeks")),
        ("a year", (12, "months")),
        ("1.5 years", (18, "months")),
        ("one and a half years", (18, "months")),
        ("a year and a half", (18, "months")),
        ("half a year", (6, "months")),
        ("eighteen months", (18, "months")),
        ("2 years and 3 months", (27, "months")),
        ("1 year, 6 months", (18, "months")),
        ("2 weeks and 3 days", (2 + 3 / 7, "weeks")),
        ("0 weeks", (0, "weeks")),
    ],
)
def test_durations_people_type(typed: str, expected: tuple[float, str]) -> None:
    amount, unit = replies.parse_duration(typed, TODAY)
    assert unit == expected[1] and amount == pytest.approx(expected[0])


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("4", "weeks, months or years"),
        ("4m", "weeks, months or years"),
        ("years", "weeks, months or years"),
        ("a few months", "how many"),
        ("several years", "how many"),
        ("more than 3 months", "best guess"),
        ("nearly 3 months", "best guess"),
        ("under 4 weeks", "best guess"),
        ("3-4 months", "one number"),
        ("3 to 4 months", "one number"),
        ("1,5 years", "with a point"),
        ("200 years", "more than 100 years"),
        ("since June", "since June 2026 is about 6 months; type 6 months"),
        ("since jan 2025", "since January 2025 is about 23 months"),
        ("since 2019", "since 2019 is about 7 years"),
        ("since December", "count the weeks, months or years"),  # this December, or last: asked
        ("forever", "how many"),
    ],
)
def test_durations_that_are_asked_again(typed: str, reason: str) -> None:
    with pytest.raises(UsageError) as refused:
        replies.parse_duration(typed, TODAY)
    assert reason in str(refused.value)


UNIT_SPELLINGS = {
    "weeks": ["w", "wk", "wks", "week", "weeks"],
    "months": ["mo", "mos", "mth", "month", "months"],
    "years": ["yr", "yrs", "year"],
}


@given(st.integers(1, 99), st.sampled_from(sorted(UNIT_SPELLINGS)), st.data())
def test_every_unit_spelling(n: int, unit: str, data: st.DataObject) -> None:
    spelling = data.draw(st.sampled_from(UNIT_SPELLINGS[unit]))
    filler = data.draw(st.sampled_from(["{n} {u}", "{n}{u}", "about {n} {u}", "for {n} {u}", "{n} {u} ago"]))
    amount, kind = replies.parse_duration(filler.format(n=n, u=spelling), TODAY)
    assert (amount, kind) == ((n, "weeks") if unit == "weeks" else (n * 12 if unit == "years" else n, "months"))


def test_weeks_of_an_exercise_programme() -> None:
    assert replies.parse_weeks("8") == 8 and replies.parse_weeks("about 8 weeks") == 8
    assert replies.parse_weeks("2 months") == pytest.approx(8.7) and replies.parse_weeks("none") == 0
    with pytest.raises(UsageError):
        replies.parse_weeks("a while")


@given(st.text(max_size=40))
def test_any_text_is_a_value_in_range_or_a_plain_refusal(typed: str) -> None:
    """Never an exception other than UsageError, never a value out of range, never an option's name."""
    for parse in (replies.parse_pain, lambda text: replies.parse_duration(text, TODAY)[0], replies.parse_weeks):
        try:
            value = parse(typed)
        except UsageError as refused:
            assert "--" not in str(refused) and "\n" not in str(refused)
        else:
            assert 0 <= value <= 1200 * 52 / 12


def test_warning_sign_numbers() -> None:
    assert replies.parse_numbers("1, 3", 12) == (1, 3)
    assert replies.parse_numbers("3 and 1 and 3", 12) == (3, 1)
    assert replies.parse_numbers("2 5", 12) == (2, 5)
    assert replies.parse_numbers("None of them", 12) == ()
    for bad, reason in [("13", "from 1 to 12"), ("0 1", "from 1 to 12"), ("yes", "which ones?"), ("saddle", "from 1 to 12")]:
        with pytest.raises(UsageError, match=reason):
            replies.parse_numbers(bad, 12)


def test_yes_no_choices_and_things_to_avoid() -> None:
    assert replies.parse_yes_no("Yes.") is True and replies.parse_yes_no("nope") is False
    with pytest.raises(UsageError, match="yes or no"):
        replies.parse_yes_no("no idea maybe")
    levels = ["low", "medium", "high"]
    assert replies.parse_choice("Medium risk", levels, what="risk") == "medium"
    assert replies.parse_choice("med", levels) == "medium"
    assert replies.parse_choice("not done", ["positive", "negative", "not-done"]) == "not-done"
    with pytest.raises(UsageError, match="type low, medium or high"):
        replies.parse_choice("m", levels)
    kinds = ("medication", "injections", "surgery")
    assert replies.parse_avoid("medicines and an operation", kinds) == ("medication", "surgery")
    assert replies.parse_avoid("injection, injections", kinds) == ("injections",)
    assert replies.parse_avoid("none", kinds) == ()
    with pytest.raises(UsageError, match="medication, injections or surgery"):
        replies.parse_avoid("physio", kinds)


@pytest.mark.parametrize("typed", ["1" * 5000, "²", "٣", "1 month " * 40])
def test_long_or_odd_replies_are_refused_plainly(typed: str) -> None:
    for parse in (replies.parse_pain, replies.parse_weeks, lambda text: replies.parse_numbers(text, 12)):
        with pytest.raises(UsageError):
            parse(typed)

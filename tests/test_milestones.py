"""Ordinals, tiers and milestone names: the words editors print."""

import pytest

from anniv.milestones import day_label, milestone_name, ordinal, tier

AP_WORDS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth"]


def _expected_ap(n: int) -> str:
    if n <= 9:
        return AP_WORDS[n - 1]
    tail = n % 100
    suffix = "th" if 11 <= tail <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


@pytest.mark.parametrize("n", range(1, 126), ids=lambda n: f"n{n}")
def test_ordinals_1_to_125_follow_ap_style(n: int) -> None:
    assert ordinal(n) == _expected_ap(n)


@pytest.mark.parametrize(
    "n,text",
    [
        (10, "10th"),
        (11, "11th"),
        (12, "12th"),
        (13, "13th"),
        (21, "21st"),
        (22, "22nd"),
        (23, "23rd"),
        (101, "101st"),
        (111, "111th"),
        (112, "112th"),
        (1000, "1,000th"),
        (2568, "2,568th"),
    ],
    ids=lambda v: str(v),
)
def test_ordinal_edge_cases(n: int, text: str) -> None:
    assert ordinal(n) == text


@pytest.mark.parametrize(
    "lang,text", [("ko", "제75주년"), ("zh", "75周年"), ("en", "75th")], ids=["korean", "chinese", "english"]
)
def test_ordinals_in_other_languages(lang: str, text: str) -> None:
    assert ordinal(75, lang) == text


def test_ordinal_refuses_zero() -> None:
    with pytest.raises(ValueError):
        ordinal(0)


@pytest.mark.parametrize(
    "years,name",
    [
        (25, "silver"),
        (40, "ruby"),
        (50, "golden"),
        (60, "diamond"),
        (70, "platinum"),
        (75, None),
        (100, "centenary"),
        (125, "quasquicentennial"),
        (150, "sesquicentennial"),
        (200, "bicentennial"),
        (250, "semiquincentennial"),
        (300, "tercentenary"),
        (500, "quincentenary"),
        (1000, "millennium"),
        (76, None),
    ],
    ids=lambda v: str(v),
)
def test_milestone_names(years: int, name: str | None) -> None:
    assert milestone_name(years) == name


def test_diamond_can_mean_75() -> None:
    assert milestone_name(75, diamond75=True) == "diamond"


@pytest.mark.parametrize(
    "years,expected",
    [(100, 5), (200, 5), (50, 4), (150, 4), (25, 3), (75, 3), (10, 2), (70, 2), (5, 1), (65, 1), (1, 0), (76, 0)],
    ids=lambda v: str(v),
)
def test_round_tiers(years: int, expected: int) -> None:
    assert tier(years) == expected


def test_day_labels() -> None:
    assert day_label(1000) == "1,000 days"
    assert day_label(10000, "ko") == "10000일"


def test_tiers_and_names_agree_with_their_definitions_for_every_count() -> None:
    """``tier`` is the largest of 100, 50, 25, 10, 5 that divides the count (written as a
    chain of remainders for speed), and ``names_of``, which listings use, says what the
    separate functions say: ordinal with thousands grouped, label, traditional name, tier."""
    from anniv.milestones import LANGS, day_tier, group, names_of

    for n in range(-3, 12_001):
        steps = [t for t, step in ((5, 100), (4, 50), (3, 25), (2, 10), (1, 5)) if n > 0 and n % step == 0]
        assert tier(n) == (steps[0] if steps else 0), n
        if n < 1:
            continue
        for lang in LANGS:
            ordinal_text, label, name, t = names_of("years", n, lang)
            assert ordinal_text == ordinal(n, lang)
            if lang == "en" and n > 9:
                assert ordinal_text.startswith(group(n))
            assert (name, t) == (milestone_name(n), tier(n))
            expected = ordinal_text
            if lang == "en":
                expected = f"{ordinal_text} anniversary" + (f" ({name})" if name else "")
            assert label == expected
            assert names_of("days", n, lang) == (day_label(n, lang), day_label(n, lang), None, day_tier(n))

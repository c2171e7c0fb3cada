"""Ordinals, round-number tiers, milestone names and day counts."""

_WORDS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth")

# The traditional English names; 60 is "diamond" (75 in some usage, see DIAMOND_ALT).
MILESTONE_NAMES: dict[int, str] = {
    25: "silver",
    40: "ruby",
    50: "golden",
    60: "diamond",
    70: "platinum",
    100: "centenary",
    125: "quasquicentennial",
    150: "sesquicentennial",
    200: "bicentennial",
    250: "semiquincentennial",
    300: "tercentenary",
    400: "quatercentenary",
    500: "quincentenary",
    1000: "millennium",
}
DIAMOND_ALT = 75  # "diamond jubilee" means the 75th in some (chiefly US and church) usage
DAY_COUNTS: tuple[int, ...] = (100, 1000, 10000)
LANGS = ("en", "ko", "zh")


def group(n: int) -> str:
    """Thousands with commas: 1,000."""
    return str(n) if -1000 < n < 1000 else f"{n:,}"


def ordinal(n: int, lang: str = "en") -> str:
    """AP style in English ("first" … "ninth", then "10th", "21st", "1,000th").

    Korean uses 제N주년 and Chinese N周年 (the anniversary counter is part of the ordinal).
    """
    if n < 1:
        raise ValueError(f"an anniversary number starts at 1, not {n}")
    if lang == "ko":
        return f"제{n}주년"
    if lang == "zh":
        return f"{n}周年"
    if n <= 9:
        return _WORDS[n - 1]
    suffix = "th" if 11 <= n % 100 <= 13 else _SUFFIXES.get(n % 10, "th")
    return f"{n}{suffix}" if n < 1000 else f"{n:,}{suffix}"  # group(n)


_SUFFIXES = {1: "st", 2: "nd", 3: "rd"}


def day_label(days: int, lang: str = "en") -> str:
    """A day-count milestone: "1,000 days", "1000일", "1000天"."""
    if lang == "ko":
        return f"{days}일"
    if lang == "zh":
        return f"{days}天"
    return f"{group(days)} days"


def tier(years: int) -> int:
    """How round a number is: 5 for multiples of 100, 4 of 50, 3 of 25, 2 of 10, 1 of 5, else 0."""
    if years <= 0 or years % 5:
        return 0  # four counts in five: decided by one remainder
    if years % 100 == 0:
        return 5
    if years % 50 == 0:
        return 4
    if years % 25 == 0:
        return 3
    return 2 if years % 10 == 0 else 1


def day_tier(days: int) -> int:
    """Day counts rank like years: 10,000 days as a 25th, 1,000 as a 10th, 100 as a fifth."""
    return {10000: 3, 1000: 2, 100: 1}.get(days, 0)


def milestone_name(years: int, diamond75: bool = False) -> str | None:
    """The traditional name of the ``years``-th anniversary, if it has one.

    With ``diamond75`` the 75th is "diamond" and the 60th keeps it too (both usages exist).
    """
    if diamond75 and years == DIAMOND_ALT:
        return "diamond"
    return MILESTONE_NAMES.get(years)


def rank(tier_value: int, importance: int) -> int:
    """One number editors can sort by: roundness first, then the record's importance (1–3)."""
    return tier_value * 3 + importance


def tier_of(kind: str, count: int) -> int:
    """The tier of an anniversary: ``tier`` for years, ``day_tier`` for day counts."""
    return tier(count) if kind == "years" else day_tier(count)


def ordinal_of(kind: str, count: int, lang: str = "en") -> str:
    """ "75th", "제75주년", or for day counts "1,000 days"."""
    return day_label(count, lang) if kind == "days" else ordinal(count, lang)


def label_of(kind: str, count: int, lang: str = "en") -> str:
    """ "75th anniversary", "centenary (100th anniversary)", "1,000 days", "제75주년"."""
    return names_of(kind, count, lang)[1]


def names_of(kind: str, count: int, lang: str = "en") -> tuple[str, str, str | None, int]:
    """Everything a listing says of a count, each worked out once: (ordinal, label,
    milestone name, tier)."""
    if kind == "days":
        text = day_label(count, lang)
        return text, text, None, day_tier(count)
    ordinal_text = ordinal(count, lang)
    name = MILESTONE_NAMES.get(count)  # milestone_name(count)
    label = ordinal_text
    if lang == "en":
        label = f"{ordinal_text} anniversary ({name})" if name else f"{ordinal_text} anniversary"
    return ordinal_text, label, name, tier(count)

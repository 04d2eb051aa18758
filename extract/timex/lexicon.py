"""The tagger's vocabulary: number, season and unit words, the regex building blocks the patterns are
assembled from, and the small parsers that read numbers and years written in digits or words."""

from __future__ import annotations

import re

_NUMBERS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "hundred": 100,
    "a hundred": 100,
    "a couple of": 2,
    "a couple": 2,
    "couple of": 2,
}
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4}
_SEASONS = {"spring": "SP", "summer": "SU", "fall": "FA", "autumn": "FA", "winter": "WI"}
_UNIT_CODE = {"day": "D", "week": "W", "month": "M", "quarter": "Q", "year": "Y", "decade": "DE", "century": "CE"}
_PART_OF_DAY = {"morning": "MO", "afternoon": "AF", "evening": "EV", "night": "NI", "overnight": "NI"}

# Regex building blocks (strings, assembled below). Month names are case-sensitive so that the
# verbs "may" and "march" are not taken for months; abbreviations need a digit or a dot nearby.
_MONTH_FULL = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\b\.?"
    r"|JANUARY|FEBRUARY|MARCH|APRIL|MAY|JUNE|JULY|AUGUST|SEPTEMBER|OCTOBER|NOVEMBER|DECEMBER)"
)
_DAY = r"(?:3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?\b"
_YEAR = r"(?:1[6-9]\d\d|20\d\d)\b"
_UNITS_W = r"(?:one|two|three|four|five|six|seven|eight|nine)"
_TENS_W = r"(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)"
# Years read out (broadcast transcripts): "nineteen ninety-four", "nineteen oh five", "two thousand (and) one".
_YEAR_WORDS = (
    rf"(?i:(?:seventeen|eighteen|nineteen)[\s-]+(?:{_TENS_W}(?:[\s-]+{_UNITS_W})?|oh[\s-]+{_UNITS_W}|ten|eleven|twelve"
    rf"|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen)"
    rf"|two\s+thousand(?:(?:\s+and)?\s+(?:{_UNITS_W}|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen"
    rf"|eighteen|nineteen|twenty(?:[\s-]+{_UNITS_W})?))?)(?![\w-])"
)
_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
# Numbers in digits: "2,000" and "125,000" whole (never their "000"), "1.5", "7000".
_DIGITS = r"(?:\d{1,3}(?:,\d{3})+(?![\d,])|\d+(?:\.\d+)?)"
_NOT_IN_NUMBER = r"(?<!\d[,.])"  # not the tail of a number ("000" in "2,000", "5" in "1.5")
_NUM = (
    rf"(?:{_DIGITS}|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen"
    r"|twenty|thirty|forty|fifty|a\s+hundred|hundred|a\s+couple\s+of|a\s+couple|couple\s+of"
    r"|several|a\s+few|few|many|some|a\s+number\s+of|dozens\s+of|hundreds\s+of)"
)
_NUM_HYPH = (
    rf"(?:{_DIGITS}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen"
    r"|twenty|thirty|forty|fifty|hundred|multi|half)"
)
# A year's era, written after it: "500 BC", "44 BCE", "800 AD" (uppercase only: "ad" is a word).
_ERA_WORDS = r"(?:BCE|BC|B\.C\.(?:E\.)?|B\.C|AD|A\.D\.?|CE|C\.E\.?)(?!\w)"
_ERA = rf"(?P<era>{_ERA_WORDS})"
_UNIT = r"(?:day|week|month|quarter|year|decade|century|centurie)s?"
_HEDGE = r"(?:(?:nearly|almost|about|around|roughly|some|more\s+than|less\s+than|over|under|just|only)\s+)?"
_DASH = r"\s*(?:-|–|—|to|through|until|till|and)\s*"
_MOD = r"(?:(?:early|late|mid|the\s+middle\s+of|the\s+end\s+of|the\s+beginning\s+of|the\s+start\s+of)[\s-]+)?"
_I = "(?i:{})"  # case-insensitive wrapper

_BOUNDARY = r"(?<![\w$£€.,/:-])"  # not inside a number, word or money amount


_WORD_NUMS = {
    w: i
    for i, w in enumerate(
        re.split(
            " ",
            "oh one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
            "sixteen seventeen eighteen nineteen",
        )
    )
} | {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}


def _year_int(text: str) -> int:
    """A year written in digits or read out in words ("nineteen ninety-four", "two thousand and one")."""
    if text.isdigit():
        return int(text)
    words = [w for w in re.split(r"[\s-]+", text.lower()) if w != "and"]
    if words[:2] == ["two", "thousand"]:
        return 2000 + sum(_WORD_NUMS[w] for w in words[2:])
    return _WORD_NUMS[words[0]] * 100 + sum(_WORD_NUMS[w] for w in words[1:])


def _int_day(word: str) -> int:
    return int(re.sub(r"\D", "", word))


_MAX_DIGITS = 15  # longer numbers of units lie beyond any calendar: read as vague as "many"


def _num(word: str | None) -> int | None:
    """A count in words or digits ("two", "2,000", "1.0") -> int; None when vague ("several") or fractional."""
    if word is None:
        return 1
    w = re.sub(r"\s+", " ", word.lower())
    if w in _NUMBERS:
        return _NUMBERS[w]
    digits = w.replace(",", "") if re.fullmatch(r"\d{1,3}(?:,\d{3})+", w) else w
    if digits.isdigit():
        return int(digits) if len(digits) <= _MAX_DIGITS else None
    try:
        f = float(digits)
    except ValueError:
        return None  # vague ("several", "a few")
    return int(f) if f.is_integer() else None


_ANAPHORIC_YEAR = {
    "that": 0,
    "the same": 0,
    "the following": 1,
    "the next": 1,
    "the previous": -1,
    "the preceding": -1,
    "the prior": -1,
}


_DECADE_WORDS = {
    "twenties": 2,
    "thirties": 3,
    "forties": 4,
    "fifties": 5,
    "sixties": 6,
    "seventies": 7,
    "eighties": 8,
    "nineties": 9,
}

_DAY_PARTS = r"this\s+(?:morning|afternoon|evening)|last\s+(?:night|evening)"  # TIMEs that name their day
_DAY_PART_RX = re.compile(_DAY_PARTS)

"""Publication date of a document: metadata, else a dateline, else inferred from the text.

Never today's date and never a guessed day: what cannot be known is left at month or
year precision, or `unknown`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from extract.calendar import MONTHS, clamped_date, period_end, valid_date, weekday_number
from extract.tense import PLAN_WORDS_BEFORE_RX
from extract.timex import TimeMention


@dataclass(frozen=True)
class Published:
    date: dt.date | None  # first day of the period; None when unknown
    granularity: str  # day, month, year; "" when unknown
    basis: str  # metadata, dateline, inferred, unknown

    @property
    def end(self) -> dt.date | None:
        """Last day of the period."""
        return period_end(self.date, self.granularity) if self.date else None


UNKNOWN = Published(None, "", "unknown")

_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_WEEKDAY = r"(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day|(?:Mon|Tue|Tues|Wed|Thu|Thur|Thurs|Fri|Sat|Sun)\.?),?\s+"

# Dateline shapes. Each yields day, month and (optionally) year groups.
_DATELINE_PATTERNS = [
    # 11:27 10.10.2025, 10.10.2025 (dotted dates are day.month.year)
    re.compile(r"(?<![\d.])(?P<day>\d{1,2})\.(?P<month>\d{1,2})\.(?P<year>(?:19|20)\d\d)(?![\d.])"),
    # 2025-10-10
    re.compile(r"(?<!\d)(?P<year>(?:19|20)\d\d)-(?P<month>\d{1,2})-(?P<day>\d{1,2})(?!\d)"),
    # (Friday,) October 10, 2025 / Oct. 10 2025
    re.compile(rf"(?:{_WEEKDAY})?\b{_MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>(?:19|20)\d\d)\b", re.I),
    # (Friday,) 10 October 2025
    re.compile(rf"(?:{_WEEKDAY})?\b(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH},?\s+(?P<year>(?:19|20)\d\d)\b", re.I),
]
# WASHINGTON, Oct 10 (Reuters) -   /  MOSCOW, October 10, 2025 (AP) —  /  TALLINN, 21 March 2025 –
_AGENCY_DATELINE = re.compile(
    rf"^\s*[A-Z][A-Z .,'’-]{{1,40}},\s*(?:{_WEEKDAY})?"
    rf"(?:{_MONTH}\s+(?P<day>\d{{1,2}})|(?P<day2>\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH.replace('month', 'month2')})"
    r"(?:,?\s+(?P<year>(?:19|20)\d\d))?\s*(?:\([^)]{1,40}\))?\s*[-–—]",
    re.I | re.M,
)
# What a stamp's date and time are made of: numbers, month and weekday names, clock and zone words.
_STAMP_PARTS = re.compile(
    rf"\d+(?:st|nd|rd|th)?|{_MONTH}|\b(?:Mon|Tues?|Wed(?:nes)?|Thu(?:rs?)?|Fri|Sat(?:ur)?|Sun)(?:day)?\b"
    r"|\b(?:a\.?m|p\.?m|GMT|UTC|BST|CET|CEST|EST|EDT|PST|PDT|MSK|local|time|at|on|of)\b\.?|[\s,.:/|–—-]+",
    re.I,
)
_CHRONOLOGY = re.compile(r"\s*[:–—-]\s*[A-Za-z]")
_LABELLED = re.compile(r"^\s*(?:published|posted|updated|date|dated|first published)\b[:\s]", re.I)
_BYLINE = re.compile(r"^\s*by\s+[A-Z][\w.'’-]+(?:\s+[A-Z][\w.'’-]+){0,3}\s*[|,•·-]", re.I)
_DATELINE_WINDOW = 12  # non-blank lines from the top in which a dateline may stand
ROLLOVER_LIMIT = dt.timedelta(days=120)  # yearless dates this close after a dated report share its era
_SHORT_LINE = 40  # letters left on a line besides the date for it to count as a dateline


_ISO = re.compile(r"^\s*(?P<year>\d{4})(?:[-/.](?P<month>\d{1,2})(?:[-/.](?P<day>\d{1,2}))?)?(?:[T\s].*)?$")


def impossible_date(raw: str) -> bool:
    """True for a numeric date that names no calendar day ("2025-02-30", "2025-13")."""
    return bool(_ISO.match(raw or "")) and parse_metadata_date(raw) is None


def parse_metadata_date(raw: str) -> Published | None:
    """A metadata date string -> Published (basis metadata), or None when empty or impossible."""
    raw = (raw or "").strip()
    if not raw:
        return None
    match = _ISO.match(raw)
    try:
        if match:
            year, month, day = (int(match[g]) if match[g] else None for g in ("year", "month", "day"))
            if day is not None:
                return Published(dt.date(year, month, day), "day", "metadata")  # type: ignore[arg-type]
            if month is not None:
                return Published(dt.date(year, month, 1), "month", "metadata")  # type: ignore[arg-type]
            return Published(dt.date(year, 1, 1), "year", "metadata")  # type: ignore[arg-type]
    except ValueError:
        return None
    found = _first_written_date(raw)
    if found:
        return Published(found, "day", "metadata")
    return _dateparser_date(raw)


def _dateparser_date(raw: str) -> Published | None:
    """Free-form metadata dates ("Tue, 10 Oct 2025 11:27 GMT"); only absolute ones with a four-digit year."""
    if not _YEAR.search(raw):
        return None  # "Oct 10", "yesterday": no year, so no date (and never today's)
    import dateparser.date  # slow to import; metadata in free form is rare

    data = dateparser.date.DateDataParser(
        languages=["en"],
        settings={"PREFER_DAY_OF_MONTH": "first", "REQUIRE_PARTS": ["year"], "PARSERS": ["absolute-time"]},
    ).get_date_data(raw)
    if data.date_obj is None:
        return None
    period = data.period if data.period in ("day", "month", "year") else "day"
    day = data.date_obj.date()
    start = {"year": day.replace(month=1, day=1), "month": day.replace(day=1)}.get(period, day)
    return Published(start, period, "metadata")


_YEAR = re.compile(r"(?<!\d)(?:1[6-9]|2\d)\d\d(?!\d)")


def _match_date(match: re.Match[str]) -> dt.date | None:
    month = match["month"]
    month_number = int(month) if month.isdigit() else MONTHS.get(month.lower().rstrip("."))
    if not month_number or not match["year"]:
        return None
    return valid_date(int(match["year"]), month_number, int(match["day"]))


def _first_written_date(line: str) -> dt.date | None:
    for pattern in _DATELINE_PATTERNS:
        match = pattern.search(line)
        if match and (found := _match_date(match)):
            return found
    return None


def find_dateline(text: str) -> tuple[Published | None, tuple[int, int] | None]:
    """A dateline near the top of the text -> (Published, (month, day) of a yearless agency dateline)."""
    lines = [line for line in text.splitlines() if line.strip()][:_DATELINE_WINDOW]
    for line in lines:
        agency = _AGENCY_DATELINE.match(line)
        if agency:
            month = MONTHS.get((agency["month"] or agency["month2"]).lower().rstrip("."))
            day = int(agency["day"] or agency["day2"])
            if month and agency["year"]:
                found = valid_date(int(agency["year"]), month, day)
                if found:
                    return Published(found, "day", "dateline"), None
            elif month:
                return None, (month, day)
        for pattern in _DATELINE_PATTERNS:
            match = pattern.search(line)
            if not match:
                continue
            found = _match_date(match)
            if not found:
                continue
            if _CHRONOLOGY.match(line[match.end() :]):
                continue  # "March 13, 2025: treaty signed" is an entry in a list of dates
            rest = line[: match.start()] + line[match.end() :]
            letters = sum(ch.isalpha() for ch in rest)
            if (
                (letters <= _SHORT_LINE and not _looks_like_sentence(rest))
                or _LABELLED.match(line)
                or _BYLINE.match(line)
            ):
                return Published(found, "day", "dateline"), None
    return None, None


def is_stamp(line: str) -> bool:
    """A publication or update stamp: a label and a date or time, nothing else ("Updated Sept. 12, 2025",
    "Published 18:20 GMT, 1 Feb 2024"); "Updated figures were released on Monday" is a sentence."""
    label = _LABELLED.match(line)
    if not label or not re.search(r"\d", line):
        return False
    rest = _STAMP_PARTS.sub(" ", line[label.end() :])
    return not re.search(r"[A-Za-z]", rest)


def _looks_like_sentence(rest: str) -> bool:
    # "On March 13, 2025 Russia signed" is a sentence, not a dateline: it has lower-case words
    words = re.findall(r"[A-Za-z]+", rest)
    return sum(w.islower() and len(w) > 3 for w in words) >= 2


_YEAR_LEAD = re.compile(r"\b(?:in|since|during|from|throughout|early|late|mid|between|and|to|until|of)[\s-]*$", re.I)


def _is_past_report(text: str, mention: TimeMention) -> bool:
    before = text[max(0, mention.start - 80) : mention.start]
    if mention.granularity == "year" and not _YEAR_LEAD.search(before):
        return False  # a bare year is often a name ("Vision 2035"), not the time of a report
    sentence_start = max(before.rfind(". "), before.rfind("\n"))
    return not PLAN_WORDS_BEFORE_RX.search(before[sentence_start + 1 :])


_YEARLESS = re.compile(r"^XXXX-(?P<month>\d\d)(?:-(?P<day>\d\d))?$")
_WEEKDAY_NAME = r"\b(Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day\b"
_WEEKDAY_BEFORE = re.compile(_WEEKDAY_NAME + r",?\s*(?:the\s+)?$", re.I)


def _past_reports(text: str, mentions: Sequence[TimeMention]) -> list[TimeMention]:
    """Mentions with their own calendar date that the text reports as past."""
    return [
        m
        for m in mentions
        if m.date_start
        and m.basis in ("explicit", "citation", "accessed")
        and m.granularity in ("day", "month", "year", "range")
        and _is_past_report(text, m)
    ]


def _past_bound(reports: Sequence[TimeMention]) -> dt.date | None:
    """The start of the latest past report (a range counts by its end, within its first year)."""
    bound = None
    for m in reports:
        at = min(m.date_end, m.date_start.replace(month=12, day=31)) if m.granularity == "range" else m.date_start
        bound = at if bound is None or at > bound else bound  # type: ignore[operator]
    return bound


def infer_published(text: str, mentions: Sequence[TimeMention]) -> Published:
    """Publication date inferred from the dates a text reports as past (mentions found with no anchor).

    The latest explicitly dated past report bounds the date from below. Dates written without a
    year are the writer's own year, later than that bound: when they exist, the year is the
    bound's year or the next, and the month is that of the latest of them. With full dates only,
    the year of the latest is all the text supports.
    """
    explicit = _past_reports(text, mentions)
    yearless = []
    for m in mentions:
        match = _YEARLESS.match(m.value)
        if match and _is_past_report(text, m):
            weekday = _WEEKDAY_BEFORE.search(text[max(0, m.start - 20) : m.start]) or _WEEKDAY_BEFORE.search(
                m.text.split(",")[0] + ","
            )
            yearless.append((int(match["month"]), int(match["day"] or 1), weekday, m))
    if not explicit and not yearless:
        return UNKNOWN
    bound = _past_bound(explicit)
    if bound is None:
        return UNKNOWN  # yearless dates alone: no year to give them
    if not yearless:
        return Published(dt.date(bound.year, 1, 1), "year", "inferred")
    latest = max((month, day) for month, day, _, _ in yearless)
    year = bound.year if latest >= (bound.month, bound.day) else bound.year + 1
    checked = _weekday_years(yearless, year)
    if checked:
        year = checked.year
    elif clamped_date(year, *latest) - bound > ROLLOVER_LIMIT:
        return UNKNOWN  # the yearless dates lie far from any dated report: their year is a guess
    return Published(dt.date(year, latest[0], 1), "month", "inferred")


def _weekday_years(yearless: list, around: int) -> dt.date | None:
    """A 'Friday, October 4' whose weekday fits exactly one year around `around` -> that date."""
    candidates = range(around - 1, around + 2)
    for month, day, weekday, _ in yearless:
        if not weekday:
            continue
        wanted = weekday_number(weekday.group(1))
        fits = [d for year in candidates if (d := valid_date(year, month, day)) and d.weekday() == wanted]
        if len(fits) == 1:
            return fits[0]
    return None


def publication_date(metadata: str, text: str, mentions: Callable[[], Sequence[TimeMention]]) -> Published:
    """Metadata date, else a dateline, else inferred from `mentions()`: the text's unanchored time mentions."""
    from_metadata = parse_metadata_date(metadata)
    if from_metadata:
        return from_metadata
    dateline, yearless_dateline = find_dateline(text)
    if dateline:
        return dateline
    found = mentions()
    if yearless_dateline:
        # "WASHINGTON, Oct 10 (Reuters) -": the day is known, the year comes from the text
        day = _dateline_year(text, found, *yearless_dateline)
        if day:
            return Published(day, "day", "dateline")
    return infer_published(text, found)


def _dateline_year(text: str, mentions: Sequence[TimeMention], month: int, day: int) -> dt.date | None:
    """The year of a yearless dateline: its first occurrence on or after the latest past report the text
    dates, or the one after that when only it agrees with a weekday named in the lead ("said on Wednesday").
    None when the text dates nothing.
    """
    bound = _past_bound(_past_reports(text, mentions))
    if bound is None:
        return None
    first = bound.year if (month, day) >= (bound.month, bound.day) else bound.year + 1
    candidates = [c for y in (first, first + 1) if (c := valid_date(y, month, day))]
    if not candidates:
        return None
    lead = _lead(text)
    named = {
        weekday_number(w[1])
        for w in _LEAD_WEEKDAY.finditer(lead)
        if not PLAN_WORDS_BEFORE_RX.search(
            lead[max(lead.rfind(". ", 0, w.start()), 0) : w.start()]
        )  # "will ... on Thursday"
    }
    agreeing = [c for c in candidates if c.weekday() in named]
    return agreeing[0] if len(agreeing) == 1 else candidates[0]


_LEAD_WEEKDAY = re.compile(_WEEKDAY_NAME)


def _lead(text: str) -> str:
    """The dateline's paragraph: from the agency dateline to the end of its line."""
    match = _AGENCY_DATELINE.search(text)
    if not match:
        return ""
    end = text.find("\n", match.end())
    return text[match.end() : end if end >= 0 else len(text)]

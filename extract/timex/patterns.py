"""The pattern table: each pattern is a regex whose named group "t" spans the expression, the normaliser
that turns its groups into a calendar value, and the flags that say how the scan and the resolution treat
it (whether its tense is read, whether it becomes an anchor for anaphora, which checks it needs).

Kinds: DATE patterns produce dated mentions; DURATION, SET and TIME ones feed `find_timexes` (a TIME that
names its day also dates events); AGE ("55-year-old") only keeps other patterns off its words.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from extract.timex.context import Groups, _Ctx
from extract.timex.lexicon import (
    _BOUNDARY,
    _DASH,
    _DAY,
    _DECADE_WORDS,
    _ERA,
    _ERA_WORDS,
    _HEDGE,
    _I,
    _MOD,
    _MONTH,
    _MONTH_FULL,
    _NOT_IN_NUMBER,
    _NUM,
    _NUM_HYPH,
    _UNIT,
    _WEEKDAY,
    _YEAR,
    _YEAR_WORDS,
)
from extract.timex.norm_dates import (
    _n_century,
    _n_decade,
    _n_era_year,
    _n_full_mdy,
    _n_half,
    _n_holiday,
    _n_iso,
    _n_md,
    _n_month,
    _n_month_year,
    _n_quarter_any,
    _n_range,
    _n_range_dm,
    _n_range_mm,
    _n_range_y,
    _n_season,
    _n_year,
)
from extract.timex.norm_other import (
    _n_age,
    _n_duration,
    _n_duration_hyph,
    _n_duration_one,
    _n_duration_vague,
    _n_set,
    _n_time,
    _n_time_weekday,
)
from extract.timex.norm_relative import (
    _n_ago,
    _n_ago_fixed,
    _n_anaphor,
    _n_day_word,
    _n_period,
    _n_period_edge,
    _n_quarter_rel_any,
    _n_recent,
    _n_ref,
    _n_rel_unit,
    _n_the_year,
    _n_weekday,
)
from extract.timex.values import _Res

Normaliser = Callable[[Groups, _Ctx], _Res | None]


@dataclass(frozen=True)
class Pattern:
    """One kind of time expression: how to find it, how to normalise it, and how the passes treat it."""

    name: str
    rx: re.Pattern[str]
    norm: Normaliser
    kind: str = "DATE"  # TIMEX3 type: DATE, TIME, DURATION, SET (AGE: not a time expression)
    priority: int = 0  # breaks ties between equally long candidates
    # The scan reads the tense of the verb the expression dates, and resolution places a yearless or
    # relative date by it ("on Friday" in "will meet on Friday" is the next one).
    tensed: bool = False
    # A date it resolves to becomes the time later anaphora count from ("two days later"). Offsets from
    # another time ("a year ago", "the same quarter") never do.
    anchors: bool = True
    # A quarter it names may be the quarter a results story reports on ("the fourth quarter"), which
    # "a year ago" then counts from; the scan reads its tense and whether "ended" follows it.
    reports_period: bool = False
    # Dropped when written as (part of) a title ("This Week", "VOA Today") or as "today's world".
    title_checked: bool = False
    # Dropped when the number counts something ("2000 troops") or is part of a name ("Vision 2035").
    year_checked: bool = False
    # A scan-time test of the match in its text; False drops the candidate (after overlapping ones lost to it).
    keep: Callable[[re.Match[str]], bool] | None = None


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


# --- scan-time filters ------------------------------------------------------------------------------------

_OF_NOT_YEAR_RX = re.compile(rf"\s+of\s+(?!{_YEAR}|{_YEAR_WORDS}|(?:this|last|next)\s+year\b)", re.IGNORECASE)


def _season_ok(m: re.Match[str]) -> bool:
    """A bare season word needs a year, a determiner or a cue ("in summer"); "fall" needs more.

    "The fall of the regime", "the spring of their discontent": a season word followed by "of" and
    something other than a year is the noun (the collapse, the source), not the season.
    """
    if m["y"] or m["ry"]:
        return True
    if _OF_NOT_YEAR_RX.match(m.string, m.end("t")):
        return False
    if m["rel"]:
        return True
    t = m["t"].lower()
    if t.startswith("the "):
        return True
    return m["s"].lower() != "fall" and m["cue"] is not None


def _ref_ok(m: re.Match[str]) -> bool:
    t = m["t"].lower()
    if t == "soon":
        # "as soon as", "soon after" are conjunctions/relations, not references to the future.
        before = m.string[max(0, m.start("t") - 3) : m.start("t")].lower()
        after = m.string[m.end("t") : m.end("t") + 4].lower()
        return not before.endswith("as ") and not after.startswith((" as", " aft"))
    if t.endswith(("future", "past")) and re.match(r"\s+of\s", m.string[m.end("t") : m.end("t") + 5]):
        return False  # "the future of the alliance": its fate, not a time
    if t == "the past":
        after = m.string[m.end("t") : m.end("t") + 12].lower()
        return not re.match(r"\s+(?:\d|\w+\s+(?:day|week|month|year|decade))", after)
    if t == "now":
        after = m.string[m.end("t") : m.end("t") + 6].lower()
        if after.startswith(","):
            # "Now, he says ..." opening a sentence is a discourse marker, not a time ("until now, ...")
            before = m.string[max(0, m.start("t") - 3) : m.start("t")]
            if not before.strip() or re.search(r"[.!?\"'`]\s*$", before):
                return False
        return not after.startswith(" on ")
    return True


def _rel_unit_ok(m: re.Match[str]) -> bool:
    """ "the last week of March": a part of something else, not the week before this one."""
    written = (m["rel"] or m["rel2"]).lower()
    rel = re.sub(r"^the\s+(?=past|last|next)", "", re.sub(r"\s+", " ", written))
    return not (rel != written and re.match(r"\s+of\b", m.string[m.end("t") :]))


# --- the table --------------------------------------------------------------------------------------------

_WD_OPT = rf"(?:{_WEEKDAY},?\s+(?:the\s+)?)?"
_WD_REL = _I.format(
    r"(?P<rel>last|next|this|coming|past|the\s+previous|the\s+preceding|the\s+following)|(?:early|late)"
)
_YEAR_REL = (
    r"(?:(?:of\s+)?(?P<ry>this|last|next|that|the\s+same|the\s+following|the\s+next|the\s+previous|the\s+preceding"
    r"|the\s+prior)\s+year)"
)

PATTERNS: tuple[Pattern, ...] = (
    # --- ranges
    Pattern(
        "range_md",
        _rx(
            rf"{_BOUNDARY}(?P<t>(?:{_I.format('from|between')}\s+)?(?P<mon>{_MONTH})\s+(?P<d1>{_DAY})(?:,?\s+(?P<y1>{_YEAR}))?"
            rf"{_DASH}(?:(?P<mon2>{_MONTH})\s+)?(?P<d2>{_DAY})(?!\s*(?:%|percent|[:.]\d))(?:,?\s+(?P<y2>{_YEAR}))?)"
        ),
        _n_range,
        tensed=True,
    ),
    Pattern(
        "range_dm",
        _rx(
            rf"{_BOUNDARY}(?P<t>(?:{_I.format('from|between')}\s+)?(?P<d1>{_DAY})(?:\s+(?P<mon>{_MONTH}))?{_DASH}"
            rf"(?P<d2>{_DAY})\s+(?P<mon2>{_MONTH})(?:,?\s+(?P<y2>{_YEAR}))?)"
        ),
        _n_range_dm,
        tensed=True,
    ),
    Pattern(
        "range_mm",
        _rx(
            rf"(?P<t>(?:{_I.format('from')}\s+(?P<mon1>{_MONTH_FULL})(?:\s+(?P<y1>{_YEAR}))?\s+{_I.format('to|through|until|till')}"
            rf"|{_I.format('between')}\s+(?P<mon1b>{_MONTH_FULL})(?:\s+(?P<y1b>{_YEAR}))?\s+{_I.format('and')}"
            rf"|(?P<mon1c>{_MONTH_FULL})(?:\s+(?P<y1c>{_YEAR}))?\s*[-–—]\s*)\s*(?P<mon2>{_MONTH_FULL})(?:,?\s+(?P<y2>{_YEAR}))?)"
        ),
        _n_range_mm,
        tensed=True,
    ),
    Pattern(
        "range_y",
        _rx(
            rf"{_BOUNDARY}(?P<t>(?:{_I.format('between')}\s+(?P<y1>{_YEAR})\s+{_I.format('and')}\s+"
            rf"|{_I.format('from')}\s+(?P<y1b>{_YEAR})\s*{_I.format('to|through|until|till|-|–|—')}\s*"
            rf"|(?P<y1c>{_YEAR})\s*[-–—/]\s*(?=\d))(?P<y2>(?:1[6-9]|20)?\d\d)\b)(?![-–/.,]\d)"
        ),
        _n_range_y,
    ),
    # --- explicit dates
    Pattern(
        "full_mdy",
        _rx(rf"{_BOUNDARY}(?P<t>{_WD_OPT}(?P<mon>{_MONTH})\s+(?P<d>{_DAY}),?\s+(?P<y>{_YEAR}))"),
        _n_full_mdy,
    ),
    Pattern(
        "full_dmy",
        _rx(rf"{_BOUNDARY}(?P<t>{_WD_OPT}(?P<d>{_DAY})(?:\s+of)?\s+(?P<mon>{_MONTH}),?\s+(?P<y>{_YEAR}))"),
        _n_full_mdy,
    ),
    Pattern(
        "iso",
        _rx(r"(?<![\w.-])(?P<t>(?P<y>(?:19|20)\d\d)-(?P<mo>0[1-9]|1[0-2])-(?P<d>0[1-9]|[12]\d|3[01]))(?![\w-])"),
        _n_iso,
    ),
    Pattern(
        "dmy_dot",
        _rx(
            r"(?<![\w.:/-])(?P<t>(?P<d>0?[1-9]|[12]\d|3[01])\.(?P<mo>0?[1-9]|1[0-2])\.(?P<y>(?:19|20)\d\d))(?![\w.]\d)"
        ),
        _n_iso,
    ),
    Pattern(
        "mdy_slash",
        _rx(r"(?<![\w./-])(?P<t>(?P<mo>0?[1-9]|1[0-2])/(?P<d>0?[1-9]|[12]\d|3[01])/(?P<y>(?:19|20)\d\d))(?![\w/]\d)"),
        _n_iso,
    ),
    Pattern(
        "md",
        _rx(
            rf"{_BOUNDARY}(?P<t>{_WD_OPT}(?P<mon>{_MONTH})\s+(?P<d>{_DAY})(?:\s+{_YEAR_REL})?)(?!\s*(?:%|percent|[:.,]\d|\d|-))"
        ),
        _n_md,
        tensed=True,
    ),
    Pattern(
        "dm",
        _rx(
            rf"{_BOUNDARY}(?P<t>{_WD_OPT}(?:the\s+)?(?P<d>{_DAY})(?:\s+of)?\s+(?P<mon>{_MONTH})(?:\s+{_YEAR_REL})?)(?!\s*\d)"
        ),
        _n_md,
        tensed=True,
    ),
    Pattern(
        "month_year",
        _rx(
            rf"(?P<t>{_I.format(_MOD)}(?P<mon>{_MONTH})(?:,?\s+(?:of\s+)?(?P<y>{_YEAR}|{_YEAR_WORDS})|\s+{_YEAR_REL}))(?![-–/]\d)"
        ),
        _n_month_year,
    ),
    Pattern(
        "month",
        _rx(
            rf"(?:(?P<cue>\b{_I.format('in|since|until|till|by|through|during|before|after|from|to|of|and|or|between|on|around')}\s+)"
            rf"|(?<![\w-]))(?P<t>(?:(?P<rel>{_I.format('last|this|next|past|coming')})\s+)?{_I.format(_MOD)}(?P<mon>{_MONTH_FULL}))\b(?!\s*\d|-\w|\s+[A-Z][a-z])"
        ),
        _n_month,
        tensed=True,
    ),
    Pattern(
        "decade",
        _rx(
            rf"(?<![\w$])(?P<t>(?:{_I.format('the')}\s+)?{_I.format(_MOD)}(?:(?P<y>1[6-9]\d0|20\d0)|[‘'’](?P<yy>\d0))['’]?s)\b"
        ),
        _n_decade,
    ),
    Pattern(
        "decade_word",  # "the nineties", "the late eighties" (not "in her nineties": an age)
        _rx(rf"(?<![\w-])(?P<t>{_I.format('the')}\s+{_I.format(_MOD)}(?P<dw>{_I.format('|'.join(_DECADE_WORDS))}))\b"),
        _n_decade,
    ),
    Pattern(
        "century",
        _rx(
            r"(?P<t>(?i:(?:the\s+)?(?:(?P<n>\d{1,2}(?:st|nd|rd|th))|(?P<rel>this|last|previous|next))\s+century)"
            rf"(?:\s+{_ERA})?)"
        ),
        _n_century,
    ),
    Pattern(
        "season",
        _rx(
            rf"(?:\b(?P<cue>{_I.format('in|during|by|until|through|since|for|of|from|to|and|or|before|after')})\s+)?(?<![\w-])"
            r"(?P<t>(?i:(?:(?:the|(?P<rel>this|last|next|past|coming|previous))\s+)?(?:(?:early|late|mid)[\s-]+)?(?P<s>spring|summer|fall|autumn|winter)"
            rf"(?:\s+(?:of\s+)?(?P<y>{_YEAR}|{_YEAR_WORDS})|\s+{_YEAR_REL})?))"
            rf"(?![\w-])"
        ),
        _n_season,
        keep=_season_ok,
    ),
    Pattern(
        "quarter",
        _rx(
            _I.format(
                rf"(?<![\w-])(?P<t>(?:(?:the(?!\s+\w+-quarter)|(?P<ry>this|last|next)\s+year['’]s)\s+)?(?:(?P<y0>{_YEAR})\s+)?(?:fiscal\s+)?(?P<q>first|second|third|fourth|1st|2nd|3rd|4th)[\s-]+(?:fiscal\s+)?quarter(?:\s+(?:of\s+)?(?:fiscal\s+)?(?P<y>{_YEAR})|\s+{_YEAR_REL.replace('ry', 'ry2')})?"
                rf"|(?<![\w-])Q(?P<qn>[1-4])(?:\s*(?P<y3>{_YEAR}))?)"
            )
        ),
        _n_quarter_any,
        tensed=True,
        reports_period=True,
    ),
    Pattern(
        "quarter_rel",
        _rx(
            _I.format(
                r"(?<![\w-])(?P<t>(?:(?P<rel>the\s+same|that|the\s+latest|this|last|next|the\s+previous|the\s+past|the\s+current|the\s+coming|the\s+year[-\s](?:ago|earlier)|the)\s+)quarter)(?![\w-])"
            )
        ),
        _n_quarter_rel_any,
        anchors=False,
        reports_period=True,
    ),
    Pattern(
        "half",
        _rx(
            _I.format(
                rf"(?P<t>(?:the\s+)?(?P<h>first|second|last|latter)\s+half\s+of\s+(?:(?P<y>{_YEAR})|(?:the\s+)?(?P<ry>this|last|next)?\s*year))"
            )
        ),
        _n_half,
    ),
    Pattern(
        "year",
        _rx(
            r"(?<![\w$£€#.,/:-])(?P<t>(?:(?i:(?:the\s+)?(?:fiscal\s+|FY\s*|the\s+year\s+|(?:the\s+)?(?:end|beginning|start|middle)\s+of\s+|(?:early|late|mid)[\s-]+)))?"
            rf"(?P<y>{_YEAR}))(?![\w%$]|[.,:/-]\d|\s*(?:%|percent|{_ERA_WORDS}))"
        ),
        _n_year,
        year_checked=True,
        priority=-1,
    ),
    Pattern(
        "year_words",
        _rx(
            rf"(?<![\w-])(?P<t>(?:{_I.format('the')}\s+year\s+)?(?P<y>{_YEAR_WORDS}))(?!\s+(?:years|months|days|miles|people|dollars|men|women|troops|soldiers|times|more|or)\b)"
        ),
        _n_year,
        priority=-1,
    ),
    Pattern(
        "era_year",  # "500 BC", "44 BCE", "AD 79", "800 CE": a year with its era, in or out of the calendar
        _rx(
            r"(?<![\w$£€#.,/:-])(?P<t>(?:(?i:the\s+year\s+))?"
            rf"(?:(?P<ad>AD|A\.D\.)\s*(?P<y1>\d{{1,4}})(?![\w,.]?\d)|(?P<y2>\d{{1,3}}(?:,\d{{3}})+|\d{{1,7}})\s*{_ERA}))"
        ),
        _n_era_year,
    ),
    Pattern(
        "holiday",
        _rx(
            rf"(?<![\w-])(?P<t>(?:(?P<rel>{_I.format('last|this|next|past|coming')})\s+)?(?P<h>Christmas(?:\s+Day|\s+Eve)?|New\s+Year's(?:\s+Day|\s+Eve)"
            r"|Thanksgiving(?:\s+Day)?|Independence\s+Day|Fourth\s+of\s+July|Halloween|Labor\s+Day|Memorial\s+Day|Election\s+Day|Easter(?:\s+Sunday)?)"
            rf"(?:,?\s+(?P<y>{_YEAR}))?)(?![\w-])"
        ),
        _n_holiday,
        tensed=True,
    ),
    # --- relative dates
    Pattern(
        "weekday",
        _rx(
            rf"(?P<t>(?:{_WD_REL}\s+)?(?P<wd>{_WEEKDAY})(?!s\b)(?:\s+(?P<pod>{_I.format('morning|afternoon|evening|night')}))?)\b"
        ),
        _n_weekday,
        tensed=True,
    ),
    Pattern(
        "day_word",
        _rx(
            _I.format(
                r"(?<![\w-])(?P<t>(?:(?:late|early)\s+)?(?P<w>the\s+day\s+before\s+yesterday|the\s+day\s+after\s+tomorrow|today|tonight|yesterday|tomorrow))(?:\s+(?P<pod>morning|afternoon|evening|night))?(?![\w-])"
            )
        ),
        _n_day_word,
        title_checked=True,
    ),
    Pattern(
        "rel_unit",
        _rx(
            _I.format(
                r"(?<![\w-])(?P<t>(?:(?:early|late|mid)[\s-]+)?(?:(?:the\s+(?:start|end|beginning|middle)\s+of|(?:the\s+)?(?:end|start|beginning|middle)\s+of)\s+)?(?:(?P<rel>last|this|next|coming|current|the\s+current|the\s+coming|the\s+previous|the\s+past|the\s+last|the\s+next)[\s-]+(?:(?<=\s)fiscal\s+(?=year))?(?P<u>week|weekend|month|year|decade)|(?P<rel2>the)\s+(?P<u2>weekend)))(?![\w-])"
            )
        ),
        _n_rel_unit,
        tensed=True,
        title_checked=True,
        keep=_rel_unit_ok,
    ),
    Pattern(
        "period_edge",  # "the end of the year", "by year-end", "the end of the month"
        _rx(
            _I.format(
                r"(?<![\w-])(?P<t>(?:the\s+)?(?:end|start|beginning|middle)\s+of\s+the\s+(?P<u>year|month)"
                r"|(?:(?P<rel>this|last|next)\s+)?year(?:-|\s+|['’]s\s+)end)(?![\w-])"
            )
        ),
        _n_period_edge,
        title_checked=True,
    ),
    Pattern(
        "ago",
        _rx(
            _I.format(
                rf"(?<![\w-]){_NOT_IN_NUMBER}(?P<t>{_HEDGE}(?P<n>{_NUM})\s+(?P<u>{_UNIT})(?:\s+or\s+so)?\s+(?P<dir>ago|earlier|later|from\s+now|hence))(?![\w-])"
            )
        ),
        _n_ago,
        anchors=False,
    ),
    Pattern(
        "period_year_ago",  # "the corresponding period last year", "the quarter a year ago", "last year's quarter"
        _rx(
            _I.format(
                r"(?<![\w-])(?P<t>(?:the\s+)?(?:(?:same|corresponding|comparable|year-ago)\s+)?(?:quarter|period)\s+"
                r"(?:a\s+year\s+(?:ago|earlier)|(?:of\s+)?(?:last|the\s+previous|the\s+prior)\s+year)"
                r"|last\s+year's\s+(?:(?:same|corresponding|comparable)\s+)?(?:quarter|period))(?![\w-])"
            )
        ),
        _n_ago_fixed,
        anchors=False,
        priority=1,
    ),
    Pattern(
        "year_ago_adj",
        _rx(
            _I.format(
                r"(?<![\w-])(?P<t>(?:the\s+)?year[-\s](?:ago|earlier)(?:\s+(?:period|quarter|months?|level))?)(?![\w-])"
            )
        ),
        _n_ago_fixed,
        anchors=False,
    ),
    Pattern(
        "anaphor",
        _rx(
            _I.format(
                r"(?<![\w-])(?P<t>(?:(?:earlier|later)\s+)?(?P<rel>that|the\s+same|the\s+next|the\s+following|the\s+previous|the\s+preceding|the\s+prior|later\s+that|earlier\s+that|(?:earlier|later)\s+in\s+the)\s+(?P<u>day|week|month|year|(?<!in\sthe\s)(?:morning|afternoon|evening|night|spring|summer|autumn|fall|winter)))(?![\w-])"
            )
        ),
        _n_anaphor,
        title_checked=True,
    ),
    Pattern(
        "ref",
        _rx(
            _I.format(
                r"(?<![\w-])(?P<t>now|currently|at\s+present|at\s+the\s+moment|nowadays|recently|lately|the\s+(?:near\s+|distant\s+)?future|(?<=\bin\s)future(?!\s+\w+s\b)|the\s+past|soon)(?![\w-])"
            )
        ),
        _n_ref,
        title_checked=True,
        keep=_ref_ok,
    ),
    Pattern(
        "current",  # the adjective: "current market conditions", "his current wife"
        _rx(
            r"(?<![\w-])(?<!electric\s)(?<!direct\s)(?<!ocean\s)(?<!then\s)(?P<t>(?i:current))(?=\s+[a-z])"
            r"(?!\s+(?:accounts?|quarter|year|month|week|weekend|decade|century|fiscal|period|affairs|events|dollars?|prices?|assets|liabilities|ratio|yield|coupon|rate|issue|bond|market\s+value)\b)"
        ),
        _n_ref,
    ),
    Pattern(
        "the_year",  # "for the year", "the first nine months of the year": the year being reported
        _rx(
            r"\b(?i:for|of|during|in|through|throughout)\s+(?P<t>the\s+(?:full\s+)?year)"
            r"(?![\w-]|\s+(?:ago|earlier|before|after|later|since|when|that|in\s+which|ended|ending|two|nineteen|\d|[A-Z]))"
        ),
        _n_the_year,
    ),
    Pattern(
        "period",  # "the latest period", "the 1988 period" in results stories: the reported quarter
        _rx(
            rf"(?<![\w-])(?P<t>(?i:the)\s+(?:(?i:latest|most\s+recent|current)|(?P<y>{_YEAR}))\s+(?:period|quarter))(?![\w-])"
        ),
        _n_period,
        reports_period=True,
    ),
    Pattern(
        "recent",
        _rx(
            _I.format(
                r"(?<![\w-])(?P<t>(?P<rel>recent|coming|future|past)\s+(?P<u>days|weeks|months|quarters|years))(?![\w-])"
            )
        ),
        _n_recent,
    ),
    # --- durations, sets, times (find_timexes only)
    Pattern(
        "duration",
        _rx(
            _I.format(
                rf"(?<![\w-]){_NOT_IN_NUMBER}(?P<t>(?:(?:the|a)\s+)?(?:(?:past|last|next|first|coming|previous|following)\s+)?{_HEDGE}(?P<n>{_NUM})(?:\s+(?:more|full|straight|consecutive))?\s+(?P<u>{_UNIT}|hours?|minutes?))(?![\w-])"
            )
        ),
        _n_duration,
        kind="DURATION",
        priority=-2,
    ),
    Pattern(
        "duration_hyph",
        _rx(
            _I.format(
                rf"(?<![\w-]){_NOT_IN_NUMBER}(?P<t>(?P<n>{_NUM_HYPH})-(?P<u>day|week|month|year|decade|hour|minute)(?:-long)?)(?![\w]|-old)"
            )
        ),
        _n_duration_hyph,
        kind="DURATION",
    ),
    Pattern(
        "duration_the_past",
        _rx(
            _I.format(
                r"(?<![\w-])(?P<t>(?:the|over\s+the)\s+(?:past|last|next|coming|previous)\s+(?P<u>day|century))(?![\w-])"
            )
        ),
        _n_duration_one,
        kind="DURATION",
    ),
    Pattern(
        "duration_plural",
        _rx(
            _I.format(r"(?<![\w-])(?P<t>(?:(?:several|many|few|recent)\s+)?(?P<u>decades|years|months|weeks))(?![\w-])")
        ),
        _n_duration_vague,
        kind="DURATION",
        priority=-3,
    ),
    Pattern(
        "age",  # "55-year-old", "55 years old": not time expressions at all
        _rx(_I.format(rf"(?<![\w-]){_NOT_IN_NUMBER}(?P<t>{_NUM_HYPH}[-\s](?:year|month|week|day)s?[-\s]old)(?![\w-])")),
        _n_age,
        kind="AGE",
        priority=5,
    ),
    Pattern(
        "set",
        _rx(
            _I.format(
                rf"(?<![\w-])(?P<t>daily|weekly|monthly|quarterly|annually|yearly|hourly|nightly|bi-?weekly|bi-?annually|semi-?annually|(?:every|each|per)\s+(?:other\s+)?(?:day|week|month|quarter|year|night|{_WEEKDAY}|{_MONTH_FULL}|spring|summer|autumn|fall|winter)|{_WEEKDAY}s)(?![\w-])"
            )
        ),
        _n_set,
        kind="SET",
    ),
    Pattern(
        "time_weekday",
        _rx(
            _I.format(
                rf"(?<![\w.:$-])(?P<t>(?P<clock>\d{{1,2}}(?:[:.]\d\d)?\s*(?:a\.m\.?|p\.m\.?|am\b|pm\b)|noon|midnight|midday)"
                rf"(?:\s+(?:EDT|EST|CDT|CST|PDT|PST|GMT|UTC|local\s+time))?,?\s+(?:on\s+)?(?:(?P<rel>last|next|this)\s+)?(?P<wd>{_WEEKDAY}))(?![\w-])(?!,?\s+(?:the\s+)?(?:{_MONTH}|{_DAY}\s+(?:of\s+)?{_MONTH}))"
            )
        ),
        _n_time_weekday,
        tensed=True,
        kind="TIME",
        priority=1,
    ),
    Pattern(
        "time",
        _rx(
            _I.format(
                r"(?<![\w.:$-])(?P<t>(?:(?:about|around)\s+)?(?:\d{1,2}(?:[:.]\d\d)?\s*(?:a\.m\.?|p\.m\.?|am\b|pm\b)(?:\s+(?:EDT|EST|CDT|CST|PDT|PST|GMT|UTC|local\s+time|Moscow\s+time))?|\d{1,2}:\d\d(?:\s+(?:GMT|UTC))?|noon|midnight|midday|mid-?(?:morning|afternoon)|this\s+(?:morning|afternoon|evening)|last\s+(?:night|evening)|overnight))(?![\w:])"
            )
        ),
        _n_time,
        kind="TIME",
    ),
)

PATTERN_BY_NAME = {p.name: p for p in PATTERNS}

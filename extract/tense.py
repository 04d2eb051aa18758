"""Tense, aspect and modality: the word sets and verb tests that say whether a dated clause happened,
is planned, or only might happen, defined once for time expressions, publication dates and events.

The predicates take spaCy tokens but never import spaCy (they only read a token's tags and children).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.tokens import Token

FUTURE_MODALS = frozenset({"will", "shall", "'ll"})
HYPOTHETICAL_MODALS = frozenset({"could", "would", "might", "may", "should", "must", "can", "ought"})
# Auxiliaries that put a dated verb after the publication date ("will meet on Friday", "may vote Monday").
# "could" is also the past of "can" ("could not be reached Friday" narrates) and is judged apart.
FORWARD_AUXILIARIES = FUTURE_MODALS | {"wo", "would", "'d", "might", "may", "can", "should", "must"}

# Verbs whose infinitive complement is planned, not done: "plans to visit", "expects to sign" (events).
PLAN_VERBS = frozenset({"plan", "intend", "expect", "schedule", "aim", "hope", "seek", "prepare", "propose"})
# Heads of "to"-infinitives that point a named date forward: "is due to vote on Monday" (time expressions).
FORWARD_HEADS = frozenset(
    {"plan", "expect", "schedule", "set", "due", "intend", "hope", "aim", "prepare", "go", "agree", "want", "seek"}
)
# Verbs that are themselves about a later time ("scheduled for Friday").
FORWARD_VERBS = frozenset({"plan", "schedule"})
# Verbs that timetable: in the present tense with a named day they look ahead ("the talks resume Monday").
# Headlines and captions narrate in the present ("Putin visits Havana on Tuesday"), so the list is kept to
# what schedules say.
TIMETABLE_VERBS = frozenset(
    {"meet", "resume", "begin", "start", "open", "close", "convene", "reconvene", "vote", "expire", "end", "adjourn"}
)
# Verbs that move something to a later date: "postponed until Tuesday" looks forward though narrated.
DEFER_VERBS = frozenset({"postpone", "delay", "defer", "extend", "adjourn", "recess", "reschedule", "push"})
# Adverbs of habit: "today the barrier rarely lifts" is a state of affairs, not an event.
HABIT_ADVERBS = frozenset(
    {"rarely", "seldom", "often", "usually", "always", "never", "sometimes", "regularly", "routinely", "generally"}
)

# Deadlines and earliest dates look forward whatever the verb's tense ("to be completed by Dec. 15").
DEADLINE_BEFORE_RX = re.compile(
    r"(?i:\b(?:(?P<strong>as\s+(?:early|soon)\s+as|no\s+later\s+than|payable|effective|due)|by|until|through|till)\s+$)"
)
# Words earlier in a sentence that make a date in it a plan rather than a past report (no parse needed).
PLAN_WORDS_BEFORE_RX = re.compile(
    r"\b(?:will|shall|would|could|may|might|scheduled|planned|plans?|expected|due|upcoming|next|deadline|intends?)"
    r"\b[^.;]{0,60}$",
    re.I,
)


def modal(token: Token) -> str | None:
    """The modal auxiliary of a verb ("could" in "could deploy"), lower-cased, or None."""
    for child in token.children:
        if child.dep_ == "aux" and child.tag_ == "MD":
            return child.lower_
    return None


def is_past_or_perfect(verb: Token) -> bool:
    """Past tense ("ratified") or present perfect ("has ratified"): a report, not a headline's present."""
    if verb.tag_ == "VBD":
        return True
    aux = [c.lower_ for c in verb.children if c.dep_ in ("aux", "auxpass")]
    return verb.tag_ == "VBN" and any(a in ("has", "have", "had", "was", "were") for a in aux)


def is_narrated_past(verb: Token) -> bool:
    """A simple-past or past-perfect clause: the verb is VBD or has a VBD auxiliary (had, was, did)."""
    if verb.pos_ not in ("VERB", "AUX"):
        return False
    if verb.tag_ == "VBD":
        return True
    return any(c.dep_ in ("aux", "auxpass") and c.tag_ == "VBD" for c in verb.children)


def is_simple_past(verb: Token) -> bool:
    """ "opened": VBD, or a VBN with no auxiliary of its own or shared (the tagger's frequent mistake for a
    finite past); "could be signed in March and ratified in April" shares its modal."""
    if verb.dep_ == "conj" and any(c.dep_ in ("aux", "auxpass") for c in verb.head.children):
        return False
    return verb.tag_ == "VBD" or (verb.tag_ == "VBN" and not any(c.dep_ in ("aux", "auxpass") for c in verb.children))

"""Events: time mentions in sentences -> event rows (summary, actors, type, modality).

An event is a time mention anchoring a statement that something happened or was done.
Each dated mention is tied to the verb it modifies (its trigger); mentions on the same
trigger make one event, a cited report's date makes the statement an event of its own,
and a news article's undated lead sentence is dated by the publication date.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import NamedTuple

from spacy.tokens import Doc, Span, Token

from extract import wordlists
from extract.actors import actors_and_locations, person_index
from extract.dating import DatingRecord, span_of, within
from extract.documents import Document
from extract.nlp import doc_text, lemma
from extract.published import Published, is_stamp, publication_date
from extract.retellings import Retellings
from extract.schema import MAX_YEAR, MIN_YEAR
from extract.tense import (
    FUTURE_MODALS,
    HABIT_ADVERBS,
    HYPOTHETICAL_MODALS,
    PLAN_VERBS,
    is_past_or_perfect,
    is_simple_past,
    modal,
)
from extract.timex import TimeMention, resolve, scan

# The team-editable word lists (extract/wordlists/), read once: what each is for is said in its file's header.
SPEECH_VERBS = wordlists.words("speech_verbs", lower=True)  # verbs that report speech or publication
STATIVE_VERBS = wordlists.words("stative_verbs", lower=True)  # verbs of state: dated, they describe, not narrate
# Keyword lemmas per event type; checked in this order, the trigger's own lemma counting double.
TYPE_KEYWORDS: Mapping[str, frozenset[str]] = MappingProxyType(dict(wordlists.named_lists("event_types")))
TYPE_ORDER = tuple(TYPE_KEYWORDS)

BASIS_CONFIDENCE = {
    "explicit": 0.9,
    "citation": 0.8,
    "relative": 0.75,
    "anaphoric": 0.6,
    "publication": 0.5,
    "inferred": 0.5,
    "unresolved": 0.2,
}
LEAD_MIN_WORDS = 12  # a lead sentence is body text, not a headline or a photo caption
# A dated list entry: an optional bullet, a short date label, a colon or dash, then the entry's text.
CHRONOLOGY_ENTRY_RX = re.compile(r"\s*(?:[-•*·]\s+)?[\w ,.–-]{4,40}?\d\s*(?::|[–—]|\s-)\s+\w")
NOTE_LINE_RX = re.compile(r"\s*\[(\d{1,3})\]\s+\S")  # "[3] TASS, 12 September 2017." in a notes list
FOOTNOTE_RX = re.compile(r"(?<=[\w.,;:!?”\"')])\[(\d{1,3})\]")  # a marker right after a word or punctuation
LABEL_MAX_TOKENS = 8  # "February 9, 2023:" opening a chronology line is a label, not a sentence
# A line holding only a clock time ("16:20", "09:40 GMT"): a live blog's entry stamp.
CLOCK_LINE_RX = re.compile(
    r"\s*(?:[01]?\d|2[0-3])[:.][0-5]\d(?:\s*(?:[ap]\.?m\.?|GMT|UTC|BST|CET|CEST|EST|EDT|ET|MSK|local(?:\s+time)?))*\s*",
    re.I,
)
SUMMARY_MAX_WORDS = 24
ANCHORS = "_anchors"  # a row's mention offsets, taken out into the DatingRecord before the row is stored


@dataclass
class Candidate:
    """Time mentions tied to one trigger in one sentence, on their way to becoming an event row."""

    sentence: Span
    trigger: Token | None
    mentions: list[TimeMention] = field(default_factory=list)


class DocumentTables(NamedTuple):
    """One document's part of the tables, and what had to be left out of it."""

    row: dict  # its documents-table row (without n_events)
    events: list[dict]  # its event rows
    warnings: list[str]  # time expressions skipped, each named with the reason ("time expression '...' ...")
    dating: str = ""  # the DatingRecord as JSON: re-dates the events if other sources date the document


def document_tables(document: Document, doc: Doc) -> DocumentTables:
    """One parsed document -> its documents-table row, its event rows, and warnings about what was skipped."""
    text = document.text
    scanned = scan(text, doc)  # once: the unanchored and the anchored resolution share it
    published = publication_date(document.published, text, lambda: resolve(scanned, None).dates())
    resolution = resolve(scanned, published.date, published_granularity=published.granularity or "day")
    mentions = resolution.dates()
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    found_title, found_outlet = title_and_outlet(text)
    title = document.title or found_title
    outlet = document.outlet or found_outlet
    source = outlet or title or document.doc_id
    rows = event_rows(document.doc_id, source, sha, doc, mentions, published)
    anchors = {row["event_id"]: row.pop(ANCHORS) for row in rows}
    doc_row = {
        "doc_id": document.doc_id,
        "title": title,
        "outlet": outlet,
        "url": document.url,
        "published": published.date,
        "published_granularity": published.granularity,
        "published_basis": published.basis,
        "path": document.path,
        "sha256": sha,
    }
    own = (published.date.isoformat() if published.date else "", published.granularity, published.basis)
    dating = DatingRecord(scanned, anchors, own).to_json()
    return DocumentTables(doc_row, rows, [str(skipped) for skipped in resolution.skipped], dating)


_FEED_FOOTER = re.compile(r"^The post (?P<title>.{10,200}?) appeared first on (?P<outlet>[^.\n]{2,80})\.?\s*$", re.M)


def title_and_outlet(text: str) -> tuple[str, str]:
    """A fallback title (and outlet) from the text: a feed footer's, else the first title-like line."""
    footer = _FEED_FOOTER.search(text)
    if footer:
        return footer["title"].strip(), footer["outlet"].strip()
    return first_line(text), ""


def first_line(text: str) -> str:
    """The first line that reads like a title: a few words, not a label ending in a colon."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in lines[:5]:
        words = line.split()
        if 2 <= len(words) <= 30 and not line.endswith(":"):
            return line[:200]
    return lines[0][:200] if lines else ""


def sentences(doc: Doc) -> list[Span]:
    """spaCy's sentences, split again at line breaks (headlines and list items end at a newline)."""
    out: list[Span] = []
    for sent in doc.sents:
        begin = sent.start
        for token in sent:
            if "\n" in token.text or "\n" in token.whitespace_:
                end = token.i if "\n" in token.text else token.i + 1
                if end > begin:
                    out.append(doc[begin:end])
                begin = token.i + 1
        if begin < sent.end:
            out.append(doc[begin : sent.end])
    out = [s for s in out if s.text.strip()]
    text = doc_text(doc)  # once: Doc.text joins every token, so reading it per label line is quadratic
    # A short label ending in a colon starts its line's sentence: "February 9, 2023: Leaders agree ..."
    merged: list[Span] = []
    for span in out:
        last = merged[-1] if merged else None
        if (
            last is not None
            and last.text.rstrip().endswith((":", "—", "–", " -"))
            and len(last) <= LABEL_MAX_TOKENS
            and "\n" not in text[last.end_char : span.start_char]
        ):
            merged[-1] = doc[last.start : span.end]
        else:
            merged.append(span)
    return merged


def trimmed_span(sentence: Span) -> tuple[int, int]:
    """Character offsets of the sentence without surrounding whitespace."""
    text = sentence.text
    start = sentence.start_char + (len(text) - len(text.lstrip()))
    end = sentence.end_char - (len(text) - len(text.rstrip()))
    return start, end


def event_rows(
    doc_id: str,
    source: str,
    sha: str,
    doc: Doc,
    mentions: Sequence[TimeMention],
    published: Published,
) -> list[dict]:
    """Every event of one document, as rows of the events table."""
    people = person_index(doc.ents)
    text = doc_text(doc)  # built once: Doc.text joins every token
    split = sentences(doc)
    ents_by_sentence = _ents_by_sentence(doc, split)
    rows: list[dict] = []
    seen = Retellings()  # the events kept so far, indexed: checking a new one does not grow with their number
    by_sentence = _mentions_by_sentence(split, mentions)
    notes = _dated_notes(by_sentence)
    lead_done = False
    for index, (sentence, in_sentence) in enumerate(by_sentence):
        if is_stamp(sentence.text) or NOTE_LINE_RX.match(sentence.text):
            continue  # the document's own date line, or an entry of its notes, reports no event
        if notes:
            in_sentence = in_sentence + _footnote_citations(sentence, notes)
        if CLOCK_LINE_RX.fullmatch(sentence.text):
            lead_done = False  # a live blog's entry stamp: the entry's first sentence is a lead of its own
            continue
        candidates = candidates_in_sentence(sentence, in_sentence, text)
        if not lead_done and is_body_sentence(sentence):
            lead_done = True  # only the first body sentence can be the lead
            if not in_sentence and published.date is not None and is_lead_sentence(sentence):
                candidates = [Candidate(sentence, main_verb(sentence), [])]
        if not in_sentence and sentence.text.rstrip().endswith(":"):
            # a lazy view of the sentences after this one: copying the rest of the list per label is quadratic
            following = (by_sentence[k] for k in range(index + 1, len(by_sentence)))
            candidates = quoted_citation(sentence, following, text) or candidates
        for cand in candidates:
            if cand.trigger is None and CHRONOLOGY_ENTRY_RX.match(sentence.text):
                pass  # "- 8 August 2025 — Leaders initial the text": an entry of a dated list is an event
            elif cand.trigger is None or is_present_state(cand.trigger):
                continue  # a date with no verb (a dateline) or "today X is Y" states no event
            ents = ents_by_sentence.get(sentence.start, [])
            row = candidate_row(doc_id, source, sha, cand, published, people, text, ents, in_sentence)
            window = _context_lemmas(cand) | ({f"trigger:{lemma(cand.trigger)}"} if cand.trigger is not None else set())
            if _repeats(row, window, seen):
                continue
            seen.add(row["date_start"], row["date_end"], window)
            rows.append(row)
    return rows


def _dated_notes(by_sentence: Sequence[tuple[Span, list[TimeMention]]]) -> dict[str, TimeMention]:
    """A notes list ("[3] TASS, 12 September 2017."): each note's number -> the day it dates its source."""
    notes = {}
    for sentence, in_sentence in by_sentence:
        note = NOTE_LINE_RX.match(sentence.text)
        days = [m for m in in_sentence if m.granularity == "day" and m.date_start is not None]
        if note and days:
            notes[note[1]] = days[0]  # the source's date comes first; "accessed ..." stamps follow it
    return notes


def _footnote_citations(sentence: Span, notes: dict[str, TimeMention]) -> list[TimeMention]:
    """The sentence's footnote markers ("...air defence system.[3]") as cited report dates, like "(TASS, ...)"."""
    out = []
    for marker in FOOTNOTE_RX.finditer(sentence.text):
        note = notes.get(marker[1])
        if note is not None:
            start = sentence.start_char + marker.start()
            out.append(replace(note, start=start, end=start + len(marker[0]), basis="citation"))
    return out


def quoted_citation(intro: Span, following: Iterable[tuple[Span, list[TimeMention]]], text: str) -> list[Candidate]:
    """A sentence introducing a block quote ("..., argues:") takes the date cited at the quote's end.

    ``following``: the (sentence, mentions) pairs after ``intro``, in document order; only the quote's
    paragraph is read from it, so a lazy iterator keeps the cost to the quote's length.
    """
    last = None
    paragraph_end = -1
    for sentence, mentions in following:
        if last is None:  # the quote is the paragraph the next sentence starts
            paragraph_end = text.find("\n", sentence.start_char)
            paragraph_end = len(text) if paragraph_end < 0 else paragraph_end
        if sentence.start_char >= paragraph_end:
            break  # sentences come in order: none after this one is in the quote
        last = (sentence, mentions)
    if last is None:
        return []
    last_sentence, last_mentions = last
    cited = [m for m in last_mentions if m.basis == "citation" and m.end >= last_sentence.end_char - 3]
    root = main_verb(intro)
    if not cited or not cited_act_or_statement(intro, root):
        return []
    return [Candidate(intro, root, [cited[-1]])]


def _mentions_by_sentence(
    split: Sequence[Span], mentions: Sequence[TimeMention]
) -> list[tuple[Span, list[TimeMention]]]:
    out = []
    ordered = sorted(mentions, key=lambda m: m.start)
    index = 0
    for sentence in split:
        start, end = sentence.start_char, sentence.end_char
        while index < len(ordered) and ordered[index].start < start:
            index += 1
        inside = []
        probe = index
        while probe < len(ordered) and ordered[probe].start < end:
            inside.append(ordered[probe])
            probe += 1
        out.append((sentence, inside))
    return out


def is_body_sentence(sentence: Span) -> bool:
    """Running text: long, ends like prose; not a headline, a caption or a bullet point."""
    words = [t for t in sentence if t.is_alpha]
    text = sentence.text.strip()
    if len(words) < LEAD_MIN_WORDS or not text.endswith((".", "”", '"')):
        return False
    return not re.match(r"^(?:photo|image|file photo|picture|credit)\b|^[-•*–—·]\s", text, re.I)


def is_lead_sentence(sentence: Span) -> bool:
    """A body sentence that reports in the past or perfect tense: the news of a news article."""
    verb = main_verb(sentence)
    if verb is None:
        return False
    if lemma(verb).lower() in SPEECH_VERBS and not is_past_or_perfect(verb):
        # "X has ratified Y, the agency informs": the report is in what is reported
        return any(is_past_or_perfect(c) for c in verb.children if c.dep_ in ("ccomp", "parataxis"))
    # "For three decades the checkpoint was a symbol of ...": a state, the opening of a feature, not news
    return is_past_or_perfect(verb) and lemma(verb).lower() not in STATIVE_VERBS


def is_present_state(verb: Token) -> bool:
    """A present-tense copula ("today the guards are ...") or habit ("today the barrier rarely lifts"):
    a state, not something that happened."""
    if verb.tag_ not in ("VBZ", "VBP"):
        return False
    return lemma(verb) == "be" or any(c.dep_ == "advmod" and c.lower_ in HABIT_ADVERBS for c in verb.children)


def main_verb(sentence: Span) -> Token | None:
    """The sentence's root verb (the first verb when the parse has no verbal root)."""
    root = sentence.root
    if root.pos_ in ("VERB", "AUX"):
        return root
    return next((t for t in sentence if t.pos_ == "VERB"), None)


def trigger_of(sentence: Span, mention: TimeMention) -> Token | None:
    """The verb a time mention modifies: walk up the parse from the mention to the first verb."""
    doc = sentence.doc
    span = doc.char_span(mention.start, mention.end, alignment_mode="expand")
    if span is None or len(span) == 0:
        return main_verb(sentence)
    token = span.root
    for _ in range(40):
        if token.pos_ == "VERB" or (token.pos_ == "AUX" and (token.dep_ == "ROOT" or is_present_state(token))):
            # a present copula heads its own clause ("Today the harbour is full, an official said"): a state
            if sentence.start <= token.i < sentence.end:
                return token
            break
        if token.head.i == token.i or not (sentence.start <= token.head.i < sentence.end):
            break
        token = token.head
    return main_verb(sentence)


def candidates_in_sentence(sentence: Span, mentions: Sequence[TimeMention], text: str) -> list[Candidate]:
    """Group a sentence's dated mentions by trigger; a cited report date goes to the main verb."""
    usable = [
        m
        for m in mentions
        if m.basis != "accessed" and not m.value.endswith("_REF") and not _generic(m, text) and not _out_of_range(m)
    ]
    if not usable:
        return []
    root = main_verb(sentence)
    groups: dict[int, Candidate] = {}
    citations: list[TimeMention] = []
    for mention in usable:
        if mention.basis == "citation":
            citations.append(mention)
            continue
        trigger = trigger_of(sentence, mention)
        key = trigger.i if trigger is not None else -1
        groups.setdefault(key, Candidate(sentence, trigger)).mentions.append(mention)
    for citation in citations[-1:]:  # the closing citation dates the sentence's statement
        key = root.i if root is not None else -1
        # The report's precise day refines the main verb's own period; when the only date hangs on a verb
        # below it ("agreed to buy the system in 2017 (TASS, 12 September 2017)"), that one's.
        host = groups.get(key) or (next(iter(groups.values())) if len(groups) == 1 else None)
        if host is not None and _narrowed_by(citation, host):
            host.mentions = [citation]
        elif key not in groups and cited_act_or_statement(sentence, root):
            # the main verb has no date of its own: the report dates it, as it states an act or a statement
            groups[key] = Candidate(sentence, root, [citation])
    split = [part for cand in groups.values() for part in _occasions(cand)]
    return sorted(split, key=lambda c: min(m.start for m in c.mentions))


RANGE_GAP = dt.timedelta(days=31)  # dates on one verb this close are one event over a range


def _occasions(cand: Candidate) -> list[Candidate]:
    """One verb with dates far apart ("in 2019 and in July 2013") reports separate occasions.

    Close dates ("on March 13 and on March 19") stay one event over a range; a period that
    frames another ("In 2023 ... on March 13") is dropped in favour of the inner date.
    """
    dated = [m for m in cand.mentions if m.date_start and m.date_end]
    if len(dated) < 2:
        return [cand]
    inner = [m for m in dated if not any(o is not m and within(o, m) and not within(m, o) for o in dated)]
    inner.sort(key=lambda m: m.date_start)  # type: ignore[arg-type, return-value]
    clusters: list[list[TimeMention]] = [[inner[0]]]
    for mention in inner[1:]:
        last_end = max(m.date_end for m in clusters[-1])  # type: ignore[type-var]
        if mention.date_start - last_end <= RANGE_GAP:  # type: ignore[operator]
            clusters[-1].append(mention)
        else:
            clusters.append([mention])
    if len(clusters) == 1:
        return [cand]
    undated = [m for m in cand.mentions if not (m.date_start and m.date_end)]
    parts = [Candidate(cand.sentence, cand.trigger, sorted(c, key=lambda m: m.start)) for c in clusters]
    parts[0].mentions.extend(undated)
    return parts


def _out_of_range(mention: TimeMention) -> bool:
    """Dates the table cannot hold (before 1678, after 2261): history, not the timeline's business."""
    return any(d is not None and not MIN_YEAR <= d.year <= MAX_YEAR for d in (mention.date_start, mention.date_end))


def _generic(mention: TimeMention, text: str) -> bool:
    """No date of the event: "today's Russia" (a possessive of a deictic word), "similar to last year's"
    (a possessive whose noun is left out), "before Christmas", "after 2022" (a bound, not a date)."""
    possessive = text[mention.end : mention.end + 2] in ("'s", "’s")
    if possessive and mention.text.strip().lower() in ("today", "tomorrow", "yesterday"):
        return True
    if possessive and re.match(r"\s*(?:[.,;:)]|$)", text[mention.end + 2 : mention.end + 4]):
        return True
    return bool(_BOUND_RX.search(text, max(0, mention.start - 12), mention.start))


_BOUND_RX = re.compile(r"(?<![\w-])(?:before|after|prior\s+to)\s+$", re.I)


def _narrowed_by(citation: TimeMention, cand: Candidate) -> bool:
    """A cited report's day lies within every closed period of the event, which is no state."""
    return all(within(citation, m) and not m.open_range for m in cand.mentions) and not _copular(cand.trigger)


def _copular(verb: Token | None) -> bool:
    """A state verb with a complement ("remained flat", "is limited"): a state a report's day cannot date."""
    return (
        verb is not None
        and lemma(verb).lower() in STATIVE_VERBS
        and any(c.dep_ in ("acomp", "attr", "oprd", "xcomp") for c in verb.children)
    )


def cited_act_or_statement(sentence: Span, root: Token | None) -> bool:
    """A sentence closed by a citation is an event when it states an act or a statement, not a state."""
    if root is None:
        return False
    verb = lemma(root).lower()
    if any(child.dep_ == "neg" for child in root.children):
        return False
    if verb in SPEECH_VERBS:
        return True
    if verb in STATIVE_VERBS or modal(root):
        return False
    if root.tag_ == "VBD":
        return True
    aux = [c.lower_ for c in root.children if c.dep_ in ("aux", "auxpass")]
    # present perfect active ("have fought") reports an act; "has been positioned" a state
    return root.tag_ == "VBN" and any(a in ("has", "have", "had") for a in aux) and "been" not in aux


def _is_to(verb: Token) -> bool:
    """ "is to visit", "are to be completed": a finite 'be' with 'to' before the verb, an arrangement."""
    aux = [c for c in verb.children if c.dep_ in ("aux", "auxpass") and c.i < verb.i]
    if not any(c.lower_ == "to" for c in aux):
        return False
    finite_be = [c for c in aux if lemma(c) == "be" and c.tag_ in ("VBZ", "VBP", "VBD")]
    if verb.dep_ == "xcomp" and lemma(verb.head) == "be" and verb.head.tag_ in ("VBZ", "VBP", "VBD"):
        finite_be.append(verb.head)  # parsed as "is" + xcomp "(to be) completed"
    return bool(finite_be)


def modality(trigger: Token | None, mentions: Sequence[TimeMention], published: Published) -> str:
    """asserted, hypothetical (could, would, if ...) or planned (will, plans to, a future date)."""
    if trigger is None:
        return "asserted"
    chain = [trigger, *[t for t in trigger.ancestors][:3]]
    for token in chain:
        aux = modal(token)
        if aux in HYPOTHETICAL_MODALS:
            return "hypothetical"
        if aux in FUTURE_MODALS:
            return "planned"
        if any(c.dep_ == "mark" and c.lower_ in ("if", "unless") for c in token.children):
            return "hypothetical"
        if _is_to(token):
            return "planned"  # "is to be completed by the end of the year"
        if token.i != trigger.i and lemma(token).lower() in PLAN_VERBS and trigger.dep_ == "xcomp":
            return "planned"
        if token.dep_ not in ("xcomp", "conj", "ccomp", "advcl") or is_simple_past(token):
            break  # a simple past narrates, whatever a governing clause's modal ("which would let ... opened")
    own = [m for m in mentions if m.basis != "citation"]
    end = published.end
    if end and own and all(m.date_start and m.date_start > end for m in own):
        return "planned"
    return "asserted"


def event_type(trigger: Token | None, sentence: Span) -> str:
    """Keyword vote over the trigger's clause; the trigger's own lemma weighs double."""
    if trigger is None:
        return "other"
    clause = list(trigger.subtree) if len(list(trigger.subtree)) > 2 else list(sentence)
    scores = dict.fromkeys(TYPE_ORDER, 0)
    for token in clause:
        word = lemma(token).lower()
        for kind in TYPE_ORDER:
            if word in TYPE_KEYWORDS[kind] or token.lower_ in TYPE_KEYWORDS[kind]:
                scores[kind] += 2 if token.i == trigger.i else 1
    best = max(TYPE_ORDER, key=lambda k: scores[k])
    if lemma(trigger).lower() in SPEECH_VERBS and scores[best] < 2:
        return "statement"
    if scores[best]:
        return best
    return "statement" if lemma(trigger).lower() in SPEECH_VERBS else "other"


def summary(trigger: Token | None, sentence: Span, mentions: Sequence[TimeMention]) -> str:
    """The clause that says what happened: subject, trigger and objects, without dates or asides."""
    if trigger is None:
        entry = CHRONOLOGY_ENTRY_RX.match(sentence.text)  # "- 8 August 2025 — Leaders initial the text": the text
        return _shorten(sentence.text[entry.end() - 1 :].strip() if entry else sentence.text.strip())
    inside = range(sentence.start, sentence.end)
    in_time = {t.i for m in mentions for t in _tokens_of(sentence.doc, m)}
    drop: set[int] = set(in_time)
    for token in trigger.subtree:
        if token.i not in inside:
            drop.add(token.i)
        elif token.dep_ == "prep" and any(c.i in in_time for c in token.children):
            drop.update(t.i for t in token.subtree)  # "on March 3" goes with its date
        elif (token.head.i == trigger.i and token.dep_ in ("advcl", "relcl", "parataxis", "mark", "cc")) or (
            token.dep_ == "npadvmod" and token.i in in_time
        ):
            drop.update(t.i for t in token.subtree)
        elif token.head.i == trigger.i and token.dep_ == "conj" and token.pos_ in ("VERB", "AUX"):
            drop.update(t.i for t in token.subtree)  # "..., and a bomber visited X": another clause
            drop.update(c.i for c in trigger.children if c.dep_ == "cc" and c.i < token.i)
    # "Earlier on Thursday": the parser may hang the adverb on the verb rather than on the date it modifies;
    # it goes with its time expression when that is dropped
    drop.update(
        t.i
        for t in trigger.subtree
        if t.dep_ == "advmod"
        and t.lower_ in ("earlier", "later", "early", "late")
        and ((t.i + 1 in drop and {t.i + 1, t.i + 2} & in_time) or t.i - 1 in in_time)
    )
    kept = [t for t in trigger.subtree if t.i not in drop]
    if lemma(trigger).lower() in SPEECH_VERBS:
        # "X did Y, the ministry said" -> "the ministry said X did Y": who speaks comes first
        subjects = [c for c in trigger.children if c.dep_ in ("nsubj", "nsubjpass")]
        speaker = [t for t in kept if any(s.left_edge.i <= t.i <= s.right_edge.i for s in subjects)]
        verb = [t for t in kept if t.i == trigger.i or (t.head.i == trigger.i and t.dep_ in ("aux", "neg"))]
        taken = {t.i for t in speaker} | {t.i for t in verb}
        first = next((t for t in kept if not t.is_punct), None)  # the comma a dropped date leaves does not count
        if speaker and first is not None and first.i not in taken:  # only when what was said comes before the speaker
            kept = [*speaker, *verb, *(t for t in kept if t.i not in taken)]
    if not any(c.dep_ in ("nsubj", "nsubjpass") for c in trigger.children) and trigger.dep_ in ("relcl", "acl"):
        head = trigger.head  # "the treaty that Russia signed" -> "the treaty ... Russia signed"
        kept = [*(t for t in head.lefts if t.dep_ in ("det", "amod", "compound", "poss")), head, *kept]
    text = _join(kept)
    text = re.sub(r"\([^)]*\)?", "", text)
    text = re.sub(r"^(?:that|which|who|and|but|,)\s+", "", text.strip(" ,;:“”\"'‘’"), flags=re.I)
    text = re.sub(r"\s+([,.;:!?’])", r"\1", re.sub(r"\s+", " ", text)).strip(" ,;:-–—")
    text = re.sub(r"[,;:]+(?=[.!?]$)", "", text)  # "..., the ministry said" moved ahead leaves ",."
    return _shorten(text or sentence.text.strip())


def _tokens_of(doc: Doc, mention: TimeMention) -> Span | list[Token]:
    span = doc.char_span(mention.start, mention.end, alignment_mode="expand")
    return span if span is not None else []


def _join(tokens: Sequence[Token]) -> str:
    """Tokens back to text: original spacing between neighbours, one space across a gap."""
    parts = []
    for k, token in enumerate(tokens):
        nxt = tokens[k + 1] if k + 1 < len(tokens) else None
        gap = nxt is not None and nxt.i != token.i + 1
        parts.append(token.text + (" " if gap or token.whitespace_ else ""))
    return "".join(parts)


def _shorten(text: str) -> str:
    words = text.split()
    if len(words) <= SUMMARY_MAX_WORDS:
        return text
    return " ".join(words[:SUMMARY_MAX_WORDS]).rstrip(",;:") + " …"


def candidate_row(
    doc_id: str,
    source: str,
    sha: str,
    cand: Candidate,
    published: Published,
    people: dict[str, str],
    text: str,
    ents: Sequence[Span],
    sentence_mentions: Sequence[TimeMention] = (),
) -> dict:
    """One candidate -> an event row."""
    sentence = cand.sentence
    char_start, char_end = trimmed_span(sentence)
    if cand.mentions:
        start, end, granularity, basis = span_of(cand.mentions)
        expression = " … ".join(m.text for m in cand.mentions)
        anchor = min(m.start for m in cand.mentions), max(m.end for m in cand.mentions)
    else:
        start, end = published.date, published.end
        granularity, basis, expression = published.granularity, "publication", ""
        anchor = (char_start, char_start)
    trigger = cand.trigger
    actors, locations = actors_and_locations(ents, people, outlet=source)
    confidence = BASIS_CONFIDENCE.get(basis, 0.5)
    if trigger is None:
        confidence *= 0.6
    digest = hashlib.sha1(f"{doc_id}:{sha}:{char_start}:{char_end}:{anchor[0]}:{anchor[1]}".encode()).hexdigest()[:16]
    return {
        "event_id": digest,
        "doc_id": doc_id,
        "source": source,
        "date_start": start,
        "date_end": end,
        "granularity": granularity,
        "date_basis": basis,
        "time_expression": expression,
        "summary": summary(trigger, sentence, [*cand.mentions, *sentence_mentions]),
        "sentence": text[char_start:char_end],
        "char_start": char_start,
        "char_end": char_end,
        "actors": actors,
        "locations": locations,
        "event_type": event_type(trigger, sentence),
        "modality": modality(trigger, cand.mentions, published),
        "confidence": round(confidence, 2),
        "event_group": "",
        ANCHORS: tuple((m.start, m.end) for m in cand.mentions),
    }


def _ents_by_sentence(doc: Doc, split: Sequence[Span]) -> dict[int, list[Span]]:
    """Named entities bucketed by the first token of the sentence they fall in."""
    starts = [s.start for s in split]
    buckets: dict[int, list[Span]] = {}
    index = 0
    for ent in doc.ents:
        while index + 1 < len(starts) and starts[index + 1] <= ent.start:
            index += 1
        if starts:
            buckets.setdefault(starts[index], []).append(ent)
    return buckets


def _context_lemmas(cand: Candidate) -> set[str]:
    """Content words around the event's time expressions, to spot a repeated report of one event."""
    doc = cand.sentence.doc
    words: set[str] = set()
    for m in cand.mentions:
        span = doc.char_span(m.start, m.end, alignment_mode="expand")
        if span is None:
            continue
        lo, hi = max(cand.sentence.start, span.start - 6), span.start
        words.update(lemma(t).lower() for t in doc[lo:hi] if t.is_alpha and not t.is_stop and t.pos_ != "PROPN")
    return words


def _repeats(row: dict, window: set[str], seen: Retellings) -> bool:
    """True when an earlier event of the document is the same one told again.

    Same dates and nearly the same words around them, or the same trigger verb with a calendar
    period that contains the earlier one ("signed on March 13, 2025" ... "signed in March 2025");
    ``seen`` indexes the earlier events (see extract.retellings).
    """
    return seen.retells(row["date_start"], row["date_end"], row["granularity"], window)

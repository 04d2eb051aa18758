"""The corpus-level steps, in order, over the whole stored set: what a store write runs as its ``derive``.

1. One person, one name across documents (`people.canonical_people`).
2. Every document on its own dates: one that an earlier write dated from other sources goes back to what its
   own text and metadata give (`dating.own_dates`), so the steps give the same tables however often they run.
3. Event groups: reports of the same event across documents (`grouping.group_events`).
4. Cross-source dating: a document its own text cannot date gets its publication date from the groups it
   shares with dated documents; its events are re-dated from its stored scan, and the events grouped again
   (`dating.date_from_groups`).
5. The groups table (`consensus.groups_table`) and the key dates (`keydates.key_dates`).
"""

from __future__ import annotations

from extract.corpus.consensus import groups_table
from extract.corpus.dating import date_from_groups, dating_records, own_dates
from extract.corpus.grouping import WordCache, group_events
from extract.corpus.keydates import key_dates
from extract.corpus.people import canonical_people
from extract.store.base import Corpus, CorpusTables


def corpus_tables(corpus: Corpus) -> CorpusTables:
    """The stored set -> its events and documents as they are to be stored, with the groups and key dates."""
    records = dating_records(corpus.documents, corpus.read_scan)
    own = own_dates(canonical_people(corpus.events), corpus.documents, records)
    words = WordCache()  # grouping again after dating finds the same words
    events, documents = group_events(own.events, own.documents, cache=words), own.documents
    dated = date_from_groups(events, documents, records)
    if dated.changed:
        events, documents = group_events(dated.events, dated.documents, cache=words), dated.documents
    groups = groups_table(events, documents)
    return CorpusTables(events, documents, {"groups": groups, "key_dates": key_dates(events, documents, groups)})

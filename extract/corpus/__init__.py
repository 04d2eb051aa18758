"""Corpus-level steps: functions over the events and documents tables (never spaCy docs).

group_events(events, documents, settings) -> events with `event_group` filled
groups_table(events, documents, settings) -> one row per event group (GROUP_COLUMNS)
"""

from extract.corpus.consensus import groups_table
from extract.corpus.grouping import GroupingSettings, group_events
from extract.corpus.tables import GROUP_COLUMNS

__all__ = ["GROUP_COLUMNS", "GroupingSettings", "group_events", "groups_table"]

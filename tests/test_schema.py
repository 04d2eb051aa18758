"""The tables' schema: column order, dtypes, and values coerced rather than crashing a run."""

import datetime as dt

import pandas as pd

from extract.schema import (
    DOCUMENT_COLUMN_NAMES,
    EVENT_COLUMN_NAMES,
    documents_frame,
    events_frame,
    typed_events,
)


def test_empty_frames_have_every_column_in_order_and_typed():
    events = events_frame()
    assert list(events.columns) == EVENT_COLUMN_NAMES
    assert str(events["date_start"].dtype) == "datetime64[ns]"
    assert str(events["char_start"].dtype) == "int64"
    assert list(documents_frame().columns) == DOCUMENT_COLUMN_NAMES


def test_rows_are_typed_and_lists_stay_lists():
    events = events_frame([{"event_id": "a", "date_start": dt.date(2025, 3, 1), "actors": ["Russia", "Cuba"]}])
    assert events.loc[0, "date_start"] == pd.Timestamp("2025-03-01")
    assert events.loc[0, "actors"] == ["Russia", "Cuba"]
    assert events.loc[0, "locations"] == []
    assert events.loc[0, "summary"] == ""


def test_dates_pandas_cannot_hold_become_missing_not_an_error():
    events = events_frame([{"date_start": dt.date(1000, 1, 1), "date_end": dt.date(2025, 1, 1)}])
    assert pd.isna(events.loc[0, "date_start"])
    assert events.loc[0, "date_end"] == pd.Timestamp("2025-01-01")


def test_csv_shaped_frames_are_typed_back():
    raw = pd.DataFrame([{"event_id": "a", "actors": "Russia; Cuba", "date_start": "2025-03-01", "char_start": "7"}])
    events = typed_events(raw)
    assert events.loc[0, "actors"] == ["Russia", "Cuba"]
    assert events.loc[0, "char_start"] == 7


def test_out_of_range_dates_from_csv_text_become_missing():
    raw = pd.DataFrame([{"date_start": "3000-01-01", "date_end": "2025-03-01"}])
    events = typed_events(raw)
    assert pd.isna(events.loc[0, "date_start"])
    assert events.loc[0, "date_end"] == pd.Timestamp("2025-03-01")

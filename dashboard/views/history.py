"""History page: the audit log (who changed what, when), newest first, filterable by person, target, action
and date range; each entry's before/after shown as the fields that changed."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard import audit
from dashboard.components import database_store_or_stop, md_text
from extract.store import StoreError
from extract.store.team import Team

LIMIT = 1000
ANY = "(anyone)"
ANY_ACTION = "(any action)"
ANY_KIND = "(any kind)"

st.title("History")
st.caption(
    "Every write to the store (uploads, replacements, removals, restores, command-line runs, user changes), "
    "newest first: who, when, what, and what changed."
)

store = database_store_or_stop("The history needs")

team = Team(store)
try:
    choices = team.history_choices()
except StoreError as err:
    st.error(f"The history cannot be read: {md_text(err)}", icon=":material/error:")
    st.stop()

cols = st.columns([2, 2, 2, 3])
person = cols[0].selectbox("Person", [ANY, *choices["actor"]], key="h_person")
action = cols[1].selectbox("Action", [ANY_ACTION, *choices["action"]], key="h_action")
kind = cols[2].selectbox("Target kind", [ANY_KIND, *choices["target_kind"]], key="h_kind")
target = cols[3].text_input("Target (document, event, user… contains)", key="h_target", max_chars=300)
today = dt.datetime.now(dt.UTC).date()
dates = st.columns([2, 4])[0].date_input(
    "Between", value=(today - dt.timedelta(days=30), today), key="h_dates", max_value=today
)
since = until = None
if isinstance(dates, tuple | list) and len(dates) == 2:
    since = dt.datetime.combine(dates[0], dt.time(), dt.UTC)
    until = dt.datetime.combine(dates[1] + dt.timedelta(days=1), dt.time(), dt.UTC)
elif isinstance(dates, tuple | list) and len(dates) == 1:
    since = dt.datetime.combine(dates[0], dt.time(), dt.UTC)

try:
    log = team.history(
        actor=None if person == ANY else person,
        action=None if action == ANY_ACTION else action,
        target_kind=None if kind == ANY_KIND else kind,
        target_search=target.strip() or None,
        since=since,
        until=until,
        limit=LIMIT,
    )
except StoreError as err:
    st.error(f"The history cannot be read: {md_text(err)}", icon=":material/error:")
    st.stop()

if log.empty:
    st.info("No entry matches these filters.", icon=":material/search_off:")
    st.stop()

more = f" (the newest {LIMIT:,})" if len(log) >= LIMIT else ""
st.caption(f"{len(log):,} entries{more}.")
table = pd.DataFrame(
    {
        "When": pd.to_datetime(log["at"], utc=True).dt.strftime("%Y-%m-%d %H:%M:%S UTC"),
        "Who": log["actor"],
        "Action": log["action"],
        "Target": log["target_kind"] + ": " + log["target_id"].astype(str),
        "Changes": [audit.change_text(b, a) for b, a in zip(log["before"], log["after"], strict=True)],
    }
)
picked = st.dataframe(
    table,
    hide_index=True,
    width="stretch",
    on_select="rerun",
    selection_mode="single-row",
    key="h_table",
    column_config={  # the whole table fits at 1280 px; a selected entry shows every field below
        "When": st.column_config.TextColumn("When", width=160),
        "Who": st.column_config.TextColumn("Who", width=75),
        "Action": st.column_config.TextColumn("Action", width=125),
        "Target": st.column_config.TextColumn("Target", width=170),
        "Changes": st.column_config.TextColumn("Changes", width=225),
    },
)
rows = picked.selection.rows if picked is not None else []
if rows:
    entry = log.iloc[rows[0]]
    st.subheader("Entry")
    st.markdown(
        f"**{md_text(entry['action'])}** of {md_text(entry['target_kind'])} **{md_text(entry['target_id'])}** "
        f"by {md_text(entry['actor'])}, {md_text(table['When'].iloc[rows[0]])}"
    )
    found = audit.changes(entry["before"], entry["after"])
    if found:
        st.dataframe(pd.DataFrame(found, columns=["Field", "Before", "After"]), hide_index=True)
    else:
        st.caption("No field changed.")
else:
    st.caption("Select an entry to see every field it changed.")

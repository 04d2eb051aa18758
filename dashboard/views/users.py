"""Users page (admins only): who may use the dashboard and with which role; add, change a role, remove.

Listed in the navigation for admins only; anyone else opening its URL is refused here, and every change is
refused again by the Team API (the role read in the change's own transaction) and recorded in the audit log.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import auth
from dashboard.components import database_store_or_stop, md_text
from extract.store import StoreError
from extract.store.tables_sql import ROLES
from extract.store.team import Team

_NOTICE = "_users_notice"

st.title("Users")
actor = auth.current_actor()
if not actor.can("admin"):
    st.error(
        f"Managing users needs the admin role; you are {md_text(actor.email)} ({actor.role or 'not a user'}).",
        icon=":material/block:",
    )
    st.stop()

store = database_store_or_stop("Managing users needs")
team = Team(store)

st.caption(
    "Viewers see everything; editors also add articles and correct events; admins also manage users. A role is "
    "checked on every page load and every write, so a change here applies at once. Removed users are kept (for "
    "the history) and can be added again."
)
if actor.local:
    st.info(
        "No login is configured (local single-user mode): whoever opens this dashboard is its admin, and the list "
        "below takes effect only once team mode is set up (an `[auth]` section in `.streamlit/secrets.toml`; see "
        "the README's Team mode). Users added now are ready for that day.",
        icon=":material/info:",
    )
notice = st.session_state.pop(_NOTICE, None)
if notice:
    kind, text = notice
    (st.success if kind == "ok" else st.error)(text, icon=":material/check_circle:" if kind == "ok" else None)


def _done(kind: str, text: str) -> None:
    st.session_state[_NOTICE] = (kind, text)
    st.rerun()


users = team.users()
active = users[users["active"].astype(bool)] if len(users) else users
left, right = st.columns(2)
with left, st.form("user_set", clear_on_submit=True, border=True):
    st.markdown("**Add a user or change a role**")
    email = st.text_input("Email", key="user_email", placeholder="the address they log in with")
    role = st.selectbox("Role", ROLES, index=0, key="user_role")
    if st.form_submit_button("Save", type="primary", icon=":material/person_add:", key="user_save"):
        try:
            team.set_user(email, role, by=actor)
        except StoreError as err:
            _done("error", f"Not saved: {md_text(err)}")
        _done("ok", f"{md_text(email.strip().lower())} is now {role}.")
with right, st.form("user_remove", border=True):
    st.markdown("**Remove a user**")
    removable = [e for e in active["email"].astype(str) if actor.local or e != actor.email]
    gone = st.selectbox("User", removable, index=None, key="user_gone", placeholder="Choose a user")
    if st.form_submit_button("Remove", icon=":material/person_remove:", key="user_remove_go", disabled=not removable):
        if not gone:
            _done("error", "Choose the user to remove.")
        try:
            removed = team.remove_user(gone, by=actor)
        except StoreError as err:
            _done("error", f"Not removed: {md_text(err)}")
        _done("ok" if removed else "error", f"{md_text(gone)} " + ("was removed." if removed else "was not a user."))

shown = pd.DataFrame(
    {
        "Email": users["email"].astype(str),
        "Name": users["name"].fillna("").astype(str),
        "Role": users["role"].astype(str),
        "Status": ["active" if a else "removed" for a in users["active"].astype(bool)],
        "Added": pd.to_datetime(users["created_at"], utc=True, errors="coerce"),
        "Added by": users["created_by"].fillna("").astype(str),
    }
)
st.markdown(f"**{len(active):,} active user{'s' if len(active) != 1 else ''}** of {len(users):,} known")
if users.empty:
    st.caption("No user yet: add one above (their e-mail address and role).")
    st.stop()
st.dataframe(
    shown,
    hide_index=True,
    width="stretch",
    column_config={"Added": st.column_config.DatetimeColumn("Added", format="YYYY-MM-DD HH:mm")},
)

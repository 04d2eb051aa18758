"""Who is acting in the dashboard, decided on every rerun (issue 9, "Who may do what").

- No ``[auth]`` section in ``.streamlit/secrets.toml``: the local single-user app, acting as
  ``extract.store.team.LOCAL`` (an admin); the sidebar says so.
- ``[auth]`` (Streamlit's ``st.login``, OpenID Connect): team mode, which needs a database store. Not logged in:
  a small login page and nothing else. Logged in: the actor is ``Team(store).actor(st.user.email)``, its role
  read from the ``users`` table on every rerun (the login cookie lives 30 days; a user removed or downgraded a
  second ago has lost access already). Not an active user: a page saying so, with a Log out button.
- The first admins come from configuration: ``[dateline] admins = ["a@example.org"]`` in the secrets, or
  ``DATELINE_ADMINS`` (comma-separated); ``Team.ensure_admins`` adds them once per process and store (a removal
  or downgrade made since stands).

The page draws nothing of the app unless ``resolve_actor`` returns an actor; writes check the role again on the
server side, in their own transaction (``extract.store.team.authorize`` / ``require``).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from typing import Any

import streamlit as st

from dashboard.components import md_text
from extract.store import StoreError, open_store
from extract.store.sql import SqlStore
from extract.store.team import LOCAL, Actor, Team, normal_email

ADMINS_ENV = "DATELINE_ADMINS"
LOCAL_MODE_TEXT = "Local single-user mode (no login configured)"
PAGE_WIDTH = 640  # the login and "not a user" pages: a short column, not a line across a wide screen
_ACTOR_KEY = "_dateline_actor"
_ENSURED: set[str] = set()  # stores whose configured first admins were ensured by this process
_ENSURED_LOCK = threading.Lock()
BAD_ADMINS: set[str] = set()  # configured first admins that are not email addresses


class SecretsError(Exception):
    """The secrets file exists but cannot be read: team mode cannot be told from local mode, so nothing opens."""


def auth_section() -> Mapping[str, Any] | None:
    """The ``[auth]`` secrets (None: no login configured). SecretsError for a secrets file that cannot be read:
    a broken file must not turn a team dashboard into an open single-user one."""
    try:
        section = st.secrets.get("auth")
    except FileNotFoundError as err:  # StreamlitSecretNotFoundError: no file, or one that cannot be parsed
        if getattr(err, "error_id", None) == "no-secrets-found":
            return None
        raise SecretsError(str(err)) from err
    if section is None:
        return None
    if not isinstance(section, Mapping):
        raise SecretsError("[auth] in the secrets must be a table (redirect_uri, cookie_secret, client_id, ...)")
    return section


def providers(section: Mapping[str, Any]) -> list[str | None]:
    """The login providers configured: None for ``[auth]`` itself (client_id there), then each ``[auth.NAME]``."""
    named = [str(name) for name, value in section.items() if isinstance(value, Mapping)]
    if "client_id" in section or not named:
        return [None, *named]
    return named


def configured_admins(environ: Mapping[str, str] | None = None) -> list[str]:
    """The first admins: ``[dateline] admins`` in the secrets, then ``DATELINE_ADMINS`` (comma-separated)."""
    env = os.environ if environ is None else environ
    found: list[str] = []
    try:
        section = st.secrets.get("dateline")
    except FileNotFoundError:
        section = None
    if isinstance(section, Mapping):
        listed = section.get("admins", [])
        found += [listed] if isinstance(listed, str) else [str(e) for e in listed] if isinstance(listed, list) else []
    found += env.get(ADMINS_ENV, "").split(",")
    return list(dict.fromkeys(e.strip() for e in found if e and e.strip()))


def ensure_admins_once(team: Team, location: str, emails: list[str]) -> list[str]:
    """``Team.ensure_admins`` once per process and store; returns the emails added (none after the first). A
    configured entry that is not an email address is skipped and kept in ``BAD_ADMINS`` (admins are told)."""
    with _ENSURED_LOCK:
        key = f"{location}\n{','.join(emails)}"
        if key in _ENSURED or not emails:
            return []
        good = []
        for email in emails:
            try:
                good.append(normal_email(email))
            except StoreError:
                BAD_ADMINS.add(email)
        added = team.ensure_admins(good)
        _ENSURED.add(key)
        return added


def current_actor() -> Actor:
    """The actor this rerun resolved (for the pages); LOCAL before ``resolve_actor`` ran (tests of one page)."""
    actor = st.session_state.get(_ACTOR_KEY)
    if isinstance(actor, Actor):
        return actor
    try:
        local = auth_section() is None
    except SecretsError:
        local = False
    return LOCAL if local else Actor(email="", role=None)  # with a login configured, nobody until resolved


def resolve_actor(location: str) -> Actor | None:
    """Who acts in this rerun; None when the page shown instead (login, not a user, an error) is all there is.
    Draws the sidebar's "who" box for an actor."""
    st.session_state.pop(_ACTOR_KEY, None)
    try:
        section = auth_section()
    except SecretsError as err:
        st.error(f"The secrets file cannot be read, so the dashboard stays closed: {md_text(err)}")
        return None
    if section is None:
        actor = LOCAL
    else:
        actor = _logged_in_actor(section, location)
        if actor is None:
            return None
    st.session_state[_ACTOR_KEY] = actor
    _who_box(actor)
    return actor


def _logged_in_actor(section: Mapping[str, Any], location: str) -> Actor | None:
    if not st.user.get("is_logged_in"):
        _login_page(section)
        return None
    email = str(st.user.get("email") or "").strip()
    try:
        store = open_store(location)
        if not isinstance(store, SqlStore):
            st.error(
                "Login is configured ([auth] in the secrets), and team mode needs a database store: "
                f"{md_text(store.location)} is a folder of files. Set DATELINE_DATABASE_URL (or "
                "[connections.dateline] url) to a database, or run `python -m extract import DATA_DIR` to move the "
                "folder into one.",
                icon=":material/error:",
            )
            return None
        team = Team(store)
        ensure_admins_once(team, location, configured_admins())
        actor = team.actor(email) if email else Actor(email="", role=None)
    except StoreError as err:
        st.error(f"The users of this dashboard cannot be read: {md_text(err)}", icon=":material/error:")
        return None
    if actor.role is None:
        _not_a_user_page(email)
        return None
    return actor


def _login_page(section: Mapping[str, Any]) -> None:
    with st.container(width=PAGE_WIDTH):
        st.title("Dateline")  # no emoji: a browser without an emoji font would draw a box
        st.markdown(
            "Dateline turns news and analysis articles into a timeline you can explore: every dated event, when "
            "it happened, who acted, and which source said so, with the sources compared side by side."
        )
        st.markdown("This dashboard is shared by a team. Log in with your organisation's account to see it.")
        for provider in providers(section):
            label = "Log in" if provider is None else f"Log in with {md_text(provider)}"
            if st.button(label, type="primary", icon=":material/login:", key=f"login_{provider or 'default'}"):
                if provider is None:
                    st.login()
                else:
                    st.login(provider)


def _not_a_user_page(email: str) -> None:
    with st.container(width=PAGE_WIDTH):
        st.title("Dateline")
        shown = md_text(email) if email else "(your login gave no email address)"
        st.warning(
            f"You are logged in as **{shown}**, who is not a user of this dashboard (or no longer is). "
            "Ask one of its admins to add you, then reload this page.",
            icon=":material/block:",
        )
        if st.button("Log out", icon=":material/logout:", key="logout_not_user"):
            st.logout()


def _who_box(actor: Actor) -> None:
    with st.sidebar:
        if actor.local:
            st.caption(LOCAL_MODE_TEXT)
            return
        st.caption(f"Logged in as **{md_text(actor.email)}** · {actor.role}")
        if st.button("Log out", icon=":material/logout:", key="logout"):
            st.logout()
        if BAD_ADMINS and actor.can("admin"):
            listed = ", ".join(md_text(repr(e)) for e in sorted(BAD_ADMINS))
            st.warning(
                f"Skipped first admins that are not email addresses ([dateline] admins or {ADMINS_ENV}): {listed}",
                icon=":material/warning:",
            )

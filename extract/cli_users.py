"""``python -m extract users list|add|remove [EMAIL] [--role viewer|editor|admin] [--db URL]``: the users of a
database store (who may log in to the team dashboard, with which role), managed from the command line.

The command line acts as ``LOCAL`` (whoever can run it on the server is an admin); every change goes through
``extract.store.team.Team`` and so lands in the audit log, by "local".
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from extract.store.tables_sql import ROLES

if TYPE_CHECKING:
    from extract.store.team import Team

USAGE_EXAMPLES = """\
examples:
  python -m extract users list
  python -m extract users add ana@example.org --role editor    # add, or change the role of, a user
  python -m extract users remove ana@example.org                # kept for the history; add again to restore
"""


def users_parser() -> argparse.ArgumentParser:
    """``python -m extract users``'s parser."""
    parser = argparse.ArgumentParser(
        prog="python -m extract users",
        description="List, add (or change the role of) and remove the users of the team dashboard's database.",
        epilog=USAGE_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("action", choices=["list", "add", "remove"], help="what to do")
    parser.add_argument("email", nargs="?", help="the user's email (add, remove)")
    parser.add_argument("--role", default="viewer", help=f"add: {', '.join(ROLES)} (default viewer)")
    parser.add_argument("--name", default="", help="add: the user's name, shown in the dashboard")
    parser.add_argument("--db", metavar="URL", help="the database (default: the default store, as elsewhere)")
    parser.add_argument("--all", action="store_true", help="list: removed users too")
    return parser


def users_main(argv: Sequence[str]) -> int:
    """Run ``python -m extract users``; returns the exit code (2: usage error, 1: nothing to do)."""
    from extract.store import StoreError, default_store_location, open_store
    from extract.store.sql import SqlStore
    from extract.store.team import LOCAL, Team, check_role, normal_email

    parser = users_parser()
    args = parser.parse_args(argv)  # exits with 2 on usage errors
    if args.action == "list" and args.email:
        parser.error("list takes no EMAIL")
    if args.action != "list" and not args.email:
        parser.error(f"{args.action} needs an EMAIL")
    try:
        if args.action == "add":
            check_role(args.role)
        email = normal_email(args.email) if args.email else ""
        store = open_store(args.db or default_store_location())
    except StoreError as exc:
        parser.error(str(exc))
    if not isinstance(store, SqlStore):
        parser.error(
            f"users need a database store, and {store.location} is a folder of files "
            "(--db URL, DATELINE_DATABASE_URL, or python -m extract import DATA_DIR)"
        )
    team = Team(store)
    try:
        if args.action == "list":
            return _list(team, everyone=args.all)
        if args.action == "add":
            before = team.actor(email).role
            team.set_user(email, args.role, by=LOCAL, name=args.name)
            done = "added" if before is None else ("unchanged" if before == args.role else f"changed from {before}")
            print(f"{email}: {args.role} ({done}) in {store.display}")
            return 0
        if not team.remove_user(email, by=LOCAL):
            print(f"error: {email} is not an active user of {store.display}", file=sys.stderr)
            return 1
        print(f"{email}: removed from {store.display}")
        return 0
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _list(team: Team, *, everyone: bool) -> int:
    users = team.users()
    if not everyone:
        users = users[users["active"].astype(bool)]
    if users.empty:
        print("no users yet (python -m extract users add EMAIL --role admin)")
        return 0
    width = max(5, *(len(str(e)) for e in users["email"]))
    print(f"{'email':<{width}}  {'role':<6}  {'status':<7}  added by")
    for row in users.itertuples(index=False):
        status = "active" if row.active else "removed"
        print(f"{row.email:<{width}}  {row.role:<6}  {status:<7}  {row.created_by}")
    return 0

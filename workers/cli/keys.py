"""`autopilot keys new|rotate`: the Fernet keys that encrypt stored logins."""

from __future__ import annotations

import argparse

from config import Settings
from core.vault import Vault, new_key
from workers.cli.common import require_redis, require_secret_box


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "keys",
        help="make a new encryption key, or re-encrypt stored secrets under the first key",
        description="Stored logins and session cookies are encrypted with the keys in "
        "AUTOPILOT_SECRET_KEYS (comma-separated; the first encrypts, all decrypt). To rotate: "
        "`autopilot keys new`, put the new key first, run `autopilot keys rotate`, then drop "
        "the old key.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("new", help="print a fresh key").set_defaults(handler=_new)
    actions.add_parser(
        "rotate", help="re-encrypt every stored secret under the first key"
    ).set_defaults(handler=_rotate)


def _new(_args: argparse.Namespace) -> int:
    print(new_key())
    return 0


def _rotate(_args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    vault = Vault(require_redis(settings), require_secret_box(settings))
    count = vault.rotate()
    print(f"Re-encrypted {count} stored secrets under the first key; older keys can go.")
    return 0

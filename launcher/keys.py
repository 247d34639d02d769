"""`autopilot keys new|rotate`: the Fernet keys that encrypt stored logins."""

from __future__ import annotations

import argparse
import sys

from core.vault import RotationBlocked, Vault, new_key
from launcher.common import require_redis, require_secret_box, service_settings


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "keys",
        help="make a new encryption key, or re-encrypt stored secrets under the first key",
        description="Stored logins and session cookies are encrypted with the keys in "
        "AUTOPILOT_SECRET_KEYS (comma-separated; the first encrypts, all decrypt). To rotate: "
        "`autopilot keys new`, put the new key first, run `autopilot keys rotate`, then drop "
        "the old key. Keys are only ever shown as fingerprints (8 hex digits of a hash).",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("new", help="print a fresh key").set_defaults(handler=_new)
    actions.add_parser(
        "list", help="the fingerprints of the keys in AUTOPILOT_SECRET_KEYS, in order"
    ).set_defaults(handler=_list)
    actions.add_parser(
        "rotate",
        help="re-encrypt every stored secret under the first key (changes nothing unless "
        "every secret decrypts with the configured keys)",
    ).set_defaults(handler=_rotate)


def _new(_args: argparse.Namespace) -> int:
    print(new_key())
    return 0


def _list(_args: argparse.Namespace) -> int:
    box = require_secret_box(service_settings())
    for position, fingerprint in enumerate(box.fingerprints, start=1):
        role = "encrypts and decrypts" if position == 1 else "decrypts"
        print(f"{position}. {fingerprint} ({role})")
    return 0


def _rotate(_args: argparse.Namespace) -> int:
    settings = service_settings()
    box = require_secret_box(settings)
    vault = Vault(require_redis(settings, ride_out_restarts=False), box)
    try:
        count = vault.rotate()
    except RotationBlocked as blocked:
        print(f"autopilot keys rotate: {blocked}", file=sys.stderr)
        return 1
    print(
        f"Re-encrypted {count} stored secrets under the first key ({box.encrypting_fingerprint});"
        " older keys can go."
    )
    return 0

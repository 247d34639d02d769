"""`autopilot emulator SERVICE`: a local stand-in of an outside service on 127.0.0.1."""

from __future__ import annotations

import argparse
import importlib

STAND_INS = {
    "vtu": ("emulators.vtu.cli", "the VTU online course platform's API"),
    "telegram": ("emulators.telegram.cli", "the Telegram Bot API"),
    "discord": ("emulators.discord.cli", "Discord's REST API and gateway"),
}


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "emulator",
        help="serve a local stand-in of the platform or a chat service",
        description="Serves a faithful local stand-in on 127.0.0.1 for demos, tests and "
        "benchmarks, with switches for the faults the real service shows.",
    )
    services = parser.add_subparsers(dest="service", metavar="SERVICE", required=True)
    for name, (module_name, what) in STAND_INS.items():
        module = importlib.import_module(module_name)
        service = services.add_parser(
            name,
            help=f"stand-in of {what}",
            description=(f"Serves a stand-in of {what} on 127.0.0.1."),
        )
        module.add_arguments(service)
        service.set_defaults(handler=module.run)

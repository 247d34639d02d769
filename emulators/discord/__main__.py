"""Entry point of ``python -m emulators.discord``."""

from emulators.discord.cli import main

raise SystemExit(main())

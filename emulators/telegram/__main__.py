"""Entry point of ``python -m emulators.telegram``."""

from emulators.telegram.cli import main

raise SystemExit(main())

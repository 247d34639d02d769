"""`python -m emulators.vtu --port N` serves the emulator."""

import argparse
import sys

from emulators.vtu.cli import add_arguments, run


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m emulators.vtu", description="Serve the VTU platform emulator."
    )
    add_arguments(parser)
    return run(parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())

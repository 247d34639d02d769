"""The documentation stays true: every option `--help` shows is in docs/cli.md (and nothing
there that `--help` lacks), every relative link resolves inside the repository, and the
README's settings table names every setting."""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from config.settings import _ENV_NAMES
from launcher import build_parser

ROOT = Path(__file__).resolve().parents[2]
CLI_DOC = ROOT / "docs" / "cli.md"
DOCUMENTS = [
    ROOT / "README.md",
    ROOT / "bench" / "README.md",
    *sorted((ROOT / "docs").glob("*.md")),
]
HEADING = re.compile(r"^#{2,3} `(autopilot(?: [a-z ]+)?)`$", re.MULTILINE)
LINK = re.compile(r"\]\(([^)\s]+)\)")
SKIPPED_ACTIONS = (argparse._HelpAction, argparse._SubParsersAction)


def commands(
    parser: argparse.ArgumentParser, path: str = "autopilot"
) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    """Every command and subcommand, as `autopilot dlq retry`, with its parser."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from commands(sub, f"{path} {name}")


def sections() -> dict[str, str]:
    """docs/cli.md's text under each command's heading, up to the next heading."""
    text = CLI_DOC.read_text()
    found = list(HEADING.finditer(text))
    return {
        match.group(1): text[match.end() : nxt.start() if nxt else len(text)]
        for match, nxt in zip(found, [*found[1:], None], strict=True)
    }


def names_in_help(parser: argparse.ArgumentParser) -> list[str]:
    """What `--help` shows for each argument: its option strings, or a positional's metavar."""
    names = []
    for action in parser._actions:
        if isinstance(action, SKIPPED_ACTIONS) or action.help == argparse.SUPPRESS:
            continue
        names += action.option_strings or [str(action.metavar or action.dest)]
    return names


COMMANDS = dict(commands(build_parser()))


@pytest.mark.parametrize("command", COMMANDS)
def test_every_option_of_every_command_is_documented(command):
    documented = sections()
    assert command in documented, f"docs/cli.md has no section `{command}`"
    section = documented[command]
    missing = [name for name in names_in_help(COMMANDS[command]) if f"`{name}" not in section]
    assert not missing, f"docs/cli.md, `{command}`: document {', '.join(missing)}"


@pytest.mark.parametrize("command", COMMANDS)
def test_no_option_documented_that_the_command_lacks(command):
    section = sections()[command]
    rows = [line.split("|")[1] for line in section.splitlines() if line.startswith("| `")]
    documented = {name for row in rows for name in re.findall(r"`(--?[a-z][\w-]*)", row)}
    real = {option for action in COMMANDS[command]._actions for option in action.option_strings}
    assert documented <= real, f"`{command}` has no {', '.join(sorted(documented - real))}"


def test_every_command_section_is_a_real_command():
    assert set(sections()) <= set(COMMANDS)


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve_inside_the_repository(document):
    for target in LINK.findall(document.read_text()):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue  # a web address, or a heading on the same page
        resolved = (document.parent / target.split("#")[0]).resolve()
        assert resolved.is_relative_to(ROOT), f"{target} leaves the repository"
        assert resolved.exists(), f"{document.name} links {target}, which does not exist"


def test_the_readme_links_the_docs_and_nothing_outside_the_clone():
    readme = (ROOT / "README.md").read_text()
    assert "../shared" not in readme
    for page in ("docs/cli.md", "docs/stand-ins.md", "docs/admin.md", "docs/deploy.md"):
        assert f"]({page})" in readme


def test_the_readme_settings_table_names_every_setting():
    readme = (ROOT / "README.md").read_text()
    table = readme.split("## Settings", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"^\| `([A-Z_]+)`(?:, `([A-Z_]+)`)?", table, re.MULTILINE))
    listed = {name for pair in named for name in pair if name}
    assert set(_ENV_NAMES.values()) | {"VTU_EMAIL", "VTU_PASSWORD"} <= listed


def test_env_example_names_only_real_settings():
    example = (ROOT / ".env.example").read_text()
    listed = {line.lstrip("# ").split("=", 1)[0] for line in example.splitlines() if "=" in line}
    names = {name for name in listed if re.fullmatch(r"[A-Z][A-Z0-9_]+", name)}
    assert names == set(_ENV_NAMES.values()) | {"VTU_EMAIL", "VTU_PASSWORD"}

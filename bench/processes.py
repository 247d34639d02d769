"""Worker processes for benchmarks: start, kill, restart, and measure their memory."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Fleet:
    """`autopilot worker` processes (each in its own process group with RQ's scheduler)."""

    env: dict[str, str]
    log_dir: Path
    verbosity: tuple[str, ...] = ()
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    started: int = 0

    def start(self, count: int = 1, *args: str) -> None:
        for _ in range(count):
            self.started += 1
            log = open(self.log_dir / f"worker-{self.started}.log", "wb")  # noqa: SIM115
            self.processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "launcher", *self.verbosity, *args],
                    env=self.env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )

    def kill(self, index: int) -> None:
        """SIGKILL one worker's whole process group, as a crashed machine would."""
        process = self.processes.pop(index)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def stop(self) -> None:
        while self.processes:
            self.kill(0)

    def rss_mb(self) -> float:
        """Resident memory of every process in the fleet's process groups, in MiB."""
        groups = {p.pid for p in self.processes}
        total_kb = 0
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                if os.getpgid(int(entry.name)) not in groups:
                    continue
                for line in (entry / "status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total_kb += int(line.split()[1])
            except (OSError, ProcessLookupError, ValueError):
                continue
        return total_kb / 1024

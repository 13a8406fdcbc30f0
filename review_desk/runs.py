"""Re-runs started from the desk: one at a time, in a child process the caller knows how to start.

The desk does not import the pipeline: `wardmerge review` hands it a launcher (a function that starts
`wardmerge run` for some former wards and returns the process). While a run started here is writing a DuckDB
warehouse, the desk keeps off the file (DuckDB lets one process write it at a time).
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

Launcher = Callable[[Sequence[str], Path], subprocess.Popen]
"""Starts a run of the given former wards (and the link), its output going to the given log file."""


@dataclass
class RunInfo:
    wards: tuple[str, ...]
    started_by: str
    started_at: dt.datetime
    log_path: Path
    process: subprocess.Popen | None = field(default=None, repr=False)
    returncode: int | None = None
    finished_at: dt.datetime | None = None

    @property
    def running(self) -> bool:
        return self.returncode is None

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


class RunTracker:
    def __init__(self, launcher: Launcher | None, log_dir: Path) -> None:
        self.launcher = launcher
        self.log_dir = log_dir
        self._lock = threading.Lock()
        self._runs: list[RunInfo] = []

    @property
    def available(self) -> bool:
        return self.launcher is not None

    def _poll(self) -> None:
        for run in self._runs:
            if run.returncode is None and run.process is not None:
                code = run.process.poll()
                if code is not None:
                    run.returncode = code
                    run.finished_at = dt.datetime.now().replace(microsecond=0)

    def current(self) -> RunInfo | None:
        with self._lock:
            self._poll()
            return next((run for run in self._runs if run.running), None)

    def recent(self, n: int = 10) -> list[RunInfo]:
        with self._lock:
            self._poll()
            return list(reversed(self._runs[-n:]))

    def start(self, wards: Sequence[str], officer: str) -> RunInfo | None:
        """Start a run unless one is going; None when one is (or the desk cannot start runs)."""
        if self.launcher is None:
            return None
        with self._lock:
            self._poll()
            if any(run.running for run in self._runs):
                return None
            self.log_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            started = dt.datetime.now().replace(microsecond=0)
            log_path = self.log_dir / f"run-{started:%Y%m%d-%H%M%S}.log"
            fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.close(fd)
            process = self.launcher(list(wards), log_path)
            run = RunInfo(tuple(wards), officer, started, log_path, process)
            self._runs.append(run)
            return run

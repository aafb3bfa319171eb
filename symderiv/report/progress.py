"""A progress bar for long runs on a terminal: checks done / total and the current file."""

from __future__ import annotations

import time
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from symderiv.report.safe_text import one_line


class ProgressBar:
    """Call it with (done, total, current file); it shows up only after `delay` seconds.

    The bar is transient (erased when the run ends) and drawn without a refresh thread, so
    worker processes are never forked while another thread holds a lock.
    """

    def __init__(self, console: Console, delay: float = 0.5) -> None:
        self.console = console
        self.delay = delay
        self.started = time.monotonic()
        self.bar: Progress | None = None
        self.task: Any = None

    def __call__(self, done: int, total: int, current: str) -> None:
        if self.bar is None:
            if time.monotonic() - self.started < self.delay or done >= total:
                return
            self.bar = Progress(TextColumn("checking"), BarColumn(), MofNCompleteColumn(),
                                TimeElapsedColumn(),
                                # the current file's name is shown as text, never as markup
                                TextColumn("{task.description}", markup=False),
                                console=self.console, transient=True, auto_refresh=False)
            self.bar.start()
            self.task = self.bar.add_task("", total=total)
        self.bar.update(self.task, completed=done, total=total, description=one_line(current))
        self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None

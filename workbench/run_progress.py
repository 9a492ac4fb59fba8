"""The run's one progress line: work items done of all, texts through the embedding layer of those met so far,
and an estimate of the time left.

    run: 3/12 items · texts 41,200/52,006 · ETA 4:10

A local run (`runner.run`) opens it around its work list; the embedding layer (`caches.embeddings.CachedModel`)
reports the texts of each encode to the run that is open (`current()`), so no model or task needs to know of
it. The per-step bars (`encode queries`, `encode targets`, `score`) stay below it. The ETA is the mean time
of the items computed so far times the items left (reused and skipped items cost no time and do not enter
the mean); before the first computed item it is `?`.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from contextvars import ContextVar

_CURRENT: ContextVar[RunProgress | None] = ContextVar("workbench_run_progress", default=None)


def current() -> RunProgress | None:
    """The progress line of the run in progress in this context, or None outside a run."""
    return _CURRENT.get()


def clock_text(seconds: float | None) -> str:
    """`?`, `42s`, `4:10`, `1:02:03`."""
    if seconds is None:
        return "?"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}" if minutes else f"{secs}s"


class RunProgress:
    """Counts of one run and its line on stderr (none when `enabled` is false or there is nothing to do)."""

    def __init__(self, total: int, *, enabled: bool = True, clock: Callable[[], float] = time.monotonic):
        self.total, self.done, self.computed = total, 0, 0
        self.texts_seen = self.texts_done = 0
        self.busy = 0.0  # seconds spent on computed items
        self._clock, self._item_started = clock, None
        self._bar = None
        if enabled and total:
            from tqdm.auto import tqdm

            self._bar = tqdm(total=total, bar_format="{desc}", file=sys.stderr, leave=False, position=0)
        self._token = None

    def __enter__(self) -> RunProgress:
        self._token = _CURRENT.set(self)
        self._show()
        return self

    def __exit__(self, *exc) -> None:
        _CURRENT.reset(self._token)
        if self._bar is not None:
            self._bar.close()

    def around(self, log: Callable[[str], None]) -> Callable[[str], None]:
        """`log` with the bars cleared before each of its lines and drawn again after, so a log line written
        to the terminal never lands on the run's line."""
        if self._bar is None:
            return log

        def say(message: str) -> None:
            with self._bar.external_write_mode(file=sys.stderr):
                log(message)

        return say

    def start_item(self) -> None:
        self._item_started = self._clock()

    def finish_item(self, *, computed: bool) -> None:
        """One item is over: `computed` (written or failed after work) or not (reused, skipped)."""
        if computed and self._item_started is not None:
            self.busy += self._clock() - self._item_started
            self.computed += 1
        self._item_started = None
        self.done += 1
        self._show()

    def texts(self, *, seen: int = 0, done: int = 0) -> None:
        """`seen` texts met by the embedding layer; `done` of them encoded or read from the cache."""
        self.texts_seen += seen
        self.texts_done += done
        self._show()

    def eta_seconds(self) -> float | None:
        if not self.computed:
            return None
        return self.busy / self.computed * (self.total - self.done)

    def line(self) -> str:
        parts = [f"run: {self.done}/{self.total} items"]
        if self.texts_seen:
            parts.append(f"texts {self.texts_done:,}/{self.texts_seen:,}")
        parts.append(f"ETA {clock_text(self.eta_seconds())}")
        return " · ".join(parts)

    def _show(self) -> None:
        if self._bar is not None:
            self._bar.set_description_str(self.line(), refresh=True)


class StderrBetweenBars:
    """A text stream onto stderr for log handlers (`workbench run -v`): each write clears the bars first and
    draws them again after (tqdm.write)."""

    def write(self, text: str) -> int:
        from tqdm.auto import tqdm

        tqdm.write(text, file=sys.stderr, end="")
        return len(text)

    def flush(self) -> None:
        sys.stderr.flush()

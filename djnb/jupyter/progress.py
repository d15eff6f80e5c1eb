"""A live populate progress display: a widget with done/total, rate, ETA and failed keys.

Every update also refreshes a plain-text rendering of the same display (the output's
``text/plain``), so a front end that cannot show widgets (an untrusted notebook, no widget
manager, nbconvert) still shows the progress and the errors.
"""

from __future__ import annotations

import html
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import ipywidgets as widgets
from IPython.display import display

REFRESH_SECONDS = 0.25  # text fallback refreshes at most this often (and always at the end)
MAX_SHOWN_ERRORS = 50


class PopulateProgress:
    """One populate run (or one followed table): a progress bar and an expandable error list."""

    def __init__(self, title: str = "populate") -> None:
        self.title = title
        self.started = time.monotonic()
        self.done = self.total = 0
        self.failures: list[tuple[Mapping, str, str]] = []
        self.bar = widgets.IntProgress(min=0, max=1, value=0, bar_style="info", layout={"width": "60%"})
        self.label = widgets.HTML()
        self.errors = widgets.Accordion(children=())
        self.widget = widgets.VBox(
            [widgets.HTML(f"<b>{html.escape(title)}</b>"), self.bar, self.label, self.errors]
        )
        self._handle: Any = None
        self._shown_at = 0.0

    # -- state
    @property
    def finished(self) -> bool:
        return self.total > 0 and self.done >= self.total

    def update(self, done: int, total: int) -> None:
        self.done, self.total = done, total
        self.bar.max, self.bar.value = max(total, 1), done
        self.bar.bar_style = ("danger" if self.failures else "success") if self.finished else "info"
        self.label.value = html.escape(self.status())
        self._refresh(force=self.finished)

    def fail(self, key: Mapping, message: str, trace: str) -> None:
        self.failures.append((dict(key), message, trace))
        if len(self.failures) <= MAX_SHOWN_ERRORS:
            body = widgets.HTML(f"<pre style='white-space: pre-wrap'>{html.escape(trace)}</pre>")
            self.errors.children = (*self.errors.children, body)
            self.errors.set_title(len(self.errors.children) - 1, f"{dict(key)}: {message}"[:120])
        self.label.value = html.escape(self.status())
        self._refresh(force=False)

    def status(self) -> str:
        elapsed = time.monotonic() - self.started
        rate = self.done / elapsed if elapsed > 0.001 and self.done else 0.0
        eta = f"ETA {(self.total - self.done) / rate:.0f} s" if rate and not self.finished else ""
        failed = f", {len(self.failures)} failed" if self.failures else ""
        return f"{self.done}/{self.total} done{failed}, {rate:.1f} keys/s {eta}".strip()

    def text(self) -> str:
        lines = [f"{self.title}: {self.status()}"]
        lines += [f"  failed {key}: {message}" for key, message, _ in self.failures[:MAX_SHOWN_ERRORS]]
        return "\n".join(lines)

    # -- display
    def bundle(self) -> dict:
        view = {"version_major": 2, "version_minor": 0, "model_id": self.widget.model_id}
        return {"application/vnd.jupyter.widget-view+json": view, "text/plain": self.text()}

    def show(self) -> None:
        self._handle = display(self.bundle(), raw=True, display_id=True)
        self._shown_at = time.monotonic()

    def _refresh(self, force: bool) -> None:
        if self._handle is None:
            self.show()
        elif force or time.monotonic() - self._shown_at >= REFRESH_SECONDS:
            self._handle.update(self.bundle(), raw=True)
            self._shown_at = time.monotonic()


class NotebookProgress:
    """The core's progress and failure hooks: a new display for each populate run."""

    def __init__(self) -> None:
        self.current: PopulateProgress | None = None

    def _display(self, total: int, done: int) -> PopulateProgress:
        if self.current is None or (done <= 1 and self.current.finished):
            self.current = PopulateProgress(f"populate: {total} keys")
        return self.current

    def progress(self, done: int, total: int, key: Mapping | None = None) -> None:
        self._display(total, done).update(done, total)

    def failure(self, key: Mapping, message: str, trace: str) -> None:
        if self.current is None or self.current.finished:
            self.current = PopulateProgress("populate")
        self.current.fail(key, message, trace)


def follow(
    count: Callable[[], tuple[int, int]],
    errors: Callable[[], list[dict]],
    title: str,
    interval: float = 1.0,
    stop: threading.Event | None = None,
    shown: PopulateProgress | None = None,
) -> PopulateProgress:
    """Poll ``count() -> (remaining, total)`` and ``errors()`` (rows of the jobs table) until the
    work is done or ``stop`` is set: the progress of workers in other processes or machines."""
    shown = shown or PopulateProgress(title)
    seen: set[str] = set()
    stop = stop or threading.Event()

    def poll() -> int:
        remaining, total = count()
        for row in errors():
            name = repr(row.get("key"))
            if name not in seen:
                seen.add(name)
                shown.fail(row.get("key") or {}, row.get("error_message", ""), row.get("error_stack") or "")
        shown.update(total - remaining, total)
        return remaining

    while poll() > len(seen) and not stop.wait(interval):
        pass
    poll()  # the final state, after the workers stopped
    return shown

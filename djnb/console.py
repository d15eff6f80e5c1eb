"""Text-terminal defaults for the core's hooks: a yes/no prompt, a progress bar and log
messages (which database is in use, populate summaries) on stderr."""

from __future__ import annotations

import getpass
import logging
import sys
import time
from collections.abc import Mapping, Sequence
from typing import IO

from . import hooks
from .errors import ArgumentError


def user_choice(prompt: str, choices: Sequence[str] = ("yes", "no"), default: str | None = None) -> str:
    """Ask on the terminal until one of ``choices`` is typed; an empty answer is ``default``
    (shown capitalised). DataJoint 0.14's ``datajoint.utils.user_choice``, which lab scripts
    call; the library itself asks through ``djnb.hooks.confirm`` instead.

    Raises ``ArgumentError`` when ``default`` is not one of ``choices``.
    """
    if default is not None and default not in choices:
        raise ArgumentError(f"user_choice(): default {default!r} is not one of the choices {list(choices)}.")
    shown = ", ".join(choice.title() if choice == default else choice for choice in choices)
    while True:
        answer = input(f"{prompt} [{shown}]: ").strip().lower() or default
        if answer in choices:
            return answer


def prompt(question: str) -> bool:
    """Ask ``question`` on standard input, terminal or not (``echo yes | python script.py``
    answers it), until ``yes`` or ``no`` is read; the question goes to standard output, as
    0.14's ``input()`` prompt. Raises ``EOFError`` when nobody can answer (no standard input,
    or it ends first), as 0.14 did; ``djnb.hooks.ask`` turns that into ``ConfirmationError``.
    """
    stdin = sys.stdin
    if stdin is None or getattr(stdin, "closed", False):
        raise EOFError("no standard input to read an answer from")
    while True:
        try:
            answer = input(f"{question} [yes, no]: ")
        except OSError as err:  # standard input that cannot be read (e.g. captured by a test runner)
            raise EOFError(f"standard input cannot be read: {err}") from err
        answer = answer.strip().lower()
        if answer in ("yes", "no"):
            if not stdin.isatty():  # echo what was read, so a log shows the question's answer
                sys.stdout.write(answer + "\n")
            return answer == "yes"


def ask_secret(question: str) -> str | None:
    """Read a secret without echo: in a terminal, or in a notebook whose kernel answers getpass."""
    in_terminal = sys.stdin is not None and sys.stdin.isatty()
    if not in_terminal and getpass.getpass.__module__ == "getpass":  # no terminal, no kernel
        return None
    return getpass.getpass(f"{question}: ")


class ProgressBar:
    """``done/total`` with a bar, the rate and the time left, on stderr (or ``stream``).

    On a terminal the line is redrawn in place (``\\r``). Into a pipe or a file, where redraws
    pile up as one unreadable line, it writes plain lines instead: at most one every
    ``interval`` seconds, and always the last one (``done == total``).
    """

    def __init__(self, stream: IO[str] | None = None, interval: float = 5.0) -> None:
        self.stream = stream  # None: sys.stderr at the time of each update
        self.interval = interval
        self.started: float | None = None
        self.written = 0.0  # when the last plain line was written

    def __call__(self, done: int, total: int, key: Mapping | None = None) -> None:
        stream = self.stream or sys.stderr
        now = time.monotonic()
        if self.started is None or done <= 1:  # a new run
            self.started = self.written = now
        finished = done >= total
        in_place = _is_terminal(stream)
        if not in_place and not finished and now - self.written < self.interval:
            return
        self.written = now
        elapsed = now - self.started
        rate = done / elapsed if elapsed > 0.001 else 0.0
        width = 30
        filled = int(width * done / max(total, 1))
        timing = f"{rate:.1f}/s  ETA {(total - done) / rate:.0f}s" if rate else "--/s  ETA --"
        line = f"[{'#' * filled}{'.' * (width - filled)}] {done}/{total}  {timing}"
        stream.write(("\r" + line + ("\n" if finished else "")) if in_place else line + "\n")
        stream.flush()


def _is_terminal(stream: IO[str]) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed file
        return False


def install() -> None:
    logger = logging.getLogger("djnb")
    if not logger.handlers:  # as DataJoint does: the library's messages show on stderr
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("[%(asctime)s][%(levelname)s]: %(message)s"))
        logger.addHandler(handler)
    if hooks.confirm is None:
        hooks.confirm = prompt
    if hooks.secret is None:
        hooks.secret = ask_secret
    if hooks.progress is None:
        hooks.progress = ProgressBar()

"""Text-terminal defaults for the core's hooks: a yes/no prompt when stdin is a terminal."""

from __future__ import annotations

import sys

from . import hooks


def prompt(question: str) -> bool:
    if not sys.stdin or not sys.stdin.isatty():
        return False
    answer = ""
    while answer not in ("yes", "no"):
        answer = input(f"{question} [yes, no]: ").strip().lower()
    return answer == "yes"


def install() -> None:
    if hooks.confirm is None:
        hooks.confirm = prompt

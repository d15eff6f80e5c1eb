"""A bounded pool for many independent transfers (external objects, attachments, filepaths).

Fetching 2,000 external objects one round trip after another takes tens of seconds against a
remote store; a few threads that each take the next item keep the transfers overlapping. File
reads, hashing and zlib release the GIL, so a local store gains from this too.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import TypeVar

TRANSFER_THREADS = 16

Item = TypeVar("Item")
Result = TypeVar("Result")


def concurrently(
    work: Callable[[Item], Result], items: Iterable[Item], threads: int = TRANSFER_THREADS
) -> list[Result]:
    """``[work(item) for item in items]``, run by up to ``threads`` threads (the caller's included).

    Each thread takes the next item when it is done with one, so slow items do not hold up the
    rest. The first error stops the remaining work and is raised in the caller.
    """
    items = list(items)
    if len(items) <= 1 or threads <= 1:
        return [work(item) for item in items]
    results: list = [None] * len(items)
    failures: list[BaseException] = []
    lock = threading.Lock()
    indices = iter(range(len(items)))

    def drain() -> None:
        while not failures:
            with lock:
                index = next(indices, None)
            if index is None:
                return
            try:
                results[index] = work(items[index])
            except BaseException as err:  # handed to the caller, which raises it
                failures.append(err)
                return

    helpers = [threading.Thread(target=drain, daemon=True) for _ in range(min(threads, len(items)) - 1)]
    for helper in helpers:
        helper.start()
    try:
        drain()
        for helper in helpers:
            helper.join()
    except BaseException as err:  # e.g. KeyboardInterrupt while waiting: stop the helpers too
        failures.append(err)
        raise
    if failures:
        raise failures[0]
    return results

"""Auto-populated tables: ``populate()`` computes what is missing, once per key.

``Imported`` and ``Computed`` are the tiers with ``make()``. Each key's ``make`` runs in its
own transaction; with ``reserve_jobs`` the key is first claimed in ``~jobs``, so workers on
many machines share the work. Progress is reported through a callback (the core never prints).
"""

from __future__ import annotations

import logging
import math
import multiprocessing
import os
import random
import signal
import time
import traceback
from collections.abc import Iterator, Mapping
from contextlib import closing, contextmanager, suppress
from typing import Any

import numpy as np

from . import hooks, tiers
from .errors import DataJointError, DuplicateError, LostConnectionError
from .expression import QueryExpression
from .hashing import key_hash
from .jobs import JobTable
from .table import FreeTable

logger = logging.getLogger("djnb")

RESERVE_SECONDS = 0.05  # a batch of reservations covers about this much work
RESERVE_BATCH = 100  # and at most this many keys
CHECK_BEFORE_MAKE_SECONDS = 0.01  # re-check that a key is missing before makes slower than this


def same_inputs(a: Any, b: Any) -> bool:
    """Deep equality of fetched inputs; arrays compared by value, not hashed."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (
            isinstance(a, np.ndarray)
            and isinstance(b, np.ndarray)
            and a.shape == b.shape
            and bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
        )
    if isinstance(a, Mapping):
        return isinstance(b, Mapping) and a.keys() == b.keys() and all(same_inputs(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return isinstance(b, list | tuple) and len(a) == len(b) and all(map(same_inputs, a, b))
    return bool(a == b) if not (isinstance(a, float) and a != a) else isinstance(b, float) and b != b


class AutoPopulate:
    """``make``, ``key_source``, ``populate`` and ``progress`` for Imported and Computed."""

    _allow_insert = False

    @property
    def key_source(self) -> QueryExpression:
        """Keys to compute: the join of the primary parents (renamed foreign keys honoured)."""
        parents = self.parents(primary=True, foreign_key_info=True)
        if not parents:
            raise DataJointError(f"{type(self).__name__} has no primary parents: define key_source.")
        source = None
        for name, info in parents:
            parent = FreeTable(self.connection, name)
            renames = {new: old for new, old in info["attr_map"].items() if new != old}
            query = parent.proj(**renames) if renames else parent.proj()
            source = query if source is None else source * query
        return source

    def make(self, key: dict) -> None:
        raise NotImplementedError(f"{type(self).__name__} must define make(self, key).")

    def _jobs_to_do(self, restrictions: tuple) -> QueryExpression:
        todo = self.key_source
        if isinstance(todo, type):
            todo = todo()
        for restriction in restrictions:
            todo = todo & restriction
        return todo

    def populate(
        self,
        *restrictions: Any,
        keys: list | None = None,
        suppress_errors: bool = False,
        return_exception_objects: bool = False,
        reserve_jobs: bool = False,
        order: str = "original",
        limit: int | None = None,
        max_calls: int | None = None,
        display_progress: bool = False,
        processes: int = 1,
        make_kwargs: dict | None = None,
    ) -> dict:
        """Compute the missing keys; returns ``{"success_count": n, "error_list": [...]}``."""
        if self.connection.in_transaction:
            raise DataJointError("populate() cannot run inside a transaction: commit or cancel it first.")
        if order not in ("original", "reverse", "random"):
            raise DataJointError(f"order must be 'original', 'reverse' or 'random'; got {order!r}.")
        jobs = JobTable(self.connection, self.database) if reserve_jobs else None
        if keys is None:
            keys = (self._jobs_to_do(restrictions) - self.proj()).fetch("KEY", limit=limit)
        if jobs is not None:
            jobs.reclaim_dead(self.table_name)
            taken = jobs.keys_of(self.table_name)
            keys = [k for k in keys if key_hash(k) not in taken]
        if order == "reverse":
            keys.reverse()
        elif order == "random":
            random.shuffle(keys)
        keys = keys[:max_calls] if max_calls is not None else keys
        if processes > 1 and len(keys) > 1:
            return self._populate_in_processes(keys, min(processes, len(keys)), make_kwargs)
        errors: list = []
        successes = done = 0
        report = hooks.progress if display_progress else None
        self._last_make = math.inf  # not known yet: reserve one key, and check before making it
        batches = self._held_batches(keys, jobs)
        with _terminate_as_error(jobs is not None), closing(batches):  # closing releases at once
            for batch in batches:
                for key in batch:
                    status = self._populate1(
                        key, jobs, suppress_errors, return_exception_objects, make_kwargs or {}
                    )
                    if status is True:
                        successes += 1
                    elif isinstance(status, tuple):
                        errors.append(status)
                        if display_progress and hooks.failure is not None:
                            hooks.failure(key, *self._last_failure)
                    done += 1
                    if report is not None:
                        report(done, len(keys), key)
        return {"success_count": successes, "error_list": errors}

    def _held_batches(self, keys: list, jobs: JobTable | None) -> Iterator[list]:
        """The keys to make, in batches; with jobs, each batch reserved in one statement.

        A batch covers about RESERVE_SECONDS of makes at the recent pace (one key while makes
        are slow), so workers still share the work evenly. Reservations of a batch are deleted
        together when it ends, interrupted or not; error entries stay.
        """
        if jobs is None:
            yield keys
            return
        position, size = 0, 1
        while position < len(keys):
            if self._last_make != math.inf:
                size = max(1, min(RESERVE_BATCH, int(RESERVE_SECONDS / max(self._last_make, 1e-6))))
            candidates = keys[position : position + size]
            position += len(candidates)
            held: list = []
            try:  # released even if SIGTERM ends the worker between reserving and making
                held = jobs.reserve_many(self.table_name, candidates)
                if not held:  # other workers hold these: look further ahead faster
                    size = min(RESERVE_BATCH, size * 2)
                yield held
            finally:
                jobs.release(self.table_name, held)

    def _populate_in_processes(self, keys: list, processes: int, make_kwargs: dict | None) -> dict:
        """N forked workers, each with its own session, sharing the keys through ~jobs."""
        context = multiprocessing.get_context("fork")
        queue = context.Queue()

        def work() -> None:
            self.connection.forget_session()  # the parent's socket is not ours to use or close
            try:
                result = self.populate(
                    keys=keys, reserve_jobs=True, suppress_errors=True, make_kwargs=make_kwargs
                )
                queue.put(
                    (result["success_count"], [(key, str(error)) for key, error in result["error_list"]])
                )
            except BaseException as error:  # report, so the parent never waits forever
                queue.put((0, [(None, f"worker failed: {error!r}")]))
                raise

        workers = [context.Process(target=work) for _ in range(processes)]
        for worker in workers:
            worker.start()
        results = [queue.get() for _ in workers]
        for worker in workers:
            worker.join()
        return {"success_count": sum(r[0] for r in results), "error_list": [e for r in results for e in r[1]]}

    def _populate1(
        self, key: dict, jobs: JobTable | None, suppress_errors: bool, return_objects: bool, make_kwargs: dict
    ) -> Any:
        """Make one (held) key in its own transaction: True, False (already there) or (key, error)."""
        three_part = all(hasattr(self, name) for name in ("make_fetch", "make_compute", "make_insert"))
        connection = self.connection
        started = time.perf_counter()
        try:
            if three_part:
                fetched = self.make_fetch(dict(key))
                computed = self.make_compute(dict(key), *fetched)
            connection.start_transaction()
            # Another worker may have made the key since the key list was read. Checking costs a
            # round trip, worth it only before a slow make: after a quick one, an insert that
            # collides is the check (below), and at most a quick make was wasted.
            if self._last_make > CHECK_BEFORE_MAKE_SECONDS and key in self.proj():
                connection.cancel_transaction()
                return False
            type(self)._allow_insert = True
            try:
                if three_part:
                    if not same_inputs(fetched, self.make_fetch(dict(key))):
                        raise DataJointError(
                            f"The inputs of {key} changed while make_compute ran; nothing was inserted."
                        )
                    self.make_insert(dict(key), *computed)
                else:
                    self.make(dict(key), **make_kwargs)
            finally:
                type(self)._allow_insert = False
        except (KeyboardInterrupt, SystemExit, Exception) as error:
            with suppress(LostConnectionError):
                connection.cancel_transaction()
            self._last_make = time.perf_counter() - started
            if isinstance(error, DuplicateError) and key in self.proj():
                return False  # made meanwhile by another worker: nothing of ours was kept
            message = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
            logger.debug("Error making %s -> %s: %s", key, self.full_table_name, message)
            self._last_failure = (message, traceback.format_exc())
            if jobs is not None:
                jobs.error(self.table_name, key, message, self._last_failure[1])
            if not suppress_errors or isinstance(error, SystemExit):
                raise
            return key, error if return_objects else message
        connection.commit_transaction()
        self._last_make = time.perf_counter() - started
        return True

    def progress(self, *restrictions: Any, display: bool = False) -> tuple[int, int]:
        """(remaining, total) keys of the key source."""
        todo = self._jobs_to_do(restrictions)
        total = len(todo)
        remaining = len(todo - self.proj())
        if display:
            logger.info(
                "%s: completed %d of %d (%.1f%%)",
                type(self).__name__,
                total - remaining,
                total,
                100 * (total - remaining) / max(total, 1),
            )
        return remaining, total


@contextmanager
def _terminate_as_error(active: bool) -> Any:
    """With reserved jobs, SIGTERM ends the current make as an error (recorded), then stops."""
    if not active or os.name != "posix":
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        raise SystemExit("SIGTERM received")

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class Imported(AutoPopulate, tiers.Imported):
    """Filled by ``populate()`` from data outside the database."""


class Computed(AutoPopulate, tiers.Computed):
    """Filled by ``populate()`` from other tables."""

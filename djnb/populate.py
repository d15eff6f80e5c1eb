"""Auto-populated tables: ``populate()`` computes what is missing, once per key.

``Imported`` and ``Computed`` are the tiers with ``make()``. Each key's ``make`` runs in its
own transaction; with ``reserve_jobs`` the key is first claimed in ``~jobs``, so workers on
many machines share the work. Progress is reported through a callback (the core never prints).
"""

from __future__ import annotations

import inspect
import logging
import math
import multiprocessing
import os
import random
import signal
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from contextlib import closing, contextmanager, nullcontext, suppress
from queue import Empty
from typing import Any

import numpy as np

from . import hooks, tiers
from .errors import (
    ArgumentError,
    ConnectError,
    DataJointError,
    DuplicateError,
    LostConnectionError,
    MissingDefinitionError,
)
from .expression import QueryExpression
from .hashing import key_hash
from .jobs import JobTable
from .sql.conditions import KeysIn, bind_value
from .table import FreeTable

logger = logging.getLogger("djnb")

RESERVE_SECONDS = 0.05  # a batch of reservations covers about this much work
RESERVE_BATCH = 100  # and at most this many keys
CHECK_BEFORE_MAKE_SECONDS = 0.01  # without jobs, re-check each key before makes slower than this
RECLAIM = object()  # _populate1: the key's reservation must be claimed again first
BATCH_RETRIES = 8  # with suppress_errors, a lost server is retried this often (~20 s) before populate fails


def same_inputs(a: Any, b: Any) -> bool:
    """Deep equality of fetched inputs (the re-fetch check of the three-part make).

    Arrays compare by value (NaN equal to NaN), record arrays field by field, object arrays
    element by element, frames with ``equals``; containers recurse. Order matters, as in 0.14.
    """
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and _same_arrays(a, b)
    if isinstance(a, Mapping):
        return isinstance(b, Mapping) and a.keys() == b.keys() and all(same_inputs(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return isinstance(b, list | tuple) and len(a) == len(b) and all(map(same_inputs, a, b))
    if isinstance(a, float) and a != a:
        return isinstance(b, float) and b != b
    if hasattr(a, "equals") and not isinstance(a, np.generic):  # pandas frames and series
        return type(a) is type(b) and bool(a.equals(b))
    return bool(a == b)


def _same_arrays(a: np.ndarray, b: np.ndarray) -> bool:
    if a.shape != b.shape or a.dtype.names != b.dtype.names:
        return False
    if a.dtype.names:
        return all(_same_arrays(a[name], b[name]) for name in a.dtype.names)
    if a.dtype.kind == "O" or b.dtype.kind == "O":
        return all(map(same_inputs, a.ravel().tolist(), b.ravel().tolist()))
    return bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc" and b.dtype.kind in "fc"))


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

    def make(self, key: dict, **kwargs: Any) -> Iterator[Any]:
        """The three-part make of DataJoint 0.14.3+, written as the generator populate drives.

        A table defines either ``make(self, key)`` (fetch, compute and insert in one
        transaction), or ``make_fetch(key, **make_kwargs)`` -> tuple of inputs,
        ``make_compute(key, *inputs)`` -> tuple of results and ``make_insert(key, *results)``.
        Its own ``make`` may also be a generator of this shape: yield the fetched inputs;
        receive the results (None on the first pass: compute them and yield them); insert.
        populate runs fetch and compute outside a transaction, then, inside one, fetches again
        and inserts only if the inputs are unchanged. Raises ``MissingDefinitionError`` (also a
        ``NotImplementedError``) when the table defines neither form.
        """
        if not all(hasattr(self, name) for name in ("make_fetch", "make_compute", "make_insert")):
            raise MissingDefinitionError(
                f"{type(self).__name__} defines no make(self, key): define it, or the three parts "
                "make_fetch, make_compute and make_insert."
            )
        fetched = self.make_fetch(key, **kwargs)
        computed = yield fetched
        if computed is None:  # the first pass: compute; the second pass brings the results
            computed = self.make_compute(key, *fetched)
            yield computed
        self.make_insert(key, *computed)
        yield None

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
        processes: int | None = 1,
        make_kwargs: dict | None = None,
    ) -> dict:
        """Compute the missing keys; returns ``{"success_count": n, "error_list": [...]}``.

        ``processes``: worker processes on this machine, as in DataJoint 0.14: never more than
        the keys or the CPUs; None (or 0) means one per CPU; they share the keys through ~jobs.

        Each key's make runs once across all workers that pass ``reserve_jobs=True`` (or
        ``processes``), unless a worker dies mid-make: a key is made only while reserved here and
        after a check (one query per batch) that it is still missing, and a reservation ends
        only after its make committed. With ``reserve_jobs=False`` nothing coordinates workers:
        each batch (about RESERVE_SECONDS of makes) is checked just before it is made, so a key
        is made again only by a worker that checked it while another was making it; at worst
        once per worker. The rows stay right either way (the later insert collides, harmlessly).
        """
        if self.connection.in_transaction:
            raise DataJointError("populate() cannot run inside a transaction: commit or cancel it first.")
        if order not in ("original", "reverse", "random"):
            raise DataJointError(f"order must be 'original', 'reverse' or 'random'; got {order!r}.")
        jobs, keys = _retrying(
            lambda: self._work_to_do(keys, restrictions, limit, reserve_jobs), suppress_errors, self
        )
        if order == "reverse":
            keys.reverse()
        elif order == "random":
            random.shuffle(keys)
        keys = keys[:max_calls] if max_calls is not None else keys
        processes = worker_count(processes, len(keys))
        if processes > 1:
            return self._populate_in_processes(keys, processes, make_kwargs)
        errors: list = []
        successes = done = 0
        report = hooks.progress if display_progress else None
        self._last_make = math.inf  # not known yet: reserve one key, and check before making it
        batches = self._held_batches(keys, jobs, suppress_errors)
        with _terminate_as_error(jobs is not None), closing(batches):  # closing releases at once
            for batch in batches:
                pending, under = deque(batch), self.connection.connection_id  # reserved under it
                while pending:
                    if jobs is not None and self.connection.connection_id != under:
                        kept, under = self._claimed_again(jobs, list(pending))  # others may reclaim
                        pending = deque(kept)
                        continue
                    key = pending.popleft()
                    status = self._populate1(
                        key, jobs, suppress_errors, return_exception_objects, make_kwargs or {}, under
                    )
                    if status is RECLAIM:  # the session was re-opened at the make's BEGIN
                        pending.appendleft(key)
                        continue
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

    def _work_to_do(
        self, keys: list | None, restrictions: tuple, limit: int | None, reserve_jobs: bool
    ) -> tuple[JobTable | None, list]:
        """The jobs table (or None) and the keys to make: missing, and not taken in ``~jobs``
        (after reclaiming the reservations of workers that are gone)."""
        jobs = JobTable(self.connection, self.database) if reserve_jobs else None
        if keys is None:
            keys = (self._jobs_to_do(restrictions) - self.proj()).fetch("KEY", limit=limit)
        if jobs is not None:
            jobs.reclaim_dead(self.table_name)
            taken = jobs.keys_of(self.table_name)
            keys = [k for k in keys if key_hash(k) not in taken]
        return jobs, list(keys)

    def _claimed_again(self, jobs: JobTable, keys: list) -> tuple[list, int | None]:
        """After a lost session, claim ``keys`` again under the new one: another worker may take
        reservations under the dead id for a dead worker's and make those keys. Returns the keys
        still this worker's and the session they are now reserved under (a pass during which
        the session was lost again is repeated; a key that cannot be claimed is left)."""
        for _ in range(5):
            session = self.connection.connection_id
            try:
                keys = [key for key in keys if jobs.renew(self.table_name, key)]
            except (LostConnectionError, ConnectError):
                return [], session  # the server is gone: the batch's release (or a reclaim) ends them
            if self.connection.connection_id == session:
                return keys, session
        return [], self.connection.connection_id

    def _held_batches(self, keys: list, jobs: JobTable | None, suppress_errors: bool) -> Iterator[list]:
        """The keys to make, in batches, each re-checked against the table in one query.

        A batch covers about RESERVE_SECONDS of makes at the recent pace (one key while makes
        are slow), so workers still share the work evenly. With jobs, a batch is reserved in one
        statement and then re-checked: a reservation is released only after its make committed,
        so a key reserved here and still missing is made by no other (reserving) worker. Its
        reservations are deleted together when the batch ends, interrupted or not; error
        entries stay. Without jobs nothing coordinates workers: the re-check only narrows the
        window in which two of them make the same key (see populate).
        """
        position, size, failures = 0, 1, 0
        while position < len(keys):
            if self._last_make != math.inf:
                size = max(1, min(RESERVE_BATCH, int(RESERVE_SECONDS / max(self._last_make, 1e-6))))
            candidates = keys[position : position + size]
            position += len(candidates)
            held: list = []
            try:  # released even if SIGTERM ends the worker between reserving and making
                held = jobs.reserve_many(self.table_name, candidates) if jobs is not None else candidates
                if not held:  # other workers hold these: look further ahead faster
                    size = min(RESERVE_BATCH, size * 2)
                    continue
                session = self.connection.connection_id  # the reservations are under this id
                todo = self._still_missing(held)
                if jobs is not None and self.connection.connection_id != session:  # lost meanwhile
                    todo = self._claimed_again(jobs, todo)[0]
                failures = 0
                yield todo
            except (LostConnectionError, ConnectError) as error:  # the server dropped us between makes
                failures += 1
                if not suppress_errors or failures > BATCH_RETRIES:  # the server is gone: say so
                    raise
                logger.error("Populating %s: %s; retrying", self.full_table_name, error)
                position -= len(candidates)  # the same keys again once the server answers
                time.sleep(min(5.0, 0.1 * 2**failures))
            finally:
                self._release(jobs, held)

    def _still_missing(self, keys: list) -> list:
        """``keys`` less those already in this table, found in one query."""
        names = tuple(self.primary_key)
        try:
            rows = tuple(tuple(bind_value(key[name]) for name in names) for key in keys)
        except KeyError:  # keys given without the full primary key: the inserts will tell
            return keys
        if any(value is None for row in rows for value in row):
            return keys
        present = (self.proj() & KeysIn(names, rows)).fetch(*names, as_dict=True)
        made = {tuple(str(row[name]) for name in names) for row in present}
        return [key for key in keys if tuple(str(key[name]) for name in names) not in made]

    def _release(self, jobs: JobTable | None, held: list) -> None:
        """Delete a batch's reservations, never on an aborted transaction, never hiding an error.

        If the session is lost for good, the reservations stay under its dead connection id,
        and the next populate reclaims them (``JobTable.reclaim_dead``).
        """
        if jobs is None or not held:
            return
        if self.connection.in_transaction:  # interrupted inside a make: the key was not made
            self.connection.cancel_transaction()
        try:
            jobs.release(self.table_name, held)
        except (LostConnectionError, ConnectError) as error:
            logger.warning("Could not release reservations of %s: %s", self.full_table_name, error)

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
        with hooks.before_fork() if hooks.before_fork is not None else nullcontext():
            for worker in workers:
                worker.start()
        results = _reports(queue, workers)
        for worker in workers:
            worker.join()
        return {"success_count": sum(r[0] for r in results), "error_list": [e for r in results for e in r[1]]}

    def _populate1(
        self,
        key: dict,
        jobs: JobTable | None,
        suppress_errors: bool,
        return_objects: bool,
        make_kwargs: dict,
        reserved_under: int | None = None,
    ) -> Any:
        """Make one (held) key in its own transaction: True, False (already there) or (key, error);
        RECLAIM if the session was re-opened at BEGIN, so that the key's reservation (under
        ``reserved_under``) must be claimed again before the make.

        As in DataJoint 0.14, a legacy ``_make_tuples(key)`` is called in place of ``make``;
        a generator make (the three-part form) computes outside the transaction.
        """
        make = self._make_tuples if hasattr(self, "_make_tuples") else self.make
        in_steps = inspect.isgeneratorfunction(make)
        connection = self.connection
        started = time.perf_counter()
        try:
            if in_steps:
                fetched, computed = _fetch_and_compute(make, key, make_kwargs)
            connection.start_transaction()
            if jobs is not None and connection.connection_id != reserved_under:
                connection.cancel_transaction()
                return RECLAIM
            # Without reservations, another worker may have made the key since its batch was
            # checked: worth a round trip before a slow make (after a quick one, the insert
            # that collides tells). A reserved key needs no check: its batch was checked.
            if jobs is None and self._last_make > CHECK_BEFORE_MAKE_SECONDS and key in self.proj():
                connection.cancel_transaction()
                return False
            type(self)._allow_insert = True
            try:
                if in_steps:
                    _insert_if_unchanged(make, key, make_kwargs, fetched, computed)
                else:
                    make(dict(key), **make_kwargs)
            finally:
                type(self)._allow_insert = False
            connection.commit_transaction()  # a loss here is this key's error too
        except (KeyboardInterrupt, SystemExit, Exception) as error:
            connection.cancel_transaction()  # bookkeeping only if the server rolled it back
            self._last_make = time.perf_counter() - started
            if isinstance(error, DuplicateError | LostConnectionError) and self._made_meanwhile(key):
                return False  # made meanwhile by another worker, or our commit landed before the loss
            return self._failed(key, error, jobs, suppress_errors, return_objects)
        self._last_make = time.perf_counter() - started
        return True

    def _made_meanwhile(self, key: dict) -> bool:
        with suppress(LostConnectionError, ConnectError):
            return key in self.proj()
        return False

    def _failed(
        self,
        key: dict,
        error: BaseException,
        jobs: JobTable | None,
        suppress_errors: bool,
        return_objects: bool,
    ) -> tuple:
        """Record a failed make (log, and an error entry in ~jobs); re-raise unless suppressed."""
        message = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        logger.debug("Error making %s -> %s: %s", key, self.full_table_name, message)
        self._last_failure = (message, traceback.format_exc())
        if jobs is not None:
            try:  # after a lost session this reconnects; if that fails, the reservation is reclaimed later
                jobs.error(self.table_name, key, message, self._last_failure[1])
            except (LostConnectionError, ConnectError) as lost:
                logger.error("Could not record the error of %s in ~jobs: %s", key, lost)
        if not suppress_errors or isinstance(error, SystemExit):
            raise error
        # suppressed, yet never silent: 0.14 logs these at ERROR too
        logger.error(
            "Error making %s -> %s (suppressed; populate goes on): %s", key, self.full_table_name, message
        )
        return key, error if return_objects else message

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


def _reports(queue: Any, workers: list) -> list:
    """Each worker's (successes, errors), waiting while any is alive: a worker that ended
    without reporting (killed) is reported as such instead of being waited for forever."""
    results: list = []
    while len(results) < len(workers):
        try:
            results.append(queue.get(timeout=1.0))
        except Empty:
            if not any(worker.is_alive() for worker in workers) and queue.empty():
                gone = len(workers) - len(results)
                results += [(0, [(None, "worker ended without reporting (killed?)")])] * gone
    return results


def _retrying(work: Callable[[], Any], suppress_errors: bool, table: Any) -> Any:
    """``work()``; with ``suppress_errors``, retried with backoff (about 20 s in all) while the
    server cannot be reached, as the batches are: a worker started during a restart waits."""
    failures = 0
    while True:
        try:
            return work()
        except (LostConnectionError, ConnectError) as error:
            failures += 1
            if not suppress_errors or failures > BATCH_RETRIES:
                raise
            logger.error("Populating %s: %s; retrying", table.full_table_name, error)
            time.sleep(min(5.0, 0.1 * 2**failures))


def _fetch_and_compute(make: Callable, key: dict, make_kwargs: dict) -> tuple[Any, Any]:
    """First pass of a generator make, outside any transaction: (fetched inputs, results)."""
    steps = make(dict(key), **make_kwargs)
    try:
        fetched = next(steps)
        computed = next(steps)
    except StopIteration:
        raise DataJointError(
            f"make() of {key} is a generator that stopped early: it must yield the fetched inputs, "
            "then the computed results (see AutoPopulate.make)."
        ) from None
    finally:
        steps.close()
    return fetched, computed


def _insert_if_unchanged(make: Callable, key: dict, make_kwargs: dict, fetched: Any, computed: Any) -> None:
    """Second pass, inside the transaction: fetch again, compare, then insert the results."""
    steps = make(dict(key), **make_kwargs)
    try:
        if not same_inputs(fetched, next(steps)):
            raise DataJointError(
                f"The inputs of {key} changed while make_compute ran (make_fetch returned other "
                "data inside the transaction); nothing was inserted. Populate again to recompute."
            )
        with suppress(StopIteration):  # a make that ends right after inserting is fine too
            steps.send(computed)
    finally:
        steps.close()


def worker_count(processes: int | None, keys: int) -> int:
    """Workers for ``populate(processes=...)``: DataJoint 0.14's rule, the smallest of the
    request, the keys and the CPUs, where None or 0 asks for no limit (one per CPU)."""
    if processes is not None and (not isinstance(processes, int) or processes < 0):
        raise ArgumentError(f"populate(processes=...) takes a number of workers or None; got {processes!r}.")
    return max(1, min(n for n in (processes, keys, os.cpu_count() or 1) if n)) if keys else 1


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

"""The ``~jobs`` table: reservations that let many workers share one populate.

Layout, statuses and key hashes are DataJoint 0.14's, so djnb and DataJoint workers skip each
other's reservations. Beyond DataJoint, a reservation whose worker is gone (its connection no
longer exists on the server) can be reclaimed, so a killed worker never strands a key.
"""

from __future__ import annotations

import datetime
import functools
import os
import platform
from collections.abc import Mapping
from typing import Any

from .blob import pack
from .connection import Connection
from .errors import DuplicateError, LockError
from .hashing import key_hash
from .settings import config
from .sql.conditions import KeysIn
from .table import FreeTable, Table

ERROR_MESSAGE_LENGTH = 2047
TRUNCATION = "...truncated"
DEFINITION = """# job reservation table for `{schema}`
table_name  :varchar(255)  # className of the table
key_hash  :char(32)  # key hash
---
status  :enum('reserved','error','ignore')  # if tuple is missing, the job is available
key=null  :blob  # structure containing the key
error_message=""  :varchar(2047)  # error message returned if failed
error_stack=null  :mediumblob  # error stack if failed
user="" :varchar(255) # database user
host=""  :varchar(255)  # system hostname
pid=0  :int unsigned  # system process id
connection_id = 0  : bigint unsigned          # connection_id()
timestamp=CURRENT_TIMESTAMP  :timestamp   # automatic timestamp
"""


class JobTable(FreeTable):
    """``schema.jobs``: one row per reserved, failed or ignored key of the schema's tables."""

    def __init__(self, connection: Connection, schema: str) -> None:
        super().__init__(connection, f"`{schema}`.`~jobs`")
        if not self.is_declared:
            declarer = type("Jobs", (Table,), {"definition": DEFINITION.format(schema=schema)})
            declarer._name = classmethod(lambda cls: "~jobs")  # type: ignore[method-assign]
            declarer.database, declarer._connection = schema, connection
            declarer().declare({})
        self._user = connection.get_user()[:255]  # the database user, as DataJoint records it

    def _job(self, table_name: str, key: Mapping[str, Any], status: str, **extra: Any) -> dict:
        with config(enable_python_native_blobs=True):
            packed = pack(dict(key))
        return {
            "table_name": table_name, "key_hash": key_hash(key), "status": status, "key": packed,
            "host": _host(), "pid": os.getpid(), "connection_id": self.connection.connection_id,
            "user": self._user, **extra,
        }  # fmt: skip

    def _write(self, row: dict, replace: bool) -> None:
        sql = self.connection.dialect.insert(
            self._sql_name, list(row), "replace" if replace else "error", ["table_name", "key_hash"]
        )
        self.connection.query(sql, tuple(row.values()))

    def reserve(self, table_name: str, key: Mapping[str, Any]) -> bool:
        """Claim a key; False if another worker (or an error/ignore entry) has it.

        If the session is lost and the statement retried on a new one (``Connection._run``),
        the row was stamped with the dead session's id, and the lost attempt may have landed
        (the retry then collides with this worker's own row): the claim is made again under the
        new id, so no other worker takes the reservation for a dead worker's.
        """
        for _ in range(3):  # a session lost at every attempt: the error of the next statement tells
            session = self.connection.connection_id
            try:
                self._write(self._job(table_name, key, "reserved"), replace=False)
                claimed = True
            except DuplicateError:
                claimed = False
            if self.connection.connection_id == session:
                return claimed
            self._drop_own(table_name, [key])
        return False

    def reserve_many(self, table_name: str, keys: list[dict]) -> list[dict]:
        """Claim ``keys`` in one statement; returns those this worker now holds, in order.

        Keys that another worker holds (or that are in error or ignored) are skipped. Rows this
        session reserved earlier count as held: they are its own.
        """
        if len(keys) == 1:
            return keys if self.reserve(table_name, keys[0]) else []
        rows = [self._job(table_name, key, "reserved") for key in keys]
        sql = self.connection.dialect.insert(
            self._sql_name, list(rows[0]), "ignore", ["table_name", "key_hash"]
        )
        session = self.connection.connection_id
        try:
            inserted = self.connection.query_many(sql, [tuple(row.values()) for row in rows])
        except LockError:  # workers inserting overlapping batches can deadlock: one key at a time
            return [key for key in keys if self.reserve(table_name, key)]
        if self.connection.connection_id != session:  # retried on a new session: see reserve()
            self._drop_own(table_name, keys)
            return [key for key in keys if self.reserve(table_name, key)]
        if inserted == len(rows):
            return keys
        # this process's too: after a server restart a new session may reuse an id
        session = {"connection_id": self.connection.connection_id, **self._this_process()}
        held = self & {"table_name": table_name, "status": "reserved", **session}
        mine = set((held & _hashes(row["key_hash"] for row in rows)).fetch("key_hash").tolist())
        return [key for key, row in zip(keys, rows, strict=True) if row["key_hash"] in mine]

    def release(self, table_name: str, keys: list[dict]) -> None:
        """Delete these keys' reservations (done or never started); error entries stay."""
        if keys:
            hashes = [key_hash(key) for key in keys]
            mine = self & {"table_name": table_name, "status": "reserved", **self._this_process()}
            try:
                (mine & _hashes(hashes)).delete_quick()
            except LockError:  # a deadlock with another worker's batch: one row at a time
                for one in hashes:
                    (mine & {"key_hash": one}).delete_quick()

    def renew(self, table_name: str, key: Mapping[str, Any]) -> bool:
        """Move this process's reservation of ``key`` to its current session (after a lost one).

        A reservation under a lost session's id may have been reclaimed by another worker; then
        that worker's reservation stands and this returns False (the key is not this worker's).
        """
        self._drop_own(table_name, [key])
        return self.reserve(table_name, key)

    def _drop_own(self, table_name: str, keys: list) -> None:
        """Delete this process's reservations of ``keys``, whatever session stamped them."""
        own = self & {"table_name": table_name, "status": "reserved", **self._this_process()}
        (own & _hashes(key_hash(key) for key in keys)).delete_quick()

    def _this_process(self) -> dict:
        return {"pid": os.getpid(), "host": _host()}

    def complete(self, table_name: str, key: Mapping[str, Any]) -> None:
        (self & {"table_name": table_name, "key_hash": key_hash(key)}).delete_quick()

    def error(
        self, table_name: str, key: Mapping[str, Any], error_message: str, error_stack: str | None = None
    ) -> None:
        """Replace the reservation with an error entry (message cut to 2047 characters)."""
        if len(error_message) > ERROR_MESSAGE_LENGTH:
            error_message = error_message[: ERROR_MESSAGE_LENGTH - len(TRUNCATION)] + TRUNCATION
        with config(enable_python_native_blobs=True):
            stack = pack(error_stack) if error_stack is not None else None
        self._write(
            self._job(table_name, key, "error", error_message=error_message, error_stack=stack), replace=True
        )

    def ignore(self, table_name: str, key: Mapping[str, Any]) -> bool:
        """Mark a key to be skipped by populate (until the entry is deleted)."""
        try:
            self._write(self._job(table_name, key, "ignore"), replace=False)
        except DuplicateError:
            return False
        return True

    def keys_of(
        self, table_name: str, statuses: tuple[str, ...] = ("error", "ignore", "reserved")
    ) -> set[str]:
        rows = (self & {"table_name": table_name} & [{"status": s} for s in statuses]).fetch("key_hash")
        return set(rows.tolist())

    def reclaim_dead(self, table_name: str | None = None) -> int:
        """Delete reservations whose worker's connection no longer exists; returns how many.

        Reservations are read before the server's session list, so a worker that reserves in
        between is never taken for dead. Session ids restart with the server, and timestamps
        (whole seconds) cannot tell a reservation made just before a restart from one made just
        after; in that window a reservation of this machine counts as dead when its process is. Without the PROCESS privilege the server shows only this
        user's sessions: then only this user's reservations are judged.
        """
        reserved = self & {"status": "reserved"} & ({"table_name": table_name} if table_name else True)
        rows = reserved.fetch(
            "table_name", "key_hash", "connection_id", "user", "host", "pid", "timestamp", as_dict=True
        )
        if not rows:
            return 0
        if self.connection.backend == "sqlite":  # no server sessions: workers are local processes
            dead = [r for r in rows if r["host"] == _host() and not _process_alive(r["pid"])]
            self._delete_reservations(dead)
            return len(dead)
        sessions = self.connection.query("SELECT id, user FROM information_schema.processlist").fetchall()
        alive = {session[0] for session in sessions}
        started = self._server_started()
        me = self._user.split("@")[0]
        sees_everyone = any(session[1] != me for session in sessions) or self._may_see_all_sessions()
        dead = [
            r for r in rows
            if (r["connection_id"] not in alive or r["timestamp"] < started or _gone_at_restart(r, started))
            and (sees_everyone or r["user"].split("@")[0] == me)
        ]  # fmt: skip
        self._delete_reservations(dead)
        return len(dead)

    def _delete_reservations(self, rows: list[dict]) -> None:
        """Delete these reservations as they were read: a row that its worker has renewed
        meanwhile (another session id, after a lost session) is its worker's again and stays."""
        if rows:
            same = ("table_name", "key_hash", "connection_id", "pid", "host")
            (self & {"status": "reserved"} & [{k: r[k] for k in same} for r in rows]).delete_quick()

    def _server_started(self) -> datetime.datetime:
        """When the server last started, by its clock, less a second of timestamp rounding: a
        reservation older than that belongs to a session of the previous run, whatever its id
        (ids restart with the server and a new session may reuse one)."""
        (now,) = self.connection.query("SELECT NOW()").fetchone()
        uptime = int(self.connection.query(*self.connection.dialect.server_uptime()).fetchone()[1])
        return now - datetime.timedelta(seconds=uptime + 1)

    def _may_see_all_sessions(self) -> bool:  # MySQL: may this account see every session?
        grants = " ".join(str(row[0]) for row in self.connection.query("SHOW GRANTS")).upper()
        return "PROCESS" in grants or "ALL PRIVILEGES ON *.*" in grants

    def summary(self) -> dict[str, dict[str, int]]:
        """Per table: how many keys are reserved, in error, and ignored."""
        counts: dict[str, dict[str, int]] = {}
        for row in self.fetch("table_name", "status", as_dict=True):
            entry = counts.setdefault(row["table_name"], {"reserved": 0, "error": 0, "ignore": 0})
            entry[row["status"]] += 1
        return counts

    def errors(self, table_name: str | None = None) -> list[dict]:
        """Error entries with their messages and decoded tracebacks."""
        query = self & {"status": "error"} & ({"table_name": table_name} if table_name else True)
        return query.fetch("table_name", "key", "error_message", "error_stack", "timestamp", as_dict=True)

    def clear_errors(self, table_name: str | None = None) -> int:
        """Delete error entries so that populate retries those keys."""
        query = self & {"status": "error"} & ({"table_name": table_name} if table_name else True)
        return query.delete_quick(get_count=True) or 0


@functools.cache
def _host() -> str:
    """This machine's name as ~jobs records it (cut to the column's 255 characters)."""
    return platform.node()[:255]


def _hashes(hashes: Any) -> KeysIn:
    """A restriction to these key hashes: one IN list."""
    return KeysIn(("key_hash",), tuple((h,) for h in hashes))


RESTART_WINDOW = datetime.timedelta(seconds=3)  # > the rounding of timestamps and uptime


def _gone_at_restart(row: dict, started: datetime.datetime) -> bool:
    """A reservation from around the server's start, by a process of this machine that is gone."""
    return (
        row["timestamp"] < started + RESTART_WINDOW
        and row["host"] == _host()
        and not _process_alive(row["pid"])
    )


def _process_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    return True

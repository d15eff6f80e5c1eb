"""External storage: ``blob@store``, ``attach@store`` and ``filepath@store``, as DataJoint 0.14.

Objects live at ``<location>/<schema>/<h[0:2]>/<h[2:4]>/<hex>`` (subfolding (2, 2)), with the
attachment name as suffix for attachments, and are tracked in ``~external_<store>`` with
DataJoint's ids. Transfers of many objects run concurrently in a bounded thread pool.
"""

from __future__ import annotations

import io
import os
import shutil
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path, PurePath, PurePosixPath
from typing import Any

from . import hooks
from .concurrency import TRANSFER_THREADS, concurrently
from .connection import Connection
from .errors import BucketInaccessible, ConfigError, DataJointError, MissingExternalFile
from .expression import U
from .hashing import uuid_from_buffer, uuid_from_file
from .settings import check_store, config
from .table import FreeTable, declare_external_table

CACHE_SUBFOLDING = (2, 2)


def subfold(name: str, folds: Iterable[int]) -> tuple[str, ...]:
    """``subfold("abcdef", (2, 2))`` -> ("ab", "cd")."""
    parts, start = [], 0
    for fold in folds:
        parts.append(name[start : start + fold].lower())
        start += fold
    return tuple(parts)


def store_spec(store: str) -> dict:
    """The validated settings of ``dj.config['stores'][store]``."""
    stores = config["stores"] or {}
    if store not in stores:
        raise ConfigError(
            f"Store {store!r} is not configured. Add dj.config['stores'][{store!r}] = "
            "{'protocol': 'file', 'location': '/data/store'} (or an s3 store)."
        )
    return check_store(store, stores[store])


class FileBackend:
    """A store on a (shared) file system."""

    #: reads, hashing and zlib are CPU-bound on a local disk (more threads only contend for
    #: the GIL) and latency-bound on a network file system: a few threads per core serve both
    threads = max(4, 2 * (os.cpu_count() or 1))

    def __init__(self, location: str) -> None:
        self.root = Path(location)
        if not self.root.is_dir():
            raise BucketInaccessible(
                f"The store location {location} is not a directory; create it or fix 'location'."
            )

    def path(self, relative: PurePosixPath) -> Path:
        return self.root / relative

    def put(self, relative: PurePosixPath, data: bytes) -> None:
        target = self.path(relative)
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.{os.getpid()}.part")
        temporary.write_bytes(data)
        temporary.replace(target)  # readers never see a half-written object

    def get(self, relative: PurePosixPath) -> bytes:
        try:
            return self.path(relative).read_bytes()
        except FileNotFoundError:
            raise MissingExternalFile(f"Missing external file {self.path(relative)}.") from None

    def put_file(self, local: Path, relative: PurePosixPath) -> None:
        target = self.path(relative)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(local, target)

    def get_file(self, relative: PurePosixPath, local: Path) -> None:
        source = self.path(relative)
        if not source.is_file():
            raise MissingExternalFile(f"Missing external file {source}.")
        local.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, local)

    def exists(self, relative: PurePosixPath) -> bool:
        return self.path(relative).is_file()

    def remove(self, relative: PurePosixPath) -> None:
        self.path(relative).unlink(missing_ok=True)


class S3Backend:
    """A bucket on an S3-compatible server, through the ``minio`` client (as DataJoint uses).

    minio is an optional extra (``pip install djnb[s3]``), imported only when an s3 store is used.
    """

    #: transfers are latency-bound: many requests in flight
    threads = TRANSFER_THREADS
    #: S3 error codes that mean the server refused these credentials
    AUTH_CODES = ("AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken")

    def __init__(self, spec: dict, store: str = "?") -> None:
        try:
            import minio  # optional: only s3 stores need it
        except ImportError:
            raise DataJointError("s3 stores need the minio client: pip install 'djnb[s3]'.") from None
        self.errors = minio.error
        http_client = http_pool(spec.get("proxy_server"))
        self.client = minio.Minio(
            spec["endpoint"], access_key=spec["access_key"], secret_key=spec["secret_key"],
            secure=bool(spec.get("secure", False)), http_client=http_client,
        )  # fmt: skip
        self.bucket, self.prefix = spec["bucket"], PurePosixPath(spec["location"].strip("/"))
        where = f"store {store!r} (bucket {self.bucket!r} at {spec['endpoint']})"
        try:
            exists = self.client.bucket_exists(self.bucket)
        except self.errors.S3Error as err:
            if err.code in self.AUTH_CODES:
                raise BucketInaccessible(
                    f"The s3 server refused the credentials of {where}: {err.code}. Check 'access_key' "
                    f"and 'secret_key' in dj.config['stores'][{store!r}]."
                ) from None
            raise BucketInaccessible(f"Cannot use {where}: {err.code}: {err.message}") from None
        except Exception as err:  # network errors of any kind: say where and what
            raise BucketInaccessible(
                f"Cannot reach the s3 server of {where}: {err}. Check 'endpoint' and 'secure'."
            ) from None
        if not exists:
            raise BucketInaccessible(f"The bucket of {where} does not exist: create it first.")

    def key(self, relative: PurePosixPath) -> str:
        return str(self.prefix / relative)

    def put(self, relative: PurePosixPath, data: bytes) -> None:
        self.client.put_object(self.bucket, self.key(relative), io.BytesIO(data), length=len(data))

    def get(self, relative: PurePosixPath) -> bytes:
        try:
            response = self.client.get_object(self.bucket, self.key(relative))
        except self.errors.S3Error as err:
            if err.code == "NoSuchKey":
                raise MissingExternalFile(
                    f"Missing external object s3://{self.bucket}/{self.key(relative)}."
                ) from None
            raise BucketInaccessible(
                f"Cannot read s3://{self.bucket}/{self.key(relative)}: {err.code}."
            ) from None
        try:
            return response.read()
        finally:
            response.close()
            response.release_conn()

    def put_file(self, local: Path, relative: PurePosixPath) -> None:
        self.client.fput_object(self.bucket, self.key(relative), str(local))

    def get_file(self, relative: PurePosixPath, local: Path) -> None:
        local.parent.mkdir(parents=True, exist_ok=True)
        local.write_bytes(self.get(relative))

    def exists(self, relative: PurePosixPath) -> bool:
        try:
            self.client.stat_object(self.bucket, self.key(relative))
        except self.errors.S3Error:
            return False
        return True

    def remove(self, relative: PurePosixPath) -> None:
        self.client.remove_object(self.bucket, self.key(relative))


def http_pool(proxy: str | None = None) -> Any:
    """minio's HTTP pool, sized like the transfer pool so that concurrent transfers reuse
    connections, with a short connect timeout so an unreachable server fails fast."""
    import certifi  # minio's dependency
    import urllib3  # minio's HTTP library

    options = {
        "timeout": urllib3.Timeout(connect=10, read=300),
        "maxsize": TRANSFER_THREADS,
        "cert_reqs": "CERT_REQUIRED",
        "ca_certs": os.environ.get("SSL_CERT_FILE") or certifi.where(),
        "retries": urllib3.Retry(total=3, backoff_factor=0.2, status_forcelist=[500, 502, 503, 504]),
    }
    return urllib3.ProxyManager(proxy, **options) if proxy else urllib3.PoolManager(**options)


def backend_for(spec: dict, store: str) -> Any:
    return FileBackend(spec["location"]) if spec["protocol"] == "file" else S3Backend(spec, store)


class ExternalTable(FreeTable):
    """``~external_<store>``: the objects of one store used by one schema."""

    def __init__(self, connection: Connection, schema: str, store: str) -> None:
        super().__init__(connection, f"`{schema}`.`~external_{store}`")
        self.store, self.spec = store, store_spec(store)
        if not self.is_declared:
            declare_external_table(connection, schema, store)
        self.backend = backend_for(self.spec, store)

    def object_path(self, object_id: uuid.UUID, suffix: str = "") -> PurePosixPath:
        folders = subfold(object_id.hex, self.spec["subfolding"])
        return PurePosixPath(self.database, *folders, object_id.hex + suffix)

    def _track(self, object_id: uuid.UUID, size: int, **extra: Any) -> None:
        columns = ["hash", "size", *extra]
        sql = self.connection.dialect.insert(self.full_table_name, columns, "ignore", ["hash"])
        self.connection.query(sql, (object_id.bytes, size, *extra.values()))

    # -- blobs
    def put(self, blob: bytes) -> uuid.UUID:
        object_id = uuid_from_buffer(blob)
        self.backend.put(self.object_path(object_id), blob)
        self._track(object_id, len(blob))
        return object_id

    def put_many(self, blobs: list[bytes]) -> list[uuid.UUID]:
        """Upload many blobs concurrently, then track them in one batched statement."""
        ids = [uuid_from_buffer(blob) for blob in blobs]
        unique = dict(zip(ids, blobs, strict=True))
        concurrently(
            lambda item: self.backend.put(self.object_path(item[0]), item[1]),
            unique.items(),
            self.backend.threads,
        )
        sql = self.connection.dialect.insert(self.full_table_name, ["hash", "size"], "ignore", ["hash"])
        self.connection.query_many(sql, [(object_id.bytes, len(blob)) for object_id, blob in unique.items()])
        return ids

    def get(self, object_id: uuid.UUID) -> bytes:
        cache = config["cache"]
        cached = Path(cache, *subfold(object_id.hex, CACHE_SUBFOLDING), object_id.hex) if cache else None
        if cached is not None and cached.is_file():
            return cached.read_bytes()
        data = self.backend.get(self.object_path(object_id))
        if uuid_from_buffer(data) != object_id:
            raise DataJointError(
                f"External object {object_id} in store {self.store!r} was altered: its contents no longer match its id."
            )
        if cached is not None:
            cached.parent.mkdir(parents=True, exist_ok=True)
            cached.write_bytes(data)
        return data

    def get_many(
        self, object_ids: list[uuid.UUID], transform: Callable[[bytes], Any] | None = None
    ) -> dict[uuid.UUID, Any]:
        """Fetch many objects concurrently, each passed through ``transform`` (e.g. unpacked) in
        the same worker so that decoding overlaps the transfers too."""
        unique = list(dict.fromkeys(object_ids))
        work = self.get if transform is None else (lambda object_id: transform(self.get(object_id)))
        return dict(zip(unique, concurrently(work, unique, self.backend.threads), strict=True))

    # -- attachments
    def upload_attachment(self, local: Path) -> uuid.UUID:
        return self.upload_attachments([local])[0]

    def upload_attachments(self, files: list[Path]) -> list[uuid.UUID]:
        """Upload files as attachments concurrently; track them in one statement."""
        unique = list(dict.fromkeys(Path(f) for f in files))
        for local in unique:
            if not local.is_file():
                raise MissingExternalFile(f"The attachment {local} is not a file; check the path.")

        def upload(local: Path) -> tuple:
            name = local.name
            object_id = uuid_from_file(local, init_string=name + "\0")
            self.backend.put_file(local, self.object_path(object_id, "." + name))
            return object_id.bytes, local.stat().st_size, name

        tracked = concurrently(upload, unique, self.backend.threads)
        self._track_many(["hash", "size", "attachment_name"], tracked)
        ids = {local: uuid.UUID(bytes=row[0]) for local, row in zip(unique, tracked, strict=True)}
        return [ids[Path(f)] for f in files]

    def _track_many(self, columns: list[str], rows: list[tuple]) -> None:
        if rows:
            sql = self.connection.dialect.insert(self.full_table_name, columns, "ignore", ["hash"])
            self.connection.query_many(sql, rows)

    def rows(
        self, object_ids: list[uuid.UUID], *names: str, missing_ok: bool = False
    ) -> dict[uuid.UUID, dict]:
        """The tracking rows of ``object_ids`` in one query; a missing row is an error unless
        ``missing_ok``."""
        unique = list(dict.fromkeys(object_ids))
        found: dict[uuid.UUID, dict] = {}
        for start in range(0, len(unique), 1000):  # keep IN (...) lists moderate
            chunk = [{"hash": i.bytes} for i in unique[start : start + 1000]]
            for row in (self & chunk).fetch("hash", *names, as_dict=True):
                found[row["hash"]] = row
        missing = [str(i) for i in unique if i not in found]
        if missing and not missing_ok:
            raise MissingExternalFile(
                f"{len(missing)} object(s) of store {self.store!r} are not tracked in {self.full_table_name}, "
                f"e.g. {missing[0]}."
            )
        return found

    def attachment_name(self, object_id: uuid.UUID) -> str:
        return self.rows([object_id], "attachment_name")[object_id]["attachment_name"]

    def attachment_names(self, object_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
        return {i: row["attachment_name"] for i, row in self.rows(object_ids, "attachment_name").items()}

    def download_attachment(self, object_id: uuid.UUID, name: str, local: Path) -> None:
        self.backend.get_file(self.object_path(object_id, "." + name), local)

    # -- filepaths
    def upload_filepath(self, local: Path) -> uuid.UUID:
        return self.upload_filepaths([local])[0]

    def upload_filepaths(self, files: list[Path]) -> list[uuid.UUID]:
        """Register files of the stage (uploading them unless the stage is the store itself).

        Checksums and uploads run concurrently; known files are looked up in one query. A path
        inserted before with other contents is refused: files in a filepath store are immutable.
        """
        stage = Path(self.spec.get("stage") or self.spec["location"])
        resolved_stage = stage.resolve()
        copy = self.spec["protocol"] == "s3" or resolved_stage != Path(self.spec["location"]).resolve()
        limit = config["filepath_checksum_size_limit_insert"]
        relatives: dict[Path, PurePosixPath] = {}
        for local in dict.fromkeys(Path(f) for f in files):
            if not local.is_file():
                raise MissingExternalFile(
                    f"The file {local} does not exist; filepaths must name existing files."
                )
            try:
                relatives[local] = PurePosixPath(local.resolve().relative_to(resolved_stage))
            except ValueError:
                raise DataJointError(
                    f"{local} is not inside the stage {stage} of store {self.store!r}: copy it there "
                    "or set dj.config['stores'][...]['stage']."
                ) from None
        ids = {local: uuid_from_buffer(str(relative).encode()) for local, relative in relatives.items()}
        known = self.rows(list(ids.values()), "contents_hash", missing_ok=True)

        def register(local: Path) -> tuple | None:
            size = local.stat().st_size
            contents = uuid_from_file(local) if limit is None or size < limit else None
            object_id = ids[local]
            if object_id in known:
                if contents is not None and known[object_id]["contents_hash"] not in (None, contents):
                    raise DataJointError(
                        f"The file {relatives[local]} was already inserted into store {self.store!r} with "
                        "other contents. Files in a filepath store are immutable: give the new version a new name."
                    )
                return None
            if copy:
                self.backend.put_file(local, relatives[local])
            return object_id.bytes, size, str(relatives[local]), contents.bytes if contents else None

        new = [row for row in concurrently(register, list(ids), self.backend.threads) if row is not None]
        self._track_many(["hash", "size", "filepath", "contents_hash"], new)
        return [ids[Path(f)] for f in files]

    def download_filepath(self, object_id: uuid.UUID | None) -> tuple[str, uuid.UUID | None] | None:
        """``(local path, contents checksum)`` of a tracked file, downloaded to the stage if
        missing, as DataJoint 0.14 returns it (None for None)."""
        if object_id is None:
            return None
        path = self.download_filepaths([object_id])[object_id]
        return path, self.rows([object_id], "contents_hash")[object_id]["contents_hash"]

    def download_filepaths(self, object_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
        """Local paths of tracked files: one query for their rows, then concurrent downloads of
        those not already in the stage, each checked against its recorded checksum."""
        rows = self.rows(object_ids, "filepath", "size", "contents_hash")
        stage = Path(self.spec.get("stage") or self.spec["location"])
        limit = config["filepath_checksum_size_limit"]

        def download(row: dict) -> str:
            relative = PurePosixPath(row["filepath"])
            local = stage / relative
            checkable = row["contents_hash"] is not None and (limit is None or row["size"] < limit)
            if not local.is_file():
                self.backend.get_file(relative, local)
            if checkable and uuid_from_file(local) != row["contents_hash"]:
                raise DataJointError(
                    f"The file {local} does not match the checksum recorded when it was inserted "
                    f"(store {self.store!r}): it was changed after insert."
                )
            return str(local)

        return dict(zip(rows, concurrently(download, rows.values(), self.backend.threads), strict=True))

    # -- cleanup
    @property
    def references(self) -> list[dict[str, str]]:
        """The columns that refer to this store, as 0.14 lists them: dicts with
        ``referencing_table`` (`schema`.`table`) and ``column_name``."""
        rows = self.connection.query(*self.connection.dialect.foreign_keys([self.database])).fetchall()
        return [
            {"referencing_table": f"`{self.database}`.`{table}`", "column_name": column}
            for _, _, table, column, parent_schema, parent_table, _ in rows
            if (parent_schema, parent_table) == (self.database, self.table_name)
        ]

    def used(self) -> Any:
        """The tracked objects some row refers to (a query of this table)."""
        return self & self._referencing()

    def unused(self) -> Any:
        """The tracked objects no row refers to (a query of this table)."""
        return self - self._referencing()

    def _referencing(self) -> list:
        """Each referencing column as a query of ``hash`` values (a semijoin per column)."""
        return [
            # non-null references only: NOT IN over a NULL would match nothing
            U("hash")
            & (FreeTable(self.connection, ref["referencing_table"]) - {ref["column_name"]: None}).proj(
                hash=ref["column_name"]
            )
            for ref in self.references
        ]

    def external_path(self, relative: PurePosixPath) -> PurePath:
        """Where an object is: a local path for file stores, the object key for s3 stores."""
        if isinstance(self.backend, FileBackend):
            return self.backend.path(relative)
        return PurePosixPath(self.backend.key(relative))

    def _relative_path(self, row: dict) -> PurePosixPath:
        if row["filepath"]:
            return PurePosixPath(row["filepath"])
        suffix = "." + row["attachment_name"] if row["attachment_name"] else ""
        return self.object_path(row["hash"], suffix)

    def fetch_external_paths(self, **fetch_kwargs: Any) -> list[tuple[uuid.UUID, PurePath]]:
        """``(hash, path)`` of the objects of this query (``fetch`` options apply), as 0.14."""
        rows = self.fetch("hash", "attachment_name", "filepath", **{**fetch_kwargs, "as_dict": True})
        return [(row["hash"], self.external_path(self._relative_path(row))) for row in rows]

    def delete(  # type: ignore[override]
        self,
        *,
        delete_external_files: bool = True,
        limit: int | None = None,
        display_progress: bool = False,
        errors_as_string: bool = True,
    ) -> list[tuple[uuid.UUID, PurePath, Any]]:
        """Remove the objects no row refers to: their tracking rows, and their files when
        ``delete_external_files``. Returns ``(hash, path, error)`` for each file that could not be
        removed (its tracking row is kept), as DataJoint 0.14 does. ``display_progress`` is
        accepted for 0.14's signature; the core shows no progress."""
        if delete_external_files not in (True, False):
            raise DataJointError("delete_external_files must be True or False in external[store].delete().")
        rows = self.unused().fetch("hash", "attachment_name", "filepath", as_dict=True, limit=limit)
        failed: list[tuple[uuid.UUID, PurePath, Any]] = []
        for row in rows:
            object_id, relative = row["hash"], self._relative_path(row)
            try:
                if delete_external_files:
                    self.backend.remove(relative)
            except Exception as error:  # any backend error: report it, keep the row
                failed.append(
                    (object_id, self.external_path(relative), str(error) if errors_as_string else error)
                )
                continue
            (self & {"hash": object_id.bytes}).delete_quick()
        return failed


_MAPPINGS: dict[tuple[int, str], ExternalMapping] = {}


def external_mapping(connection: Connection, schema: str) -> ExternalMapping:
    """``schema.external`` (and ``Table.external``): one mapping per connection and schema."""
    key = (id(connection), schema)
    mapping = _MAPPINGS.get(key)
    if mapping is None or mapping.connection is not connection:
        mapping = _MAPPINGS[key] = ExternalMapping(connection, schema)
    return mapping


def external_table(connection: Connection, schema: str, store: str) -> ExternalTable:
    """The tracking table of ``store`` in ``schema`` (cached per connection)."""
    return external_mapping(connection, schema)[store]


hooks.external = external_table
hooks.external_mapping = external_mapping


class ExternalMapping(Mapping):
    """``schema.external``: store name -> its ``ExternalTable`` (``~external_<store>``), made
    (and declared) on first access, as DataJoint 0.14's mapping. ``len`` and iteration cover
    the stores used so far."""

    def __init__(self, connection: Connection, schema: str) -> None:
        self.connection, self.schema = connection, schema
        self.tables: dict[str, ExternalTable] = {}

    def __getitem__(self, store: str) -> ExternalTable:
        if store not in self.tables:
            self.tables[store] = ExternalTable(self.connection, self.schema, store)
        return self.tables[store]

    def __len__(self) -> int:
        return len(self.tables)

    def __iter__(self) -> Iterator[str]:
        return iter(self.tables)

    def __repr__(self) -> str:
        stores = "".join(
            f"\n    {name!r} {table.spec['protocol']}:{table.spec['location']}"
            for name, table in self.tables.items()
        )
        return f"External file tables for schema `{self.schema}`:{stores}"

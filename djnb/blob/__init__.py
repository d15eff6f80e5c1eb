"""DataJoint's blob format: ``pack(obj)`` to bytes and ``unpack(bytes)`` back.

Reads every blob that DataJoint for Python (0.12-2.x) and MATLAB (mYm) write; writes blobs
they read. See ``encode`` and ``decode`` for where djnb corrects DataJoint 0.14.
"""

from __future__ import annotations

import struct
import zlib
from typing import Any

from ..errors import BlobTypeError, InvalidBlobError
from ..settings import config
from . import codes
from .codes import MatCell, MatStruct
from .decode import Reader
from .encode import pack_item

__all__ = ["MatCell", "MatStruct", "bypass_serialization", "pack", "unpack", "use_32bit_dims"]

#: Read lengths as 32-bit (blobs from the 32-bit mYm library for MATLAB). DataJoint's name.
use_32bit_dims = False
#: Pass blobs through as bytes, unchanged (DataJoint's switch for copying blobs between databases).
bypass_serialization = False

_u64 = struct.Struct("<Q")
_COMPRESS_MIN = 1000  # DataJoint compresses only blobs longer than this
_PROBE_FROM = 1 << 16  # blobs this large are probed before deflating all of them
_PROBE_SIZE = 1 << 15  # at most; a sixteenth of the blob per sample below 512 KB
_FAST_LEVEL_FROM = 1 << 20  # level 1 above this size: several times faster, a little larger


def pack(obj: Any, compress: bool = True) -> bytes:
    """Serialise ``obj`` into a blob (compressed with zlib when that pays off)."""
    if bypass_serialization:
        return _checked_raw(obj)
    try:
        header, data = pack_item(obj, allow_dj0=config["enable_python_native_blobs"])
    except RecursionError:
        raise BlobTypeError("The value nests too deeply to pack.") from None
    blob = header + data
    if compress and len(blob) > _COMPRESS_MIN:
        return _compress(blob)
    return blob


def _compress(blob: bytes) -> bytes:
    """ZL123 envelope if it makes the blob smaller; probe large blobs first."""
    size = len(blob)
    if size >= _PROBE_FROM:
        # Random-looking numbers barely deflate: test three samples before spending the time.
        probe = min(_PROBE_SIZE, size // 16)
        samples = [blob[at : at + probe] for at in (0, size // 2, size - probe)]
        sample = b"".join(samples)
        if len(zlib.compress(sample, 1)) > 0.9 * len(sample):
            return blob
    level = 1 if size >= _FAST_LEVEL_FROM else 6
    compressed = codes.ZL123 + _u64.pack(size) + zlib.compress(blob, level)
    return compressed if len(compressed) < size else blob


def unpack(
    blob: bytes | bytearray | memoryview | None, squeeze: bool = False, use_32bit: bool | None = None
) -> Any:
    """Deserialise a blob. ``squeeze`` drops singleton dimensions and turns 0-d into scalars.

    ``use_32bit`` reads blobs written by the 32-bit mYm library (default: ``use_32bit_dims``).
    """
    if blob is None:
        return None
    if bypass_serialization:
        return _checked_raw(blob)
    if isinstance(blob, (bytearray, memoryview)):
        blob = bytes(blob)
    if not isinstance(blob, bytes):
        raise InvalidBlobError(f"A blob is bytes; got {type(blob).__name__}.")
    if blob.startswith(codes.ZL123):
        blob = _decompress(blob)
    header = blob[:4]
    if header not in codes.HEADERS:
        raise InvalidBlobError(
            f"Not a DataJoint blob: it starts with {blob[:8]!r}, not b'mYm\\0', b'dj0\\0' or b'ZL123\\0'. "
            "The column may hold data written by other software."
        )
    reader = Reader(blob, squeeze=squeeze, use_32bit_dims=use_32bit_dims if use_32bit is None else use_32bit)
    try:
        value, end = reader.item(4, len(blob))
    except (struct.error, IndexError, ValueError, OverflowError, RecursionError, MemoryError) as err:
        # A safety net: the reader checks bounds itself; anything left is still a bad blob.
        raise InvalidBlobError(f"Invalid blob: {type(err).__name__}: {err}.") from None
    if end != len(blob):
        raise InvalidBlobError(
            f"Invalid blob: {len(blob) - end} bytes left over after the value ended at byte {end}."
        )
    return value


def _checked_raw(data: Any) -> bytes:
    if not isinstance(data, bytes) or not data.startswith((codes.ZL123, *codes.HEADERS)):
        raise InvalidBlobError(
            "With djnb.blob.bypass_serialization on, values must already be blobs (bytes starting "
            "with b'mYm\\0', b'dj0\\0' or b'ZL123\\0')."
        )
    return data


def _decompress(blob: bytes) -> bytes:
    start = len(codes.ZL123) + 8
    if len(blob) < start:
        raise InvalidBlobError("Invalid blob: a compressed blob shorter than its header.")
    size = _u64.unpack_from(blob, len(codes.ZL123))[0]
    if size > codes.MAX_INFLATION * (len(blob) - start) + 64:
        raise InvalidBlobError(
            f"Invalid blob: it claims {size} bytes uncompressed, more than its "
            f"{len(blob) - start} compressed bytes can hold."
        )
    inflater = zlib.decompressobj()
    try:
        data = inflater.decompress(memoryview(blob)[start:], size + 1)
    except zlib.error as err:
        raise InvalidBlobError(f"Invalid blob: the compressed data is damaged ({err}).") from None
    if len(data) != size or not inflater.eof:
        raise InvalidBlobError(
            f"Invalid blob: it claims {size} bytes uncompressed but the data holds "
            f"{len(data) if inflater.eof else 'a truncated stream of ' + str(len(data))}."
        )
    return data

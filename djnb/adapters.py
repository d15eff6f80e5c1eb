"""``dj.AttributeAdapter``: store a custom Python type as one of DataJoint's types."""

from __future__ import annotations

from typing import Any


class AttributeAdapter:
    """Subclass it, set ``attribute_type`` (e.g. ``"longblob"``) and define ``put``/``get``.

    Declare attributes as ``<name>`` where ``name`` is an instance in the schema's context.
    """

    attribute_type: str = ""

    def put(self, obj: Any) -> Any:
        """Convert the object to a value of ``attribute_type`` before insert."""
        raise NotImplementedError

    def get(self, value: Any) -> Any:
        """Convert a fetched value back into the object."""
        raise NotImplementedError

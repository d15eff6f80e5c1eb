"""Where each public name of DataJoint 0.14's modules lives in djnb: data only.

``MODULES[path]`` maps a module of the ``datajoint`` package (``"utils"`` is
``datajoint.utils``) to ``{djnb module: names}``. A name written ``old=new`` is 0.14's ``old``
under djnb's name ``new``. A module listed under ``FALLBACK`` also answers every other name of
that djnb module (so ``datajoint.errors`` has all of djnb's error classes).
"""

from __future__ import annotations

#: 0.14's version at the API level djnb implements, reported as ``datajoint.__version__``.
API_VERSION = "0.14.10"

MODULES: dict[str, dict[str, tuple[str, ...]]] = {
    "utils": {
        "djnb.naming": ("to_camel_case", "from_camel_case", "is_camel_case", "get_master"),
        "djnb.console": ("user_choice",),
        "djnb.files": ("safe_write", "safe_copy"),
    },
    "user_tables": {
        "djnb.tiers": ("UserTable", "Manual", "Lookup", "Part"),
        "djnb.populate": ("Imported", "Computed", "AutoPopulate"),
        "djnb.table": ("Table", "TableMeta"),
        "djnb.naming": ("from_camel_case",),
    },
    "schemas": {
        "djnb.schemas": ("Schema", "VirtualModule", "list_schemas", "create_virtual_module"),
        "djnb.connection": ("conn",),
        "djnb.settings": ("config",),
    },
    "table": {
        "djnb.table": ("Table", "FreeTable"),
        "djnb.schemas": ("Log=LogTable",),
    },
    "expression": {
        "djnb.expression": ("QueryExpression", "U", "Top"),
        "djnb.sql.conditions": ("AndList", "Not"),
    },
    "condition": {
        "djnb.sql.conditions": ("AndList", "Not"),
        "djnb.expression": ("Top",),
    },
    "autopopulate": {"djnb.populate": ("AutoPopulate",)},
    "hash": {"djnb.hashing": ("key_hash", "uuid_from_buffer", "uuid_from_file", "uuid_from_stream")},
    "heading": {"djnb.heading": ("Heading", "Attribute"), "djnb.adapters": ("AttributeAdapter",)},
    "declare": {},
    "external": {
        "djnb.stores": ("ExternalTable", "ExternalMapping", "subfold", "CACHE_SUBFOLDING"),
    },
    "jobs": {"djnb.jobs": ("JobTable", "ERROR_MESSAGE_LENGTH", "TRUNCATION_APPENDIX=TRUNCATION")},
    "admin": {"djnb.admin": ("set_password", "kill", "kill_quick")},
    "settings": {
        "djnb.settings": (
            "config",
            "Config",
            "LOCALCONFIG=LOCAL_CONFIG",
            "GLOBALCONFIG=GLOBAL_CONFIG",
            "DEFAULT_SUBFOLDING",
        ),
    },
    "errors": {"djnb.errors": ()},
    "blob": {"djnb.blob": ("pack", "unpack", "MatCell", "MatStruct")},
    "fetch": {"djnb.fetch": ("key", "is_key")},
    "dependencies": {"djnb.dependencies": ("Dependencies",)},
    "diagram": {"djnb.diagram": ("Diagram",)},
    "connection": {"djnb.connection": ("Connection", "conn")},
    "attribute_adapter": {"djnb.adapters": ("AttributeAdapter",)},
    "version": {"djnb.version": ("__version__",)},
    "logging": {"djnb.settings": ("logger",)},
}

#: modules whose other names also come from one djnb module (0.14's module was that whole surface)
FALLBACK: dict[str, str] = {
    "errors": "djnb.errors",
    "blob": "djnb.blob",
    "settings": "djnb.settings",
    "heading": "djnb.heading",
    "hash": "djnb.hashing",
}

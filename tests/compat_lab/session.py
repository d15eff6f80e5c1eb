"""Sessions of a subject and where their files are."""

import importlib
import inspect

import datajoint as dj

schema = dj.schema()
_linking_module = None


def activate(schema_name, *, create_schema=True, create_tables=True, linking_module=None):
    if isinstance(linking_module, str):
        linking_module = importlib.import_module(linking_module)
    assert inspect.ismodule(linking_module), "linking_module must be a module or its name"
    global _linking_module
    _linking_module = linking_module
    schema.activate(
        schema_name,
        create_schema=create_schema,
        create_tables=create_tables,
        add_objects=_linking_module.__dict__,
    )


@schema
class Session(dj.Manual):
    definition = """
    -> Subject
    session_datetime: datetime
    """


@schema
class SessionDirectory(dj.Manual):
    definition = """
    -> Session
    ---
    session_dir: varchar(256)  # relative to the root data directory
    """

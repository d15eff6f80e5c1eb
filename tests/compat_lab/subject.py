"""Subjects; the lab table they refer to comes from the linking module."""

import importlib
import inspect

import datajoint as dj
from datajoint.utils import from_camel_case

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
class Subject(dj.Manual):
    definition = """
    subject: varchar(8)
    ---
    sex: enum('M', 'F', 'U')
    subject_birth_date: date
    subject_description='': varchar(1024)
    """

    class Lab(dj.Part):
        definition = """
        -> master
        -> Lab
        ---
        subject_alias='': varchar(32)
        """


def table_names():
    return [from_camel_case(name) for name in ("Subject",)]

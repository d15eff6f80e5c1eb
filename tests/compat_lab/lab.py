"""Labs, users and protocol types (Lookup tables, declared when the schema is activated)."""

import datajoint as dj

schema = dj.schema()


def activate(schema_name, create_schema=True, create_tables=True):
    schema.activate(schema_name, create_schema=create_schema, create_tables=create_tables)


@schema
class Lab(dj.Lookup):
    definition = """
    lab: varchar(24)  # short lab name
    ---
    lab_name: varchar(255)
    institution: varchar(255)
    """
    contents = [("tanklab", "Tank Lab", "Example University")]


@schema
class ProtocolType(dj.Lookup):
    definition = """
    protocol_type: varchar(32)
    """

    @property
    def contents(self):  # some packages compute their contents
        return [[name] for name in ("IACUC", "IRB")]


@schema
class User(dj.Lookup):
    definition = """
    user: varchar(32)
    ---
    user_email='': varchar(128)
    """
    contents = zip(["alice", "bob"], ["alice@example.org", "bob@example.org"])

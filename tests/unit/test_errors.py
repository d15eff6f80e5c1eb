"""The error tree: DataJoint's names and parents, our additions, and the drawn docstring."""

from __future__ import annotations

import inspect

import pytest

import djnb as dj
from djnb import errors

DATAJOINT_PARENTS = {
    "DataJointError": Exception,
    "LostConnectionError": errors.DataJointError,
    "QueryError": errors.DataJointError,
    "QuerySyntaxError": errors.QueryError,
    "AccessError": errors.QueryError,
    "MissingTableError": errors.DataJointError,
    "DuplicateError": errors.QueryError,
    "IntegrityError": errors.QueryError,
    "UnknownAttributeError": errors.QueryError,
    "MissingAttributeError": errors.QueryError,
    "MissingExternalFile": errors.DataJointError,
    "BucketInaccessible": errors.DataJointError,
}


@pytest.mark.parametrize(("name", "parent"), DATAJOINT_PARENTS.items())
def test_datajoint_names_keep_their_parents(name, parent):
    cls = getattr(errors, name)
    assert issubclass(cls, parent)
    assert cls.__bases__[0] is parent or parent is Exception


def test_every_error_is_a_datajoint_error_and_drawn_in_the_docstring():
    classes = [
        obj for _, obj in inspect.getmembers(errors, inspect.isclass) if obj.__module__ == errors.__name__
    ]
    constants = {"ADAPTED_TYPE_SWITCH", "FILEPATH_FEATURE_SWITCH"}  # 0.14's switch names
    assert {cls.__name__ for cls in classes} == set(errors.__all__) - constants
    for cls in classes:
        # PluginWarning is a plain Exception in 0.14 too (code catches it as such)
        assert issubclass(cls, errors.DataJointError) or cls is errors.PluginWarning
        assert cls.__name__ in errors.__doc__
        assert cls.__doc__, f"{cls.__name__} needs a docstring"


def test_all_is_sorted():
    assert errors.__all__ == sorted(errors.__all__)
    assert dj.__all__ == sorted(dj.__all__)


def test_suggest_appends_arguments():
    error = errors.QueryError("first").suggest("second")
    assert type(error) is errors.QueryError
    assert error.args == ("first", "second")


def test_config_errors_are_value_errors():
    assert issubclass(errors.ConfigError, ValueError)
    assert issubclass(errors.AuthenticationError, errors.AccessError)
    assert issubclass(errors.TLSError, errors.ConnectError)

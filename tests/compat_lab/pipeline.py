"""The linking module: activates each schema with the names the next one needs."""

import datajoint as dj

from . import analysis, lab, session, subject
from .lab import Lab, ProtocolType, User  # subject's definitions need Lab

db_prefix = dj.config["custom"].get("database.prefix", "")


def get_data_dir():
    return dj.config["custom"]["root_data_dir"]


lab.activate(db_prefix + "lab")
subject.activate(db_prefix + "subject", linking_module=__name__)
from .subject import Subject

session.activate(db_prefix + "session", linking_module=__name__)
from .session import Session, SessionDirectory

analysis.activate(db_prefix + "analysis", linking_module=__name__)

"""Ingestion from CSV files, as workflow packages do it."""

import csv
import pathlib

from .pipeline import Session, Subject


def ingest_subjects(subject_csv_path, skip_duplicates=True):
    with open(subject_csv_path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    Subject.insert(rows, skip_duplicates=skip_duplicates, ignore_extra_fields=True)
    Subject.Lab.insert(
        [{"subject": row["subject"], "lab": row["lab"]} for row in rows], skip_duplicates=skip_duplicates
    )
    return len(rows)


def ingest_sessions(session_csv_path, skip_duplicates=True):
    Session.insert(pathlib.Path(session_csv_path), skip_duplicates=skip_duplicates, ignore_extra_fields=True)

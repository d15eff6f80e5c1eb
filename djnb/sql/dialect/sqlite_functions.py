"""MySQL functions for SQLite sessions, with MySQL's meaning, over the text forms djnb stores.

SQLite keeps dates as ISO text ('2024-01-02', '2024-01-02 03:04:05[.ffffff]') and times as
'[-]HH:MM:SS[.ffffff]'. The SQLite driver registers these functions on every session (as
deterministic where they are), and ``sql/usersql.py`` translates users' MySQL fragments into
calls of them where SQLite has no function of the same meaning. Each returns NULL (None) for a
NULL or unreadable argument, as MySQL does (it warns and returns NULL).
"""

from __future__ import annotations

import calendar
import datetime
import math
import random
import re
from collections.abc import Callable
from typing import Any

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}$")


def _when(value: Any) -> datetime.datetime | None:
    """The datetime of a date or datetime text; None for anything else."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.datetime.fromisoformat(value.strip())
    except ValueError:
        return None


def _part(extract: Callable[[datetime.datetime], int]) -> Callable[[Any], int | None]:
    def function(value: Any) -> int | None:
        when = _when(value)
        return None if when is None else extract(when)

    return function


def _time_part(index: int) -> Callable[[Any], int | None]:
    """HOUR/MINUTE/SECOND of a time ('HH:MM:SS') or a datetime."""

    def function(value: Any) -> int | None:
        if not isinstance(value, str):
            return None
        text = value.strip()
        if re.fullmatch(r"-?\d+:\d{2}:\d{2}(\.\d+)?", text):
            parts = text.lstrip("-").split(":")
            return int(float(parts[index]))
        when = _when(text)
        return None if when is None else (when.hour, when.minute, when.second)[index]

    return function


_SECONDS = {"MICROSECOND": 1e-6, "SECOND": 1, "MINUTE": 60, "HOUR": 3600, "DAY": 86400, "WEEK": 604800}


def timestampdiff(unit: str, start: Any, end: Any) -> int | None:
    """MySQL's TIMESTAMPDIFF(unit, start, end): whole units from start to end, toward zero."""
    a, b = _when(start), _when(end)
    if a is None or b is None:
        return None
    if unit in _SECONDS:
        if unit == "MICROSECOND":
            return int((b - a) / datetime.timedelta(microseconds=1))
        return int((b - a) / datetime.timedelta(seconds=1) / _SECONDS[unit])
    months = (b.year - a.year) * 12 + (b.month - a.month)
    # a month counts only once its day and time are reached (MySQL's rule)
    if months > 0 and (b.day, b.time()) < (a.day, a.time()):
        months -= 1
    elif months < 0 and (b.day, b.time()) > (a.day, a.time()):
        months += 1
    return {"MONTH": months, "QUARTER": int(months / 3), "YEAR": int(months / 12)}.get(unit)


def date_add(value: Any, amount: Any, unit: str) -> str | None:
    """MySQL's DATE_ADD(value, INTERVAL amount unit) (negative amount: DATE_SUB).

    A date plus days, weeks, months, quarters or years stays a date; otherwise a datetime.
    Months clip to the month's last day, as MySQL does ('2024-01-31' + 1 month = '2024-02-29').
    """
    when = _when(value)
    if when is None or amount is None:
        return None
    is_date = _DATE.match(value.strip()) is not None
    if unit in ("MONTH", "QUARTER", "YEAR"):
        months = int(amount) * {"MONTH": 1, "QUARTER": 3, "YEAR": 12}[unit]
        total = when.year * 12 + when.month - 1 + months
        year, month = divmod(total, 12)
        if not 1 <= year <= 9999:
            return None
        day = min(when.day, calendar.monthrange(year, month + 1)[1])
        when = when.replace(year=year, month=month + 1, day=day)
    else:
        try:
            when = when + datetime.timedelta(seconds=float(amount) * _SECONDS[unit])
        except OverflowError:
            return None
        is_date = is_date and unit in ("DAY", "WEEK") and float(amount).is_integer()
    if is_date:
        return when.date().isoformat()
    return when.isoformat(" ", timespec="microseconds" if when.microsecond else "seconds")


def truncate(value: Any, decimals: Any) -> float | int | None:
    """MySQL's TRUNCATE(x, d): x cut (toward zero) to d decimals."""
    if value is None or decimals is None:
        return None
    factor = 10 ** int(decimals)
    result = math.trunc(float(value) * factor) / factor
    return int(result) if int(decimals) <= 0 else result


def unix_timestamp(value: Any = None) -> int | float | None:
    if value is None:
        return int(datetime.datetime.now().timestamp())
    when = _when(value)
    if when is None:
        return None
    stamp = when.timestamp()  # local time, as MySQL's session time zone SYSTEM
    return int(stamp) if stamp.is_integer() else stamp


def from_unixtime(seconds: Any) -> str | None:
    if seconds is None:
        return None
    when = datetime.datetime.fromtimestamp(float(seconds))
    return when.isoformat(" ", timespec="microseconds" if when.microsecond else "seconds")


_FORMAT = {  # MySQL's DATE_FORMAT codes -> strftime's
    "%Y": "%Y", "%y": "%y", "%m": "%m", "%c": "%-m", "%d": "%d", "%e": "%-d", "%H": "%H",
    "%k": "%-H", "%h": "%I", "%I": "%I", "%l": "%-I", "%i": "%M", "%s": "%S", "%S": "%S",
    "%p": "%p", "%M": "%B", "%b": "%b", "%W": "%A", "%a": "%a", "%j": "%j", "%T": "%H:%M:%S",
    "%r": "%I:%M:%S %p", "%f": "%f", "%%": "%%", "%w": "%w",
}  # fmt: skip


def _strftime_format(mysql_format: str) -> str:
    return re.sub(r"%.", lambda m: _FORMAT.get(m.group(), m.group()[1:]), mysql_format)


def date_format(value: Any, mysql_format: Any) -> str | None:
    when = _when(value)
    if when is None or not isinstance(mysql_format, str):
        return None
    return when.strftime(_strftime_format(mysql_format))


def str_to_date(text: Any, mysql_format: Any) -> str | None:
    if not isinstance(text, str) or not isinstance(mysql_format, str):
        return None
    pattern = _strftime_format(mysql_format).replace("%-", "%")
    try:
        when = datetime.datetime.strptime(text, pattern)
    except ValueError:
        return None
    has_time = any(
        code in mysql_format for code in ("%H", "%k", "%h", "%I", "%l", "%i", "%s", "%S", "%T", "%r")
    )
    return when.isoformat(" ") if has_time else when.date().isoformat()


def _now() -> str:
    return datetime.datetime.now().replace(microsecond=0).isoformat(" ")


def _concat(*parts: Any) -> str | None:
    return None if None in parts else "".join(map(str, parts))


def _power(a: Any, b: Any) -> float | None:
    return None if a is None or b is None else float(a) ** float(b)


def _regexp(pattern: Any, text: Any) -> bool | None:
    return None if pattern is None or text is None else bool(re.search(pattern, text, re.IGNORECASE))


#: name -> (number of arguments (-1: any), function, deterministic)
MYSQL_FUNCTIONS: dict[str, tuple[int, Callable[..., Any], bool]] = {
    "NOW": (0, _now, False),
    "CURRENT_TIMESTAMP": (0, _now, False),
    "CURDATE": (0, lambda: datetime.date.today().isoformat(), False),
    "CONCAT": (-1, _concat, True),
    "RAND": (0, random.random, False),
    "POW": (2, _power, True),
    "POWER": (2, _power, True),
    "REGEXP": (2, _regexp, True),
    "YEAR": (1, _part(lambda w: w.year), True),
    "MONTH": (1, _part(lambda w: w.month), True),
    "DAY": (1, _part(lambda w: w.day), True),
    "QUARTER": (1, _part(lambda w: (w.month - 1) // 3 + 1), True),
    "DAYOFWEEK": (1, _part(lambda w: w.isoweekday() % 7 + 1), True),
    "DAYOFYEAR": (1, _part(lambda w: w.timetuple().tm_yday), True),
    "WEEK": (1, _part(lambda w: int(w.strftime("%U"))), True),
    "HOUR": (1, _time_part(0), True),
    "MINUTE": (1, _time_part(1), True),
    "SECOND": (1, _time_part(2), True),
    "TIMESTAMPDIFF": (3, timestampdiff, True),
    "DATE_ADD": (3, date_add, True),
    "TRUNCATE": (2, truncate, True),
    "UNIX_TIMESTAMP": (-1, unix_timestamp, False),
    "FROM_UNIXTIME": (1, from_unixtime, True),
    "DATE_FORMAT": (2, date_format, True),
    "STR_TO_DATE": (2, str_to_date, True),
}

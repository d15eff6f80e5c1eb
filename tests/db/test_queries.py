"""The query algebra and fetch against MariaDB, checked against plain-Python computations
over a generated university data set (students, courses, sections, enrollments, grades)."""

from __future__ import annotations

import random
from collections import Counter, defaultdict

import numpy as np
import pytest

import djnb as dj

BACKENDS = ("mysql", "sqlite")


HOSTILE = ["'; DROP TABLE x; --", "quote \" and ' both", "back\\slash", "100% sure", "ünïcødé ∑", "nul\0byte"]


@pytest.fixture(scope="module")
def uni(server, prefix):
    connection = dj.Connection(**server)
    schema = dj.Schema(f"{prefix}_uni", connection=connection)
    space: dict = {}

    @schema(context=space)
    class Student(dj.Manual):
        definition = """
        student_id : int unsigned
        ---
        name : varchar(64)
        year : tinyint unsigned
        home_state = null : char(2)
        gpa = null : float
        """

    space["Student"] = Student

    @schema(context=space)
    class Course(dj.Manual):
        definition = """
        course : varchar(8)
        ---
        dept : varchar(8)
        credits : tinyint unsigned
        """

    space["Course"] = Course

    @schema(context=space)
    class Section(dj.Manual):
        definition = """
        -> Course
        term : smallint
        ---
        room : varchar(8)
        """

    space["Section"] = Section

    @schema(context=space)
    class Enrollment(dj.Manual):
        definition = """
        -> Student
        -> Section
        """

    space["Enrollment"] = Enrollment

    @schema(context=space)
    class Grade(dj.Manual):
        definition = """
        -> Enrollment
        ---
        grade : double
        """

    rng = random.Random(7)
    students = [(i, HOSTILE[i] if i < len(HOSTILE) else f"s{i}", rng.randint(1, 4), rng.choice(["CA", "NY", None]),
                 None if i % 7 == 0 else round(rng.uniform(2, 4), 2)) for i in range(60)]  # fmt: skip
    courses = [(f"C{i}", rng.choice(["math", "bio", "cs"]), rng.randint(1, 5)) for i in range(12)]
    sections = [
        (c, t, f"R{rng.randint(1, 9)}") for c, *_ in courses for t in (2023, 2024) if rng.random() < 0.8
    ]
    enrollments = sorted(
        {(s[0], *rng.choice(sections)[:2]) for s in students for _ in range(rng.randint(0, 6))}
    )
    grades = [(*e, round(rng.uniform(0, 4), 1)) for e in enrollments if rng.random() < 0.7]
    for table, rows in (
        (Student, students),
        (Course, courses),
        (Section, sections),
        (Enrollment, enrollments),
        (Grade, grades),
    ):
        names = table.heading.names
        connection.query_many(connection.dialect.insert(table.full_table_name, names), rows)
    data = dict(students=students, courses=courses, sections=sections, enrollments=enrollments, grades=grades)
    yield {**space, "Grade": Grade}, data
    connection.close()


def test_restrictions(uni):
    t, data = uni
    student = t["Student"]
    assert len(student & {"year": 2}) == sum(s[2] == 2 for s in data["students"])
    assert len(student & "year > 2") == sum(s[2] > 2 for s in data["students"])
    assert len(student & [{"year": 1}, {"year": 4}]) == sum(s[2] in (1, 4) for s in data["students"])
    assert len(student & dj.AndList(["year > 1", {"home_state": "CA"}])) == sum(
        s[2] > 1 and s[3] == "CA" for s in data["students"]
    )
    assert len(student & {"home_state": None}) == sum(s[3] is None for s in data["students"])
    assert len(student - {"home_state": None}) == sum(s[3] is not None for s in data["students"])
    assert len(student & []) == 0 and len(student - []) == len(data["students"])
    enrolled = {e[0] for e in data["enrollments"]}
    assert len(student & t["Enrollment"]) == len(enrolled)
    assert len(student - t["Enrollment"]) == len(data["students"]) - len(enrolled)
    assert len(student & {"unknown_key": 1}) == len(data["students"])  # keys not in the heading are ignored


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_values_come_back_verbatim_and_match_exactly(uni, value):
    t, _ = uni
    rows = (t["Student"] & {"name": value}).fetch(as_dict=True)
    assert len(rows) == 1 and rows[0]["name"] == value


def test_joins_and_projections(uni):
    t, data = uni
    joined = t["Student"] * t["Enrollment"]
    assert len(joined) == len(data["enrollments"])
    assert joined.primary_key == ["student_id", "course", "term"]
    renamed = t["Student"].proj("name", level="year")
    assert renamed.heading.names == ["student_id", "name", "level"]
    assert len(renamed & "level = 3") == sum(s[2] == 3 for s in data["students"])
    computed = t["Course"].proj(double_credits="credits * 2")
    expected = sorted((c[0], c[2] * 2) for c in data["courses"])
    assert (
        sorted(
            map(
                tuple,
                computed.fetch(as_dict=True)
                and [(r["course"], r["double_credits"]) for r in computed.fetch(as_dict=True)],
            )
        )
        == expected
    )
    with pytest.raises(dj.DataJointError, match="secondary attribute on both sides"):
        t["Student"] * t["Course"].proj(name="dept")


def test_aggregations_with_having_unions_and_universal_sets(uni):
    t, data = uni
    counts = Counter(e[0] for e in data["enrollments"])
    busy = t["Student"].aggr(t["Enrollment"], n="count(*)") & "n > 3"
    assert sorted(busy.fetch("student_id").tolist()) == sorted(s for s, n in counts.items() if n > 3)
    everyone = t["Student"].aggr(t["Enrollment"], n="count(course)", keep_all_rows=True)
    assert len(everyone) == len(data["students"])
    by_course: dict = defaultdict(list)
    for _student, course, _term, grade in data["grades"]:
        by_course[course].append(grade)
    averages = t["Course"].aggr(t["Grade"], "dept", avg="avg(grade)")
    result = {r["course"]: r["avg"] for r in averages.fetch(as_dict=True)}
    assert result.keys() == by_course.keys()
    for course, grades in by_course.items():
        assert result[course] == pytest.approx(sum(grades) / len(grades))
    departments = dj.U("dept") & t["Course"]
    assert sorted(departments.fetch("dept").tolist()) == sorted({c[1] for c in data["courses"]})
    per_year = dj.U("year").aggr(t["Student"], n="count(*)")
    assert {r["year"]: r["n"] for r in per_year.fetch(as_dict=True)} == Counter(
        s[2] for s in data["students"]
    )
    total = dj.U().aggr(t["Enrollment"], n="count(*)").fetch1("n")
    assert total == len(data["enrollments"])
    both = (t["Student"] & {"year": 1}).proj() + (t["Student"] & {"year": 2}).proj()
    assert len(both) == sum(s[2] in (1, 2) for s in data["students"])


def test_fetch_formats(uni):
    t, data = uni
    student = t["Student"]
    records = student.fetch(order_by="student_id")
    assert records.dtype["student_id"] == np.int64 and records.dtype["gpa"] == np.float64
    assert np.isnan(records["gpa"][0]) and records["name"][6] == "s6"
    frame = student.fetch(format="frame")
    assert frame.index.name == "student_id" and len(frame) == len(data["students"])
    keys = (student & "year = 1").fetch("KEY")
    assert all(set(k) == {"student_id"} for k in keys)
    names, _years = student.fetch("name", "year", order_by="student_id DESC", limit=3)
    assert names.tolist() == [s[1] for s in sorted(data["students"], reverse=True)[:3]]
    assert len(student.fetch(limit=5, offset=2)) == 5
    assert student.head(3)["student_id"].tolist() == [0, 1, 2]
    assert student.tail(2)["student_id"].tolist() == [58, 59]
    one = (student & {"student_id": 10}).fetch1()
    assert (
        one["student_id"] == 10 and (student & {"student_id": 10}).fetch1("year") == data["students"][10][2]
    )
    with pytest.raises(dj.DataJointError, match="exactly one row"):
        student.fetch1()
    with pytest.raises(dj.DataJointError, match="exactly one row"):
        (student & {"student_id": -1}).fetch1()
    assert student & {"student_id": 3} and not (student & {"student_id": -3})
    assert {"student_id": 3} in student and {"student_id": -3} not in student
    assert sum(1 for _ in student) == len(data["students"])
    assert len(student.to_dicts()) == len(student.keys()) == len(data["students"])
    with pytest.raises(dj.errors.UnknownAttributeError, match="existing: student_id, name"):
        student.fetch("nope")


def test_top(uni):
    t, data = uni
    best = t["Grade"] & dj.Top(3, "grade DESC")
    expected = sorted((g[3] for g in data["grades"]), reverse=True)[:3]
    assert sorted(best.fetch("grade").tolist(), reverse=True) == expected
    assert len((t["Student"] & dj.Top(10, "KEY")) & dj.Top(3, "name")) == 3


def test_class_level_operators(uni):
    t, data = uni
    student = t["Student"]
    assert len(student & {"year": 3}) == len(student() & {"year": 3})
    assert len(student.fetch()) == len(data["students"])
    assert student.fetch1 and len(student * t["Enrollment"]) == len(data["enrollments"])
    assert "WHERE" in (student & {"year": 1}).make_sql()


def test_outer_union_and_promotion(uni):
    t, data = uni
    years = t["Student"].proj("year") & "student_id < 10"
    states = t["Student"].proj("home_state") & "student_id >= 5 and student_id < 15"
    both = years + states
    rows = {r["student_id"]: r for r in both.fetch(as_dict=True)}
    assert sorted(rows) == list(range(15))
    assert rows[0]["home_state"] is None and rows[12]["year"] is None
    assert rows[7]["year"] == data["students"][7][2] and rows[7]["home_state"] == data["students"][7][3]
    promoted = dj.U("year") * t["Student"]
    assert promoted.primary_key == ["student_id", "year"] and len(promoted) == len(data["students"])


def test_permissive_operators(uni):
    t, _ = uni
    renamed = t["Course"].proj(name="dept")
    with pytest.raises(dj.DataJointError, match="secondary attribute on both sides"):
        t["Student"] & renamed
    assert len(t["Student"] ^ renamed) == 0  # no student is named after a department
    assert len(t["Student"] @ renamed) == 0

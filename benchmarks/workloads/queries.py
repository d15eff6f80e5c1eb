"""Queries on 100,000 rows: a join with restrictions, an aggregation with HAVING, and a restricted
aggregation, each fetched whole.

Floor: the best hand-written SQL for the same result, fetched through the raw driver.
Data: 1,000 animals (two species) with 100 trials each; a trial has a score and a duration.
"""

from __future__ import annotations

from contextlib import closing

from benchmarks.workloads.server import configure, drop_schema, floor_connection, floor_sql, run_sql

SCHEMA = "djnb_bench_queries"
ANIMALS, TRIALS = 1000, 100


def _counts(smoke: bool) -> tuple[int, int]:
    return (50, 20) if smoke else (ANIMALS, TRIALS)


def setup(server: dict, smoke: bool) -> None:
    animals, trials = _counts(smoke)
    run_sql(server, [
        f"DROP DATABASE IF EXISTS `{SCHEMA}`",
        f"CREATE DATABASE `{SCHEMA}`",
        f"CREATE TABLE `{SCHEMA}`.`animal` (`animal_id` int NOT NULL, `species` varchar(16) NOT NULL, "
        "`weight` double NOT NULL, PRIMARY KEY (`animal_id`)) ENGINE=InnoDB",
        f"CREATE TABLE `{SCHEMA}`.`trial` (`animal_id` int NOT NULL, `trial_id` int NOT NULL, "
        "`score` double NOT NULL, `duration` float NOT NULL, PRIMARY KEY (`animal_id`, `trial_id`), "
        f"FOREIGN KEY (`animal_id`) REFERENCES `{SCHEMA}`.`animal` (`animal_id`) "
        "ON UPDATE CASCADE ON DELETE RESTRICT) ENGINE=InnoDB",
    ])  # fmt: skip
    run_sql(server, [], (
        f"INSERT INTO `{SCHEMA}`.`animal` VALUES (%s, %s, %s)",
        [(a, "mouse" if a % 2 else "rat", 20.0 + a % 17) for a in range(animals)],
    ))  # fmt: skip
    # scores spread over [0, 1) by a fixed scramble, so restrictions keep a known share of rows
    run_sql(server, [], (
        f"INSERT INTO `{SCHEMA}`.`trial` VALUES (%s, %s, %s, %s)",
        [(a, t, ((a * 7919 + t * 104729) % 1000) / 1000, 1.0 + t % 13)
         for a in range(animals) for t in range(trials)],
    ))  # fmt: skip


def teardown(server: dict) -> None:
    drop_schema(server, SCHEMA)


def _tables(dj, server: dict, **options):
    configure(dj, server, **options)
    schema = dj.Schema(SCHEMA, connection=dj.conn())

    @schema
    class Animal(dj.Manual):
        definition = """
        animal_id : int
        ---
        species : varchar(16)
        weight : double
        """

    @schema
    class Trial(dj.Manual):
        definition = """
        -> Animal
        trial_id : int
        ---
        score : double
        duration : float
        """

    return Animal, Trial


# name -> (description, the query in the algebra, the hand-written SQL for the same rows)
QUERIES = {
    "query_join": (
        "join + restriction: trials of mice scoring over 0.5, with the animal's weight (~25k rows)",
        lambda Animal, Trial: (Animal * Trial) & 'species = "mouse"' & "score > 0.5",
        "SELECT `animal_id`, `trial_id`, `species`, `weight`, `score`, `duration` "
        "FROM `{s}`.`animal` JOIN `{s}`.`trial` USING (`animal_id`) "
        "WHERE `species` = 'mouse' AND `score` > 0.5",
    ),
    "query_having": (
        "aggregation with HAVING: animals whose mean score is over 0.5, with count and mean",
        lambda Animal, Trial: Animal.aggr(Trial, n="count(*)", mean_score="avg(score)") & "mean_score > 0.5",
        "SELECT `animal_id`, count(*) AS `n`, avg(`score`) AS `mean_score` "
        "FROM `{s}`.`trial` GROUP BY `animal_id` HAVING `mean_score` > 0.5",
    ),
    "query_restricted_aggr": (
        "restricted aggregation: per rat, the count and total duration of trials scoring over 0.9",
        lambda Animal, Trial: (Animal & 'species = "rat"').aggr(
            Trial & "score > 0.9", n="count(*)", total="sum(duration)"
        ),
        "SELECT `animal_id`, count(*) AS `n`, sum(`duration`) AS `total` "
        "FROM `{s}`.`animal` JOIN `{s}`.`trial` USING (`animal_id`) "
        "WHERE `species` = 'rat' AND `score` > 0.9 GROUP BY `animal_id`",
    ),
}


def _make(name: str, contender: str, server: dict):
    _, algebra, sql = QUERIES[name]
    if contender == "floor":
        connection = floor_connection(server)
        statement = floor_sql(server, sql.format(s=SCHEMA))

        def floor() -> None:
            with closing(connection.cursor()) as cursor:
                cursor.execute(statement)
                cursor.fetchall()

        return floor
    if contender == "djnb":
        import djnb as dj

        tables = _tables(dj, server)
    else:
        import datajoint as dj

        tables = _tables(dj, server, **{"database.use_tls": False})
    return lambda: algebra(*tables).fetch()


def _workload(name: str) -> type:
    class Query:
        DESCRIPTION = QUERIES[name][0] + " (floor: hand-written SQL, fetchall)"

        @staticmethod
        def make(contender: str, smoke: bool, server: dict):
            return _make(name, contender, server)

    Query.__name__ = Query.__qualname__ = name
    return Query


Join = _workload("query_join")
Having = _workload("query_having")
RestrictedAggr = _workload("query_restricted_aggr")

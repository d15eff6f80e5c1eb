"""The bounded transfer pool: results in order, overlap, first error raised, work stops."""

from __future__ import annotations

import threading
import time

import pytest

from djnb.concurrency import concurrently


def test_results_keep_the_order_of_the_items():
    assert concurrently(lambda x: x * x, range(100), threads=8) == [x * x for x in range(100)]
    assert concurrently(str, [], threads=8) == []
    assert concurrently(str, [1], threads=8) == ["1"]


def test_slow_items_overlap_up_to_the_bound():
    running, peak, lock = 0, 0, threading.Lock()

    def slow(_item):
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.02)
        with lock:
            running -= 1

    started = time.perf_counter()
    concurrently(slow, range(40), threads=8)
    elapsed = time.perf_counter() - started
    assert peak == 8  # never more than the bound, and the bound is reached
    assert elapsed < 40 * 0.02 / 3  # far from one after another (0.8 s)


def test_the_first_error_is_raised_and_stops_the_rest():
    done = []

    def work(item):
        if item == 3:
            raise KeyError("object 3 is missing")
        time.sleep(0.01)
        done.append(item)

    with pytest.raises(KeyError, match="object 3"):
        concurrently(work, range(1000), threads=4)
    assert len(done) < 100  # the remaining items were not started

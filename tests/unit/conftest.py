"""Unit-test fixtures."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from djnb.blob import accelerator


@pytest.fixture(scope="module", params=["speedups", "python"])
def codec(request: pytest.FixtureRequest) -> Iterator[str]:
    """Run a blob test module with the C accelerator and with the pure-Python codec."""
    if request.param == "speedups" and not accelerator.available():
        pytest.skip("the blob accelerator was not built (no C compiler at install time)")
    accelerator.use(request.param == "speedups")
    yield request.param
    accelerator.use(True)

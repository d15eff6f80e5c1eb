"""Named workloads. Each module defines, per contender ("djnb", "datajoint", "driver"), a
factory ``<contender>(server, smoke)`` that prepares and returns a zero-argument callable; the
worker times each call (or uses the seconds the callable returns, for self-timed workloads).
Optional module-level ``setup(server, smoke)`` / ``teardown(server)`` run once in the runner.
Contender libraries are imported inside the factories: each runs in its own interpreter, and
DataJoint's side virtualenv has no djnb.
"""

# workload name -> module in this package
WORKLOADS = {"import": "importing", "connect": "connect", "roundtrip": "roundtrip"}

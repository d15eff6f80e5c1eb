"""Benchmarks: djnb side by side with DataJoint 0.14 and the raw driver (see run.py)."""

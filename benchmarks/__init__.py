"""Throughput, latency and memory measurements of the gateway, run on demand.

``python -m benchmarks`` (or ``benchmarks/run.py``) runs them all and writes
JSON into ``benchmarks/results/``; ``benchmarks/load_classroom.py`` is the
classroom load test. See ``docs/benchmarks.md``.
"""

"""Simulated classroom devices for the demo, tests and benchmarks."""

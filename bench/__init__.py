"""The benchmark harness of confnotes: `python bench/run.py` (see docs/benchmarks.md)."""

"""Benchmarks (`make bench`) and the load test (`make load`): shequ against the bare libraries it builds on."""

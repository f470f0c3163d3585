"""Benchmarks are kept out of the default test run (`testpaths = tests`); run them with
`make bench` (timed) or `make smoke-bench` (each once, untimed)."""

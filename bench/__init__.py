"""Benchmarks of carerdesk: ``make bench`` (``python -m bench``) prints figures and writes
``bench/results.json``. Each figure is set beside a floor measured in the same run."""

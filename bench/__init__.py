"""Benchmarks of the CRM: `python -m bench NAME --size N` (see bench/__main__.py).

bench/seeding.py generates the data set every benchmark starts from.
"""

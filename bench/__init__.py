"""Jifen's benchmarks: ``python -m bench`` (or ``make bench``). See bench/README.md.

Each benchmark is a module beside this one with a ``run() -> int`` function (the exit code),
listed in :data:`bench.__main__.BENCHMARKS`. Shared pieces:

* :mod:`bench.database` prepares a throw-away database (PostgreSQL when reachable, else SQLite);
* :mod:`bench.servers` starts and stops gunicorn;
* :mod:`bench.load` drives load with wrk, or with a small built-in generator when wrk is missing.
"""

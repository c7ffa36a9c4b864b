"""``python -m bench [NAME ...]``: run the named benchmarks (all of them when none is named)."""

from __future__ import annotations

import sys

from bench import cli, counties, jobs, landing, lists, ranking, rescore

BENCHMARKS = {
    "landing": landing.run,
    "lists": lists.run,
    "rescore": rescore.run,
    "ranking": ranking.run,
    "jobs": jobs.run,
    "cli": cli.run,
    "counties": counties.run,
}


def main(argv: list[str]) -> int:
    names = argv or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}", file=sys.stderr)
        return 2
    status = 0
    for name in names:
        print(f"== {name}")
        status = max(status, BENCHMARKS[name]())
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

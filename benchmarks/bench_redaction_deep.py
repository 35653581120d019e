"""What `redact --deep` (the fast path, then Presidio with spaCy's small English model) costs and
what it adds, next to the fast path alone, on a sample of the labelled corpora.

For each labelled corpus (A and B from tests/support/redaction_corpus, and C, held out, from
tests/support/redaction_holdout) a seeded sample of --lines lines is redacted by both: lines/s,
recall per family (a value is caught when no run of 4 of its characters is left), and the share of
benign near-miss lines kept unchanged. Printed, not asserted.
The deep backend's one-off load time is printed apart.

Needs the deep backend (`make deep`). Run: .venv/bin/python benchmarks/bench_redaction_deep.py [--lines 400]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.support

from secure_mlops.errors import ConfigError
from secure_mlops.redaction import Redactor
from secure_mlops.redaction.deep import DeepRedactor
from tests.support.redaction_corpus import FAMILIES, PERSONAL, SECRETS, Line, Score, build_corpus, score
from tests.support.redaction_holdout import build_holdout

SEED = 20260314


def _timed(lines: list[Line], redact: Callable[[str], str]) -> tuple[Score, float]:
    started = time.perf_counter()
    result = score(lines, redact)
    return result, len(lines) / (time.perf_counter() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=400, help="lines sampled from each corpus (default 400)")
    args = parser.parse_args()

    fast = Redactor()
    started = time.perf_counter()
    try:
        deep = DeepRedactor(fast)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    print(f"deep backend loaded in {time.perf_counter() - started:.2f}s")
    deep.redact("warm-up line for Ana in Lisbon")

    rng = random.Random(SEED)
    results: dict[str, dict[str, tuple[Score, float]]] = {}
    corpora = {"A": build_corpus("A", seed=SEED), "B": build_corpus("B", seed=SEED), "C": build_holdout(seed=SEED)}
    for name, corpus in corpora.items():
        sample = rng.sample(corpus, min(args.lines, len(corpus)))
        results[name] = {"fast": _timed(sample, fast.redact), "deep": _timed(sample, deep.redact)}

    columns = [(name, mode) for name in results for mode in ("fast", "deep")]
    header = "".join(f"{name + ' ' + mode:>10}" for name, mode in columns)
    print(f"\nsample: {args.lines} lines per corpus (seed {SEED})")
    print(f"  {'lines/s':<20}" + "".join(f"{results[name][mode][1]:>10,.0f}" for name, mode in columns))
    print(f"\nrecall per family      {header}")
    for family in (*FAMILIES, "= personal", "= secrets", "= all"):
        group = {"= personal": PERSONAL, "= secrets": SECRETS, "= all": FAMILIES}.get(family, (family,))
        row = "".join(f"{results[name][mode][0].recall(group):>10.3f}" for name, mode in columns)
        print(f"  {family:<20}{row}")
    print(f"\nbenign lines kept      {header}")
    kinds = sorted({kind for name in results for kind in results[name]["fast"][0].benign})
    for kind in (*kinds, "= all"):
        group = None if kind == "= all" else (kind,)
        row = "".join(f"{results[name][mode][0].kept_rate(group):>10.3f}" for name, mode in columns)
        print(f"  {kind:<20}{row}")
    counts = ", ".join(
        f"{name}: {sum(results[name]['fast'][0].values.values())} values, "
        f"{sum(results[name]['fast'][0].benign.values())} benign lines"
        for name in results
    )
    print(f"  ({counts}; nan: no line of that family in the sample)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

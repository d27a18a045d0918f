#!/usr/bin/env python3
"""Extract Autobahn|Testsuite results and compare them with the expected ones.

Reads the suite's index.json, keeps the cases of one agent, writes one line per
case, "CASE BEHAVIOR BEHAVIOR_CLOSE", sorted by case id numerically, to the
results file, prints a summary and compares with the expected file.

Spaces inside a behavior are written as underscores (the suite's "WRONG CODE"
close behavior becomes WRONG_CODE), so every line has exactly three fields.

Exit status: 0 when the results match the expected file, 1 on any difference,
missing case, or missing expected file. With UPDATE_EXPECTED=1 the expected
file is rewritten from the results instead (still failing if cases are missing
compared with --expect-count).

Python 3 standard library only.
"""

import argparse
import collections
import json
import os
import sys

BEHAVIORS = ["OK", "NON-STRICT", "INFORMATIONAL", "FAILED", "UNIMPLEMENTED"]
CLOSE_BEHAVIORS = ["OK", "INFORMATIONAL", "NON-STRICT", "WRONG_CODE", "UNCLEAN",
                   "FAILED_BY_CLIENT", "FAILED", "NO_CLOSE", "UNIMPLEMENTED"]


def case_key(case_id):
    """Numeric sort key: 1.1.2 < 1.1.10 < 1.2.1 < 10.1.1."""
    key = []
    for part in case_id.split("."):
        try:
            key.append((0, int(part), ""))
        except ValueError:
            key.append((1, 0, part))
    return key


def token(value):
    return "-" if value is None else str(value).strip().replace(" ", "_")


def load_index(path, agent):
    try:
        with open(path, encoding="utf-8") as f:
            index = json.load(f)
    except FileNotFoundError:
        sys.exit(f"error: {path} does not exist: the suite produced no report")
    except (OSError, ValueError) as e:
        sys.exit(f"error: cannot read {path}: {e}")
    if agent not in index:
        agents = ", ".join(sorted(index)) or "none"
        sys.exit(f"error: agent {agent!r} not in {path} (agents present: {agents})")
    return {case: (token(r.get("behavior")), token(r.get("behaviorClose")))
            for case, r in index[agent].items()}


def load_expected(path):
    expected = {}
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            fields = line.split()
            if len(fields) != 3:
                sys.exit(f"error: {path}:{lineno}: expected 'CASE BEHAVIOR BEHAVIOR_CLOSE', got {line!r}")
            if fields[0] in expected:
                sys.exit(f"error: {path}:{lineno}: case {fields[0]} listed twice")
            expected[fields[0]] = (fields[1], fields[2])
    return expected


def format_lines(results):
    return [f"{case} {b} {c}\n" for case, (b, c) in sorted(results.items(), key=lambda kv: case_key(kv[0]))]


def write_atomically(path, text):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def print_counts(title, counter, order):
    names = order + sorted(k for k in counter if k not in order)
    print(f"  {title}: " + ", ".join(f"{n} {counter.get(n, 0)}" for n in names))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", required=True, help="the suite's index.json")
    ap.add_argument("--agent", default="wsmachine", help="agent name in index.json")
    ap.add_argument("--results", required=True, help="results file to write")
    ap.add_argument("--expected", required=True, help="expected results file")
    ap.add_argument("--expect-count", type=int, default=None,
                    help="number of cases the suite said it would run")
    ap.add_argument("--role", default="", help="label used in messages")
    args = ap.parse_args()
    update = os.environ.get("UPDATE_EXPECTED", "") not in ("", "0")
    label = f" ({args.role} role)" if args.role else ""

    results = load_index(args.index, args.agent)
    lines = format_lines(results)
    write_atomically(args.results, "".join(lines))

    print(f"Autobahn results{label}: {len(results)} cases, written to {args.results}")
    print_counts("behavior", collections.Counter(b for b, _ in results.values()), BEHAVIORS)
    print_counts("close behavior", collections.Counter(c for _, c in results.values()), CLOSE_BEHAVIORS)

    failed = False
    if args.expect_count is not None and len(results) != args.expect_count:
        print(f"MISSING: the suite was to run {args.expect_count} cases but reported {len(results)}")
        failed = True

    if update:
        if failed:
            print(f"not updating {args.expected}: the run is incomplete")
            return 1
        role = args.role or "ROLE"
        header = (f"# Autobahn|Testsuite expected results, {role} role: CASE BEHAVIOR BEHAVIOR_CLOSE\n"
                  f"# (spaces in behaviors written as '_'). Regenerate with:\n"
                  f"#   UPDATE_EXPECTED=1 .ci/autobahn/run.sh {role}\n")
        write_atomically(args.expected, header + "".join(lines))
        print(f"UPDATE_EXPECTED=1: rewrote {args.expected} ({len(results)} cases)")
        return 0

    if not os.path.exists(args.expected):
        print(f"error: expected file {args.expected} does not exist.\n"
              f"  Review {args.results}, then create it with UPDATE_EXPECTED=1 (see .ci/autobahn/README.md).")
        return 1
    expected = load_expected(args.expected)

    diffs = []
    for case in sorted(set(expected) | set(results), key=case_key):
        want, got = expected.get(case), results.get(case)
        if got is None:
            diffs.append(f"  MISSING {case}: expected {want[0]} {want[1]}, not in the results")
        elif want is None:
            diffs.append(f"  NEW     {case}: got {got[0]} {got[1]}, not in the expected file")
        elif want != got:
            diffs.append(f"  CHANGED {case}: expected {want[0]} {want[1]}, got {got[0]} {got[1]}")
    if diffs:
        print(f"{len(diffs)} difference(s) from {args.expected}:")
        print("\n".join(diffs))
        print("If the new results are intended, rerun with UPDATE_EXPECTED=1 and commit the expected file.")
        failed = True
    elif failed:
        print(f"the reported cases match {args.expected}, but the run is incomplete")
    else:
        print(f"results match {args.expected}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

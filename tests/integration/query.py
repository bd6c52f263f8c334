#!/usr/bin/env python3
"""Reads rstsnoop --json output and answers the tests' questions.

  query.py FILE count [KEY=VALUE ...]      number of matching records
  query.py FILE values FIELD [KEY=VALUE]   FIELD of each matching record, one per line
  query.py FILE valid                      exit 0 when every line is a JSON object

VALUE 'null' matches JSON null; numbers match their decimal form.
Every command first checks that the whole file is valid JSON Lines.
"""
import json
import sys


def load(path):
    records = []
    with open(path, "rb") as f:
        for n, raw in enumerate(f, 1):
            try:
                rec = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, ValueError) as e:
                sys.exit(f"query.py: line {n} is not valid JSON: {e}")
            if not isinstance(rec, dict):
                sys.exit(f"query.py: line {n} is not an object")
            records.append(rec)
    return records


def as_text(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def matches(rec, conds):
    for cond in conds:
        key, _, want = cond.partition("=")
        if key not in rec or as_text(rec[key]) != want:
            return False
    return True


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    records = load(argv[1])
    cmd = argv[2]
    if cmd == "valid":
        return 0
    if cmd == "count":
        print(sum(1 for r in records if matches(r, argv[3:])))
        return 0
    if cmd == "values":
        for r in records:
            if matches(r, argv[4:]):
                print(as_text(r.get(argv[3])))
        return 0
    sys.exit(f"query.py: unknown command {cmd}")


if __name__ == "__main__":
    sys.exit(main(sys.argv))

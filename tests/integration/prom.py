#!/usr/bin/env python3
"""Reads a Prometheus text exposition (what promtool has already accepted).

  prom.py FILE sum METRIC [LABEL=VALUE ...]   sum of the matching samples
  prom.py FILE series METRIC                  how many samples METRIC has
  prom.py FILE complete                       exit 0 when FILE is a whole
                                              rstsnoop exposition (ends with
                                              its last family), 1 otherwise

Label values are compared after the format's own unescaping (\\\\, \\", \\n).
"""
import re
import sys

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?')
LAST_FAMILY = "rstsnoop_map_capacity"


def unescape(value):
    return re.sub(r'\\(.)', lambda m: '\n' if m.group(1) == 'n' else m.group(1), value)


def samples(text):
    for line in text.splitlines():
        if not line or line.startswith('#'):
            continue
        m = SAMPLE.match(line)
        if not m:
            raise SystemExit(f"not a sample line: {line!r}")
        labels = {k: unescape(v) for k, v in LABEL.findall(m.group(3) or '')}
        yield m.group(1), labels, float(m.group(4))


def complete(data):
    """data (bytes) is a whole exposition.  Cheap enough to run in a tight
    loop: the last family has one sample per map, as many as the family
    before, so a text cut anywhere lacks some of them or a final newline."""
    last = LAST_FAMILY.encode() + b'{'
    n = data.count(b'\n' + last)
    return data.endswith(b'\n') and n > 0 and \
        n == data.count(b'\nrstsnoop_map_entries{') and \
        data[:-1].rsplit(b'\n', 1)[-1].startswith(last)


def main():
    path, what = sys.argv[1], sys.argv[2]
    with open(path, 'rb') as f:
        data = f.read()
    if what == 'complete':
        sys.exit(0 if complete(data) else 1)
    text = data.decode('utf-8')
    metric = sys.argv[3]
    want = dict(arg.split('=', 1) for arg in sys.argv[4:])
    matching = [v for name, labels, v in samples(text) if name == metric and
                all(labels.get(k) == w for k, w in want.items())]
    if what == 'sum':
        print(int(sum(matching)) if all(v == int(v) for v in matching) else sum(matching))
    elif what == 'series':
        print(len(matching))
    else:
        raise SystemExit(f"unknown query {what}")


if __name__ == '__main__':
    main()

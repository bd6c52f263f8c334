#!/usr/bin/env python3
"""Finds shell lines where `$?` cannot be the status of the command before.

In `want "label ($(cmd))" $? 0` the command substitution in the label runs
first, so `$?` is its status (always 0 for a plain cat): the check cannot
fail.  Any `$?` that follows a command substitution `$(...)` or `...` on
the same line, outside it, is reported.  Save `rc=$?` on the line after
the command under test instead.

    tests/tools/lint_status.py FILE...   prints FILE:LINE: text per finding;
                                         exit 1 when there is one
"""
import sys


def top_level_findings(line):
    """True when a `$?` outside any substitution follows one on this line."""
    stack = []  # 'dq' (inside "...") or 'subst' (inside $(...))
    seen_subst = False
    i = 0
    while i < len(line):
        c = line[i]
        top = stack[-1] if stack else None
        in_subst = 'subst' in stack
        if c == '\\':
            i += 2
            continue
        if top == 'dq' and c == '"':
            stack.pop()
        elif top != 'dq' and c == '"':
            stack.append('dq')
        elif top != 'dq' and c == "'":
            end = line.find("'", i + 1)  # single quotes hide everything
            if end < 0:
                break
            i = end
        elif top != 'dq' and c == '#' and (i == 0 or line[i - 1] in ' \t;'):
            break  # a comment
        elif line.startswith('$((', i):
            i += 2  # arithmetic, not a command
        elif line.startswith('$(', i):
            stack.append('subst')
            i += 1
        elif c == '`':
            end = line.find('`', i + 1)  # backticks do not nest here
            if end < 0:
                break
            if not in_subst:
                seen_subst = True
            i = end
        elif c == ')' and top == 'subst':
            stack.pop()
            if 'subst' not in stack:
                seen_subst = True
        elif line.startswith('$?', i) and not in_subst and seen_subst:
            return True
        i += 1
    return False


def main(paths):
    bad = 0
    for path in paths:
        with open(path, encoding='utf-8', errors='replace') as f:
            for n, line in enumerate(f, 1):
                if top_level_findings(line.rstrip('\n')):
                    print(f'{path}:{n}: {line.strip()}')
                    bad += 1
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))

#!/usr/bin/env python3
"""Add to an enum of vmlinux/arm64/vmlinux.h the enumerators that the newer
kernel's vmlinux/vmlinux.h (x86, 6.18) has and this one (6.12) lacks.

The BPF programs name enumerators of newer kernels behind
bpf_core_enum_value_exists() (SKB_DROP_REASON_TCP_LISTEN_OVERFLOW, 6.18):
clang needs the name declared to emit the CO-RE relocation, and libbpf
resolves it against the running kernel's BTF, so the value written here is
never used.  Added ones get values past the enum's own, so that no two
names share one; a comment marks them.

    add-enumerators.py ARM64_HEADER NEWER_HEADER ENUM...
"""
import re
import sys


def enum_body(text, name):
    m = re.search(r"^enum %s \{\n(.*?)^\};" % re.escape(name), text, re.S | re.M)
    if not m:
        sys.exit("add-enumerators: no enum %s" % name)
    return m


def names_values(body):
    return [(n, int(v, 0)) for n, v in re.findall(r"^\t(\w+) = (-?\w+),$", body, re.M)]


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__.strip().splitlines()[-1].strip())
    path, newer_path, enums = sys.argv[1], sys.argv[2], sys.argv[3:]
    text = open(path).read()
    newer = open(newer_path).read()
    for enum in enums:
        m = enum_body(text, enum)
        have = names_values(m.group(1))
        known = {n for n, _ in have}
        missing = [n for n, _ in names_values(enum_body(newer, enum).group(1)) if n not in known]
        if not missing:
            continue
        next_value = max(v for _, v in have) + 1
        added = "".join("\t%s = %d,\n" % (n, next_value + i) for i, n in enumerate(missing))
        added = "\t/* names of newer kernels (add-enumerators.py): CO-RE resolves them */\n" + added
        text = text[:m.end(1)] + added + text[m.end(1):]
        print("add-enumerators: enum %s: %s" % (enum, " ".join(missing)), file=sys.stderr)
    open(path, "w").write(text)


main()

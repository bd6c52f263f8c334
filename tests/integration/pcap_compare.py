#!/usr/bin/env python3
"""Compares a --pcap file, as tshark reads it, with the --json records of the
same run: one packet per record that reports a RST or an ICMP error, in the
same order, with the record's addresses, ports, flags, TTL (where the record
has one) and ICMP type/code, and a comment naming the record's process and
event.  Prints one line per mismatch and exits 1 on any.

usage: pcap_compare.py PCAP RECORDS.json NETNS_INODE...

Only the records of the given namespaces count, and only the packets whose
comment names one of their processes (every record the test makes has an
owner): other tests may trace at the same time.
"""
import json
import subprocess
import sys

FIELDS = ["frame.number", "ip.version", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst", "ip.ttl",
          "ipv6.hlim", "tcp.srcport", "tcp.dstport", "tcp.flags", "icmp.type", "icmp.code",
          "icmpv6.type", "icmpv6.code", "frame.comment"]
# tshark verifies every checksum with these; a packet that fails one, or that
# its dissectors find malformed, is listed by BAD_FILTER
# (ICMP's it checks always)
CHECKS = ["-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE"]
BAD_FILTER = ("_ws.malformed || ip.checksum.status == 0 || tcp.checksum.status == 0 || "
              "icmp.checksum.status == 0 || icmpv6.checksum.status == 0")


def packets(path):
    cmd = ["tshark", "-r", path, "-T", "fields", "-E", "separator=\t", "-E", "occurrence=f"]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return [dict(zip(FIELDS, line.split("\t"))) for line in out.splitlines()]


def flawed(path):
    cmd = ["tshark", "-r", path] + CHECKS + ["-Y", BAD_FILTER, "-T", "fields", "-e", "frame.number"]
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.split()


def text_escape(raw):
    """The table's escape of a name (user/escape.c): printable ASCII stays,
    a backslash doubles, every other byte is \\xNN."""
    out = []
    for b in raw:
        if b == 0x5C:
            out.append("\\\\")
        elif 0x20 < b < 0x7F:
            out.append(chr(b))
        else:
            out.append("\\x%02x" % b)
    return "".join(out)


def comm_bytes(comm):
    # JSON carries a non-UTF-8 byte as \u00NN: back to that byte
    return bytes(ord(c) if ord(c) < 256 else 0x3F for c in comm) if all(
        ord(c) < 256 for c in comm) else comm.encode()


def expected(rec):
    """What the packet of a record must show, or None for no packet."""
    ev, cause = rec["event"], rec["cause"]
    icmp = rec["via"] == "icmp"
    if ev in ("listen_drop", "timed_out"):
        return None
    if ev == "handshake_failed" and not icmp and cause not in ("refused", "reset", "rejected"):
        return None
    inbound = icmp or ev in ("reset_received", "reset_ignored") or (
        ev == "handshake_failed" and cause != "rejected")
    e = {"inbound": inbound, "icmp": icmp}
    if icmp:
        e["src"] = rec["icmp_from"] or rec["raddr"]
        e["dst"] = rec["laddr"]
        e["icmp"] = (rec["icmp_type"], rec["icmp_code"])
    else:
        e["src"], e["dst"] = (rec["raddr"], rec["laddr"]) if inbound else (rec["laddr"], rec["raddr"])
        e["sport"], e["dport"] = (rec["rport"], rec["lport"]) if inbound else (rec["lport"], rec["rport"])
        ack = cause == "refused" or ev == "reset_sent"
        e["flags"] = 0x14 if ack else 0x04
    e["ttl"] = rec["ttl"] if inbound and rec["ttl"] is not None else None
    return e


def main():
    pcap, records, inodes = sys.argv[1], sys.argv[2], {int(x) for x in sys.argv[3:]}
    recs = [json.loads(l) for l in open(records)]
    recs = [r for r in recs if r["netns"] in inodes]
    want = [(r, expected(r)) for r in recs]
    want = [(r, e) for r, e in want if e]
    # other tests on the host make records too: the packets of the test's
    # own processes are those whose comment names one of their pids
    pids = {"pid=%s" % r["pid"] for r, _ in want if r["pid"] is not None}
    got = [p for p in packets(pcap) if set(p["frame.comment"].split()) & pids]
    bad = []
    if len(got) != len(want):
        bad.append("%d packets, %d records with a packet" % (len(got), len(want)))
    for n, (p, (r, e)) in enumerate(zip(got, want), 1):
        v6 = p["ip.version"] != "4" and p["ipv6.src"] != ""
        src = p["ipv6.src"] if v6 else p["ip.src"]
        dst = p["ipv6.dst"] if v6 else p["ip.dst"]
        what = "packet %d (%s %s)" % (n, r["event"], r["cause"])
        if (src, dst) != (e["src"], e["dst"]):
            bad.append("%s: %s > %s, record says %s > %s" % (what, src, dst, e["src"], e["dst"]))
        if e["icmp"] is True or isinstance(e["icmp"], tuple):
            t = (p["icmpv6.type"], p["icmpv6.code"]) if v6 else (p["icmp.type"], p["icmp.code"])
            if e["icmp"] is not True and t != tuple(str(x) for x in e["icmp"]):
                bad.append("%s: icmp %s, record says %s" % (what, t, e["icmp"]))
        else:
            ports = (int(p["tcp.srcport"] or 0), int(p["tcp.dstport"] or 0))
            if ports != (e["sport"], e["dport"]):
                bad.append("%s: ports %s, record says %s" % (what, ports, (e["sport"], e["dport"])))
            if int(p["tcp.flags"] or "0", 16) != e["flags"]:
                bad.append("%s: flags %s, want 0x%02x" % (what, p["tcp.flags"], e["flags"]))
        ttl = p["ipv6.hlim"] if v6 else p["ip.ttl"]
        if e["ttl"] is not None and ttl != str(e["ttl"]):
            bad.append("%s: ttl %s, record says %s" % (what, ttl, e["ttl"]))
        c = p["frame.comment"]
        ttl_word = "ttl=seen" if e["ttl"] is not None else "ttl=made-up"
        if ttl_word not in c.split():
            bad.append("%s: comment lacks %s: %r" % (what, ttl_word, c))
        name = text_escape(comm_bytes(r["comm"])) if r["comm"] is not None else "-"
        pid = str(r["pid"]) if r["pid"] is not None else "-"
        ev = r["event"] + ("/" + r["cause"] if r["event"] == "handshake_failed" else "")
        for word in ("pid=" + pid, "comm=" + name, "event=" + ev):
            if word not in c.split():
                bad.append("%s: comment lacks %s: %r" % (what, word, c))
        if r["rst_origin"] and "origin=" + r["rst_origin"] not in c.split():
            bad.append("%s: comment lacks origin=%s: %r" % (what, r["rst_origin"], c))
        if any(ord(ch) < 0x20 or ord(ch) > 0x7E for ch in c):
            bad.append("%s: a control or non-ASCII byte in the comment: %r" % (what, c))
    for n in flawed(pcap):
        bad.append("packet %s: a bad checksum or malformed (tshark)" % n)
    for line in bad:
        print(line)
    print("%d packets compared" % min(len(got), len(want)))
    return 1 if bad else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (ValueError, KeyError, subprocess.CalledProcessError) as e:
        # a comment with a raw newline or tab splits tshark's lines
        print("cannot compare: tshark's output does not parse: %r" % e)
        sys.exit(1)

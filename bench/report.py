#!/usr/bin/env python3
"""bench/report.py WORKDIR RESULTS.md - turn bench/run.sh's raw runs into tables.

run.sh leaves one directory per load run: WORKDIR/WORKLOAD/TOOL/ROUND/PHASE
(phase off = untraced, on = traced, stats = traced with BPF statistics) with
meta (key=value), client.out/server.out (rstgen's final lines) and, when
traced, tracer.out/tracer.err (and bpftool.json for stats runs). This script
only reads those files, so it can be re-run on a kept WORKDIR (BENCH_KEEP=1).
Standard library only.
"""
import hashlib
import json
import os
import platform
import re
import subprocess
import sys
import time
from statistics import median

CLK_TCK = os.sysconf("SC_CLK_TCK")

# Goals from issue 4.
# Issue 9's goals.
GOAL_REFUSED_RATIO = 0.97  # and above tcpdump's in the same run
GOAL_RESET_RATIO = 0.97
GOAL_ACCEPTED_RATIO = 0.98
GOAL_BULK_RATIO = 0.98
GOAL_CONNECT_NS = 600  # BPF time per refused connect, all programs together
GOAL_PACKET_NS = 50    # the per-packet hook, packets it ignores
GOAL_RSS_KB = 12 * 1024  # issue 16: the peak, VmHWM as run.sh samples it
GOAL_STARTUP_MS = 300
MIN_RUNS = 1000  # BPF averages over fewer runs are shown, not judged

# BPF program types that run once per packet, and rstsnoop's own packet
# program (a tracing program on net:netif_receive_skb).
PACKET_PROG_TYPES = {"sched_cls", "sched_act", "xdp", "cgroup_skb", "socket_filter",
                     "sk_skb", "netfilter"}

TOOL_LABEL = {
    "rstsnoop-json": "rstsnoop --json > file",
    "rstsnoop-text": "rstsnoop (text) > file",
    "rstsnoop-summary": "rstsnoop --json -s 1 > file",
    "tcpdump": "tcpdump -w /dev/null (RST filter)",
    "bpftrace": "bpftrace bench/peer.bt > file",
}
WORKLOAD_LABEL = {
    "refused": "refused (connect to closed port)",
    "reset": "reset (server aborts, client reads RST)",
    "accepted": "accepted (connect/accept/close)",
    "bulk": "bulk (one TCP stream)",
    "bulk-veth": "bulk-veth (one TCP stream between two namespaces over veth)",
}


def read_kv(path):
    """key=value lines; later keys win. Missing file -> {}."""
    kv = {}
    try:
        with open(path, errors="replace") as f:
            for line in f:
                if "=" in line:
                    k, v = line.rstrip("\n").split("=", 1)
                    kv[k] = v
    except FileNotFoundError:
        pass
    return kv


def rstgen_line(path):
    """rstgen's final 'rstgen: k=v ...' line as a dict of ints/floats."""
    res = {}
    try:
        with open(path, errors="replace") as f:
            for line in f:
                if line.startswith("rstgen: ") and "=" in line:
                    res = {k: float(v) for k, v in re.findall(r"(\w+)=([0-9.]+)", line)}
    except FileNotFoundError:
        pass
    return res


def snmp_tcp(path):
    """The Tcp: counters of a /proc/net/snmp copy as {name: int}."""
    rows = [line.split()[1:] for line in read_text(path).splitlines() if line.startswith("Tcp:")]
    if len(rows) < 2:
        return {}
    return {k: int(v) for k, v in zip(rows[0], rows[1])}


def read_text(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


class Run:
    """One load run (one directory)."""

    def __init__(self, path, env):
        self.path = path
        self.meta = read_kv(os.path.join(path, "meta"))
        self.workload = self.meta["workload"]
        self.tool = self.meta["tool"]
        self.round = int(self.meta["round"])
        self.phase = self.meta["phase"]
        self.seconds = float(self.meta["seconds"])
        self.client = rstgen_line(os.path.join(path, "client.out"))
        self.server = rstgen_line(os.path.join(path, "server.out"))
        self.traced = self.phase != "off"
        self.attached = self.meta.get("attached") == "1"
        self.netns = int(self.meta.get("netns_ino", env.get("netns_ino", "0")))
        self.pids = {int(p) for p in (self.client.get("pid"), self.server.get("pid")) if p}
        self.rate = self._rate()
        self.records, self.foreign, self.bad, self.lost = {}, 0, 0, None
        if self.traced and self.attached:
            self._parse_tracer()

    def _rate(self):
        if not self.client:
            return None
        if self.workload.startswith("bulk"):
            return self.client["bytes"] / max(self.client["seconds"], 1e-9)
        return self.client["attempts"] / self.seconds

    def kernel(self, name):
        """Change of a Tcp counter of our namespace over the run (None: unknown)."""
        a, b = (snmp_tcp(os.path.join(self.path, f)) for f in ("snmp.before", "snmp.after"))
        if name not in a or name not in b:
            return None
        return b[name] - a[name]

    def expected(self):
        """What the tool must have recorded for our load, as a list of
        (event types, min, max) on the summed counts; event types named in
        none of them must be 0. None where nothing can be checked.

        The oracle is the load's own counts plus the namespace's kernel
        counters: everything in the namespace is our load, so every RST it
        sent is in OutRsts."""
        c = self.client
        rsts = self.kernel("OutRsts")
        if not c or rsts is None:
            return None
        refused, reset = int(c.get("refused", 0)), int(c.get("reset", 0))
        if self.tool == "tcpdump":
            return [(("rst_packets",), rsts, rsts)]  # every RST on our lo
        if self.tool not in ("rstsnoop-json", "rstsnoop-summary", "bpftrace"):
            return None  # text output is for people; nothing to count reliably
        hf = ("handshake_failed",)
        rst = ("reset_sent", "reset_received")
        if self.workload == "reset":
            # One abort: one RST sent by the server, received by the client.
            return [(hf, 0, 0), (("reset_sent",), rsts, rsts), (("reset_received",), reset, reset)]
        if self.tool == "bpftrace":
            # It sees every RST twice when a socket receives it; only events in
            # our processes' context are counted, softirq work may run in others.
            if self.workload == "refused":
                return [(hf, refused, refused), (rst, 2 * refused, 2 * rsts)]
            return [(hf + rst, 0, 2 * rsts)]
        # rstsnoop: a refused connect is one handshake_failed record (its RST
        # included); any other RST is one record, or two when it both leaves
        # one of our sockets and lands on another one (its kind depends on
        # the state the sender was in: a listener's RST is a failed handshake).
        if self.workload == "refused":
            return [(hf, refused, refused), (rst, rsts - refused, 2 * (rsts - refused))]
        return [(hf + rst, rsts, 2 * rsts)]

    def _ours(self, rec):
        """A record belongs to our load if it is in our netns (or, without a
        netns field, carries one of our pids)."""
        ns = rec.get("netns")
        if isinstance(ns, int) and self.netns:
            return ns == self.netns
        return rec.get("pid") in self.pids

    def _count(self, rec, counts, row=False):
        """Counts one record, or one summary row (row) standing for "count"
        records.  A record's own "count" field (listen_drop, reset_race)
        is not a number of records."""
        if self._ours(rec):
            ev = str(rec.get("event"))
            counts[ev] = counts.get(ev, 0) + (int(rec.get("count") or 0) if row else 1)
        else:
            self.foreign += 1

    def _parse_tracer(self):
        out = os.path.join(self.path, "tracer.out")
        err = read_text(os.path.join(self.path, "tracer.err"))
        counts = {}
        if self.tool in ("rstsnoop-json", "rstsnoop-summary"):
            # a summary row stands for "count" records
            with open(out, errors="replace") as f:
                for line in f:
                    try:
                        rec = json.loads(line)
                    except ValueError:
                        self.bad += 1
                        continue
                    if not isinstance(rec, dict):
                        self.bad += 1
                        continue
                    # a summary interval holds its rows under "groups"
                    if "groups" in rec:
                        for row in rec["groups"]:
                            self._count(row, counts, row=True)
                    else:
                        self._count(rec, counts)
            m = re.search(r"^rstsnoop: lost (\d+) records", err, re.M)
            self.lost = int(m.group(1)) if m else 0
        elif self.tool == "rstsnoop-text":
            with open(out, errors="replace") as f:
                counts["lines"] = sum(1 for line in f if line.strip())
            m = re.search(r"^rstsnoop: lost (\d+) records", err, re.M)
            self.lost = int(m.group(1)) if m else 0
        elif self.tool == "bpftrace":
            text = read_text(out)
            for ev, pid in re.findall(r"^(\w+) pid=(\d+) ", text, re.M):
                if int(pid) in self.pids:
                    counts[ev] = counts.get(ev, 0) + 1
                else:
                    self.foreign += 1
            self.lost = sum(int(n) for n in re.findall(r"Lost (\d+) events", text + err))
        elif self.tool == "tcpdump":
            m = re.search(r"^(\d+) packets? captured", err, re.M)
            counts["rst_packets"] = int(m.group(1)) if m else 0
            m = re.search(r"^(\d+) packets? dropped by kernel", err, re.M)
            self.lost = int(m.group(1)) if m else 0
        self.records = counts

    def exact(self):
        """True/False: records match the load; None: nothing to check."""
        exp = self.expected()
        if exp is None or not self.attached:
            return None
        if self.bad:
            return False
        named = set()
        for types, lo, hi in exp:
            named.update(types)
            if not lo <= sum(self.records.get(t, 0) for t in types) <= hi:
                return False
        return all(not v for t, v in self.records.items() if t not in named)

    def cpu_s(self):
        t = self.meta.get("cpu_ticks")
        return int(t) / CLK_TCK if t else None

    def rss_kb(self):
        r = self.meta.get("rss_kb")
        return int(r) if r else None

    def startup_ms(self):
        s = self.meta.get("startup_us")
        return int(s) / 1000 if s else None

    def empty_baseline(self):
        """(run_cnt, run_time_ns) of the empty program on the packet
        tracepoint during this run (bench/empty_packet.bpf.c), or None."""
        try:
            with open(os.path.join(self.path, "empty.out")) as f:
                for line in f:
                    w = line.split()
                    if len(w) == 3 and w[0] == "empty_packet":
                        return int(w[1]), int(w[2])
        except (OSError, ValueError):
            pass
        return None

    def bpf_progs(self):
        """[(name, type, run_cnt, run_time_ns)] of the tracer's programs."""
        path = os.path.join(self.path, "bpftool.json")
        pid = int(self.meta.get("tracer_pid", "0"))
        try:
            with open(path) as f:
                progs = json.load(f)
        except (OSError, ValueError):
            return []
        try:
            with open(os.path.join(self.path, "prog_ids")) as f:
                ids = {int(x) for x in f.read().split()}
        except (OSError, ValueError):
            ids = set()
        res = []
        for p in progs:
            if p.get("id") in ids or any(x.get("pid") == pid for x in p.get("pids") or []):
                res.append((p.get("name", "?"), p.get("type", "?"),
                            p.get("run_cnt", 0), p.get("run_time_ns", 0)))
        return res


def fmt_rate(workload, r):
    if r is None:
        return "-"
    if workload.startswith("bulk"):
        return f"{r / 1e9:.2f} GB/s"
    return f"{r / 1e3:.1f}k/s"


def fmt_range(lo, hi):
    return str(lo) if lo == hi else f"{lo}-{hi}"


def fmt_records(runs):
    """'ok 5/5', or the first bad round, or plain counts where nothing is checked."""
    checked = [r for r in runs if r.exact() is not None]
    rsts = sum(r.kernel("OutRsts") or 0 for r in runs)
    if not checked:
        tot = {}
        for r in runs:
            for k, v in r.records.items():
                tot[k] = tot.get(k, 0) + v
        return ", ".join(f"{k} {v}" for k, v in sorted(tot.items())) or "-"
    bad = [r for r in checked if not r.exact()]
    if not bad:
        n = sum(sum(r.records.values()) for r in checked)
        return f"ok {len(checked)}/{len(checked)} ({n} records; kernel sent {rsts} RSTs)"
    r = bad[0]
    got = ", ".join(f"{k} {v}" for k, v in sorted(r.records.items()) if v) or "none"
    want = ", ".join(f"{'+'.join(types)} {fmt_range(lo, hi)}"
                     for types, lo, hi in r.expected()) or "none"
    extra = f", {r.bad} unparsable lines" if r.bad else ""
    return (f"MISMATCH in {len(bad)}/{len(checked)} rounds; round {r.round}: "
            f"got {got}, want {want}{extra}")


def mark(ok):
    return {True: "**met**", False: "**missed**", None: "not measured"}[ok]


def system_info(env):
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break

    def version(cmd):
        try:
            out = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
            return (out.stdout + out.stderr).strip().splitlines()[0]
        except (OSError, IndexError, subprocess.SubprocessError):
            return "?"
    binary = env.get("rstsnoop", "")
    try:
        with open(binary, "rb") as f:
            digest = hashlib.sha1(f.read()).hexdigest()[:12]
        built = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(os.path.getmtime(binary)))
        rstsnoop = f"{binary} (sha1 {digest}, built {built})"
    except OSError:
        rstsnoop = "not available"
    return [
        ("date", time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())),
        ("rstsnoop", rstsnoop),
        ("kernel", platform.release()),
        ("CPU", f"{cpu}, {os.cpu_count()} CPUs"),
        ("load", f"{env.get('seconds')} s per run, {env.get('rounds')} paired rounds "
                 "(ABBA order), median and min-max of on/off throughput"),
        ("peers", f"{version(['tcpdump', '--version'])}; {version(['bpftrace', '--version'])}"),
    ]


def main():
    work, results = sys.argv[1], sys.argv[2]
    env = read_kv(os.path.join(work, "bench.env"))
    runs = []
    for dirpath, _, files in os.walk(work):
        if "meta" in files:
            runs.append(Run(dirpath, env))
    workloads = env.get("workloads", "").split()
    tools = env.get("tools", "").split()
    notes = []

    lines = ["# rstsnoop benchmark results", ""]
    lines += [f"- {k}: {v}" for k, v in system_info(env)]
    lines += ["", "Reproduce: `make bench` (see bench/README.md).", ""]

    # ---- main table
    lines += ["| workload | tool | on/off median | min-max | untraced | records vs kernel "
              "| lost | tool CPU | peak RSS | start-up |",
              "|---|---|---|---|---|---|---|---|---|---|"]
    summary = {}
    for w in workloads:
        for t in tools:
            sel = [r for r in runs if r.workload == w and r.tool == t and r.phase != "stats"]
            on = {r.round: r for r in sel if r.phase == "on"}
            off = {r.round: r for r in sel if r.phase == "off"}
            ratios = [on[k].rate / off[k].rate for k in on
                      if k in off and on[k].attached and on[k].rate and off[k].rate]
            ons = [r for r in on.values() if r.attached]
            failed = len(on) - len(ons)
            cpu = [c for c in (r.cpu_s() for r in ons) if c is not None]
            rss = [c for c in (r.rss_kb() for r in ons) if c is not None]
            start = [c for c in (r.startup_ms() for r in ons) if c is not None]
            lost = [r.lost for r in ons if r.lost is not None]
            foreign = sum(r.foreign for r in ons)
            s = summary[(w, t)] = {
                "ratio": median(ratios) if ratios else None,
                "lost": sum(lost) if lost else None,
                "exact": all(r.exact() for r in ons) if ons and ons[0].exact() is not None else None,
                "records": sum(sum(v for v in r.records.values()) for r in ons),
                "rsts": sum(r.kernel("OutRsts") or 0 for r in ons),
                "rss": max(rss) if rss else None,
            }
            if failed:
                notes.append(f"{w}/{t}: the tool failed to attach in {failed} of {len(on)} rounds "
                             "(see tracer.err with BENCH_KEEP=1).")
            if foreign:
                notes.append(f"{w}/{t}: {foreign} records from outside the benchmark "
                             "(other processes on this host) were not counted.")
            secs = float(env.get("seconds", "1"))
            lines.append("| " + " | ".join([
                w, TOOL_LABEL.get(t, t),
                f"{s['ratio']:.3f}" if ratios else "-",
                f"{min(ratios):.3f}-{max(ratios):.3f}" if ratios else "-",
                fmt_rate(w, median([r.rate for r in off.values() if r.rate]) if off else None),
                fmt_records(ons) if ons else "-",
                str(s["lost"]) if s["lost"] is not None else "-",
                f"{median(cpu):.2f} s ({100 * median(cpu) / secs:.0f}%)" if cpu else "-",
                f"{max(rss) / 1024:.1f} MiB" if rss else "-",
                f"{median(start):.0f} ms (max {max(start):.0f})" if start else "-",
            ]) + " |")
    lines += ["", "on/off: throughput traced / untraced in the same round (1.000 = no cost). "
              "untraced: attempts/s (bulk: bytes/s), median. tool CPU: user+system time of the "
              "tracer process per run (% of one CPU). start-up: exec to attached (rstsnoop: "
              "its --ready-file; tcpdump: `listening on`; bpftrace: `Attaching`), "
              "+-5 ms polling.", ""]

    # ---- BPF statistics
    # Goals are judged on the storms, where a program runs at least MIN_RUNS
    # times; an average over a handful of cold runs says little.
    worst_packet = None  # (avg ns, "program in workload")
    packet_seen = False
    packet_own = None  # avg ns above the empty program, same packets
    # Per refused connect, all programs together: their time over the runs of
    # the tcp_send_reset program, which runs once per refused connect (and
    # for other events on the host during the run, which only lowers this).
    connect_ns = None
    bpf_lines = ["| workload | tool | program | type | runs | avg ns/run |", "|---|---|---|---|---|---|"]
    for r in sorted((r for r in runs if r.phase == "stats"), key=lambda r: (workloads.index(r.workload), r.tool)):
        for name, ptype, cnt, ns in r.bpf_progs():
            avg = ns / cnt if cnt else None
            bpf_lines.append(f"| {r.workload} | {r.tool} | {name} | {ptype} | {cnt} | "
                             f"{avg:.0f} |" if avg is not None else
                             f"| {r.workload} | {r.tool} | {name} | {ptype} | 0 | - |")
            if r.tool != "rstsnoop-json":
                continue
            what = (avg, f"{name} in {r.workload}")
            if ptype in PACKET_PROG_TYPES or "receive_packet" in name:
                packet_seen = True
                # judged over veth: loopback packets leave at the first test
                if r.workload == "bulk-veth" and cnt >= MIN_RUNS:
                    worst_packet = max(worst_packet or what, what)
                    base = r.empty_baseline()
                    if base and base[0] >= MIN_RUNS:
                        packet_own = avg - base[1] / base[0]
        base = r.empty_baseline()
        if base:
            bpf_lines.append(f"| {r.workload} | baseline | empty_packet (empty program, same "
                             f"tracepoint) | tracing | {base[0]} | "
                             f"{base[1] / base[0]:.0f} |" if base[0] else
                             f"| {r.workload} | baseline | empty_packet | tracing | 0 | - |")
        if r.workload == "refused" and r.tool == "rstsnoop-json":
            # the iterators run once at start and once a second, not per connect
            progs = [(n, c, ns) for n, _, c, ns in r.bpf_progs()
                     if n not in ("seed_sockets", "read_listen_drops")]
            connects = sum(c for n, c, _ in progs if n.startswith("on_send_reset"))
            if connects >= MIN_RUNS:
                connect_ns = sum(ns for _, _, ns in progs) / connects
    lines += ["## BPF programs (kernel.bpf_stats_enabled=1, one extra traced run per workload)", "",
              "A program's statistics cover all its runs, also for other processes' "
              "events on the host during that run.", ""]
    lines += bpf_lines + [""]

    # ---- goals
    def g(w, t, k):
        return summary.get((w, t), {}).get(k)
    rr, rl, rx = g("refused", "rstsnoop-json", "ratio"), g("refused", "rstsnoop-json", "lost"), \
        g("refused", "rstsnoop-json", "exact")
    rt = g("refused", "tcpdump", "ratio")
    refused_ok = None if rr is None else (rr >= GOAL_REFUSED_RATIO and rl == 0 and bool(rx)
                                          and (rt is None or rr > rt))
    er = g("reset", "rstsnoop-json", "ratio")
    reset_ok = None if er is None else er >= GOAL_RESET_RATIO
    ar, an = g("accepted", "rstsnoop-json", "ratio"), g("accepted", "rstsnoop-json", "records")
    ax, ak = g("accepted", "rstsnoop-json", "exact"), g("accepted", "rstsnoop-json", "rsts")
    # Zero records, except for RSTs loopback TCP really sent (kernel counter).
    accepted_ok = None if ar is None else (ar >= GOAL_ACCEPTED_RATIO and bool(ax))
    br = g("bulk-veth", "rstsnoop-json", "ratio")
    if br is None:
        br = g("bulk", "rstsnoop-json", "ratio")
    bulk_ok = None if br is None else br >= GOAL_BULK_RATIO
    rss = [g(w, t, "rss") for w in workloads for t in tools if t.startswith("rstsnoop")]
    rss = [x for x in rss if x is not None]
    # Start-up is judged on the median over all rstsnoop runs (one slow start
    # on a busy machine is noise); the worst is shown next to it.
    st = [r.startup_ms() for r in runs if r.tool.startswith("rstsnoop") and r.phase == "on"]
    st = [x for x in st if x is not None]

    def val(x, f):
        return "-" if x is None else f(x)
    lines += ["## Goals, rstsnoop --json", "",
              "| goal | measured | status |", "|---|---|---|",
              f"| refused storm: ratio >= {GOAL_REFUSED_RATIO} and above tcpdump's, zero lost, "
              f"every attempt accounted for "
              f"| ratio {val(rr, lambda x: f'{x:.3f}')} (tcpdump {val(rt, lambda x: f'{x:.3f}')}), "
              f"lost {val(rl, str)}, "
              f"{'all exact' if rx else 'not exact' if rx is not None else '-'} | {mark(refused_ok)} |",
              f"| reset storm: ratio >= {GOAL_RESET_RATIO} "
              f"| ratio {val(er, lambda x: f'{x:.3f}')} | {mark(reset_ok)} |",
              f"| accepted storm: ratio >= {GOAL_ACCEPTED_RATIO}, zero records "
              f"| ratio {val(ar, lambda x: f'{x:.3f}')}, records {val(an, str)} "
              f"(the kernel itself sent {val(ak, str)} RSTs{'' if ax or ax is None else '; records do not match them'}) "
              f"| {mark(accepted_ok)} |",
              f"| bulk stream with TTL analysis on: ratio >= {GOAL_BULK_RATIO} "
              f"| ratio {val(br, lambda x: f'{x:.3f}')}"
              f"{'' if packet_seen or br is None else ' (no per-packet hook loaded: TTL analysis not there yet)'}"
              f" | {mark(bulk_ok)} |",
              f"| BPF: <= {GOAL_CONNECT_NS} ns per refused connect, all programs together "
              f"| {val(connect_ns, lambda x: f'{x:.0f} ns')} "
              f"| {mark(None if connect_ns is None else connect_ns <= GOAL_CONNECT_NS)} |",
              f"| BPF: per-packet hook <= {GOAL_PACKET_NS} ns per packet of a bulk stream over veth "
              f"(data leaves after one load, ACKs are read), above an empty program on the same "
              f"tracepoint (which carries the statistics' own cost) "
              f"| {val(worst_packet, lambda x: f'{x[0]:.0f} ns ({x[1]})') if packet_seen else 'no per-packet hook loaded'}"
              f"{'' if packet_own is None else f', {packet_own:.0f} ns above the empty program'} "
              f"| {mark(None if packet_own is None and worst_packet is None else (packet_own if packet_own is not None else worst_packet[0]) <= GOAL_PACKET_NS)} |",
              f"| peak RSS <= {GOAL_RSS_KB // 1024} MiB "
              f"| {val(max(rss) if rss else None, lambda x: f'{x / 1024:.1f} MiB (max)')} "
              f"| {mark(None if not rss else max(rss) <= GOAL_RSS_KB)} |",
              f"| start-up <= {GOAL_STARTUP_MS} ms (exec to the ready file) "
              f"| {f'median {median(st):.0f} ms, max {max(st):.0f} ms' if st else '-'} "
              f"| {mark(None if not st else median(st) <= GOAL_STARTUP_MS)} |",
              ""]
    foreign = sum(r.foreign for r in runs)
    if foreign > 1000:
        notes.append(f"Other processes on the host made {foreign} TCP events during the "
                     "benchmark: the machine was busy, so single rounds are noisy; "
                     "trust medians over spreads and re-run on a quiet machine for final numbers.")
    if notes:
        lines += ["## Notes", ""] + [f"- {n}" for n in notes] + [""]

    text = "\n".join(lines)
    print(text)
    with open(results, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()

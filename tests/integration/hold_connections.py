#!/usr/bin/env python3
"""Opens COUNT TCP connections to ADDR on PORTS (round robin) and holds them.

  hold_connections.py ADDR PORTS COUNT   PORTS: comma-separated

Non-blocking connect()s: toward a host that drops SYNs they stay half-open
(SYN_SENT); toward a listener they become established (the server need not
accept: the kernel completes the handshake into the accept queue).  Prints
"ready N" once all connects were issued, then holds every socket until
stdin closes or SIGTERM comes.
"""
import signal
import socket
import sys


def main():
    addr, ports, count = sys.argv[1], [int(p) for p in sys.argv[2].split(",")], int(sys.argv[3])
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    held = []
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    for i in range(count):
        s = socket.socket(family, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            s.connect((addr, ports[i % len(ports)]))
        except BlockingIOError:
            pass
        held.append(s)
    print(f"ready {len(held)}", flush=True)
    sys.stdin.read()


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Hostile clients of an HTTP endpoint on 127.0.0.1:PORT.

  hostile_http.py hold PORT COUNT
      Keeps COUNT connections open, each having sent half a request head
      (no empty line), and opens a new one for each the server closes, every
      0.2 s.  Prints "ready COUNT" once all are open, then "closed N" (how
      many the server closed) when SIGTERM comes.
  hostile_http.py closed-after PORT idle|drip
      One connection with half a request head, then nothing (idle) or one
      more byte every 0.3 s (drip); prints the seconds until the server
      closed it, or "open" after 8 s.
  hostile_http.py malformed PORT
      Sends each malformed request of CASES on a connection of its own and
      prints "NAME STATUS" per case (STATUS: the response's status code,
      "closed" for no response, "timeout" after 5 s).
"""
import select
import signal
import socket
import sys
import time

HALF = b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: half"

CASES = [
    ("bad-method", b"FROB /metrics HTTP/1.1\r\nHost: x\r\n\r\n"),
    ("post-with-body", b"POST /metrics HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"),
    ("other-path", b"GET /../../etc/passwd HTTP/1.1\r\n\r\n"),
    ("http-0.9", b"GET /metrics\r\n\r\n"),
    ("http-9.9", b"GET /metrics HTTP/9.9\r\n\r\n"),
    ("empty-line", b"\r\n\r\n"),
    ("nul-in-method", b"G\x00T /metrics HTTP/1.1\r\n\r\n"),
    ("tls-hello", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(range(256)) + b"\n"),
    ("binary-garbage", bytes((i * 131 + 7) % 256 for i in range(4096)) + b"\n"),
    ("huge-header", b"GET /metrics HTTP/1.1\r\nX-Big: " + b"a" * 100000 + b"\r\n\r\n"),
    ("many-headers", b"GET /metrics HTTP/1.1\r\n" + b"X-H: 1234567890\r\n" * 2000 + b"\r\n"),
    ("huge-request-line", b"GET /" + b"m" * 50000 + b" HTTP/1.1\r\n\r\n"),
    ("control-chars-in-path", b"GET /met\x1b[31mrics HTTP/1.1\r\n\r\n"),
]


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    return s


def hold(port, count):
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    held, closed = [], 0

    def open_one():
        s = socket.socket()
        s.setblocking(False)
        try:
            s.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        held.append((s, False))

    for _ in range(count):
        open_one()
    print(f"ready {count}", flush=True)
    reopened = time.monotonic()
    while not stop:
        try:
            r, w, _ = select.select([s for s, _ in held],
                                    [s for s, sent in held if not sent], [], 0.2)
        except InterruptedError:
            continue
        still = []
        for s, sent in held:
            if s in w and not sent:
                try:
                    s.send(HALF)
                    sent = True
                except OSError:
                    pass
            if s in r:
                try:
                    gone = not s.recv(4096)
                except OSError:
                    gone = True
                if gone:
                    s.close()
                    closed += 1
                    continue
            still.append((s, sent))
        held = still
        if time.monotonic() - reopened >= 0.2:
            reopened = time.monotonic()
            for _ in range(count - len(held)):
                open_one()
    print(f"closed {closed}", flush=True)


def closed_after(port, how):
    s = connect(port)
    s.sendall(HALF)
    start = time.monotonic()
    s.setblocking(False)
    while time.monotonic() - start < 8:
        r, _, _ = select.select([s], [], [], 0.3)
        if r:
            try:
                if not s.recv(4096):
                    break
            except OSError:
                break
        elif how == "drip":
            try:
                s.send(b"x")
            except OSError:
                break
    else:
        print("open")
        return
    print(f"{time.monotonic() - start:.2f}")


def status_of(data):
    line = data.split(b"\r\n", 1)[0].split(b" ")
    if len(line) >= 2 and line[0].startswith(b"HTTP/1."):
        return line[1].decode("ascii", "replace")
    return "garbled"


def malformed(port):
    for name, request in CASES:
        s = connect(port)
        data = b""
        try:
            s.sendall(request)
        except OSError:
            pass  # the server answered early and closed: read what it sent
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        except socket.timeout:
            print(name, "timeout", flush=True)
            continue
        except OSError:
            pass
        finally:
            s.close()
        print(name, status_of(data) if data else "closed", flush=True)


def main():
    mode, port = sys.argv[1], int(sys.argv[2])
    if mode == "hold":
        hold(port, int(sys.argv[3]))
    elif mode == "closed-after":
        closed_after(port, sys.argv[3])
    elif mode == "malformed":
        malformed(port)
    else:
        sys.exit(f"hostile_http.py: no mode {mode}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Sends one hand-made IPv4 TCP segment (no connection behind it).

  send_segment.py SRC_IP SRC_PORT DST_IP DST_PORT FLAGS

FLAGS: letters of S (SYN), A (ACK), F (FIN), P (PSH).  The kernel builds the
IP header (raw socket without IP_HDRINCL); the TCP checksum is computed here.
Used to provoke the RSTs the stack sends for segments no socket expects.
"""
import socket
import struct
import sys

FLAG_BITS = {"F": 0x01, "S": 0x02, "P": 0x08, "A": 0x10}


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def segment(src, sport, dst, dport, flags):
    bits = 0
    for letter in flags:
        bits |= FLAG_BITS[letter]
    header = struct.pack("!HHIIBBHHH", sport, dport, 12345, 67890, 5 << 4, bits, 65535, 0, 0)
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 6, len(header))
    csum = checksum(pseudo + header)
    return header[:16] + struct.pack("!H", csum) + header[18:]


def main(argv):
    if len(argv) != 6:
        sys.exit(__doc__)
    src, sport, dst, dport, flags = argv[1], int(argv[2]), argv[3], int(argv[4]), argv[5]
    with socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP) as s:
        s.bind((src, 0))
        s.sendto(segment(src, sport, dst, dport, flags), (dst, 0))


if __name__ == "__main__":
    main(sys.argv)

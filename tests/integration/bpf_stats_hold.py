#!/usr/bin/env python3
"""Holds a BPF_ENABLE_STATS(BPF_STATS_RUN_TIME) fd until killed: the kernel
counts every BPF program's runs and run time meanwhile, refcounted, without
writing kernel.bpf_stats_enabled (which others on the machine may set).
Prints "holding" once the fd is open; exits 1 when the kernel refuses."""
import ctypes
import os
import signal
import sys

SYS_BPF = 321  # x86_64
BPF_ENABLE_STATS = 32
libc = ctypes.CDLL(None, use_errno=True)
attr = ctypes.create_string_buffer(8)  # union bpf_attr { __u32 type; }: BPF_STATS_RUN_TIME = 0
fd = libc.syscall(SYS_BPF, BPF_ENABLE_STATS, attr, ctypes.sizeof(attr))
if fd < 0:
    print(f"BPF_ENABLE_STATS: {os.strerror(ctypes.get_errno())}", flush=True)
    sys.exit(1)
print("holding", flush=True)
signal.pause()

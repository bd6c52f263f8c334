// SPDX-License-Identifier: GPL-2.0
/*
 * The license of the one linked object: the programs use GPL-only helpers.
 * Declared once here, since every other compilation unit is linked into the
 * same object (`bpftool gen object`).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * --features: what this kernel offers and which facilities a run would
 * use, for bug reports.  Reports as much as the caller may read: the
 * kernel's BTF is world-readable, loading programs needs privileges, and
 * what could not be checked says so.
 */
#ifndef RSTSNOOP_FEATURE_REPORT_H
#define RSTSNOOP_FEATURE_REPORT_H

#include <stdio.h>
#include "cli.h"
#include "tracer.h"

/* Checks and prints the report to out; problems go to stderr as they occur. */
void features_report(const struct rst_options *opts, FILE *out);

/*
 * The report's lines.  f: from the kernel's BTF, NULL where it could not
 * be read (btf_error then says why); loaded: what a started tracer used,
 * NULL where none could be started (unchecked then says why).
 */
void features_print(FILE *out, const struct tracer_features *f, int btf_error,
		    const struct tracer_features *loaded, const char *unchecked);

#endif

/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Minimal unit-test harness: every CHECK prints nothing when it holds; each
 * TEST prints "PASS name" or "FAIL name: what" once.
 */
#ifndef RSTSNOOP_CHECK_H
#define RSTSNOOP_CHECK_H

#include <stdio.h>
#include <string.h>

extern int test_failed;
extern char test_failure[512];

#define CHECK(cond)                                                                        \
	do {                                                                               \
		if (!(cond) && !test_failed) {                                             \
			test_failed = 1;                                                   \
			snprintf(test_failure, sizeof(test_failure), "%s:%d: %.300s", __FILE__, \
				 __LINE__, #cond);                                         \
		}                                                                          \
	} while (0)

#define CHECK_STR(got, want)                                                               \
	do {                                                                               \
		const char *g_ = (got), *w_ = (want);                                      \
		if (!test_failed && (!g_ || strcmp(g_, w_))) {                             \
			test_failed = 1;                                                   \
			snprintf(test_failure, sizeof(test_failure),                       \
				 "%s:%d: got \"%s\", want \"%s\"", __FILE__, __LINE__,     \
				 g_ ? g_ : "(null)", w_);                                  \
		}                                                                          \
	} while (0)

typedef void (*test_fn)(void);
struct unit_test {
	const char *name;
	test_fn fn;
};

/* tests/unit/identity_tests.c */
void test_cgroup_facts(void);
void test_cgroup2_mount(void);
void test_cgroup_subtree(void);
void test_cmdline_join(void);
void test_cmdline_if_started(void);
void test_filter_lists(void);
void test_listen_drops(void);

/* tests/unit/container_names_tests.c */
void test_container_names_fixture_trees(void);
void test_container_names_limits(void);
void test_json_pick(void);
void test_container_names_output(void);

/* tests/unit/util_tests.c */
void test_release_read_once_pages(void);

/* tests/unit/listeners_tests.c */
void test_listener_questions(void);
void test_listener_history(void);
void test_listener_history_cap(void);

#endif

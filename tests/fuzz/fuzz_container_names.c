// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The container runtimes' files as anyone who writes a pod spec could
 * shape them: any bytes as containerd's or CRI-O's config.json and as
 * docker's config.v2.json, and the JSON picker at a small buffer against a
 * large one.  Contracts: every name is NUL-terminated within its field;
 * "named" means a name; text the picker refuses picks nothing; a value cut
 * to a small buffer is a prefix of the whole value, cut at most one
 * character (3 bytes) short of the buffer.
 */
#include <stdint.h>
#include "container_names.h"
#include "fuzz_check.h"

static void check_names(const struct container_names *n)
{
	FUZZ_REQUIRE(memchr(n->pod, '\0', sizeof(n->pod)), "pod is NUL-terminated");
	FUZZ_REQUIRE(memchr(n->namespace, '\0', sizeof(n->namespace)), "namespace is NUL-terminated");
	FUZZ_REQUIRE(memchr(n->container, '\0', sizeof(n->container)), "container is NUL-terminated");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char whole[1 << 16];
	const char *text = (const char *)data;
	struct container_names n;
	char small[6];
	struct json_pick cut[] = {
		{.path = {"a"}, .depth = 1, .out = small, .out_size = sizeof(small)},
	};
	struct json_pick full[] = {
		{.path = {"a"}, .depth = 1, .out = whole, .out_size = sizeof(whole)},
	};
	int err;

	if (container_names_from_oci_config(text, size, &n))
		FUZZ_REQUIRE(n.pod[0] || n.namespace[0] || n.container[0], "named means a name");
	check_names(&n);
	if (container_names_from_docker_config(text, size, &n))
		FUZZ_REQUIRE(n.pod[0] || n.namespace[0] || n.container[0], "named means a name");
	check_names(&n);

	err = json_pick_strings(text, size, cut, 1);
	FUZZ_REQUIRE(memchr(small, '\0', sizeof(small)), "a pick is NUL-terminated");
	FUZZ_REQUIRE(json_pick_strings(text, size, full, 1) == err, "the same verdict at any size");
	if (err) {
		FUZZ_REQUIRE(!cut[0].found && !small[0], "refused text picks nothing");
		return 0;
	}
	FUZZ_REQUIRE(cut[0].found == full[0].found, "found at any size");
	FUZZ_REQUIRE(!strncmp(whole, small, strlen(small)), "a cut value is a prefix");
	if (strlen(whole) >= sizeof(small))
		FUZZ_REQUIRE(strlen(small) + 3 >= sizeof(small) - 1, "cut by one character at most");
	else
		FUZZ_REQUIRE(!strcmp(whole, small), "a value that fits is whole");
	return 0;
}

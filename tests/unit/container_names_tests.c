// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Container names from the runtimes' files: fixture trees in each
 * runtime's documented layout under a temporary --host-root, the JSON
 * picker over hostile and malformed text, the read-once cache, and what
 * the outputs make of the names.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "cgroup.h"
#include "container_names.h"
#include "json_writer.h"
#include "output.h"
#include "output_parts.h"

#define ID_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define ID_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define ID_C "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
#define ID_D "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"
#define ID_E "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"
#define ID_F "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
#define ID_0 "0000000000000000000000000000000000000000000000000000000000000000"
#define ID_1 "1111111111111111111111111111111111111111111111111111111111111111"

#define CONTAINERD "/run/containerd/io.containerd.runtime.v2.task/k8s.io/"
#define CRIO "/var/lib/containers/storage/overlay-containers/"
#define DOCKER "/var/lib/docker/containers/"

static char root[64];

/* mkdir -p of root + dir */
static void make_dirs(const char *dir)
{
	char path[512];

	snprintf(path, sizeof(path), "%s%s", root, dir);
	for (char *p = path + strlen(root) + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(path, 0755);
			*p = '/';
		}
	mkdir(path, 0755);
}

static void put_file(const char *dir, const char *name, const char *text, size_t len)
{
	char path[512];
	FILE *f;

	make_dirs(dir);
	snprintf(path, sizeof(path), "%s%s/%s", root, dir, name);
	f = fopen(path, "w");
	if (f) {
		fwrite(text, 1, len, f);
		fclose(f);
	}
}

#define PUT(dir, name, text) put_file(dir, name, text, strlen(text))

/* An OCI config.json as containerd's CRI plugin writes it (abridged: the
 * process, root and mounts come first, annotations last). */
static const char containerd_web[] =
	"{\"ociVersion\":\"1.1.0\",\"process\":{\"user\":{\"uid\":0,\"gid\":0},"
	"\"args\":[\"/bin/web\",\"--port\",\"8080\"],\"env\":[\"PATH=/usr/bin\"],\"cwd\":\"/\"},"
	"\"root\":{\"path\":\"rootfs\"},\"hostname\":\"web-7d4b9c\","
	"\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"}],"
	"\"annotations\":{\"io.kubernetes.cri.container-type\":\"container\","
	"\"io.kubernetes.cri.container-name\":\"web\","
	"\"io.kubernetes.cri.image-name\":\"registry.example/web:1\","
	"\"io.kubernetes.cri.sandbox-id\":\"" ID_0 "\","
	"\"io.kubernetes.cri.sandbox-name\":\"web-7d4b9c-x2x8q\","
	"\"io.kubernetes.cri.sandbox-namespace\":\"shop\","
	"\"io.kubernetes.cri.sandbox-uid\":\"5d1e5b6a-7c2e-4f0b-9a1d-0f3e2c1b4a59\"},"
	"\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"network\",\"path\":\"/proc/1/ns/net\"}]}}";

/* CRI-O's userdata/config.json (abridged). */
static const char crio_db[] =
	"{\"ociVersion\":\"1.0.2-dev\",\"process\":{\"args\":[\"postgres\"]},"
	"\"annotations\":{\"io.container.manager\":\"cri-o\","
	"\"io.kubernetes.container.name\":\"db\","
	"\"io.kubernetes.pod.name\":\"db-0\",\"io.kubernetes.pod.namespace\":\"shop\","
	"\"io.kubernetes.cri-o.ContainerType\":\"container\"}}";

static void set_up_tree(void)
{
	snprintf(root, sizeof(root), "/tmp/rstsnoop-ctr.XXXXXX");
	if (!mkdtemp(root)) {
		root[0] = '\0';
		return;
	}
	PUT(CONTAINERD ID_A, "config.json", containerd_web);
	/* a second container of the same pod (a sidecar) */
	PUT(CONTAINERD ID_B, "config.json",
	    "{\"annotations\":{\"io.kubernetes.cri.container-name\":\"proxy\","
	    "\"io.kubernetes.cri.sandbox-name\":\"web-7d4b9c-x2x8q\","
	    "\"io.kubernetes.cri.sandbox-namespace\":\"shop\"}}");
	PUT(CRIO ID_C "/userdata", "config.json", crio_db);
	/* docker's config.v2.json: Name with its slash; and one cri-dockerd made */
	PUT(DOCKER ID_D, "config.v2.json",
	    "{\"ID\":\"" ID_D "\",\"Created\":\"2024-01-01T00:00:00Z\",\"Path\":\"nginx\","
	    "\"Config\":{\"Hostname\":\"d\",\"Labels\":{\"maintainer\":\"x\"}},"
	    "\"Name\":\"/frontend\",\"State\":{\"Running\":true,\"Pid\":42}}");
	PUT(DOCKER ID_E, "config.v2.json",
	    "{\"Name\":\"/k8s_api_api-5f_ops_0a1b_0\",\"Config\":{\"Labels\":{"
	    "\"io.kubernetes.container.name\":\"api\",\"io.kubernetes.pod.name\":\"api-5f\","
	    "\"io.kubernetes.pod.namespace\":\"ops\"}}}");
	/* hostile: escape sequences and a newline in the pod's name, a name far
	 * longer than Kubernetes allows (UTF-8, so the cut must fall between
	 * characters), and a malformed file */
	{
		char text[4096];
		size_t n = snprintf(text, sizeof(text),
				    "{\"annotations\":{\"io.kubernetes.cri.sandbox-name\":"
				    "\"\\u001b[31mevil\\npod\\\"\","
				    "\"io.kubernetes.cri.sandbox-namespace\":\"");
		for (int i = 0; i < 300; i++)
			n += snprintf(text + n, sizeof(text) - n, "\xc3\xa9"); /* é */
		n += snprintf(text + n, sizeof(text) - n, "\"}}");
		put_file(CONTAINERD ID_F, "config.json", text, n);
	}
	PUT(CRIO ID_1 "/userdata", "config.json",
	    "{\"annotations\":{\"io.kubernetes.pod.name\":\"half\"");
}

static void tear_down_tree(void)
{
	char cmd[128];

	if (root[0] && !strncmp(root, "/tmp/rstsnoop-ctr.", 18)) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
		if (system(cmd))
			fprintf(stderr, "could not remove %s\n", root);
	}
}

void test_container_names_fixture_trees(void)
{
	struct container_directory *d;
	const struct container_names *a, *b, *c, *dk, *e, *f;

	set_up_tree();
	CHECK(root[0]);
	d = container_directory_new(root);
	CHECK(d != NULL);
	if (!d || !root[0])
		return;
	a = container_names_lookup(d, ID_A);
	CHECK(a != NULL);
	if (a) {
		CHECK_STR(a->pod, "web-7d4b9c-x2x8q");
		CHECK_STR(a->namespace, "shop");
		CHECK_STR(a->container, "web");
	}
	b = container_names_lookup(d, ID_B);
	CHECK(b && a && b->pod_index == a->pod_index && a->pod_index != 0);
	CHECK(b && !strcmp(b->container, "proxy"));
	c = container_names_lookup(d, ID_C);
	CHECK(c != NULL);
	if (c) {
		CHECK_STR(c->pod, "db-0");
		CHECK_STR(c->namespace, "shop");
		CHECK_STR(c->container, "db");
		/* same namespace, another pod: another label set */
		CHECK(a && c->pod_index != a->pod_index && c->pod_index != 0);
	}
	dk = container_names_lookup(d, ID_D);
	CHECK(dk != NULL);
	if (dk) {
		CHECK_STR(dk->container, "frontend");
		CHECK_STR(dk->pod, "");
		CHECK(dk->pod_index == 0);
	}
	e = container_names_lookup(d, ID_E);
	CHECK(e != NULL);
	if (e) {
		CHECK_STR(e->container, "api");
		CHECK_STR(e->pod, "api-5f");
		CHECK_STR(e->namespace, "ops");
	}
	f = container_names_lookup(d, ID_F);
	CHECK(f != NULL);
	if (f) {
		CHECK_STR(f->pod, "\x1b[31mevil\npod\"");
		/* cut to 253 bytes at most, between two characters of 2 bytes */
		CHECK(strlen(f->namespace) <= CONTAINER_NAME_MAX);
		CHECK(strlen(f->namespace) % 2 == 0 && strlen(f->namespace) >= CONTAINER_NAME_MAX - 2);
	}
	/* malformed: no names, no error */
	CHECK(container_names_lookup(d, ID_1) == NULL);
	/* no file at all, and ids that are not 64 hex digits (a path!) */
	CHECK(container_names_lookup(d, ID_0) == NULL);
	CHECK(container_names_lookup(d, "../../../../etc") == NULL);
	CHECK(container_names_lookup(d, ID_A "/../" ID_B) == NULL);
	CHECK(container_names_lookup(d, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA") == NULL);

	/* read once: what the file says later does not change the names, and
	 * a container seen without a file is not read again either */
	PUT(CONTAINERD ID_A, "config.json",
	    "{\"annotations\":{\"io.kubernetes.cri.sandbox-name\":\"changed\"}}");
	PUT(CONTAINERD ID_0, "config.json",
	    "{\"annotations\":{\"io.kubernetes.cri.sandbox-name\":\"late\"}}");
	a = container_names_lookup(d, ID_A);
	CHECK(a && !strcmp(a->pod, "web-7d4b9c-x2x8q"));
	CHECK(container_names_lookup(d, ID_0) == NULL);
	container_directory_free(d);

	/* a fresh directory reads the new files */
	d = container_directory_new(root);
	a = container_names_lookup(d, ID_A);
	CHECK(a && !strcmp(a->pod, "changed"));
	container_directory_free(d);
	tear_down_tree();
}

void test_container_names_limits(void)
{
	struct container_directory *d;
	char *big;
	size_t n = CONTAINER_FILE_MAX + 100;

	set_up_tree();
	if (!root[0]) {
		CHECK(root[0]);
		return;
	}
	/* a file over the size cap is not read: no names */
	big = malloc(n + 1);
	CHECK(big != NULL);
	if (big) {
		size_t head = snprintf(big, n, "{\"annotations\":{\"io.kubernetes.cri.sandbox-name\":"
					       "\"big\"},\"pad\":\"");
		memset(big + head, 'x', n - head - 2);
		memcpy(big + n - 2, "\"}", 2);
		put_file(CONTAINERD ID_A, "config.json", big, n);
		free(big);
	}
	/* a directory where the file should be */
	make_dirs(CRIO ID_C "/userdata/config.json");
	unlink(CRIO ID_C "/userdata/config.json");
	{
		char path[512];

		snprintf(path, sizeof(path), "%s" CRIO ID_C "/userdata/config.json", root);
		unlink(path);
		mkdir(path, 0755);
	}
	d = container_directory_new(root);
	CHECK(container_names_lookup(d, ID_A) == NULL);
	CHECK(container_names_lookup(d, ID_C) == NULL);
	CHECK(container_names_lookup(d, ID_D) != NULL); /* the others still work */
	/* the cache is bounded: ids beyond it are not looked up, and counted */
	for (unsigned int i = 0; i < CONTAINER_CACHE_MAX + 10; i++) {
		char id[65];

		snprintf(id, sizeof(id), "%064x", i + 0x100);
		container_names_lookup(d, id);
	}
	CHECK(container_directory_uncached(d) > 0);
	CHECK(container_names_lookup(d, ID_D) != NULL); /* cached before: still there */
	container_directory_free(d);
	tear_down_tree();
}

/* a literal's bytes, its NULs too */
#define PICK(literal) json_pick_strings(literal, sizeof(literal) - 1, picks, 2)

void test_json_pick(void)
{
	char a[16], b[8];
	struct json_pick picks[] = {
		{.path = {"x", "y"}, .depth = 2, .out = a, .out_size = sizeof(a)},
		{.path = {"k"}, .depth = 1, .out = b, .out_size = sizeof(b)},
	};
	static const char *const bad[] = {
		"", "[]", "\"s\"", "{", "{\"k\":}", "{\"k\":\"v\",}", "{\"k\":\"v\"} x",
		"{\"k\":\"a\nb\"}", "{\"k\":\"\\x\"}", "{\"k\":01}", "{\"k\":1.}", "{\"k\":tru}",
		"{\"k\":\"\\u12\"}", "{\"k\" \"v\"}", "{\"k\":\"v\"",
	};
	char deep[400];
	size_t n = 0;

	CHECK(PICK("{\"x\":{\"y\":\"hi\"},\"k\":\"v\"}") == 0);
	CHECK(picks[0].found && picks[1].found);
	CHECK_STR(a, "hi");
	CHECK_STR(b, "v");
	/* keys compare decoded; values decode \u escapes and surrogate pairs */
	CHECK(PICK("{\"\\u0078\":{\"y\":\"\\ud83d\\ude00\\u00e9\\/\"}}") == 0);
	CHECK_STR(a, "\xf0\x9f\x98\x80\xc3\xa9/");
	/* a lone surrogate becomes U+FFFD */
	CHECK(PICK("{\"k\":\"\\ud800x\"}") == 0);
	CHECK_STR(b, "\xef\xbf\xbdx");
	/* no path through arrays; non-string values are not picked; deeper keys
	 * of the same name do not count */
	CHECK(PICK("{\"x\":[{\"y\":\"no\"}],\"k\":5,\"z\":{\"k\":\"no\"}}") == 0);
	CHECK(!picks[0].found && !picks[1].found);
	/* cut at a whole character: b holds 7 bytes and the NUL; "éééé" is 8,
	 * "aééé" 7 (whole), "aaéé"+"é" one byte short */
	CHECK(PICK("{\"k\":\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"}") == 0);
	CHECK_STR(b, "\xc3\xa9\xc3\xa9\xc3\xa9");
	CHECK(PICK("{\"k\":\"a\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"}") == 0);
	CHECK_STR(b, "a\xc3\xa9\xc3\xa9\xc3\xa9");
	CHECK(PICK("{\"k\":\"aa\xc3\xa9\xc3\xa9\xc3\xa9\"}") == 0);
	CHECK_STR(b, "aa\xc3\xa9\xc3\xa9");
	/* ASCII fills the buffer exactly, or is cut at the last whole byte */
	CHECK(PICK("{\"k\":\"abcdefg\"}") == 0);
	CHECK_STR(b, "abcdefg");
	CHECK(PICK("{\"k\":\"abcdefgh\"}") == 0);
	CHECK(strlen(b) < sizeof(b));
	/* malformed: an error and nothing picked, even what came before */
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK(json_pick_strings(bad[i], strlen(bad[i]), picks, 2) == -EINVAL);
		CHECK(!picks[1].found && b[0] == '\0');
	}
	CHECK(PICK("{\"k\":\"v\",\"x\":") == -EINVAL);
	CHECK(!picks[1].found && b[0] == '\0');
	/* too deep: refused, not a stack overflow */
	n += snprintf(deep, sizeof(deep), "{\"k\":");
	for (int i = 0; i < 100; i++)
		deep[n++] = '[';
	for (int i = 0; i < 100; i++)
		deep[n++] = ']';
	deep[n++] = '}';
	CHECK(json_pick_strings(deep, n, picks, 2) == -EINVAL);
	/* a NUL inside the text ends nothing early: it is not valid JSON there */
	CHECK(PICK("{\"k\":\"a\0b\"}") == -EINVAL);
}

/* The table's CONTEXT and the JSON fields, with hostile names. */
void test_container_names_output(void)
{
	struct container_names names = {.pod = "web-7d4b9c-x2x8q", .namespace = "shop",
					 .container = "web", .pod_index = 1};
	struct container_names hostile = {.pod = "\x1b[31mp\n", .namespace = "n s",
					  .container = "c\"\\"};
	struct cgroup_info cg = {.path = "/kubepods.slice/cri-containerd-" ID_A ".scope",
				 .names = &names};
	struct output o = {0};
	struct json_writer w;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	strcpy(cg.facts.container_id, ID_A);
	o.out = f;
	context_column(&o, &cg);
	cg.names = &hostile;
	context_column(&o, &cg);
	names.pod[0] = '\0'; /* docker: a name, no pod */
	names.namespace[0] = '\0';
	cg.names = &names;
	context_column(&o, &cg);
	fflush(f);
	/* cut to the column (24) and marked; the hostile bytes escaped */
	CHECK(text && strstr(text, "k8s:shop/web-7d4b9c-x2x+ ") == text);
	CHECK(text && strstr(text, " k8s:n\\x20s/\\x1b[31mp+ ") != NULL);
	CHECK(text && !strchr(text, '\x1b') && !strchr(text, '\n'));
	CHECK(text && strstr(text, "ctr:web ") != NULL);
	fclose(f);
	free(text);

	text = NULL;
	f = open_memstream(&text, &len);
	cg.names = &hostile;
	jw_begin(&w, f);
	json_program(&w, NULL, 0, false, &cg);
	jw_end(&w);
	fclose(f);
	CHECK(text && strstr(text, "\"pod\":\"\\u001b[31mp\\u000a\",\"namespace\":\"n s\","
				   "\"container_name\":\"c\\\"\\\\\"") != NULL);
	free(text);
}

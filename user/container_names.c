// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include "container_names.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- a JSON reader of our own: strings at key paths ------------------- */

#define PICK_KEY_MAX 128 /* longer keys are read, and match no path */

struct picker {
	const char *p, *end;
	int depth;
	struct json_pick *picks;
	size_t n;
	char keys[3][PICK_KEY_MAX]; /* the current key at each of the first 3 levels */
};

static void skip_space(struct picker *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int read_hex4(struct picker *j, unsigned int *out)
{
	unsigned int v = 0;

	if (j->end - j->p < 4)
		return -EINVAL;
	for (int i = 0; i < 4; i++) {
		int d = hex_digit(j->p[i]);

		if (d < 0)
			return -EINVAL;
		v = v << 4 | d;
	}
	j->p += 4;
	*out = v;
	return 0;
}

/* Appends a byte while there is room (one byte stays for the NUL). */
static void emit(char *out, size_t size, size_t *len, unsigned char c)
{
	if (out && *len + 1 < size)
		out[(*len)++] = c;
	else if (out)
		*len = size; /* full: nothing more, and the end is cut */
}

static void emit_utf8(char *out, size_t size, size_t *len, unsigned int cp)
{
	if (cp < 0x80) {
		emit(out, size, len, cp);
	} else if (cp < 0x800) {
		emit(out, size, len, 0xc0 | cp >> 6);
		emit(out, size, len, 0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		emit(out, size, len, 0xe0 | cp >> 12);
		emit(out, size, len, 0x80 | (cp >> 6 & 0x3f));
		emit(out, size, len, 0x80 | (cp & 0x3f));
	} else {
		emit(out, size, len, 0xf0 | cp >> 18);
		emit(out, size, len, 0x80 | (cp >> 12 & 0x3f));
		emit(out, size, len, 0x80 | (cp >> 6 & 0x3f));
		emit(out, size, len, 0x80 | (cp & 0x3f));
	}
}

/* The bytes of a UTF-8 character its lead byte announces (1 for any other). */
static size_t utf8_length(unsigned char lead)
{
	return lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
}

/* Ends a decoded string: a value that did not fit is cut after its last
 * whole UTF-8 character; *cut says so. */
static void finish_string(char *out, size_t size, size_t len, bool *cut)
{
	*cut = len >= size;
	if (!out || !size)
		return;
	if (*cut) {
		size_t lead;

		len = size - 1;
		/* the last character's lead byte; drop the character if partial */
		for (lead = len; lead > 0 && ((unsigned char)out[lead - 1] & 0xc0) == 0x80; lead--)
			;
		if (lead > 0 && lead - 1 + utf8_length(out[lead - 1]) > len)
			len = lead - 1;
	}
	out[len] = '\0';
}

/* A string at j->p (the opening quote), decoded into out (NULL: only
 * checked).  Raw bytes of 0x80 and up pass as they are: the outputs escape
 * what is not valid UTF-8. */
static int read_string(struct picker *j, char *out, size_t size, bool *cut)
{
	size_t len = 0;
	unsigned int cp, low;

	if (j->p >= j->end || *j->p != '"')
		return -EINVAL;
	j->p++;
	while (j->p < j->end && *j->p != '"') {
		unsigned char c = *j->p++;

		if (c < 0x20)
			return -EINVAL; /* RFC 8259: control characters must be escaped */
		if (c != '\\') {
			emit(out, size, &len, c);
			continue;
		}
		if (j->p >= j->end)
			return -EINVAL;
		c = *j->p++;
		switch (c) {
		case '"': case '\\': case '/':
			emit(out, size, &len, c);
			break;
		case 'b': emit(out, size, &len, '\b'); break;
		case 'f': emit(out, size, &len, '\f'); break;
		case 'n': emit(out, size, &len, '\n'); break;
		case 'r': emit(out, size, &len, '\r'); break;
		case 't': emit(out, size, &len, '\t'); break;
		case 'u':
			if (read_hex4(j, &cp))
				return -EINVAL;
			if (cp >= 0xd800 && cp < 0xdc00 && j->end - j->p >= 6 && j->p[0] == '\\' &&
			    j->p[1] == 'u') {
				const char *back = j->p;

				j->p += 2;
				if (read_hex4(j, &low))
					return -EINVAL;
				if (low >= 0xdc00 && low < 0xe000)
					cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
				else
					j->p = back, cp = 0xfffd; /* the next escape stands alone */
			} else if (cp >= 0xd800 && cp < 0xe000) {
				cp = 0xfffd; /* a lone surrogate */
			}
			emit_utf8(out, size, &len, cp);
			break;
		default:
			return -EINVAL;
		}
	}
	if (j->p >= j->end)
		return -EINVAL;
	j->p++;
	finish_string(out, size, len, cut);
	return 0;
}

static int read_digits(struct picker *j)
{
	const char *start = j->p;

	while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
		j->p++;
	return j->p > start ? 0 : -EINVAL;
}

static int read_number(struct picker *j)
{
	if (j->p < j->end && *j->p == '-')
		j->p++;
	if (j->p < j->end && *j->p == '0')
		j->p++;
	else if (read_digits(j))
		return -EINVAL;
	if (j->p < j->end && *j->p == '.') {
		j->p++;
		if (read_digits(j))
			return -EINVAL;
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		j->p++;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (read_digits(j))
			return -EINVAL;
	}
	return 0;
}

static int read_literal(struct picker *j, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, word, n))
		return -EINVAL;
	j->p += n;
	return 0;
}

/* A string value at level (keys[0..level-1] lead to it): into each pick
 * whose path that is. */
static int pick_string(struct picker *j, size_t level, bool path_ok)
{
	const char *start = j->p;
	bool cut;
	int err;

	if (!path_ok || level == 0 || level > 3)
		return read_string(j, NULL, 0, &cut);
	for (size_t i = 0; i < j->n; i++) {
		struct json_pick *pk = &j->picks[i];
		bool match = pk->depth == level;

		for (size_t k = 0; match && k < level; k++)
			match = !strcmp(pk->path[k], j->keys[k]);
		if (!match)
			continue;
		j->p = start;
		err = read_string(j, pk->out, pk->out_size, &cut);
		if (err)
			return err;
		pk->found = true;
	}
	j->p = start;
	return read_string(j, NULL, 0, &cut);
}

static int read_value(struct picker *j, size_t level, bool path_ok);

static int read_object(struct picker *j, size_t level, bool path_ok)
{
	char key[PICK_KEY_MAX];
	bool cut;
	int err;

	j->p++; /* { */
	skip_space(j);
	if (j->p < j->end && *j->p == '}') {
		j->p++;
		return 0;
	}
	for (;;) {
		bool key_ok;

		skip_space(j);
		err = read_string(j, key, sizeof(key), &cut);
		if (err)
			return err;
		/* a key with a NUL or cut short matches no path */
		key_ok = path_ok && level < 3 && !cut && strlen(key) < sizeof(key) - 1;
		if (key_ok)
			memcpy(j->keys[level], key, sizeof(key));
		skip_space(j);
		if (j->p >= j->end || *j->p != ':')
			return -EINVAL;
		j->p++;
		err = read_value(j, level + 1, key_ok);
		if (err)
			return err;
		skip_space(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == '}') {
			j->p++;
			return 0;
		}
		return -EINVAL;
	}
}

static int read_array(struct picker *j, size_t level)
{
	int err;

	j->p++; /* [ */
	skip_space(j);
	if (j->p < j->end && *j->p == ']') {
		j->p++;
		return 0;
	}
	for (;;) {
		err = read_value(j, level + 1, false); /* no key path through arrays */
		if (err)
			return err;
		skip_space(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == ']') {
			j->p++;
			return 0;
		}
		return -EINVAL;
	}
}

static int read_value(struct picker *j, size_t level, bool path_ok)
{
	int err;

	skip_space(j);
	if (j->p >= j->end)
		return -EINVAL;
	if (++j->depth > JSON_PICK_DEPTH)
		return -EINVAL;
	switch (*j->p) {
	case '{':
		err = read_object(j, level, path_ok);
		break;
	case '[':
		err = read_array(j, level);
		break;
	case '"':
		err = pick_string(j, level, path_ok);
		break;
	case 't':
		err = read_literal(j, "true");
		break;
	case 'f':
		err = read_literal(j, "false");
		break;
	case 'n':
		err = read_literal(j, "null");
		break;
	default:
		err = read_number(j);
	}
	j->depth--;
	return err;
}

int json_pick_strings(const char *text, size_t len, struct json_pick *picks, size_t n)
{
	struct picker j = {.p = text, .end = text + len, .picks = picks, .n = n};
	int err;

	for (size_t i = 0; i < n; i++) {
		picks[i].found = false;
		if (picks[i].out_size)
			picks[i].out[0] = '\0';
	}
	skip_space(&j);
	err = j.p < j.end && *j.p == '{' ? read_value(&j, 0, true) : -EINVAL;
	skip_space(&j);
	if (!err && j.p != j.end)
		err = -EINVAL; /* something after the object */
	if (err)
		for (size_t i = 0; i < n; i++) {
			picks[i].found = false;
			if (picks[i].out_size)
				picks[i].out[0] = '\0';
		}
	return err;
}

/* ---- each runtime's file ------------------------------------------------ */

#define NAME_PICK(a, b, c, depth_, field)                                                   \
	{.path = {a, b, c}, .depth = depth_, .out = out->field, .out_size = sizeof(out->field)}

static bool any_name(const struct container_names *n)
{
	return n->pod[0] || n->namespace[0] || n->container[0];
}

bool container_names_from_oci_config(const char *text, size_t len, struct container_names *out)
{
	/* containerd's CRI plugin, then CRI-O's (and the kubelet's own) keys */
	struct json_pick cri[] = {
		NAME_PICK("annotations", "io.kubernetes.cri.sandbox-name", NULL, 2, pod),
		NAME_PICK("annotations", "io.kubernetes.cri.sandbox-namespace", NULL, 2, namespace),
		NAME_PICK("annotations", "io.kubernetes.cri.container-name", NULL, 2, container),
	};
	struct json_pick kube[] = {
		NAME_PICK("annotations", "io.kubernetes.pod.name", NULL, 2, pod),
		NAME_PICK("annotations", "io.kubernetes.pod.namespace", NULL, 2, namespace),
		NAME_PICK("annotations", "io.kubernetes.container.name", NULL, 2, container),
	};

	memset(out, 0, sizeof(*out));
	if (json_pick_strings(text, len, cri, 3))
		return false;
	if (any_name(out))
		return true;
	json_pick_strings(text, len, kube, 3);
	return any_name(out);
}

bool container_names_from_docker_config(const char *text, size_t len,
					struct container_names *out)
{
	struct json_pick picks[] = {
		NAME_PICK("Name", NULL, NULL, 1, container),
		NAME_PICK("Config", "Labels", "io.kubernetes.pod.name", 3, pod),
		NAME_PICK("Config", "Labels", "io.kubernetes.pod.namespace", 3, namespace),
	};
	char kube_container[sizeof(out->container)];
	struct json_pick kube = {.path = {"Config", "Labels", "io.kubernetes.container.name"},
				 .depth = 3, .out = kube_container,
				 .out_size = sizeof(kube_container)};

	memset(out, 0, sizeof(*out));
	if (json_pick_strings(text, len, picks, 3))
		return false;
	/* docker names its containers "/NAME" */
	if (out->container[0] == '/')
		memmove(out->container, out->container + 1, strlen(out->container));
	/* under Kubernetes (cri-dockerd) the pod's container name says more
	 * than docker's generated k8s_... name */
	if (!json_pick_strings(text, len, &kube, 1) && kube.found && kube_container[0])
		memcpy(out->container, kube_container, sizeof(kube_container));
	return any_name(out);
}

/* ---- the files, once per id ------------------------------------------- */

struct cached_names {
	char id[65]; /* "": a free slot */
	bool named;  /* a file named it: names is valid */
	struct container_names names;
};

struct pod_key {
	char namespace[CONTAINER_NAME_MAX + 1];
	char pod[CONTAINER_NAME_MAX + 1];
};

struct container_directory {
	char root[PATH_MAX]; /* "" for "/" */
	struct cached_names *slots; /* open addressing, 2 * CONTAINER_CACHE_MAX */
	size_t used;
	struct pod_key *pods; /* pod_index - 1 */
	size_t n_pods;
	__u64 uncached;
};

#define SLOTS (2 * CONTAINER_CACHE_MAX)

struct container_directory *container_directory_new(const char *host_root)
{
	struct container_directory *d = calloc(1, sizeof(*d));
	size_t n;

	if (!d)
		return NULL;
	n = snprintf(d->root, sizeof(d->root), "%s", host_root ? host_root : "/");
	while (n > 0 && d->root[n - 1] == '/')
		d->root[--n] = '\0';
	d->slots = calloc(SLOTS, sizeof(*d->slots));
	d->pods = calloc(CONTAINER_CACHE_MAX, sizeof(*d->pods));
	if (!d->slots || !d->pods) {
		container_directory_free(d);
		return NULL;
	}
	return d;
}

void container_directory_free(struct container_directory *d)
{
	if (!d)
		return;
	free(d->slots);
	free(d->pods);
	free(d);
}

/* At most CONTAINER_FILE_MAX bytes of a regular file, NUL-terminated, in a
 * buffer the caller frees; NULL when missing, unreadable or larger. */
static char *read_small_file(const char *path, size_t *len)
{
	struct stat st;
	char *buf = NULL;
	ssize_t n;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size > CONTAINER_FILE_MAX)
		goto out;
	buf = malloc(CONTAINER_FILE_MAX + 1);
	if (!buf)
		goto out;
	/* the size may change meanwhile: read to the end, never past the cap */
	while ((n = read(fd, buf + got, CONTAINER_FILE_MAX + 1 - got)) > 0)
		got += n;
	if (n < 0 || got > CONTAINER_FILE_MAX) {
		free(buf);
		buf = NULL;
		goto out;
	}
	buf[got] = '\0';
	*len = got;
out:
	close(fd);
	return buf;
}

/* The names from the first runtime's file that has any. */
static bool read_names(const struct container_directory *d, const char *id,
		       struct container_names *out)
{
	static const struct {
		const char *fmt;
		bool docker;
	} files[] = {
		{"%s/run/containerd/io.containerd.runtime.v2.task/k8s.io/%s/config.json", false},
		{"%s/var/lib/containers/storage/overlay-containers/%s/userdata/config.json", false},
		{"%s/var/lib/docker/containers/%s/config.v2.json", true},
	};
	char path[PATH_MAX];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		size_t len;
		char *text;
		bool named;

		if (snprintf(path, sizeof(path), files[i].fmt, d->root, id) >= (int)sizeof(path))
			continue;
		text = read_small_file(path, &len);
		if (!text)
			continue;
		named = files[i].docker ? container_names_from_docker_config(text, len, out)
					: container_names_from_oci_config(text, len, out);
		free(text);
		if (named)
			return true;
	}
	return false;
}

/* One number per distinct (namespace, pod), for bounded metric labels. */
static __u32 pod_index_of(struct container_directory *d, const struct container_names *n)
{
	if (!n->pod[0])
		return 0;
	for (size_t i = 0; i < d->n_pods; i++)
		if (!strcmp(d->pods[i].pod, n->pod) && !strcmp(d->pods[i].namespace, n->namespace))
			return i + 1;
	if (d->n_pods == CONTAINER_CACHE_MAX)
		return 0;
	memcpy(d->pods[d->n_pods].pod, n->pod, sizeof(n->pod));
	memcpy(d->pods[d->n_pods].namespace, n->namespace, sizeof(n->namespace));
	return ++d->n_pods;
}

static size_t hash_id(const char *id)
{
	__u64 h = 14695981039346656037ULL; /* FNV-1a */

	for (; *id; id++)
		h = (h ^ (unsigned char)*id) * 1099511628211ULL;
	return h;
}

static bool plain_id(const char *id)
{
	size_t n = 0;

	for (; id[n]; n++)
		if (!((id[n] >= '0' && id[n] <= '9') || (id[n] >= 'a' && id[n] <= 'f')))
			return false;
	return n == 64;
}

const struct container_names *container_names_lookup(struct container_directory *d,
						     const char *id)
{
	struct cached_names *s;
	size_t i;

	/* an id becomes a path: only the 64 hex digits the cgroup showed */
	if (!d || !id || !plain_id(id))
		return NULL;
	for (i = hash_id(id) % SLOTS;; i = (i + 1) % SLOTS) {
		s = &d->slots[i];
		if (!s->id[0])
			break;
		if (!strcmp(s->id, id))
			return s->named ? &s->names : NULL;
	}
	if (d->used == CONTAINER_CACHE_MAX) {
		d->uncached++;
		return NULL;
	}
	memcpy(s->id, id, 65);
	d->used++;
	s->named = read_names(d, id, &s->names);
	if (s->named)
		s->names.pod_index = pod_index_of(d, &s->names);
	return s->named ? &s->names : NULL;
}

__u64 container_directory_uncached(const struct container_directory *d)
{
	return d ? d->uncached : 0;
}

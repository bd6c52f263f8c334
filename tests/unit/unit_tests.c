// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Unit tests of the loader's pure logic; no kernel needed. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <bpf/btf.h>

#include "check.h"
#include "cli.h"
#include "escape.h"
#include "json_writer.h"
#include "kernel_names.h"
#include "output.h"
#include "origin.h"
#include "kernel_config.h"
#include "summary.h"

int test_failed;
char test_failure[512];

/* Runs fn with a memory stream as its output; returns what it wrote. */
static char *capture(void (*fn)(FILE *, void *), void *arg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	fn(f, arg);
	fclose(f);
	return buf;
}

static void json_escape_into(FILE *f, void *arg)
{
	json_escape(f, arg, 64);
}

static char *json_of(const char *s)
{
	return capture(json_escape_into, (void *)s);
}

static void test_text_escape(void)
{
	char out[64];

	text_escape(out, sizeof(out), "curl", 16);
	CHECK_STR(out, "curl");
	text_escape(out, sizeof(out), "a\\b\x1b[31m\n\xff", 16);
	CHECK_STR(out, "a\\\\b\\x1b[31m\\x0a\\xff");
	/* a space would split the name into two columns */
	text_escape(out, sizeof(out), "my app", 16);
	CHECK_STR(out, "my\\x20app");
	/* stops at the length even without a NUL */
	text_escape(out, sizeof(out), "abcdef", 3);
	CHECK_STR(out, "abc");
	/* truncates on a whole escape, never half of one */
	text_escape(out, 6, "a\x01", 2);
	CHECK_STR(out, "a\\x01");
	text_escape(out, 5, "a\x01", 2);
	CHECK_STR(out, "a");
}

static void test_json_escape(void)
{
	char *s;

	CHECK_STR(s = json_of("plain"), "plain");
	free(s);
	CHECK_STR(s = json_of("q\"b\\"), "q\\\"b\\\\");
	free(s);
	CHECK_STR(s = json_of("\n\t\x01\x7f"), "\\u000a\\u0009\\u0001\\u007f");
	free(s);
	/* valid UTF-8 passes through */
	CHECK_STR(s = json_of("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
		  "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	free(s);
	/* not UTF-8: lone continuation, truncated sequence, overlong, surrogate */
	CHECK_STR(s = json_of("\x80"), "\\u0080");
	free(s);
	CHECK_STR(s = json_of("\xe2\x82"), "\\u00e2\\u0082");
	free(s);
	CHECK_STR(s = json_of("\xc0\xaf"), "\\u00c0\\u00af");
	free(s);
	CHECK_STR(s = json_of("\xed\xa0\x80"), "\\u00ed\\u00a0\\u0080");
	free(s);
}

static void write_object(FILE *f, void *arg)
{
	struct json_writer w;

	jw_begin(&w, f);
	jw_string(&w, "a", "x\"y");
	jw_uint(&w, "n", 18446744073709551615ULL);
	jw_null(&w, "z");
	jw_string(&w, "s", NULL);
	jw_bytes(&w, "b", "ab\0cd", 5);
	jw_end(&w);
}

static void test_json_writer(void)
{
	char *s = capture(write_object, NULL);

	CHECK_STR(s, "{\"a\":\"x\\\"y\",\"n\":18446744073709551615,\"z\":null,\"s\":null,\"b\":\"ab\"}\n");
	free(s);
}

static void test_parse_uint(void)
{
	unsigned long long v = 0;

	CHECK(parse_uint("42", 1, 100, &v) == 0 && v == 42);
	CHECK(parse_uint("0", 0, 1, &v) == 0 && v == 0);
	CHECK(parse_uint("42x", 1, 100, &v) == -EINVAL);
	CHECK(parse_uint("", 1, 100, &v) == -EINVAL);
	CHECK(parse_uint(" 4", 1, 100, &v) == -EINVAL);
	CHECK(parse_uint("-4", 1, 100, &v) == -EINVAL);
	CHECK(parse_uint("+4", 1, 100, &v) == -EINVAL);
	CHECK(parse_uint("0x10", 1, 100, &v) == -EINVAL);
	CHECK(parse_uint("101", 1, 100, &v) == -ERANGE);
	CHECK(parse_uint("0", 1, 100, &v) == -ERANGE);
	CHECK(parse_uint("99999999999999999999999", 1, 100, &v) == -EINVAL);
}

/* cli_parse on a copy of args (getopt may reorder them). */
static enum cli_status parse(struct rst_options *o, char *err, const char *const *args)
{
	char *argv[16];
	int argc = 0;
	FILE *out = fopen("/dev/null", "w");
	enum cli_status st;

	argv[argc++] = "rstsnoop";
	while (*args && argc < 15)
		argv[argc++] = (char *)*args++;
	argv[argc] = NULL;
	err[0] = '\0';
	st = cli_parse(argc, argv, o, out, err, 128);
	fclose(out);
	return st;
}

/* Parsing returns a status instead of exiting, call after call (a fuzzer's need). */
static void test_cli_parse(void)
{
	struct rst_options o;
	char err[128];

	CHECK(parse(&o, err, (const char *const[]){"--json", "-p", "42", "-s", "5", NULL}) ==
	      CLI_RUN);
	CHECK(o.json && o.pid == 42 && o.summary_s == 5 && o.ringbuf_kb == 2048);
	CHECK(parse(&o, err, (const char *const[]){"-p", NULL}) == CLI_BAD_INPUT);
	CHECK_STR(err, "option needs a value: -p");
	CHECK(parse(&o, err, (const char *const[]){"--frobnicate", NULL}) == CLI_BAD_INPUT);
	CHECK_STR(err, "unrecognized option: --frobnicate");
	CHECK(parse(&o, err, (const char *const[]){"-4", "-x", NULL}) == CLI_BAD_INPUT);
	CHECK_STR(err, "unrecognized option: -x");
	CHECK(parse(&o, err, (const char *const[]){"--seed", "proc", "-c", "curl", NULL}) ==
	      CLI_RUN);
	CHECK(o.seed == SEED_PROC && o.comm_set && !strcmp(o.comm, "curl") && !o.json);
	CHECK(parse(&o, err, (const char *const[]){"-h", NULL}) == CLI_EXIT);
	CHECK(parse(&o, err, (const char *const[]){"--version", NULL}) == CLI_EXIT);
	CHECK(parse(&o, err, (const char *const[]){"-d", "1s", NULL}) == CLI_BAD_INPUT);
	CHECK_STR(err, "duration is not a number: 1s");
	CHECK(parse(&o, err, (const char *const[]){"x", NULL}) == CLI_BAD_INPUT);
	CHECK_STR(err, "unexpected argument: x");
	CHECK(parse(&o, err, (const char *const[]){NULL}) == CLI_RUN && o.seed == SEED_AUTO);
}

/* A BTF with enum sk_rst_reason numbered as the named kernel does. */
static struct btf *btf_with_reasons(const char *const *names, int count)
{
	struct btf *btf = btf__new_empty();
	int id = btf__add_enum(btf, "sk_rst_reason", 4);

	for (int i = 0; id > 0 && i < count; i++) {
		char full[64];

		snprintf(full, sizeof(full), "SK_RST_REASON_%s", names[i]);
		btf__add_enum_value(btf, full, i);
	}
	return btf;
}

static void test_reset_reasons_follow_kernel_numbering(void)
{
	/* 6.11 numbering: TCP_ABORT_ON_CLOSE does not exist, MPTCP at 11.
	 * 6.12 inserted TCP_ABORT_ON_CLOSE... at 11: value 11 changes name. */
	static const char *const v611[] = {"NOT_SPECIFIED", "NO_SOCKET", "TCP_INVALID_ACK_SEQUENCE",
		"TCP_RFC7323_PAWS", "TCP_TOO_OLD_ACK", "TCP_ACK_UNSENT_DATA", "TCP_FLAGS",
		"TCP_OLD_ACK", "TCP_ABORT_ON_DATA", "TCP_TIMEWAIT_SOCKET", "INVALID_SYN",
		"MPTCP_RST_EUNSPEC"};
	static const char *const v612[] = {"NOT_SPECIFIED", "NO_SOCKET", "TCP_INVALID_ACK_SEQUENCE",
		"TCP_RFC7323_PAWS", "TCP_TOO_OLD_ACK", "TCP_ACK_UNSENT_DATA", "TCP_FLAGS",
		"TCP_OLD_ACK", "TCP_ABORT_ON_DATA", "TCP_TIMEWAIT_SOCKET", "INVALID_SYN",
		"TCP_ABORT_ON_CLOSE"};
	struct reset_reasons r;
	struct btf *btf;

	btf = btf_with_reasons(v611, 12);
	CHECK(reset_reasons_load(&r, btf) == 0);
	CHECK(r.count == 12);
	CHECK_STR(reset_reason_name(&r, 1), "NO_SOCKET");
	CHECK_STR(reset_reason_name(&r, 11), "MPTCP_RST_EUNSPEC");
	CHECK(reset_reason_name(&r, 12) == NULL);
	CHECK(reset_reason_name(&r, 4000) == NULL);
	reset_reasons_free(&r);
	btf__free(btf);

	btf = btf_with_reasons(v612, 12);
	CHECK(reset_reasons_load(&r, btf) == 0);
	CHECK_STR(reset_reason_name(&r, 11), "TCP_ABORT_ON_CLOSE");
	reset_reasons_free(&r);
	btf__free(btf);

	/* before 6.10: no enum, no names */
	btf = btf__new_empty();
	CHECK(reset_reasons_load(&r, btf) == 0);
	CHECK(r.count == 0 && reset_reason_name(&r, 1) == NULL);
	btf__free(btf);
}

static void test_names(void)
{
	CHECK_STR(tcp_state_name(1), "ESTABLISHED");
	CHECK_STR(tcp_state_name(2), "SYN_SENT");
	CHECK_STR(tcp_state_name(10), "LISTEN");
	CHECK(tcp_state_name(0) == NULL && tcp_state_name(99) == NULL);
	CHECK_STR(errno_name(111), "ECONNREFUSED");
	CHECK_STR(errno_name(110), "ETIMEDOUT");
	CHECK(errno_name(0) == NULL);
}

static struct reset_reasons sample_reasons;

#define SAMPLE_CTR "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static const struct rst_process sample_process = {
	.ppid = 1,
	.parent_comm = "systemd",
	.cmdline = "python3\0-c\0x\"y\n\0",
	.cmdline_len = 15,
	.cmdline_cut = 1,
};
static struct cgroup_info sample_cgroup = {
	.id = 1234,
	.path = "/system.slice/docker-" SAMPLE_CTR ".scope",
	.facts = {.container_id = SAMPLE_CTR, .unit = "docker-" SAMPLE_CTR ".scope"},
};
static const struct identity sample_identity = {&sample_process, &sample_cgroup};

static void render(FILE *f, void *arg)
{
	struct output o;

	output_init(&o, f, *(bool *)arg, &sample_reasons);
	o.realtime_offset_ns = 0;
	output_header(&o);
	struct rst_record rec = {
		.ts_ns = 1700000000123456789ULL,
		.sock_ino = 77,
		.pid = 42,
		.tid = 43,
		.thread = "worker\x01",
		.uid = 1000,
		.netns = 4026531840u,
		.error = 111,
		.reason = 1,
		.lport = 41838,
		.rport = 7211,
		.laddr = {127, 0, 0, 1},
		.raddr = {127, 0, 0, 1},
		.comm = "evil\"\n\xff",
		.event = RST_EV_HANDSHAKE_FAILED,
		.side = RST_SIDE_CLIENT,
		.cause = RST_CAUSE_REFUSED,
		.attribution = RST_ATTR_SOCKET_OWNER,
		.family = AF_INET,
		.state = 2,
		.flags = RST_F_REASON | RST_F_OWNER | RST_F_LOCAL_RST | RST_F_STATE,
		.origin = RST_ORIGIN_LOCAL_STACK,
	};
	output_record(&o, &rec, &sample_identity);
	/* no owner, no state, no cookie: nulls */
	memset(rec.comm, 0, sizeof(rec.comm));
	rec.flags = 0;
	rec.origin = RST_ORIGIN_NONE;
	rec.event = RST_EV_RESET_SENT;
	rec.family = AF_INET6;
	memset(rec.laddr, 0, 16);
	rec.laddr[0] = 0x20, rec.laddr[1] = 0x01, rec.laddr[2] = 0x0d, rec.laddr[3] = 0xb8;
	rec.laddr[15] = 1;
	output_record(&o, &rec, NULL);
	/* a Java-like dual-stack socket on IPv4, a name with a space */
	rec.family = AF_INET;
	memcpy(rec.laddr, (__u8[]){198, 18, 0, 1}, 4);
	memcpy(rec.comm, "my app", 7);
	rec.flags = RST_F_OWNER | RST_F_V4MAPPED;
	output_record(&o, &rec, NULL);
	/* the longest IPv6 endpoint widens the columns; a long escaped name is cut */
	rec.family = AF_INET6;
	memset(rec.laddr, 0xff, 16);
	memset(rec.raddr, 0xff, 16);
	rec.lport = rec.rport = 65535;
	memcpy(rec.comm, "\x01\x02\x03\x04\x05" "abcdefghij", 15);
	rec.flags = RST_F_OWNER;
	output_record(&o, &rec, NULL);
}

static void test_output_json(void)
{
	bool json = true;
	static const char *const names[] = {"NOT_SPECIFIED", "NO_SOCKET"};
	struct btf *btf = btf_with_reasons(names, 2);
	char *s;

	reset_reasons_load(&sample_reasons, btf);
	s = capture(render, &json);
	CHECK(strstr(s, "{\"time\":\"2023-11-14T22:13:20.123456Z\",\"event\":\"handshake_failed\","
			"\"side\":\"client\",\"cause\":\"refused\",\"pid\":42,"
			"\"comm\":\"evil\\\"\\u000a\\u00ff\",\"uid\":1000,"
			"\"attribution\":\"socket_owner\",\"family\":\"ipv4\",\"laddr\":\"127.0.0.1\","
			"\"lport\":41838,\"raddr\":\"127.0.0.1\",\"rport\":7211,\"dual_stack\":false,"
			"\"state\":\"SYN_SENT\","
			"\"reason\":\"NO_SOCKET\",\"rst_origin\":\"local_stack\",\"via\":\"rst\","
			"\"ttl\":null,\"hops\":null,\"peer_hops\":null,\"peer_baseline\":null,"
			"\"peer_baseline_age_ms\":null,\"offlink\":null,\"origin_basis\":null,"
			"\"icmp_type\":null,"
			"\"icmp_code\":null,\"icmp_from\":null,\"drop_reason\":null,\"count\":null,"
			"\"age_ms\":null,\"idle_rx_ms\":null,\"idle_tx_ms\":null,"
			"\"bytes_acked\":null,\"bytes_received\":null,"
			"\"error\":\"ECONNREFUSED\",\"sock_ino\":77,\"sock_cookie\":null,"
			"\"netns\":4026531840,\"tid\":43,\"thread\":\"worker\\u0001\",\"ppid\":1,"
			"\"parent_comm\":\"systemd\",\"cmdline\":\"python3 -c x\\\"y\\u000a\","
			"\"cmdline_cut\":true,\"cgroup\":\"/system.slice/docker-" SAMPLE_CTR ".scope\","
			"\"container_id\":\"" SAMPLE_CTR "\",\"pod\":null,\"namespace\":null,"
			"\"container_name\":null,\"unit\":\"docker-" SAMPLE_CTR ".scope\","
			"\"expected_listener\":null,\"listeners_elsewhere\":null}\n") == s);
	/* without an identity, every key is still there */
	CHECK(strstr(s, "\"tid\":null,\"thread\":null,\"ppid\":null,\"parent_comm\":null,"
			"\"cmdline\":null,\"cmdline_cut\":null,\"cgroup\":null,\"container_id\":null,"
			"\"pod\":null,\"namespace\":null,\"container_name\":null,\"unit\":null,\"expected_listener\":null,\"listeners_elsewhere\":null}") != NULL);
	CHECK(strstr(s, "\"event\":\"reset_sent\",\"side\":null,\"cause\":null,\"pid\":null,"
			"\"comm\":null,\"uid\":null,\"attribution\":\"none\",\"family\":\"ipv6\","
			"\"laddr\":\"2001:db8::1\"") != NULL);
	CHECK(strstr(s, "\"state\":null,\"reason\":null,\"rst_origin\":null,\"via\":null,") != NULL);
	CHECK(strstr(s, "\"comm\":\"my app\"") != NULL);
	CHECK(strstr(s, "\"laddr\":\"198.18.0.1\",\"lport\":41838,\"raddr\":\"127.0.0.1\","
			"\"rport\":7211,\"dual_stack\":true,") != NULL);
	/* every record has the field */
	for (const char *line = s; line && *line; line = strchr(line, '\n') + 1) {
		const char *end = strchr(line, '\n');

		CHECK(end && memmem(line, end - line, "\"dual_stack\":", 13));
		if (!end)
			break;
	}
	free(s);
	reset_reasons_free(&sample_reasons);
	btf__free(btf);
}

/*
 * Every column the header names starts at the same offset in line: a
 * column start is a non-blank after a blank (or the line's start).
 */
static bool aligned(const char *header, const char *line)
{
	size_t hlen = strcspn(header, "\n"), llen = strcspn(line, "\n");

	for (size_t i = 0; i < hlen; i++) {
		bool starts = header[i] != ' ' && (i == 0 || header[i - 1] == ' ');

		if (starts && (i >= llen || line[i] == ' ' || (i > 0 && line[i - 1] != ' ')))
			return false;
	}
	return true;
}

static void test_output_text(void)
{
	bool json = false;
	char *s = capture(render, &json);
	const char *header = NULL;
	int lines = 0, headers = 0;

	CHECK(strstr(s, ".123 42      evil\"\\x0a\\xff   77         refused  ") != NULL);
	CHECK(strstr(s, " refused  127.0.0.1:41838       127.0.0.1:7211        SYN_SENT     ") != NULL);
	/* the kernel of this sample has no reasons: said so, not left blank */
	CHECK(strstr(s, "reason:n/a(kernel) local") != NULL);
	CHECK(strstr(s, "[2001:db8::1]:41838") != NULL);
	/* one field per column: a space in a name is escaped */
	CHECK(strstr(s, " my\\x20app ") != NULL);
	CHECK(strstr(s, "reason:n/a(kernel) dual-stack\n") != NULL);
	/* cut at a whole escape, and marked */
	CHECK(strstr(s, " \\x01\\x02\\x03+ ") != NULL);
	CHECK(strstr(s, " [ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535 "
			"[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535 ") != NULL);
	for (const char *p = s; *p; p++)
		CHECK(*p == '\n' || (*p >= 0x20 && *p < 0x7f));
	/* each line lines up with the header above it; the IPv6 line brought a
	 * wider header */
	for (const char *line = s; *line; line = strchr(line, '\n') + 1) {
		if (!strncmp(line, "TIME ", 5)) {
			header = line;
			headers++;
		} else {
			CHECK(header && aligned(header, line));
			lines++;
		}
	}
	CHECK(lines == 4 && headers == 2);
	free(s);
}

static void test_summary_intervals(void)
{
	struct summary *s = summary_new(32768, 60999);
	const struct summary_interval *iv;

	summary_begin(s, 1000, 2000);
	iv = summary_current(s);
	CHECK(iv->start_ns == 1000 && iv->end_ns == 3000 && !iv->partial);
	summary_next(s);
	CHECK(iv->start_ns == 3000 && iv->end_ns == 5000 && !iv->partial);
	/* a stop on the grid leaves the interval whole */
	summary_cut(s, 5000);
	CHECK(iv->end_ns == 5000 && !iv->partial);
	summary_cut(s, 3250);
	CHECK(iv->start_ns == 3000 && iv->end_ns == 3250 && iv->partial);
	summary_free(s);
}

struct summary_sample {
	bool json;
	struct summary_interval iv;
};

static void render_summary(FILE *f, void *arg)
{
	struct summary_sample *sample = arg;
	struct summary *s = summary_new(32768, 60999);
	struct output o;
	struct rst_record rec = {
		.pid = 42, .lport = 40000, .rport = 7211, .event = RST_EV_HANDSHAKE_FAILED,
		.side = RST_SIDE_CLIENT, .cause = RST_CAUSE_REFUSED, .family = AF_INET,
		.flags = RST_F_OWNER | RST_F_V4MAPPED, .comm = "java", .attribution = RST_ATTR_CURRENT,
		.laddr = {127, 0, 0, 1}, .raddr = {127, 0, 0, 1}, .netns = 7,
	};
	struct netns_delta kernel = {.netns = 7, .whole = true};
	struct summary_report r = {
		.iv = &sample->iv, .pids_exact = true, .summary = s, .kernel = &kernel, .nkernel = 1,
		.lost = 3,
		.map_update_failures = 2,
	};

	kernel.delta.v[KC_ATTEMPT_FAILS] = 6;
	kernel.delta.v[KC_CHALLENGE_ACK] = 1;
	output_init(&o, f, sample->json, &sample_reasons);
	o.realtime_offset_ns = 0;
	/* one program run twice (two pids): one row */
	for (int i = 0; i < 5; i++) {
		rec.pid = 42 + i % 2;
		summary_add(s, &rec, &sample_identity);
	}
	r.rows = summary_rows(s, &r.n);
	output_summary(&o, &r);
	summary_free(s);
}

static void test_summary_output(void)
{
	struct summary_sample whole = {.json = true, .iv = {1000000000, 3000000000, false}};
	struct summary_sample part = {.json = true, .iv = {3000000000, 3250000000, true}};
	char *s;

	s = capture(render_summary, &whole);
	CHECK(strstr(s, "\"summary\":\"interval\",\"interval_s\":2.000,\"partial\":false,"
			"\"groups_total\":1,\"pids_exact\":true,\"groups\":[{"
			"\"count\":5,\"rate_per_s\":2.500,\"pids\":2,") != NULL);
	/* a row tells how its owner was found, not a made-up socket_owner */
	CHECK(strstr(s, "\"attribution\":\"current\"") != NULL);
	CHECK(strstr(s, "\"rport\":7211,\"dual_stack\":true,") != NULL);
	CHECK(strstr(s, "\"cmdline\":\"python3 -c x\\\"y\\u000a\",\"cmdline_cut\":true,") != NULL);
	/* the kernel's counters beside rstsnoop's, and what was lost */
	CHECK(strstr(s, "\"netns\":[{\"netns\":7,\"kernel\":{\"OutRsts\":0,\"AttemptFails\":6,") !=
	      NULL);
	CHECK(strstr(s, "\"TCPChallengeACK\":1,\"ListenDrops\":0,\"EmbryonicRsts\":0,\"PAWSActive\":0},\"rstsnoop\":{\"OutRsts\":0,\"AttemptFails\":5,"
			"\"EstabResets\":0}}],\"lost_records\":3,\"owner_collisions\":0,\"map_update_failures\":2,"
			"\"groups_overflow\":0}\n") != NULL);
	/* one object per interval */
	CHECK(strchr(s, '\n') == s + strlen(s) - 1);
	free(s);
	s = capture(render_summary, &part);
	CHECK(strstr(s, "\"interval_s\":0.250,\"partial\":true,") != NULL);
	CHECK(strstr(s, "\"count\":5,\"rate_per_s\":null,") != NULL);
	free(s);
	whole.json = part.json = false;
	s = capture(render_summary, &whole);
	CHECK(strstr(s, "  1 group in 2.0 s\n") != NULL);
	CHECK(strstr(s, "       5      2.50     2 java            -                        refused  "
			"127.0.0.1:*           127.0.0.1:7211        reason:n/a(kernel) dual-stack\n") != NULL);
	CHECK(strstr(s, " command: python3 -c x\"y\\x0a +\n") != NULL);
	CHECK(strstr(s, "  netns 7 kernel/rstsnoop: OutRsts 0/0 AttemptFails 6/5 EstabResets 0/0 "
			"kernel: TCPAbortOnData 0") != NULL);
	CHECK(strstr(s, "  lost: 3 records (ring buffer full)") != NULL);
	free(s);
	s = capture(render_summary, &part);
	CHECK(strstr(s, "  1 group in 0.250 s, partial (the run ended): no rate\n") != NULL);
	CHECK(strstr(s, "       5         -     2 java ") != NULL);
	free(s);
}

static struct rst_record sample_record(__u8 event, __u8 side, __u16 lport, __u16 rport, __u32 pid)
{
	struct rst_record rec = {
		.pid = pid, .lport = lport, .rport = rport, .event = event, .side = side,
		.family = AF_INET, .flags = RST_F_OWNER, .attribution = RST_ATTR_SOCKET_OWNER,
	};

	/* rows are told apart by the program, not the pid */
	snprintf(rec.comm, sizeof(rec.comm), "app%u", pid);

	rec.laddr[0] = rec.raddr[0] = 127;
	rec.laddr[3] = rec.raddr[3] = 1;
	return rec;
}

/* The row of the program sample_record named after pid (rows with equal
 * counts come in any order). */
static const struct summary_row *row_of(const struct summary_row *rows, size_t n, __u32 pid)
{
	char comm[RST_COMM_LEN] = {0};

	snprintf(comm, sizeof(comm), "app%u", pid);
	for (size_t i = 0; i < n; i++)
		if (!memcmp(rows[i].key.comm, comm, sizeof(comm)))
			return &rows[i];
	return NULL;
}

static void test_summary_groups_and_folds(void)
{
	struct summary *s = summary_new(32768, 60999);
	const struct summary_row *rows, *row;
	struct rst_record rec;
	size_t n;

	/* a client failing from ever new ephemeral ports: one row */
	for (int i = 0; i < 5; i++) {
		rec = sample_record(RST_EV_HANDSHAKE_FAILED, RST_SIDE_CLIENT, 40000 + i, 7211, 42);
		summary_add(s, &rec, NULL);
	}
	/* a server resetting clients: the client's ephemeral port folds */
	rec = sample_record(RST_EV_RESET_SENT, 0, 8080, 50000, 7);
	summary_add(s, &rec, NULL);
	rec = sample_record(RST_EV_RESET_SENT, 0, 8080, 50001, 7);
	summary_add(s, &rec, NULL);
	/* both ends ephemeral: neither is folded */
	rec = sample_record(RST_EV_RESET_RECEIVED, 0, 40000, 40001, 9);
	summary_add(s, &rec, NULL);
	/* ... unless the kernel side knew the socket's role */
	rec = sample_record(RST_EV_RESET_SENT, 0, 45000, 50000, 11);
	rec.flags |= RST_F_SERVER;
	summary_add(s, &rec, NULL);
	rec = sample_record(RST_EV_RESET_SENT, 0, 45000, 50001, 11);
	rec.flags |= RST_F_SERVER;
	summary_add(s, &rec, NULL);
	rec = sample_record(RST_EV_RESET_RECEIVED, 0, 50002, 45000, 12);
	rec.flags |= RST_F_CLIENT;
	summary_add(s, &rec, NULL);
	rows = summary_rows(s, &n);
	CHECK(n == 5);
	CHECK(rows[0].key.attribution == RST_ATTR_SOCKET_OWNER);
	CHECK(rows[0].count == 5 && rows[0].key.lport == 0 && rows[0].key.rport == 7211);
	CHECK((row = row_of(rows, n, 7)) && row->count == 2 && row->key.lport == 8080 &&
	      row->key.rport == 0);
	CHECK((row = row_of(rows, n, 11)) && row->count == 2 && row->key.lport == 45000 &&
	      row->key.rport == 0);
	CHECK((row = row_of(rows, n, 9)) && row->key.lport == 40000 && row->key.rport == 40001);
	CHECK((row = row_of(rows, n, 12)) && row->key.lport == 0 && row->key.rport == 45000);
	CHECK(summary_overflow(s) == 0);
	summary_next(s);
	rows = summary_rows(s, &n);
	CHECK(n == 0);

	/* more distinct groups than the table holds: counted, not lost silently */
	for (__u32 pid = 1; pid <= 5000; pid++) {
		rec = sample_record(RST_EV_HANDSHAKE_FAILED, RST_SIDE_CLIENT, 40000, 7211, pid);
		summary_add(s, &rec, NULL);
	}
	rows = summary_rows(s, &n);
	CHECK(n > 0 && n < 5000);
	CHECK(n + summary_overflow(s) == 5000);
	summary_next(s);

	/* one program in many processes: one row counting them */
	for (__u32 pid = 1; pid <= 300; pid++) {
		rec = sample_record(RST_EV_HANDSHAKE_FAILED, RST_SIDE_CLIENT, 40000, 7211, 1);
		rec.pid = pid;
		summary_add(s, &rec, NULL);
		summary_add(s, &rec, NULL);
	}
	rows = summary_rows(s, &n);
	CHECK(n == 1 && rows[0].count == 600 && rows[0].pids == 300 && summary_pids_exact(s));
	summary_free(s);
}

/* CONFIG_HZ from a configuration text: the line itself, nothing like it. */
static void test_kernel_config_hz(void)
{
	CHECK(kernel_config_hz_of("# CONFIG_HZ_100 is not set\nCONFIG_HZ_250=y\nCONFIG_HZ=250\n") == 250);
	CHECK(kernel_config_hz_of("CONFIG_HZ=1000") == 1000);
	CHECK(kernel_config_hz_of("CONFIG_HZ_1000=y\nCONFIG_HZ_PERIODIC=y\n") == 0);
	CHECK(kernel_config_hz_of("# CONFIG_HZ=100\n") == 0);
	CHECK(kernel_config_hz_of("CONFIG_HZ=25x\n") == 0);
	CHECK(kernel_config_hz_of("CONFIG_HZ=0\n") == 0);
	CHECK(kernel_config_hz_of("CONFIG_HZ=99999999999999999999\n") == 0);
	CHECK(kernel_config_hz_of("") == 0);
}

/* The hop count of a TTL: from the nearest common initial TTL at or above it. */
static void test_origin_hops(void)
{
	CHECK(hops_of_ttl(0) == -1);
	CHECK(hops_of_ttl(1) == 63);
	CHECK(hops_of_ttl(63) == 1);
	CHECK(hops_of_ttl(64) == 0);
	CHECK(hops_of_ttl(65) == 63);
	CHECK(hops_of_ttl(127) == 1);
	CHECK(hops_of_ttl(128) == 0);
	CHECK(hops_of_ttl(129) == 126);
	CHECK(hops_of_ttl(254) == 1);
	CHECK(hops_of_ttl(255) == 0);
	CHECK(hops_of_ttl(256) == -1);
}

static void test_origin_verdicts(void)
{
	struct rst_record rec = {.family = AF_INET, .origin = RST_ORIGIN_REMOTE};
	struct origin_verdict v;

	/* no TTL, no baseline: unknown, never a guess */
	CHECK(!strcmp(origin_of_record(&rec).name, "unknown"));
	rec.facts = RST_FACT_TTL;
	rec.ttl = 64;
	v = origin_of_record(&rec);
	CHECK(!strcmp(v.name, "unknown") && v.has_hops && v.hops == 0 && !v.has_peer_hops &&
	      !strcmp(v.basis, "no_baseline"));
	/* no baseline, an on-link peer, 0 hops: could be the peer */
	rec.facts |= RST_FACT_ROUTE;
	CHECK(!strcmp(origin_of_record(&rec).name, "unknown"));
	/* no baseline, an off-link peer, 0 hops: made on this host's link */
	rec.facts |= RST_FACT_OFFLINK;
	v = origin_of_record(&rec);
	CHECK(!strcmp(v.name, "middlebox") && !strcmp(v.basis, "offlink_ttl_intact"));
	/* off-link and a router crossed: the peer may well have sent it */
	rec.ttl = 63;
	CHECK(!strcmp(origin_of_record(&rec).name, "unknown"));
	rec.ttl = 64;
	rec.facts &= ~(RST_FACT_ROUTE | RST_FACT_OFFLINK);
	/* the router forged it (hops 0) where the server is one hop away */
	rec.facts |= RST_FACT_PEER_TTL;
	rec.peer_ttl = 63;
	v = origin_of_record(&rec);
	CHECK(!strcmp(v.name, "middlebox") && v.hops == 0 && v.peer_hops == 1 &&
	      !strcmp(v.basis, "hops_differ"));
	/* a baseline outweighs the route: 1 hop against 1 */
	rec.facts |= RST_FACT_ROUTE | RST_FACT_OFFLINK;
	rec.ttl = 63;
	v = origin_of_record(&rec);
	CHECK(!strcmp(v.name, "peer") && !strcmp(v.basis, "hops_match"));
	rec.facts &= ~(RST_FACT_ROUTE | RST_FACT_OFFLINK);
	/* a Windows peer (128) two hops away sends its own RST */
	rec.ttl = 126;
	rec.peer_ttl = 126;
	CHECK(!strcmp(origin_of_record(&rec).name, "peer"));
	/* same hops from different initial TTLs: still the peer's distance */
	rec.ttl = 62;
	CHECK(!strcmp(origin_of_record(&rec).name, "peer"));
	/* an ICMP error names its sender */
	rec.facts = RST_FACT_ICMP | RST_FACT_ICMP_SEEN;
	memcpy(rec.raddr, "\xc6\x12\x02\x02", 4);
	memcpy(rec.icmp_from, "\xc6\x12\x01\x01", 4);
	CHECK(!strcmp(origin_of_record(&rec).name, "middlebox"));
	memcpy(rec.icmp_from, rec.raddr, 4);
	CHECK(!strcmp(origin_of_record(&rec).name, "peer"));
	/* the kernel's own verdicts pass through; no RST, no origin */
	rec.origin = RST_ORIGIN_LOCAL_FIREWALL;
	CHECK(!strcmp(origin_of_record(&rec).name, "local_firewall"));
	rec.origin = RST_ORIGIN_MIDDLEBOX;
	CHECK(!strcmp(origin_of_record(&rec).name, "middlebox"));
	CHECK(origin_of_record(&rec).basis == NULL);
	rec.origin = RST_ORIGIN_NONE;
	rec.flags = 0;
	CHECK(origin_of_record(&rec).name == NULL);
}

static const struct unit_test tests[] = {
	{"unit_summary_groups_and_folds", test_summary_groups_and_folds},
	{"unit_text_escape", test_text_escape},
	{"unit_json_escape", test_json_escape},
	{"unit_json_writer", test_json_writer},
	{"unit_parse_uint", test_parse_uint},
	{"unit_cli_parse", test_cli_parse},
	{"unit_reset_reasons_follow_kernel_numbering", test_reset_reasons_follow_kernel_numbering},
	{"unit_names", test_names},
	{"unit_output_json", test_output_json},
	{"unit_output_text", test_output_text},
	{"unit_summary_intervals", test_summary_intervals},
	{"unit_summary_output", test_summary_output},
	{"unit_cgroup_facts", test_cgroup_facts},
	{"unit_cgroup2_mount", test_cgroup2_mount},
	{"unit_cgroup_subtree", test_cgroup_subtree},
	{"unit_container_names_fixture_trees", test_container_names_fixture_trees},
	{"unit_container_names_limits", test_container_names_limits},
	{"unit_json_pick", test_json_pick},
	{"unit_container_names_output", test_container_names_output},
	{"unit_cmdline_join", test_cmdline_join},
	{"unit_cmdline_if_started", test_cmdline_if_started},
	{"unit_filter_lists", test_filter_lists},
	{"unit_origin_hops", test_origin_hops},
	{"unit_kernel_config_hz", test_kernel_config_hz},
	{"unit_origin_verdicts", test_origin_verdicts},
	{"unit_listener_questions", test_listener_questions},
	{"unit_listener_history", test_listener_history},
	{"unit_listener_history_cap", test_listener_history_cap},
	{"unit_listen_drops", test_listen_drops},
	{"unit_release_read_once_pages", test_release_read_once_pages},
};

int main(void)
{
	int failed = 0;

	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		test_failed = 0;
		tests[i].fn();
		if (test_failed)
			printf("FAIL %s: %s\n", tests[i].name, test_failure);
		else
			printf("PASS %s\n", tests[i].name);
		failed += test_failed;
	}
	return failed ? 1 : 0;
}

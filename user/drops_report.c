// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include "drops_report.h"
#include "util.h"
#include "drops.h" /* bpf/: the map's value */
#include "rst_config.h" /* before the skeleton, which names struct rst_config */
#include "rstsnoop.skel.h"

#include <string.h>
#include <time.h>
#include <bpf/bpf.h>

int drops_flush(struct rstsnoop_bpf *skel, ring_buffer_sample_fn on_record, void *ctx)
{
	int fd = bpf_map__fd(skel->maps.listen_drops), n = 0;
	struct rst_listener_key key, next;
	struct rst_listen_drops v;
	struct rst_record rec;
	bool first = true;

	if (fd < 0)
		return 0;
	while (!bpf_map_get_next_key(fd, first ? NULL : &key, &next)) {
		first = false;
		key = next;
		if (bpf_map_lookup_elem(fd, &key, &v) || !v.wanted || v.dropped <= v.reported)
			continue;
		memset(&rec, 0, sizeof(rec));
		rec.ts_ns = monotonic_ns();
		rst_listen_drop_record(&rec, &key, &v);
		rec.count = v.dropped - v.reported;
		on_record(ctx, &rec, sizeof(rec));
		n++;
	}
	return n;
}

void drops_features_print(FILE *out, const struct tracer_features *f,
			  const struct tracer_features *loaded)
{
	bool locked = f->kernel_reads_refused; /* no packet reads: only what sockets tell */
	const char *no;

	if (!f->kfree_skb_reason)
		no = "no (kernel before 5.17: skb:kfree_skb has no drop reasons)";
	else if (loaded && !loaded->btf_programs)
		no = "no (needs the BTF-typed programs)";
	else
		no = NULL;
	if (loaded && loaded->listener_drops) {
		/* bpf/listen_drops.bpf.h: what a listener's sk_drops counts */
		const char *untold = !f->kfree_skb_reason ? "kernel before 5.17: no drop reasons" :
				     !loaded->btf_programs ? "needs the BTF-typed programs" :
				     !f->kfree_skb_rx_sk ? "skb:kfree_skb has no rx_sk before 6.11" :
							   NULL;

		if (untold)
			fprintf(out, "listen drops: sk_drops of every listener (BPF iterator, each second); "
				     "a final ACK on a full queue counts twice, a segment a half-open "
				     "connection refused once (%s)\n", untold);
		else
			fprintf(out, "listen drops: sk_drops of every listener (BPF iterator, each second), "
				     "less the half-open connections' segments skb:kfree_skb saw (rx_sk); "
				     "final ACKs on a full queue: %s\n",
				f->listen_overflow_reason ?
					"skb:kfree_skb TCP_LISTEN_OVERFLOW" :
					"skb:kfree_skb NOT_SPECIFIED at a listener whose accept queue is full");
	} else {
		fprintf(out, "listen drops: %s\n",
			no ? no :
			f->listen_overflow_reason ?
			     "skb:kfree_skb TCP_LISTEN_OVERFLOW (the handshake's last ACK; SYNs dropped "
			     "for a full queue are consumed without a reason: not seen)" :
			f->kfree_skb_rx_sk ?
			     "skb:kfree_skb NOT_SPECIFIED at a listener whose accept queue is full (rx_sk; "
			     "the handshake's last ACK; SYNs dropped for a full queue: not seen)" :
			     "no (skb:kfree_skb has neither TCP_LISTEN_OVERFLOW nor rx_sk)");
	}
	fprintf(out, "ignored RSTs: %s\n",
		no ? no :
		f->kfree_skb_rx_sk ?
		     "skb:kfree_skb sequence, PAWS and challenge-ACK drop reasons, owner from rx_sk" :
		locked ?
		     "no (lockdown=confidentiality: headers cannot be read, and no rx_sk before 6.11)" :
		     "skb:kfree_skb sequence, PAWS and challenge-ACK drop reasons, owner unknown "
		     "(no rx_sk before 6.11)");
	fprintf(out, "local firewall drops: %s\n",
		no ? no : "skb:kfree_skb NETFILTER_DROP (packets of local connections)");
	fprintf(out, "half-open resets: %s\n",
		no ? no :
		!f->kfree_skb_rx_sk ?
		     "no (skb:kfree_skb has no rx_sk before 6.11: a request socket's dropped RST "
		     "is not told from others)" :
		locked ?
		     "skb:kfree_skb NOT_SPECIFIED RST at a listener (rx_sk), client unknown under "
		     "lockdown=confidentiality; SYN-ACK timeouts: not seen" :
		     "skb:kfree_skb NOT_SPECIFIED RST at a listener (rx_sk); SYN-ACK timeouts: not seen");
}

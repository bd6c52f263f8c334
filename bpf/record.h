/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The one record the kernel side streams to user space through the ring
 * buffer.  Both sides include this file; nothing else defines the layout.
 * Fixed-width fields and explicit padding only, so the layout is the same
 * for clang -target bpf and the host compiler (checked by a _Static_assert
 * in user/output.c).
 */
#ifndef RSTSNOOP_RECORD_H
#define RSTSNOOP_RECORD_H

#ifndef __VMLINUX_H__ /* the BPF side gets these types from vmlinux.h */
#include <linux/types.h>
#endif

#define RST_COMM_LEN 16
#define RST_ADDR_LEN 16 /* IPv6; IPv4 uses the first 4 bytes */
/* The kernel side's count groups (bpf/count.bpf.h) per drain interval: at least
 * this many; the loader raises it to --metrics-max-series. */
#define RST_COUNT_KEYS_MIN 4096
#define RST_MAX_PORTS 8 /* ports in one port filter (-P, --lport, --rport) */

enum rst_event {
	RST_EV_RESET_SENT = 1,
	RST_EV_RESET_RECEIVED = 2,
	RST_EV_HANDSHAKE_FAILED = 3,
	RST_EV_RESET_IGNORED = 4, /* a RST reached a connection and was not accepted */
	RST_EV_LISTEN_DROP = 5,	  /* a listener dropped handshakes: its queue was full */
	RST_EV_TIMED_OUT = 6,	  /* a connection died without a RST (retransmission or
				     keepalive timeout) */
	RST_EV_RESET_RACE = 7,	  /* the peer kept sending after a RST closed the
				     connection: this host answered with RSTs of its own */
	/*
	 * Internal: facts for user space's listener history (who should have
	 * answered a refused connect), never printed as records.
	 */
	RST_EV_LISTEN_OPEN = 8,	 /* a socket started listening (owner, address, port) */
	RST_EV_LISTEN_CLOSE = 9, /* a listener closed */
	RST_EV_PROC_EXIT = 10,	 /* a process that owned a listener ended; error: its
				    exit code as wait(2) reports it */
};

/*
 * Who made the RST (or ICMP error) a record is about.  The kernel side
 * knows the local origins; for one from the wire it says REMOTE, and user
 * space judges peer, middlebox or unknown from ttl and peer_ttl.
 */
enum rst_origin {
	RST_ORIGIN_NONE = 0,	       /* the record involves no RST */
	RST_ORIGIN_LOCAL_STACK = 1,    /* this host's TCP stack, with no socket */
	RST_ORIGIN_LOCAL_SOCKET = 2,   /* a socket of this host */
	RST_ORIGIN_LOCAL_FIREWALL = 3, /* this host's netfilter (a reject rule) */
	RST_ORIGIN_REMOTE = 4,	       /* it came in from the network */
	RST_ORIGIN_UNKNOWN = 5,	       /* received, from where this kernel cannot tell */
	RST_ORIGIN_MIDDLEBOX = 6,      /* the peer kept sending after it: not the peer's */
};

enum rst_side {
	RST_SIDE_NONE = 0,
	RST_SIDE_CLIENT = 1,
	RST_SIDE_SERVER = 2,
};

enum rst_cause {
	RST_CAUSE_NONE = 0,
	RST_CAUSE_REFUSED = 1, /* a RST answered our SYN */
	RST_CAUSE_RESET = 2,   /* a RST ended the handshake otherwise */
	RST_CAUSE_TIMEOUT = 3, /* SYN or SYN-ACK retransmissions ran out */
	RST_CAUSE_OTHER = 4,   /* ICMP error and the like: see error */
	RST_CAUSE_REJECTED = 5, /* this host's stack rejected the peer's SYN-ACKs
				   (and reset them): see count and reason */
};

/* What the peer's genuine TTL (peer_ttl) was learnt from. */
enum rst_baseline {
	RST_BASELINE_NONE = 0,
	RST_BASELINE_SYNACK = 1,     /* its SYN-ACK answering our connect() */
	RST_BASELINE_SYN = 2,	     /* its SYN to one of our listeners */
	RST_BASELINE_ECHO_REPLY = 3, /* an ICMP or ICMPv6 echo reply from it (ping, --probe) */
	RST_BASELINE_SEGMENT = 4,    /* a sampled later segment of one of its flows */
};

/* How pid/comm/uid of a record were obtained. */
enum rst_attribution {
	RST_ATTR_NONE = 0,	   /* nobody on this host owns the socket */
	RST_ATTR_SOCKET_OWNER = 1, /* process that connect()ed, listen()ed or held it at start */
	RST_ATTR_CURRENT = 2,	   /* task running the close()/abort syscall that sent the RST */
};

#define RST_F_REASON	0x01 /* reason holds an enum sk_rst_reason value */
#define RST_F_OWNER	0x02 /* pid, uid, comm are valid */
#define RST_F_LOCAL_RST 0x04 /* the RST came from this host's own stack, socket-less */
#define RST_F_STATE	0x08 /* state is the TCP state before the incident */
#define RST_F_CLIENT	0x10 /* the socket was made by connect() */
#define RST_F_SERVER	0x20 /* a listener, or a socket a listener accepted */
/*
 * An AF_INET6 socket carrying IPv4 (a v4-mapped peer, ::ffff:a.b.c.d): what
 * dual-stack clients such as Java do.  family, laddr and raddr then describe
 * the wire (IPv4), as tcpdump and the peer see it; this flag keeps the fact
 * that the socket itself is IPv6.
 */
#define RST_F_V4MAPPED	0x40

/* What else a record knows (rst_record.facts). */
#define RST_FACT_TTL	     0x0001 /* ttl is the RST's or ICMP error's TTL as received */
#define RST_FACT_PEER_TTL    0x0002 /* peer_ttl: TTL of a genuine packet from raddr */
#define RST_FACT_ICMP	     0x0004 /* an ICMP error, not a RST, ended it */
#define RST_FACT_IDLE	     0x0008 /* idle_rx_ms, idle_tx_ms */
#define RST_FACT_AGE	     0x0010 /* age_ms: since connect() */
#define RST_FACT_DROP_REASON 0x0020 /* drop_reason: enum skb_drop_reason */
#define RST_FACT_COUNT	     0x0040 /* count: drops (listen_drop), RSTs (reset_race) */
#define RST_FACT_BYTES	     0x0080 /* bytes_acked, bytes_received */
#define RST_FACT_ICMP_SEEN   0x0100 /* icmp_type, icmp_code, icmp_from: the error was seen */
#define RST_FACT_ROUTE	     0x0200 /* the route to raddr is known: RST_FACT_OFFLINK says it */
#define RST_FACT_OFFLINK     0x0400 /* the route to raddr goes through a gateway */

struct rst_record {
	__u64 ts_ns;	     /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u64 sock_cookie;   /* 0: the kernel never assigned one */
	__u64 sock_ino;	     /* 0: socket had no file (not accepted, kernel socket) */
	__u64 proc_start_ns; /* the owner process's start (task start_time, CLOCK_MONOTONIC):
				with pid it names one process; 0: unknown */
	__u32 pid;	     /* tgid */
	__u32 tid;	     /* the thread that connect()ed, listen()ed or closed; 0: unknown */
	__u32 uid;
	__u32 netns;	     /* inode number of the network namespace */
	__s32 error;	     /* sk_err on handshake_failed, else 0 */
	__u32 reason;	     /* enum sk_rst_reason, valid with RST_F_REASON */
	__u16 lport;	     /* host byte order; this host's end first */
	__u16 rport;
	__u8 laddr[RST_ADDR_LEN];
	__u8 raddr[RST_ADDR_LEN];
	/* names: raw bytes from the kernel, hostile input */
	char comm[RST_COMM_LEN];   /* the process's (its main thread's) name */
	char thread[RST_COMM_LEN]; /* the name of the thread tid */
	__u8 event;		   /* enum rst_event */
	__u8 side;		   /* enum rst_side */
	__u8 cause;		   /* enum rst_cause */
	__u8 attribution;	   /* enum rst_attribution */
	__u8 family;		   /* AF_INET or AF_INET6 */
	__u8 state;		   /* TCP state before the incident, with RST_F_STATE */
	__u8 flags;		   /* RST_F_* */
	__u8 pad1;
	__u16 facts;		   /* RST_FACT_* */
	__u8 origin;		   /* enum rst_origin */
	__u8 ttl;		   /* IPv4 TTL or IPv6 hop limit, as received */
	__u8 peer_ttl;		   /* the same of the peer's genuine packets, with RST_FACT_PEER_TTL */
	__u8 icmp_type;
	__u8 icmp_code;
	__u8 baseline;		   /* enum rst_baseline: what peer_ttl was learnt from */
	__u32 drop_reason;	   /* enum skb_drop_reason */
	__u32 count;
	/* The connection's last moments (RST_FACT_IDLE, _AGE, _BYTES) */
	__u32 age_ms;
	__u32 idle_rx_ms; /* since the last segment received */
	__u32 idle_tx_ms; /* since the last data sent */
	__u64 bytes_acked;
	__u64 bytes_received;
	__u8 icmp_from[RST_ADDR_LEN]; /* who sent the ICMP error */
	__u32 baseline_age_ms;	      /* how old peer_ttl is, with RST_FACT_PEER_TTL */
	__u32 pad2;
};

#define RST_RECORD_SIZE 200

/*
 * The maps whose failed updates the kernel side counts, one slot each in
 * map_update_failures (bpf/maps.bpf.h); user/tracer.c names them.  Each
 * carries facts from one hook to another (docs/kernel-data-flow.md): a
 * failed update loses a fact, not a record.
 */
enum rst_map_slot {
	RST_MAP_PROCS,
	RST_MAP_SEEDS,
	RST_MAP_LISTENERS,
	RST_MAP_LISTENER_TGIDS,
	RST_MAP_FIREWALL_MARKS,
	RST_MAP_REJECTED_SYNACKS,
	RST_MAP_WIRE_RSTS,
	RST_MAP_ICMP_ERRORS,
	RST_MAP_PEER_TTLS,
	RST_MAP_RESET_FLOWS,
	RST_MAP_LISTEN_DROPS,
	RST_MAP_LISTENER_EXCESS,
	RST_MAP_SLOTS
};

/*
 * Map entries the loader writes too (start-up seeding of sockets that
 * existed before rstsnoop started).
 */
/* Who a socket belongs to. */
struct rst_owner {
	__u64 ino;	     /* socket inode: the key of seeded entries */
	__u64 proc_start_ns; /* see struct rst_record */
	__u32 pid;
	__u32 tid;
	__u32 uid;
	__u32 pad;
	char comm[RST_COMM_LEN];
	char thread[RST_COMM_LEN];
};

/*
 * What names a process beyond its pid, kept once per process (map
 * `procs`, keyed by pid, filled by the kernel side when the process first
 * makes or listens on a socket, and by the seeding): user space joins it to
 * records by pid and proc_start_ns, so it still works after a short-lived
 * process exited.
 */
#define RST_CMDLINE_LEN 256

struct rst_process {
	__u64 start_ns;	 /* task start_time: tells a reused pid apart */
	__u64 cgroup_id; /* cgroup v2 id (the inode of its directory); 0: none */
	__u32 pid;
	__u32 ppid;	      /* the parent (real_parent's tgid) when captured */
	__u32 cmdline_len;    /* bytes of cmdline, NULs between arguments */
	__u32 cmdline_cut;    /* 1: the command line was longer and is cut */
	char comm[RST_COMM_LEN];	/* the main thread's name */
	char parent_comm[RST_COMM_LEN];
	char cmdline[RST_CMDLINE_LEN]; /* raw bytes from user memory: hostile input */
};

#define OWNER_WAYS 4 /* slots per set of the owner table */

/*
 * Who owns a socket, from connect() or listen() to its CLOSE, and a little
 * after: the slot stays (closed) for the RST that close() or an abort sends
 * right after the socket moved to CLOSE.
 */
struct rst_sock_info {
	struct rst_owner owner;
	__u64 opened_ns; /* when connect() or listen() ran (CLOCK_MONOTONIC) */
	__u8 role;   /* RST_F_CLIENT (connect()) or RST_F_SERVER (listen()) */
	__u8 closed; /* the socket reached CLOSE: the slot is free to reuse */
	__u8 pad[6];
};

/*
 * The owner table is an array of sets of OWNER_WAYS slots: set =
 * hash(socket key) & mask, and each slot keeps its key to tell its socket
 * from others of the set.  A slot is written in place where an LRU hash
 * insert on every connect() cost about 350 ns.  A socket takes a free (or
 * closed) slot of its set; only when all its ways hold live sockets does it
 * evict one, whose owner is then lost: counted (owner_collisions), never
 * silent.  Four ways: with a tenth of the table live, a direct-mapped slot
 * would evict a live owner on one insert in ten, a set of four on about one
 * in ten thousand.  The key is the socket's address in the classic programs
 * and its cookie in the BTF-typed ones (which may not treat a socket
 * pointer as a number); one object never mixes the two.  The loader reads
 * the table for the occupancy metrics mode exports.
 */
struct rst_owner_slot {
	__u64 key; /* 0: empty */
	struct rst_sock_info info;
};

struct rst_owner_set {
	struct rst_owner_slot way[OWNER_WAYS];
};

/*
 * A listener: its port, family and bound address in its namespace.  Two
 * listeners may share a port (IPv4 and IPv6, or two addresses of one
 * family): each has its own entry.  addr all zero: any address (also what
 * the start-up seeding from /proc registers); an AF_INET6 listener on any
 * address also takes IPv4 (dual-stack).
 */
struct rst_listener_key {
	__u32 netns;
	__u16 port;
	__u16 family;
	__u8 addr[RST_ADDR_LEN];
};

struct rst_listener {
	struct rst_owner owner;
	__u64 sk; /* which listener registered the port (SO_REUSEPORT) */
};

#endif /* RSTSNOOP_RECORD_H */

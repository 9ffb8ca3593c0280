/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#pragma once

/*
 * Maps shared by the pod programs and user space. Every map is global to one enforcer root and keyed
 * by a pod id that user space assigns; the pod id of a packet comes from npa_pods_v1, keyed by the
 * ifindex of the host-side veth the program runs on. Names carry the project prefix and a version.
 *
 * Peer lookup: npa_{ing,egr}_lpm{4,6}_v1 is an LPM trie keyed {prefixlen, pod_id, address}; the
 * prefix length always covers the 32 bits of pod_id plus the CIDR length. Its value is a rule-set id
 * (0 = no rule: an except hole or an explicit deny entry).
 *
 * Port lookup: npa_{ing,egr}_ports_v1 is a second LPM trie keyed {prefixlen, pod_id, set_id,
 * protocol, 0, port (big endian)}. A port range is stored as the aligned power-of-two blocks that
 * cover it (at most 30 per range), so a range and a single port cost the same lookup, and a rule set
 * may hold any number of ports: there is no per-CIDR limit. A rule with no ports (any protocol)
 * is the entry {pod_id, set_id, protocol 0} with no port bits. The value is the rule id that allows it.
 * Two lookups per new flow: (protocol, port) and (any protocol).
 */

#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

#define NPA_LPM_MAX_ENTRIES 262144
#define NPA_PORT_MAX_ENTRIES 262144
#define NPA_POD_MAX_ENTRIES 16384
#define NPA_RULE_MAX_ENTRIES 65536
#define NPA_CT_DEFAULT_ENTRIES 524288
#define NPA_FRAG_MAX_ENTRIES 8192
#define NPA_EVENTS_BYTES (4 * 1024 * 1024)

enum npa_mode {
	NPA_MODE_UNKNOWN = 0,	     /* treated as deny */
	NPA_MODE_ALLOW = 1,	     /* no policy isolates this direction */
	NPA_MODE_ENFORCE = 2,	     /* isolated: only what a rule allows */
	NPA_MODE_STRICT_START = 3,   /* strict mode, policies not yet programmed: deny */
	NPA_MODE_STANDARD_START = 4, /* standard mode, policies not yet programmed: allow */
};

enum npa_stat {
	NPA_STAT_INGRESS_ALLOW = 0,
	NPA_STAT_INGRESS_DENY = 1,
	NPA_STAT_EGRESS_ALLOW = 2,
	NPA_STAT_EGRESS_DENY = 3,
	NPA_STAT_RINGBUF_DROPS = 4,
	NPA_STAT_CONNTRACK_HITS = 5,
	NPA_STAT_EVENTS = 6,
	NPA_STAT_FRAGMENT_UNKNOWN = 7,
	NPA_STAT_INGRESS_DENY_BYTES = 8,
	NPA_STAT_EGRESS_DENY_BYTES = 9,
	NPA_STAT_MAX = 10,
};

/* Value of npa_pods_v1, keyed by the __u32 ifindex of the host veth. */
struct npa_pod_state {
	__u32 pod_id;
	__u8 ingress_mode; /* enum npa_mode */
	__u8 egress_mode;
	__u16 flags;
};

struct npa_lpm4_key {
	__u32 prefixlen; /* 32 (pod_id) + CIDR length */
	__u32 pod_id;
	__u8 addr[4]; /* network order */
};

struct npa_lpm6_key {
	__u32 prefixlen; /* 32 (pod_id) + CIDR length */
	__u32 pod_id;
	__u8 addr[16];
};

struct npa_port_key {
	__u32 prefixlen; /* 72 for any protocol; 80 + port bits for a protocol */
	__u32 pod_id;
	__u32 set_id;
	__u8 protocol; /* 0 = any protocol */
	__u8 pad;      /* always 0 (inside the prefix) */
	__be16 port;   /* network order so that LPM prefixes are port blocks */
};

struct npa_ct_key {
	__u32 pod_id;
	__u8 direction; /* enum npa_direction the flow was allowed in */
	__u8 protocol;
	__u8 family; /* 4 or 6 */
	__u8 pad;
	__u16 src_port; /* host order, as the flow's first packet had it */
	__u16 dst_port;
	__u8 src[16];
	__u8 dst[16];
};

struct npa_ct_value {
	__u64 last_seen_ns;
	__u32 rule_id;
	__u32 reason; /* enum npa_reason at flow start */
};

struct npa_frag_key {
	__u32 id; /* IPv4 identification or IPv6 fragment id */
	__u8 protocol;
	__u8 family;
	__u16 pad;
	__u8 src[16];
	__u8 dst[16];
};

struct npa_frag_value {
	__u16 src_port;
	__u16 dst_port;
};

/* User-space registries, pinned with the other maps so that a restart reads them back. */
struct npa_pod_record {
	__u32 ifindex;
	__u32 flags;   /* low byte: how the programs are attached (1 tcx, 2 tc clsact) */
	char key[248]; /* "namespace/name/uid", NUL padded */
};

struct npa_rule_name {
	char text[256]; /* serialised RuleRef, NUL padded */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NPA_POD_MAX_ENTRIES);
	__type(key, __u32);
	__type(value, struct npa_pod_state);
} npa_pods_v1 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, NPA_LPM_MAX_ENTRIES);
	__type(key, struct npa_lpm4_key);
	__type(value, __u32);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} npa_ing_lpm4_v1 SEC(".maps"), npa_egr_lpm4_v1 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, NPA_LPM_MAX_ENTRIES);
	__type(key, struct npa_lpm6_key);
	__type(value, __u32);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} npa_ing_lpm6_v1 SEC(".maps"), npa_egr_lpm6_v1 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, NPA_PORT_MAX_ENTRIES);
	__type(key, struct npa_port_key);
	__type(value, __u32);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} npa_ing_ports_v1 SEC(".maps"), npa_egr_ports_v1 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, NPA_CT_DEFAULT_ENTRIES); /* user space may resize before load */
	__type(key, struct npa_ct_key);
	__type(value, struct npa_ct_value);
} npa_ct_v1 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, NPA_FRAG_MAX_ENTRIES);
	__type(key, struct npa_frag_key);
	__type(value, struct npa_frag_value);
} npa_frag_v1 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, NPA_EVENTS_BYTES);
} npa_events_v1 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NPA_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} npa_stats_v1 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NPA_POD_MAX_ENTRIES);
	__type(key, __u32);
	__type(value, struct npa_pod_record);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} npa_pod_keys_v1 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NPA_RULE_MAX_ENTRIES);
	__type(key, __u32);
	__type(value, struct npa_rule_name);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} npa_rule_names_v1 SEC(".maps");

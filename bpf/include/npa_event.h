/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#pragma once

/*
 * Verdict event written to the ring buffer npa_events_v1: one per new flow and one per denied packet.
 * Layout is fixed (64 bytes, little endian); FlowLogs decodes it and a struct layout test checks it.
 */

enum npa_verdict {
	NPA_VERDICT_UNKNOWN = 0,
	NPA_VERDICT_ALLOW = 1,
	NPA_VERDICT_DENY = 2,
};

enum npa_direction {
	NPA_DIR_UNKNOWN = 0,
	NPA_DIR_INGRESS = 1, /* into the pod; the peer is the source */
	NPA_DIR_EGRESS = 2,  /* out of the pod; the peer is the destination */
};

enum npa_reason {
	NPA_REASON_UNKNOWN = 0,
	NPA_REASON_RULE = 1,          /* a rule allowed it: rule_id names it */
	NPA_REASON_NO_RULE = 2,       /* isolated and no rule allows it */
	NPA_REASON_NOT_ISOLATED = 3,  /* no policy isolates this direction */
	NPA_REASON_STRICT_START = 4,  /* strict mode, policies not yet programmed */
	NPA_REASON_STANDARD_START = 5,/* standard mode, policies not yet programmed */
	NPA_REASON_CONNTRACK = 6,     /* reply or continuation of an allowed flow */
};

struct npa_flow_event {
	__u64 ts_ns;       /* bpf_ktime_get_ns(), CLOCK_MONOTONIC */
	__u8 src_ip[16];   /* IPv4: first 4 bytes, network order; rest zero */
	__u8 dst_ip[16];
	__u16 src_port;    /* host order; 0 when the protocol has no ports */
	__u16 dst_port;
	__u8 protocol;     /* IANA protocol number */
	__u8 verdict;      /* enum npa_verdict */
	__u8 direction;    /* enum npa_direction */
	__u8 family;       /* 4 or 6 */
	__u32 rule_id;     /* 0 = no rule; else an id user space maps to policy and rule */
	__u32 ifindex;     /* host-side veth */
	__u32 packet_len;
	__u32 reason;      /* enum npa_reason */
};

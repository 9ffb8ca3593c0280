// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Test-only generator for the flow-log reader. Each run under BPF_PROG_TEST_RUN writes one event into
 * the ring buffer npa_fl_test_events, or counts a drop in npa_fl_test_drops when the ring is full.
 *  - npa_fl_test_emit copies the template from npa_fl_test_template as it is, stamped with
 *    bpf_ktime_get_ns().
 *  - npa_fl_test_spread does the same but makes every event a distinct flow: a sequence number picks
 *    the source port, the last two bytes of both IPv4 addresses, and alternates the verdict, so a
 *    benchmark sees many pods and nothing folds into an aggregated line.
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>
#include "npa_event.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096); /* callers may enlarge it before loading */
} npa_fl_test_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct npa_flow_event);
} npa_fl_test_template SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} npa_fl_test_drops SEC(".maps");

/* Sequence number of npa_fl_test_spread: one for all CPUs, so a run that migrates stays in order. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} npa_fl_test_seq SEC(".maps");

static __always_inline struct npa_flow_event *reserve_from_template(void)
{
	__u32 key = 0;
	struct npa_flow_event *tmpl = bpf_map_lookup_elem(&npa_fl_test_template, &key);
	if (!tmpl)
		return 0;

	struct npa_flow_event *e = bpf_ringbuf_reserve(&npa_fl_test_events, sizeof(*e), 0);
	if (!e) {
		__u64 *drops = bpf_map_lookup_elem(&npa_fl_test_drops, &key);
		if (drops)
			*drops += 1;
		return 0;
	}

	__builtin_memcpy(e, tmpl, sizeof(*e));
	e->ts_ns = bpf_ktime_get_ns();
	return e;
}

SEC("tc")
int npa_fl_test_emit(struct __sk_buff *skb)
{
	struct npa_flow_event *e = reserve_from_template();
	if (e)
		bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tc")
int npa_fl_test_spread(struct __sk_buff *skb)
{
	__u32 seq_key = 0;
	__u64 *seq = bpf_map_lookup_elem(&npa_fl_test_seq, &seq_key);
	if (!seq)
		return 0;

	struct npa_flow_event *e = reserve_from_template();
	if (!e)
		return 0;

	__u64 n = __sync_fetch_and_add(seq, 1);
	e->src_port = (__u16)n;
	e->dst_port = (__u16)(1 + ((n >> 16) & 0x7fff));
	e->src_ip[2] = (__u8)(n % 16);
	e->src_ip[3] = (__u8)(1 + n % 200);
	e->dst_ip[2] = (__u8)(n % 8);
	e->dst_ip[3] = (__u8)(1 + n % 100);
	if (n & 1) {
		e->verdict = NPA_VERDICT_ALLOW;
		e->reason = NPA_REASON_RULE;
		e->rule_id = 1 + (__u32)(n % 50);
	} else {
		e->verdict = NPA_VERDICT_DENY;
		e->reason = NPA_REASON_NO_RULE;
		e->rule_id = 0;
	}
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Test-only generator for the flow-log reader: each run under BPF_PROG_TEST_RUN copies the
 * event template from npa_fl_test_template into the ring buffer npa_fl_test_events, stamped with
 * bpf_ktime_get_ns(), or counts a drop in npa_fl_test_drops when the ring is full.
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>
#include "npa_event.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
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

SEC("tc")
int npa_fl_test_emit(struct __sk_buff *skb)
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
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

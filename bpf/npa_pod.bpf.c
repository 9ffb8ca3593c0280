// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Pod programs, attached to the host side of a pod's veth:
 *   npa_pod_ingress on the veth's egress hook (traffic into the pod; the peer is the source),
 *   npa_pod_egress on the veth's ingress hook (traffic from the pod; the peer is the destination).
 *
 * Per packet: find the pod by ifindex (unknown veth: pass), parse, pass conntrack hits (a
 * continuation or a reply of an allowed flow, or an ICMP error quoting one), else judge by the pod's
 * mode for this direction and, when enforcing, by the peer LPM trie and the port trie. An allowed
 * new flow is recorded in conntrack and reported once; every denied packet is reported.
 */

#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "npa_event.h"
#include "npa_maps.h"
#include "npa_parse.h"

#define NPA_CT_REFRESH_NS 1000000000ULL

char LICENSE[] SEC("license") = "Dual BSD/GPL";

static __always_inline void npa_add(__u32 index, __u64 amount)
{
	__u64 *value = bpf_map_lookup_elem(&npa_stats_v1, &index);

	if (value)
		*value += amount;
}

static __always_inline void npa_count(__u32 index)
{
	npa_add(index, 1);
}

static __always_inline void npa_ct_fill(struct npa_ct_key *key, __u32 pod_id, __u8 direction, __u8 family,
					__u8 protocol, const __u8 *src, const __u8 *dst, __u16 sport, __u16 dport)
{
	key->pod_id = pod_id;
	key->direction = direction;
	key->protocol = protocol;
	key->family = family;
	key->pad = 0;
	key->src_port = sport;
	key->dst_port = dport;
	__builtin_memcpy(key->src, src, 16);
	__builtin_memcpy(key->dst, dst, 16);
}

/*
 * A packet in direction dir with tuple (src, dst) belongs to an allowed flow when conntrack holds
 * {dir, src -> dst} (the flow's own direction) or {other dir, dst -> src} (a reply).
 */
static __always_inline int npa_ct_match(__u32 pod_id, __u8 dir, __u8 family, __u8 protocol, const __u8 *src,
					const __u8 *dst, __u16 sport, __u16 dport)
{
	struct npa_ct_key key;
	struct npa_ct_value *val;
	__u8 other = dir == NPA_DIR_INGRESS ? NPA_DIR_EGRESS : NPA_DIR_INGRESS;

	npa_ct_fill(&key, pod_id, dir, family, protocol, src, dst, sport, dport);
	val = bpf_map_lookup_elem(&npa_ct_v1, &key);
	if (!val) {
		npa_ct_fill(&key, pod_id, other, family, protocol, dst, src, dport, sport);
		val = bpf_map_lookup_elem(&npa_ct_v1, &key);
	}
	if (!val)
		return 0;
	__u64 now = bpf_ktime_get_ns();

	if (now - val->last_seen_ns > NPA_CT_REFRESH_NS)
		val->last_seen_ns = now;
	return 1;
}

/* Rule id (non-zero) that allows the packet under the pod's rules for dir, or 0. */
static __always_inline __u32 npa_rule_lookup(__u32 pod_id, __u8 dir, struct npa_packet *pkt)
{
	__u32 *set_id;

	if (pkt->family == 4) {
		struct npa_lpm4_key key = {.prefixlen = 64, .pod_id = pod_id};

		__builtin_memcpy(key.addr, dir == NPA_DIR_INGRESS ? pkt->src : pkt->dst, 4);
		set_id = bpf_map_lookup_elem(
		    dir == NPA_DIR_INGRESS ? (void *)&npa_ing_lpm4_v1 : (void *)&npa_egr_lpm4_v1, &key);
	} else {
		struct npa_lpm6_key key = {.prefixlen = 160, .pod_id = pod_id};

		__builtin_memcpy(key.addr, dir == NPA_DIR_INGRESS ? pkt->src : pkt->dst, 16);
		set_id = bpf_map_lookup_elem(
		    dir == NPA_DIR_INGRESS ? (void *)&npa_ing_lpm6_v1 : (void *)&npa_egr_lpm6_v1, &key);
	}
	if (!set_id || *set_id == 0)
		return 0;

	void *ports = dir == NPA_DIR_INGRESS ? (void *)&npa_ing_ports_v1 : (void *)&npa_egr_ports_v1;
	struct npa_port_key pkey = {.prefixlen = 96, .pod_id = pod_id, .set_id = *set_id};
	__u32 *rule;

	pkey.protocol = pkt->protocol;
	pkey.port = bpf_htons(pkt->has_ports ? pkt->dst_port : 0);
	rule = bpf_map_lookup_elem(ports, &pkey);
	if (rule)
		return *rule;
	pkey.protocol = 0;
	pkey.port = 0;
	pkey.prefixlen = 72;
	rule = bpf_map_lookup_elem(ports, &pkey);
	return rule ? *rule : 0;
}

static __always_inline void npa_report(struct __sk_buff *skb, struct npa_packet *pkt, __u8 dir, __u8 verdict,
				       __u32 rule_id, __u32 reason)
{
	struct npa_flow_event *e = bpf_ringbuf_reserve(&npa_events_v1, sizeof(*e), 0);

	if (!e) {
		npa_count(NPA_STAT_RINGBUF_DROPS);
		return;
	}
	e->ts_ns = bpf_ktime_get_ns();
	__builtin_memcpy(e->src_ip, pkt->src, 16);
	__builtin_memcpy(e->dst_ip, pkt->dst, 16);
	e->src_port = pkt->src_port;
	e->dst_port = pkt->dst_port;
	e->protocol = pkt->protocol;
	e->verdict = verdict;
	e->direction = dir;
	e->family = pkt->family;
	e->rule_id = rule_id;
	e->ifindex = skb->ifindex;
	e->packet_len = pkt->len;
	e->reason = reason;
	bpf_ringbuf_submit(e, 0);
	npa_count(NPA_STAT_EVENTS);
}

static __always_inline int npa_verdict(struct __sk_buff *skb, __u8 dir, int allow, struct npa_packet *pkt,
				       __u32 rule_id, __u32 reason)
{
	__u32 stat = dir == NPA_DIR_INGRESS ? NPA_STAT_INGRESS_ALLOW : NPA_STAT_EGRESS_ALLOW;

	npa_count(allow ? stat : stat + 1);
	if (!allow)
		npa_add(dir == NPA_DIR_INGRESS ? NPA_STAT_INGRESS_DENY_BYTES : NPA_STAT_EGRESS_DENY_BYTES, pkt->len);
	if (reason != NPA_REASON_CONNTRACK)
		npa_report(skb, pkt, dir, allow ? NPA_VERDICT_ALLOW : NPA_VERDICT_DENY, rule_id, reason);
	return allow ? TC_ACT_OK : TC_ACT_SHOT;
}

static __always_inline int npa_handle(struct __sk_buff *skb, __u8 dir)
{
	__u32 ifindex = skb->ifindex;
	struct npa_pod_state *pod = bpf_map_lookup_elem(&npa_pods_v1, &ifindex);

	if (!pod)
		return TC_ACT_OK;

	__u32 pod_id = pod->pod_id;
	__u8 mode = dir == NPA_DIR_INGRESS ? pod->ingress_mode : pod->egress_mode;
	struct npa_packet pkt = {};
	int parsed = npa_parse(skb, &pkt);

	if (parsed == NPA_PARSE_NOT_IP || pkt.always_allow)
		return TC_ACT_OK;
	if (parsed != NPA_PARSE_OK) {
		/* A truncated or inconsistent IP header: only a direction that allows everything lets it pass. */
		int open = mode == NPA_MODE_ALLOW || mode == NPA_MODE_STANDARD_START;

		return npa_verdict(skb, dir, open, &pkt, 0, open ? NPA_REASON_NOT_ISOLATED : NPA_REASON_NO_RULE);
	}

	if (npa_ct_match(pod_id, dir, pkt.family, pkt.protocol, pkt.src, pkt.dst, pkt.src_port, pkt.dst_port) ||
	    (pkt.icmp_error && npa_ct_match(pod_id, dir, pkt.family, pkt.ct_protocol, pkt.ct_src, pkt.ct_dst,
					    pkt.ct_src_port, pkt.ct_dst_port))) {
		npa_count(NPA_STAT_CONNTRACK_HITS);
		return npa_verdict(skb, dir, 1, &pkt, 0, NPA_REASON_CONNTRACK);
	}

	int allow = 0;
	__u32 rule_id = 0, reason;

	switch (mode) {
	case NPA_MODE_ALLOW:
		allow = 1;
		reason = NPA_REASON_NOT_ISOLATED;
		break;
	case NPA_MODE_STANDARD_START:
		allow = 1;
		reason = NPA_REASON_STANDARD_START;
		break;
	case NPA_MODE_STRICT_START:
		reason = NPA_REASON_STRICT_START;
		break;
	case NPA_MODE_ENFORCE:
		if (pkt.frag_unknown)
			npa_count(NPA_STAT_FRAGMENT_UNKNOWN);
		rule_id = npa_rule_lookup(pod_id, dir, &pkt);
		allow = rule_id != 0;
		reason = allow ? NPA_REASON_RULE : NPA_REASON_NO_RULE;
		break;
	default:
		reason = NPA_REASON_UNKNOWN;
		break;
	}

	if (allow && !pkt.frag_unknown) {
		struct npa_ct_key key;
		struct npa_ct_value val = {.last_seen_ns = bpf_ktime_get_ns(), .rule_id = rule_id, .reason = reason};

		npa_ct_fill(&key, pod_id, dir, pkt.family, pkt.protocol, pkt.src, pkt.dst, pkt.src_port, pkt.dst_port);
		bpf_map_update_elem(&npa_ct_v1, &key, &val, BPF_ANY);
	}
	return npa_verdict(skb, dir, allow, &pkt, rule_id, reason);
}

SEC("tc")
int npa_pod_ingress(struct __sk_buff *skb)
{
	return npa_handle(skb, NPA_DIR_INGRESS);
}

SEC("tc")
int npa_pod_egress(struct __sk_buff *skb)
{
	return npa_handle(skb, NPA_DIR_EGRESS);
}

/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#pragma once

/*
 * Packet parsing for the pod programs: Ethernet, IPv4 (options skipped through ihl), IPv6 (up to
 * NPA_MAX_EXT_HEADERS extension headers: hop-by-hop, routing, destination options, fragment, AH),
 * then TCP/UDP/SCTP ports. ICMP echo uses the identifier as both ports so that replies match the
 * request in conntrack; ICMP errors carry the tuple of the packet they quote (reversed, so that it
 * reads like a reply of the quoted flow).
 *
 * Fragments: the first fragment records its ports in npa_frag_v1 under {id, protocol, addresses};
 * a later fragment takes its ports from there. A later fragment whose first fragment was not seen
 * has unknown ports and is judged with port 0 (so only a rule for any protocol or all ports of its
 * protocol can allow it) and counted in NPA_STAT_FRAGMENT_UNKNOWN.
 */

#include <linux/bpf.h>
#include <linux/types.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "npa_maps.h"

#define NPA_MAX_EXT_HEADERS 8

#ifndef IPPROTO_ICMPV6
#define IPPROTO_ICMPV6 58
#endif

enum npa_parse_result {
	NPA_PARSE_OK = 0,
	NPA_PARSE_NOT_IP = 1, /* ARP and everything else that is not IP: passes */
	NPA_PARSE_MALFORMED = 2,
};

struct npa_packet {
	__u8 src[16];
	__u8 dst[16];
	__u16 src_port;
	__u16 dst_port;
	__u8 protocol;
	__u8 family;
	__u8 has_ports;	   /* TCP, UDP, SCTP with known ports */
	__u8 always_allow; /* IPv6 neighbour discovery */
	__u8 icmp_error;   /* ct_* holds the reversed quoted tuple */
	__u8 frag_unknown; /* a later fragment whose ports are unknown */
	__u8 ct_protocol;
	__u8 pad;
	__u16 ct_src_port;
	__u16 ct_dst_port;
	__u8 ct_src[16];
	__u8 ct_dst[16];
	__u32 len;
};

static __always_inline int npa_has_ports(__u8 protocol)
{
	return protocol == IPPROTO_TCP || protocol == IPPROTO_UDP || protocol == IPPROTO_SCTP;
}

static __always_inline int npa_load_ports(struct __sk_buff *skb, __u32 off, __u16 *sport, __u16 *dport)
{
	__be16 ports[2];

	if (bpf_skb_load_bytes(skb, off, ports, sizeof(ports)) < 0)
		return -1;
	*sport = bpf_ntohs(ports[0]);
	*dport = bpf_ntohs(ports[1]);
	return 0;
}

/* Reads the quoted IP header of an ICMP error at off and stores its tuple, reversed, in ct_*. */
static __always_inline void npa_parse_quoted(struct __sk_buff *skb, __u32 off, struct npa_packet *pkt)
{
	__u16 sport = 0, dport = 0;
	__u8 proto;

	if (pkt->family == 4) {
		__u8 hdr[20];

		if (bpf_skb_load_bytes(skb, off, hdr, sizeof(hdr)) < 0)
			return;
		__u32 ihl = (hdr[0] & 0x0f) * 4;
		if (ihl < 20)
			return;
		proto = hdr[9];
		if (npa_has_ports(proto) && npa_load_ports(skb, off + ihl, &sport, &dport) < 0)
			return;
		__builtin_memset(pkt->ct_src, 0, 16);
		__builtin_memset(pkt->ct_dst, 0, 16);
		__builtin_memcpy(pkt->ct_src, &hdr[16], 4); /* reply source = quoted destination */
		__builtin_memcpy(pkt->ct_dst, &hdr[12], 4);
	} else {
		__u8 hdr[40];

		if (bpf_skb_load_bytes(skb, off, hdr, sizeof(hdr)) < 0)
			return;
		proto = hdr[6];
		if (npa_has_ports(proto) && npa_load_ports(skb, off + 40, &sport, &dport) < 0)
			return;
		__builtin_memcpy(pkt->ct_src, &hdr[24], 16);
		__builtin_memcpy(pkt->ct_dst, &hdr[8], 16);
	}
	if (!npa_has_ports(proto))
		return;
	pkt->ct_protocol = proto;
	pkt->ct_src_port = dport;
	pkt->ct_dst_port = sport;
	pkt->icmp_error = 1;
}

/* Ports or ICMP fields of the L4 header at off (first fragment or unfragmented packet). */
static __always_inline void npa_parse_l4(struct __sk_buff *skb, __u32 off, struct npa_packet *pkt)
{
	if (npa_has_ports(pkt->protocol)) {
		if (npa_load_ports(skb, off, &pkt->src_port, &pkt->dst_port) == 0)
			pkt->has_ports = 1;
		return;
	}
	if (pkt->protocol != IPPROTO_ICMP && pkt->protocol != IPPROTO_ICMPV6)
		return;

	__u8 icmp[8];

	if (bpf_skb_load_bytes(skb, off, icmp, sizeof(icmp)) < 0)
		return;
	__u8 type = icmp[0];
	__u16 ident = ((__u16)icmp[4] << 8) | icmp[5];

	if (pkt->protocol == IPPROTO_ICMP) {
		if (type == 8 || type == 0) {
			pkt->src_port = ident;
			pkt->dst_port = ident;
		} else if (type == 3 || type == 11 || type == 12) {
			npa_parse_quoted(skb, off + 8, pkt);
		}
	} else {
		if (type == 128 || type == 129) {
			pkt->src_port = ident;
			pkt->dst_port = ident;
		} else if (type >= 1 && type <= 4) {
			npa_parse_quoted(skb, off + 8, pkt);
		} else if ((type >= 133 && type <= 137) || (type >= 130 && type <= 132) || type == 143) {
			/* Neighbour discovery and multicast listener discovery: link-local control traffic
			 * IPv6 needs to work at all; NetworkPolicy does not govern it. */
			pkt->always_allow = 1;
		}
	}
}

static __always_inline void npa_fragment(struct __sk_buff *skb, struct npa_packet *pkt, __u32 id, int first, int more,
					 __u32 l4off)
{
	struct npa_frag_key key = {};

	key.id = id;
	key.protocol = pkt->protocol;
	key.family = pkt->family;
	__builtin_memcpy(key.src, pkt->src, 16);
	__builtin_memcpy(key.dst, pkt->dst, 16);

	if (first) {
		npa_parse_l4(skb, l4off, pkt);
		if (more && pkt->has_ports) {
			struct npa_frag_value val = {.src_port = pkt->src_port, .dst_port = pkt->dst_port};

			bpf_map_update_elem(&npa_frag_v1, &key, &val, BPF_ANY);
		}
		return;
	}

	struct npa_frag_value *val = bpf_map_lookup_elem(&npa_frag_v1, &key);

	if (val && npa_has_ports(pkt->protocol)) {
		pkt->src_port = val->src_port;
		pkt->dst_port = val->dst_port;
		pkt->has_ports = 1;
	} else {
		pkt->frag_unknown = 1;
	}
}

static __always_inline int npa_parse_ipv4(struct __sk_buff *skb, struct npa_packet *pkt)
{
	__u8 hdr[20];

	if (bpf_skb_load_bytes(skb, ETH_HLEN, hdr, sizeof(hdr)) < 0)
		return NPA_PARSE_MALFORMED;
	__u32 ihl = (hdr[0] & 0x0f) * 4;

	if ((hdr[0] >> 4) != 4 || ihl < 20)
		return NPA_PARSE_MALFORMED;
	pkt->family = 4;
	pkt->protocol = hdr[9];
	__builtin_memcpy(pkt->src, &hdr[12], 4);
	__builtin_memcpy(pkt->dst, &hdr[16], 4);

	__u16 frag = ((__u16)hdr[6] << 8) | hdr[7];
	__u16 offset = frag & 0x1fff;
	int more = (frag & 0x2000) != 0;
	__u32 l4off = ETH_HLEN + ihl;

	if (!offset && !more) {
		npa_parse_l4(skb, l4off, pkt);
		return NPA_PARSE_OK;
	}
	npa_fragment(skb, pkt, ((__u32)hdr[4] << 8) | hdr[5], offset == 0, more, l4off);
	return NPA_PARSE_OK;
}

static __always_inline int npa_parse_ipv6(struct __sk_buff *skb, struct npa_packet *pkt)
{
	__u8 hdr[40];

	if (bpf_skb_load_bytes(skb, ETH_HLEN, hdr, sizeof(hdr)) < 0)
		return NPA_PARSE_MALFORMED;
	if ((hdr[0] >> 4) != 6)
		return NPA_PARSE_MALFORMED;
	pkt->family = 6;
	__builtin_memcpy(pkt->src, &hdr[8], 16);
	__builtin_memcpy(pkt->dst, &hdr[24], 16);

	__u8 next = hdr[6];
	__u32 off = ETH_HLEN + 40;
	int fragmented = 0, first = 1, more = 0;
	__u32 frag_id = 0;

	for (int i = 0; i < NPA_MAX_EXT_HEADERS; i++) {
		__u8 ext[8];

		if (next != 0 && next != 43 && next != 60 && next != 44 && next != 51)
			break;
		if (bpf_skb_load_bytes(skb, off, ext, sizeof(ext)) < 0)
			return NPA_PARSE_MALFORMED;
		if (next == 44) {
			__u16 fo = ((__u16)ext[2] << 8) | ext[3];

			fragmented = 1;
			first = (fo >> 3) == 0;
			more = fo & 1;
			frag_id = ((__u32)ext[4] << 24) | ((__u32)ext[5] << 16) | ((__u32)ext[6] << 8) | ext[7];
			off += 8;
		} else if (next == 51) {
			off += ((__u32)ext[1] + 2) * 4;
		} else {
			off += ((__u32)ext[1] + 1) * 8;
		}
		next = ext[0];
	}
	pkt->protocol = next;
	if (!fragmented) {
		npa_parse_l4(skb, off, pkt);
		return NPA_PARSE_OK;
	}
	npa_fragment(skb, pkt, frag_id, first, more, off);
	return NPA_PARSE_OK;
}

static __always_inline int npa_parse(struct __sk_buff *skb, struct npa_packet *pkt)
{
	pkt->len = skb->len;
	if (skb->protocol == bpf_htons(ETH_P_IP))
		return npa_parse_ipv4(skb, pkt);
	if (skb->protocol == bpf_htons(ETH_P_IPV6))
		return npa_parse_ipv6(skb, pkt);
	return NPA_PARSE_NOT_IP;
}

/**
 * @module network/dns — cluster DNS: the pure answer core (`answer`/`resolve` from a `DnsView`),
 * views over informer caches or fixed lists, upstream forwarding, and `startClusterDns`, the
 * UDP + TCP server answered from Service and EndpointSlice informers, and pods' resolver
 * configuration per dnsPolicy (`podDnsConfig`).
 */
export { answer, resolve, errorReply, encodeResponse, appendChased, rcodeOf, udpLimit, DNS_TTL, RCODE, FLAG, EDNS_UDP_SIZE } from './answer.ts';
export type { DnsPacket, Resolution } from './answer.ts';
export { cacheDnsView, staticDnsView, SERVICE_NAME_LABEL } from './view.ts';
export type { DnsView } from './view.ts';
export { startClusterDns } from './server.ts';
export type { ClusterDns, ClusterDnsOptions, DnsLog } from './server.ts';
export { forwardQuery, parseUpstream, resolvConfNameservers } from './upstream.ts';
export type { Upstream } from './upstream.ts';
export { parseIp, formatIp, canonicalIp, dashedIp, undashIp, reverseName, fromReverseName, parseCidrRange } from './ip.ts';
export type { IpAddress } from './ip.ts';
export { effectiveDnsPolicy, podDnsConfig, parseResolvConf, renderResolvConf } from './pod-dns.ts';
export type { PodDnsConfig, HostResolvConf } from './pod-dns.ts';

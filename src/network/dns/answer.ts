/**
 * @module network/dns/answer — the pure core of cluster DNS: a decoded query plus a DnsView in, a
 * response packet out (the CoreDNS `kubernetes` plugin's schema):
 * - `<svc>.<ns>.svc.<domain>`: A/AAAA of the cluster IPs, or of the ready endpoints for headless
 *   services; CNAME for ExternalName services (chased inside the zone); SRV for every port;
 * - `_<port>._<proto>.<svc>.<ns>.svc.<domain>`: SRV for a named port (headless: one per endpoint,
 *   targeting its hostname, or its dashed IP when it has none), target addresses as additionals;
 * - `<hostname|dashed-ip>.<svc>.<ns>.svc.<domain>`: the endpoint's address;
 * - `<dashed-ip>.<ns>.pod.<domain>`: the IP itself (CoreDNS `pods insecure`);
 * - PTR for service cluster IPs and endpoint addresses under in-addr.arpa / ip6.arpa;
 * - anything else in the zone: NXDOMAIN; a name that exists without records of the asked type:
 *   NOERROR with no answers (NODATA); both carry the zone's SOA in the authority section.
 * Names outside the zone and unknown reverse names are the forwarder's (`resolve` says `forward`;
 * `answer` turns that into REFUSED). Names are matched case-insensitively; answers echo the question.
 */
import dnsPacket from 'dns-packet';
import type { Answer, Packet, Question, RecordType } from 'dns-packet';
import type { JsonObject } from '../../api/index.ts';
import { canonicalIp, dashedIp, fromReverseName, parseIp, undashIp } from './ip.ts';
import type { DnsView } from './view.ts';

/** DnsPacket is a DNS message in dns-packet's decoded form. */
export type DnsPacket = Packet;

/** DNS_TTL is the TTL of every record served (seconds; the CoreDNS kubernetes plugin's default). */
export const DNS_TTL = 5;

/** RCODE names the response codes the server uses. */
export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

/** FLAG holds the header bits (below QR) the server reads or sets. */
export const FLAG = { AA: 0x400, TC: 0x200, RD: 0x100, RA: 0x80, CD: 0x10, OPCODE: 0x7800 } as const;

/** Resolution is `resolve`'s outcome: an answer (maybe with an out-of-zone CNAME target to chase upstream) or "forward this query". */
export type Resolution =
  | { readonly kind: 'answer'; readonly packet: DnsPacket; readonly chase?: { readonly name: string; readonly type: RecordType } }
  | { readonly kind: 'forward' };

/** EDNS_UDP_SIZE is the UDP payload size the server advertises in its OPT record. */
export const EDNS_UDP_SIZE = 1232;

interface Found { exists: boolean; answers: Answer[]; additionals: Answer[]; chase?: { name: string; type: RecordType } }

const NONE: Found = { exists: false, answers: [], additionals: [] };
const some = (answers: Answer[] = [], additionals: Answer[] = []): Found => ({ exists: true, answers, additionals });

/** resolve answers a query from the view, or says it belongs upstream. */
export function resolve(query: DnsPacket, view: DnsView): Resolution {
  const flags = query.flags ?? 0;
  if ((flags & FLAG.OPCODE) !== 0) return { kind: 'answer', packet: reply(query, RCODE.NOTIMP, false, some(), []) };
  const qs = query.questions ?? [];
  if (qs.length !== 1) return { kind: 'answer', packet: reply(query, RCODE.FORMERR, false, some(), []) };
  const q = qs[0];
  const lname = q.name.toLowerCase().replace(/\.+$/, '');
  const domain = view.clusterDomain;
  if (lname === domain || lname.endsWith(`.${domain}`)) {
    const f = lookup(lname, q.name.replace(/\.+$/, ''), q.type, view, 0);
    const packet = reply(query, f.exists ? RCODE.NOERROR : RCODE.NXDOMAIN, true, f, f.answers.length ? [] : [soa(domain, view)]);
    return f.chase ? { kind: 'answer', packet, chase: f.chase } : { kind: 'answer', packet };
  }
  const ip = fromReverseName(lname);
  if (ip !== undefined) {
    const names = ptrNames(ip, view);
    if (!names.length) return { kind: 'forward' };
    const answers: Answer[] = q.type === 'PTR' || (q.type as string) === 'ANY' ? names.map((n) => ({ type: 'PTR', name: q.name, ttl: DNS_TTL, data: n })) : [];
    const zone = lname.endsWith('.in-addr.arpa') ? 'in-addr.arpa' : 'ip6.arpa';
    return { kind: 'answer', packet: reply(query, RCODE.NOERROR, true, some(answers), answers.length ? [] : [soa(zone, view)]) };
  }
  return { kind: 'forward' };
}

/** answer is `resolve` for a server without upstreams: queries that would be forwarded are REFUSED. */
export function answer(query: DnsPacket, view: DnsView): DnsPacket {
  const r = resolve(query, view);
  return r.kind === 'answer' ? r.packet : reply(query, RCODE.REFUSED, false, some(), []);
}

/** errorReply builds an empty response with `rcode` to `query` (SERVFAIL when upstreams fail, FORMERR, REFUSED). */
export function errorReply(query: DnsPacket, rcode: number): DnsPacket {
  return reply(query, rcode, false, some(), []);
}

/** rcodeOf reads the response code from a packet's flags. */
export function rcodeOf(p: DnsPacket): number { return (p.flags ?? 0) & 0xf; }

/** udpLimit is the largest UDP response the querier accepts: 512 bytes, or its EDNS0 payload size (capped at 4096). */
export function udpLimit(query: DnsPacket): number {
  const opt = (query.additionals ?? []).find((a) => a.type === 'OPT');
  if (!opt || opt.type !== 'OPT') return 512;
  return Math.min(4096, Math.max(512, opt.udpPayloadSize || 512));
}

/** encodeResponse encodes a response for a transport: over UDP, one larger than the querier's limit loses its records and gets the TC bit. */
export function encodeResponse(response: DnsPacket, query: DnsPacket, transport: 'udp' | 'tcp'): Buffer {
  const buf = dnsPacket.encode(response);
  if (transport === 'tcp' || buf.length <= udpLimit(query)) return buf;
  return dnsPacket.encode({
    ...response, flags: (response.flags ?? 0) | FLAG.TC, answers: [], authorities: [],
    additionals: (response.additionals ?? []).filter((a) => a.type === 'OPT'),
  });
}

/** appendChased adds the records an upstream gave for a chased CNAME target to a response. */
export function appendChased(response: DnsPacket, upstream: DnsPacket): DnsPacket {
  const extra = upstream.answers ?? [];
  if (!extra.length) return response;
  return { ...response, answers: [...(response.answers ?? []), ...extra], authorities: [] };
}

function reply(query: DnsPacket, rcode: number, authoritative: boolean, f: Found, authorities: Answer[]): DnsPacket {
  const qflags = query.flags ?? 0;
  const flags = (qflags & (FLAG.OPCODE | FLAG.RD | FLAG.CD)) | FLAG.RA | (authoritative ? FLAG.AA : 0) | rcode;
  const edns = (query.additionals ?? []).some((a) => a.type === 'OPT');
  const opt: Answer[] = edns ? [{ type: 'OPT', name: '.', udpPayloadSize: EDNS_UDP_SIZE, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }] : [];
  return {
    id: query.id ?? 0, type: 'response', flags,
    questions: (query.questions ?? []).map((q): Question => ({ ...q })),
    answers: f.answers, authorities, additionals: [...f.additionals, ...opt],
  };
}

function soa(zone: string, _view: DnsView): Answer {
  return {
    type: 'SOA', name: zone, ttl: DNS_TTL,
    data: { mname: `ns.dns.${zone}`, rname: `hostmaster.${zone}`, serial: 1, refresh: 7200, retry: 1800, expire: 86400, minimum: DNS_TTL },
  };
}

function addressRecords(name: string, ips: readonly string[], qtype: RecordType): Answer[] {
  const out: Answer[] = [];
  for (const ip of ips) {
    const fam = parseIp(ip)?.family;
    if (fam === 4 && (qtype === 'A' || (qtype as string) === 'ANY')) out.push({ type: 'A', name, ttl: DNS_TTL, data: ip });
    if (fam === 6 && (qtype === 'AAAA' || (qtype as string) === 'ANY')) out.push({ type: 'AAAA', name, ttl: DNS_TTL, data: ip });
  }
  return out;
}

/** lookup finds the records of in-zone name `lname` (lower case; `qname` is the name as asked). */
function lookup(lname: string, qname: string, qtype: RecordType, view: DnsView, depth: number): Found {
  const domain = view.clusterDomain;
  const rest = lname === domain ? [] : lname.slice(0, -(domain.length + 1)).split('.');
  if (!rest.length) {
    if (qtype === 'SOA') return some([{ ...soa(domain, view), name: qname }]);
    if (qtype === 'NS') return some([{ type: 'NS', name: qname, ttl: DNS_TTL, data: `ns.dns.${domain}` }]);
    return some();
  }
  const kind = rest[rest.length - 1];
  const labels = rest.slice(0, -1);
  if (kind === 'pod') {
    if (labels.length === 0 || labels.length === 1) return some();
    if (labels.length !== 2) return NONE;
    const ip = undashIp(labels[0]);
    return ip ? some(addressRecords(qname, [ip], qtype)) : NONE;
  }
  if (kind !== 'svc') return NONE;
  if (labels.length === 0) return some();
  if (labels.length === 1) return view.hasNamespace(labels[0]) ? some() : NONE;
  const [ns, name] = [labels[labels.length - 1], labels[labels.length - 2]];
  const svc = view.service(ns, name);
  if (!svc) return NONE;
  if (labels.length === 2) return serviceRecords(svc, qname, qtype, view, depth);
  if (labels.length === 3 && !labels[0].startsWith('_')) {
    const eps = readyEndpoints(svc, view).filter((e) => e.label === labels[0]);
    return eps.length ? some(addressRecords(qname, eps.map((e) => e.ip), qtype)) : NONE;
  }
  if (labels.length === 4 && labels[0].startsWith('_') && labels[1].startsWith('_')) {
    return srvRecords(svc, qname, qtype, view, labels[0].slice(1), labels[1].slice(1));
  }
  return NONE;
}

function serviceFqdn(svc: JsonObject, domain: string): string {
  return `${String(svc.metadata?.name)}.${String(svc.metadata?.namespace)}.svc.${domain}`;
}

function isHeadless(svc: JsonObject): boolean { return svc.spec?.clusterIP === 'None'; }

function clusterIPs(svc: JsonObject): string[] {
  const spec = svc.spec ?? {};
  const ips: unknown[] = Array.isArray(spec.clusterIPs) && spec.clusterIPs.length ? spec.clusterIPs : [spec.clusterIP];
  return ips.map((ip) => canonicalIp(typeof ip === 'string' ? ip : '')).filter((ip): ip is string => ip !== undefined);
}

interface Endpoint { ip: string; label: string; ports: readonly JsonObject[] }

/** readyEndpoints lists a service's usable endpoint addresses (ready, or all with publishNotReadyAddresses), one per IP. */
function readyEndpoints(svc: JsonObject, view: DnsView): Endpoint[] {
  const all = svc.spec?.publishNotReadyAddresses === true;
  const seen = new Set<string>();
  const out: Endpoint[] = [];
  const slices = [...view.endpointSlices(String(svc.metadata?.namespace), String(svc.metadata?.name))]
    .sort((a, b) => String(a.metadata?.name).localeCompare(String(b.metadata?.name)));
  for (const slice of slices) {
    if (slice.addressType === 'FQDN') continue;
    const ports: JsonObject[] = Array.isArray(slice.ports) ? slice.ports : [];
    for (const ep of Array.isArray(slice.endpoints) ? slice.endpoints : []) {
      if (!all && ep?.conditions?.ready === false) continue;
      for (const a of Array.isArray(ep?.addresses) ? ep.addresses : []) {
        const ip = canonicalIp(String(a));
        if (!ip || seen.has(ip)) continue;
        seen.add(ip);
        const host = typeof ep.hostname === 'string' && ep.hostname ? ep.hostname.toLowerCase() : dashedIp(ip);
        out.push({ ip, label: host, ports });
      }
    }
  }
  return out;
}

function serviceRecords(svc: JsonObject, qname: string, qtype: RecordType, view: DnsView, depth: number): Found {
  const domain = view.clusterDomain;
  if (svc.spec?.type === 'ExternalName') {
    const target = String(svc.spec?.externalName ?? '').toLowerCase().replace(/\.+$/, '');
    if (!target) return some();
    const cname: Answer = { type: 'CNAME', name: qname, ttl: DNS_TTL, data: target };
    if (qtype === 'CNAME') return some([cname]);
    if (target === domain || target.endsWith(`.${domain}`)) {
      if (depth >= 8) return some([cname]);
      const inner = lookup(target, target, qtype, view, depth + 1);
      return { exists: true, answers: [cname, ...inner.answers], additionals: inner.additionals, ...(inner.chase ? { chase: inner.chase } : {}) };
    }
    return { exists: true, answers: [cname], additionals: [], chase: { name: target, type: qtype } };
  }
  if (qtype === 'SRV') return srvRecords(svc, qname, qtype, view, undefined, undefined);
  const ips = isHeadless(svc) ? readyEndpoints(svc, view).map((e) => e.ip) : clusterIPs(svc);
  return some(addressRecords(qname, ips, qtype));
}

/** srvRecords answers SRV for the service's ports matching `port`/`proto` (undefined: every port). */
function srvRecords(svc: JsonObject, qname: string, qtype: RecordType, view: DnsView, port: string | undefined, proto: string | undefined): Found {
  const domain = view.clusterDomain;
  const fqdn = serviceFqdn(svc, domain);
  const matches = (p: JsonObject): boolean =>
    (port === undefined || String(p?.name ?? '').toLowerCase() === port) &&
    (proto === undefined || String(p?.protocol ?? 'TCP').toLowerCase() === proto);
  const specPorts: JsonObject[] = (Array.isArray(svc.spec?.ports) ? svc.spec.ports : []).filter(matches);
  if (port !== undefined && !specPorts.length) return NONE;
  if (qtype !== 'SRV' && (qtype as string) !== 'ANY') return some();
  const targets: { target: string; port: number; ips: string[] }[] = [];
  if (isHeadless(svc)) {
    for (const ep of readyEndpoints(svc, view)) {
      for (const p of ep.ports.filter(matches)) targets.push({ target: `${ep.label}.${fqdn}`, port: Number(p.port), ips: [ep.ip] });
    }
  } else if (svc.spec?.type !== 'ExternalName') {
    const ips = clusterIPs(svc);
    for (const p of specPorts) targets.push({ target: fqdn, port: Number(p.port), ips });
  }
  const weight = targets.length ? Math.max(1, Math.floor(100 / targets.length)) : 0;
  const answers: Answer[] = targets.map((t) => ({ type: 'SRV', name: qname, ttl: DNS_TTL, data: { priority: 0, weight, port: t.port, target: t.target } }));
  const additionals: Answer[] = [];
  const added = new Set<string>();
  for (const t of targets) {
    if (added.has(t.target)) continue;
    added.add(t.target);
    additionals.push(...addressRecords(t.target, t.ips, 'A'), ...addressRecords(t.target, t.ips, 'AAAA'));
  }
  return some(answers, additionals);
}

/** ptrNames lists the in-zone names of an IP: services by cluster IP, endpoints by address. */
function ptrNames(ip: string, view: DnsView): string[] {
  const domain = view.clusterDomain;
  const names = new Set<string>();
  for (const svc of view.servicesByIP(ip)) names.add(serviceFqdn(svc, domain));
  for (const slice of view.slicesByIP(ip)) {
    const svcName = slice.metadata?.labels?.['kubernetes.io/service-name'];
    if (typeof svcName !== 'string' || !svcName) continue;
    for (const ep of Array.isArray(slice.endpoints) ? slice.endpoints : []) {
      if (!(Array.isArray(ep?.addresses) ? ep.addresses : []).some((a: unknown) => canonicalIp(String(a)) === ip)) continue;
      const host = typeof ep.hostname === 'string' && ep.hostname ? ep.hostname.toLowerCase() : dashedIp(ip);
      names.add(`${host}.${svcName}.${String(slice.metadata?.namespace)}.svc.${domain}`);
    }
  }
  return [...names];
}

/**
 * @module apiserver/service-hooks — the Service registry hook: ClusterIPs (single or dual stack,
 * `None` for headless, none for ExternalName), ipFamilies/ipFamilyPolicy, NodePorts and the
 * health-check NodePort allocated when a Service is created or its type changes, carried over when
 * an update omits them, and released when they are dropped or the Service is gone — with
 * upstream's 422 messages for addresses and ports outside the range or already taken.
 */
import { internalError, invalid, type FieldError, type JsonObject, type KindInfo } from '../api/index.ts';
import { canonicalIp, parseIp, type IpFamily } from './ip-range.ts';
import type { PendingWrite, ResourceHook } from './registry/hooks.ts';
import { ServiceAllocator, type AllocationOwner } from './service-allocator.ts';

type Spec = Record<string, any>;

/** needsNodePorts: NodePort services and LoadBalancers that allocate node ports. */
export function needsNodePorts(spec: Spec): boolean {
  return spec.type === 'NodePort' || (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false);
}

/** needsHealthCheckNodePort: LoadBalancer services with externalTrafficPolicy Local. */
export function needsHealthCheckNodePort(spec: Spec): boolean {
  return spec.type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local';
}

function hasClusterIP(spec: Spec): boolean { return (spec.type ?? 'ClusterIP') !== 'ExternalName'; }
function ports(spec: Spec): Spec[] { return Array.isArray(spec.ports) ? (spec.ports as Spec[]) : []; }
function setPort(p: Spec): boolean { return typeof p.nodePort === 'number' && p.nodePort !== 0; }

/** Txn collects what one write allocated (released on abort) and what it gives up (released on commit). */
class Txn implements PendingWrite {
  readonly alloc: ServiceAllocator;
  readonly owner: AllocationOwner;
  readonly dryRun: boolean;
  readonly taken: string[] = [];
  readonly dropped: string[] = [];
  constructor(alloc: ServiceAllocator, owner: AllocationOwner, dryRun: boolean) { this.alloc = alloc; this.owner = owner; this.dryRun = dryRun; }
  async commit(): Promise<void> {
    if (this.dryRun) return;
    for (const k of this.dropped) await this.alloc.release(k, this.owner);
  }
  async abort(): Promise<void> {
    if (this.dryRun) return;
    for (const k of this.taken) await this.alloc.release(k, this.owner);
  }
}

function ownerOfService(svc: JsonObject): AllocationOwner {
  return { namespace: String(svc.metadata?.namespace ?? ''), name: String(svc.metadata?.name ?? ''), uid: String(svc.metadata?.uid ?? '') };
}

function fail(svc: JsonObject, errs: FieldError[]): never {
  throw invalid('Service', '', String(svc.metadata?.name ?? ''), errs);
}

function otherFamily(f: IpFamily): IpFamily { return f === 'IPv4' ? 'IPv6' : 'IPv4'; }

/** clusterIpsOf returns the addresses a stored Service holds (none for headless/ExternalName). */
export function clusterIpsOf(svc: JsonObject): string[] {
  const spec = (svc.spec ?? {}) as Spec;
  if (!hasClusterIP(spec)) return [];
  const ips: unknown[] = Array.isArray(spec.clusterIPs) && spec.clusterIPs.length > 0 ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : [];
  return ips.filter((x): x is string => typeof x === 'string' && x !== 'None' && x !== '').map((x) => canonicalIp(x) ?? x);
}

/** nodePortsOf returns the NodePorts (and health-check NodePort) a stored Service holds. */
export function nodePortsOf(svc: JsonObject): number[] {
  const spec = (svc.spec ?? {}) as Spec;
  const out = new Set<number>();
  for (const p of ports(spec)) if (setPort(p)) out.add(p.nodePort as number);
  if (typeof spec.healthCheckNodePort === 'number' && spec.healthCheckNodePort !== 0) out.add(spec.healthCheckNodePort);
  return [...out];
}

/** ServiceHook allocates and releases a Service's addresses and ports. */
export class ServiceHook implements ResourceHook {
  readonly alloc: ServiceAllocator;
  constructor(alloc: ServiceAllocator) { this.alloc = alloc; }

  applies(kind: KindInfo): boolean { return kind.group === '' && kind.resource === 'services'; }

  /** prepareUpdate carries allocated values the update omits over from the stored Service and
   * drops the ones its new type no longer has (upstream's PrepareForUpdate). */
  prepareUpdate(obj: JsonObject, old: JsonObject): void {
    const spec: Spec = (obj.spec ??= {});
    const oldSpec: Spec = old.spec ?? {};
    const type = spec.type ?? 'ClusterIP';
    if (hasClusterIP(oldSpec) && hasClusterIP(spec)) {
      if (!spec.clusterIP && !(Array.isArray(spec.clusterIPs) && spec.clusterIPs.length > 0) && oldSpec.clusterIP) {
        spec.clusterIP = oldSpec.clusterIP;
        if (oldSpec.clusterIPs) spec.clusterIPs = [...oldSpec.clusterIPs];
      }
      if (spec.ipFamilies === undefined && oldSpec.ipFamilies) spec.ipFamilies = [...oldSpec.ipFamilies];
    }
    if (type === 'ExternalName' && hasClusterIP(oldSpec)) {
      if (spec.clusterIP === oldSpec.clusterIP) delete spec.clusterIP;
      if (JSON.stringify(spec.clusterIPs) === JSON.stringify(oldSpec.clusterIPs)) delete spec.clusterIPs;
      if (JSON.stringify(spec.ipFamilies) === JSON.stringify(oldSpec.ipFamilies)) delete spec.ipFamilies;
      if (spec.ipFamilyPolicy === oldSpec.ipFamilyPolicy) delete spec.ipFamilyPolicy;
    }
    const oldPorts = ports(oldSpec);
    if (needsNodePorts(oldSpec) && needsNodePorts(spec)) {
      const used = new Set(ports(spec).filter(setPort).map((p) => p.nodePort as number));
      const byName = new Map(oldPorts.map((p) => [String(p.name ?? ''), p.nodePort as number | undefined]));
      for (const p of ports(spec)) {
        const v = byName.get(String(p.name ?? ''));
        if (!setPort(p) && v && !used.has(v)) { p.nodePort = v; used.add(v); }
      }
    } else if (!needsNodePorts(spec) && spec.type !== 'LoadBalancer') {
      const oldSet = new Set(oldPorts.map((p) => p.nodePort));
      for (const p of ports(spec)) if (setPort(p) && oldSet.has(p.nodePort)) delete p.nodePort;
    }
    if (needsHealthCheckNodePort(oldSpec) && needsHealthCheckNodePort(spec)) {
      if (!spec.healthCheckNodePort) spec.healthCheckNodePort = oldSpec.healthCheckNodePort;
    } else if (!needsHealthCheckNodePort(spec) && spec.healthCheckNodePort === oldSpec.healthCheckNodePort) {
      delete spec.healthCheckNodePort;
    }
  }

  async beforeCreate(obj: JsonObject, opts: { dryRun: boolean }): Promise<PendingWrite> {
    return this.#assign(obj, undefined, opts.dryRun);
  }

  async beforeUpdate(obj: JsonObject, old: JsonObject, opts: { dryRun: boolean }): Promise<PendingWrite> {
    return this.#assign(obj, old, opts.dryRun);
  }

  async afterRemove(old: JsonObject): Promise<void> {
    const owner = ownerOfService(old);
    for (const ip of clusterIpsOf(old)) await this.alloc.release(ServiceAllocator.ipKey(ip), owner);
    for (const p of nodePortsOf(old)) await this.alloc.release(ServiceAllocator.portKey(p), owner);
  }

  async #assign(svc: JsonObject, old: JsonObject | undefined, dryRun: boolean): Promise<Txn> {
    const txn = new Txn(this.alloc, ownerOfService(svc), dryRun);
    try {
      await this.#clusterIPs(svc, old, txn);
      await this.#nodePorts(svc, old, txn);
      const keep = new Set([...clusterIpsOf(svc).map((ip) => ServiceAllocator.ipKey(ip)), ...nodePortsOf(svc).map((p) => ServiceAllocator.portKey(p))]);
      if (old) {
        for (const ip of clusterIpsOf(old)) if (!keep.has(ServiceAllocator.ipKey(ip))) txn.dropped.push(ServiceAllocator.ipKey(ip));
        for (const p of nodePortsOf(old)) if (!keep.has(ServiceAllocator.portKey(p))) txn.dropped.push(ServiceAllocator.portKey(p));
      }
      return txn;
    } catch (e) {
      await txn.abort();
      throw e;
    }
  }

  async #clusterIPs(svc: JsonObject, old: JsonObject | undefined, txn: Txn): Promise<void> {
    const spec: Spec = (svc.spec ??= {});
    if (!hasClusterIP(spec)) {
      delete spec.clusterIP; delete spec.clusterIPs; delete spec.ipFamilies; delete spec.ipFamilyPolicy;
      return;
    }
    const ranges = this.alloc.ranges;
    const dual = ranges.length > 1;
    spec.ipFamilyPolicy ??= 'SingleStack';
    const policy = String(spec.ipFamilyPolicy);
    if (policy === 'RequireDualStack' && !dual) fail(svc, [{ type: 'FieldValueInvalid', field: 'spec.ipFamilyPolicy', badValue: policy, detail: 'this cluster is not configured for dual-stack services' }]);
    let ips: string[] = Array.isArray(spec.clusterIPs) ? spec.clusterIPs.map(String) : [];
    if (ips.length === 0 && spec.clusterIP) ips = [String(spec.clusterIP)];
    if (spec.clusterIP && ips[0] !== String(spec.clusterIP)) {
      fail(svc, [{ type: 'FieldValueInvalid', field: 'spec.clusterIPs', badValue: ips, detail: 'element [0] must match clusterIP' }]);
    }
    const headless = ips[0] === 'None';
    const errs: FieldError[] = [];
    let families: IpFamily[] = Array.isArray(spec.ipFamilies) ? spec.ipFamilies.map(String) as IpFamily[] : [];
    families.forEach((f, i) => {
      if (f !== 'IPv4' && f !== 'IPv6') errs.push({ type: 'FieldValueNotSupported', field: `spec.ipFamilies[${i}]`, badValue: f, supported: ['IPv4', 'IPv6'] });
      else if (!this.alloc.rangeOf(f)) errs.push({ type: 'FieldValueInvalid', field: `spec.ipFamilies[${i}]`, badValue: f, detail: 'not configured on this cluster' });
      else if (families.indexOf(f) !== i) errs.push({ type: 'FieldValueDuplicate', field: `spec.ipFamilies[${i}]`, badValue: f });
    });
    if (!headless) {
      ips.forEach((ip, i) => {
        const a = parseIp(ip);
        if (!a) errs.push({ type: 'FieldValueInvalid', field: `spec.clusterIPs[${i}]`, badValue: ip, detail: 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)' });
        else if (families[i] && families[i] !== a.family) errs.push({ type: 'FieldValueInvalid', field: `spec.clusterIPs[${i}]`, badValue: ip, detail: `expected an ${families[i]} value as indicated by \`ipFamilies[${i}]\`` });
        else if (!families[i]) families[i] = a.family;
      });
    }
    if (errs.length > 0) fail(svc, errs);
    if (families.length === 0) families = [ranges[0].family];
    if (policy !== 'SingleStack' && dual && families.length === 1) families.push(otherFamily(families[0]));
    if (policy === 'SingleStack' && (families.length > 1 || ips.length > 1)) {
      fail(svc, [{ type: 'FieldValueInvalid', field: 'spec.ipFamilyPolicy', badValue: policy, detail: 'must be RequireDualStack or PreferDualStack when multiple IP families are specified' }]);
    }
    spec.ipFamilies = families;
    if (headless) {
      spec.clusterIP = 'None';
      spec.clusterIPs = ['None'];
      return;
    }
    const oldIps = old ? clusterIpsOf(old) : [];
    const out: string[] = [];
    for (let i = 0; i < families.length; i++) {
      const want = ips[i] !== undefined ? canonicalIp(ips[i]) : undefined;
      if (want !== undefined && oldIps.includes(want)) { out.push(want); continue; }
      const r = await this.alloc.allocateIp(families[i], want, txn.owner, txn.dryRun);
      if (!r.ok) {
        const range = this.alloc.rangeOf(families[i])?.cidr ?? '';
        if (r.reason === 'full') throw internalError(`failed to allocate a serviceIP: range is full`);
        const why = r.reason === 'taken' ? 'provided IP is already allocated' : `provided IP is not in the valid range. The range of valid IPs is ${range}`;
        fail(svc, [{ type: 'FieldValueInvalid', field: 'spec.clusterIPs', badValue: ips, detail: `failed to allocate IP ${ips[i]}: ${why}` }]);
      }
      if (r.created) txn.taken.push(r.key);
      out.push(r.value);
    }
    spec.clusterIPs = out;
    spec.clusterIP = out[0];
  }

  async #nodePorts(svc: JsonObject, old: JsonObject | undefined, txn: Txn): Promise<void> {
    const spec: Spec = (svc.spec ??= {});
    const held = new Set(old ? nodePortsOf(old) : []);
    const mine = new Set<number>();
    const take = async (explicit: number | undefined, field: string): Promise<number> => {
      if (explicit !== undefined && (held.has(explicit) || mine.has(explicit))) { mine.add(explicit); return explicit; }
      const r = await this.alloc.allocatePort(explicit, txn.owner, txn.dryRun);
      if (!r.ok) {
        if (r.reason === 'full') throw internalError('failed to allocate a nodePort: range is full');
        const why = r.reason === 'taken' ? 'provided port is already allocated' : `provided port is not in the valid range. The range of valid ports is ${this.alloc.portRangeText}`;
        fail(svc, [{ type: 'FieldValueInvalid', field, badValue: explicit, detail: why }]);
      }
      if (r.created) txn.taken.push(r.key);
      const n = Number(r.value);
      mine.add(n);
      return n;
    };
    const all = ports(spec);
    if (needsNodePorts(spec)) {
      // Explicit ports first, so a random pick never takes one asked for further down.
      for (let i = 0; i < all.length; i++) if (setPort(all[i])) all[i].nodePort = await take(all[i].nodePort, `spec.ports[${i}].nodePort`);
      for (let i = 0; i < all.length; i++) if (!setPort(all[i])) all[i].nodePort = await take(undefined, `spec.ports[${i}].nodePort`);
    } else if (spec.type === 'LoadBalancer') {
      for (let i = 0; i < all.length; i++) if (setPort(all[i])) all[i].nodePort = await take(all[i].nodePort, `spec.ports[${i}].nodePort`);
    }
    if (needsHealthCheckNodePort(spec)) {
      const hc = typeof spec.healthCheckNodePort === 'number' && spec.healthCheckNodePort !== 0 ? spec.healthCheckNodePort : undefined;
      spec.healthCheckNodePort = await take(hc, 'spec.healthCheckNodePort');
    } else if (spec.healthCheckNodePort) {
      fail(svc, [{ type: 'FieldValueInvalid', field: 'spec.healthCheckNodePort', badValue: spec.healthCheckNodePort, detail: 'may only be set when `type` is \'LoadBalancer\' and `externalTrafficPolicy` is \'Local\'' }]);
    }
  }
}

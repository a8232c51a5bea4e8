/**
 * @module apiserver/admission/pod-security-checks — the Pod Security Standards' baseline and
 * restricted checks over a pod spec (and metadata), each returning upstream's reason and detail.
 * Checks run in upstream's order (by check id); restricted checks override their baseline twins.
 */
import type { JsonObject } from '../../api/index.ts';

/** PodSecurityLevel is a Pod Security Standards level. */
export type PodSecurityLevel = 'privileged' | 'baseline' | 'restricted';

/** CheckResult is one failed check: its reason and detail, as upstream renders them. */
export interface CheckResult { readonly reason: string; readonly detail: string }

interface Ctr { readonly c: JsonObject; readonly name: string }

function containersOf(spec: JsonObject): Ctr[] {
  const lists = [spec.initContainers, spec.containers, spec.ephemeralContainers];
  return lists.flatMap((l) => (Array.isArray(l) ? l as JsonObject[] : [])).map((c) => ({ c, name: String(c.name ?? '') }));
}

const q = (s: string): string => `"${s}"`;
/** plural renders `container "a"` or `containers "a", "b"`. */
function plural(noun: string, names: readonly string[]): string {
  return `${noun}${names.length === 1 ? '' : 's'} ${names.map(q).join(', ')}`;
}

const BASELINE_CAPS = new Set(['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT']);
const SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t']);
const SAFE_SYSCTLS = new Set(['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_unprivileged_port_start', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_local_reserved_ports', 'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes']);
const RESTRICTED_VOLUMES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];
const APPARMOR_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';

type Check = (meta: JsonObject, spec: JsonObject) => CheckResult | undefined;

const allowPrivilegeEscalation: Check = (_m, spec) => {
  const bad = containersOf(spec).filter(({ c }) => c.securityContext?.allowPrivilegeEscalation !== false).map((x) => x.name);
  return bad.length ? { reason: 'allowPrivilegeEscalation != false', detail: `${plural('container', bad)} must set securityContext.allowPrivilegeEscalation=false` } : undefined;
};

const appArmorProfile: Check = (meta, spec) => {
  const bad: string[] = [];
  const okType = (t: unknown): boolean => t === undefined || t === 'RuntimeDefault' || t === 'Localhost';
  if (!okType(spec.securityContext?.appArmorProfile?.type)) bad.push(`pod must not set securityContext.appArmorProfile.type to ${q(String(spec.securityContext.appArmorProfile.type))}`);
  const ctrBad = containersOf(spec).filter(({ c }) => !okType(c.securityContext?.appArmorProfile?.type));
  for (const { c, name } of ctrBad) bad.push(`container ${q(name)} must not set securityContext.appArmorProfile.type to ${q(String(c.securityContext.appArmorProfile.type))}`);
  const ann: string[] = [];
  for (const [k, v] of Object.entries((meta.annotations ?? {}) as Record<string, string>).sort(([a], [b]) => a.localeCompare(b))) {
    if (k.startsWith(APPARMOR_PREFIX) && v !== 'runtime/default' && !v.startsWith('localhost/')) ann.push(`${k}=${q(v)}`);
  }
  if (ann.length) bad.unshift(`${ann.length === 1 ? 'annotation' : 'annotations'} ${ann.join(', ')}`);
  return bad.length ? { reason: 'forbidden AppArmor profile' + (bad.length > 1 ? 's' : ''), detail: bad.join('; ') } : undefined;
};

function capabilities(restricted: boolean): Check {
  return (_m, spec) => {
    const noDrop: string[] = [];
    const added = new Map<string, string[]>();
    for (const { c, name } of containersOf(spec)) {
      const caps = c.securityContext?.capabilities ?? {};
      if (restricted && !(Array.isArray(caps.drop) && caps.drop.includes('ALL'))) noDrop.push(name);
      const bad = (Array.isArray(caps.add) ? caps.add as string[] : []).filter((x) => (restricted ? x !== 'NET_BIND_SERVICE' : !BASELINE_CAPS.has(x)));
      if (bad.length) added.set(name, bad);
    }
    const parts: string[] = [];
    if (noDrop.length) parts.push(`${plural('container', noDrop)} must set securityContext.capabilities.drop=["ALL"]`);
    const addNames = [...added.keys()];
    if (addNames.length) {
      const caps = [...new Set([...added.values()].flat())].sort();
      parts.push(`${plural('container', addNames)} must not include ${caps.map(q).join(', ')} in securityContext.capabilities.add`);
    }
    if (!parts.length) return undefined;
    return { reason: restricted ? 'unrestricted capabilities' : 'non-default capabilities', detail: parts.join('; ') };
  };
}

const hostNamespaces: Check = (_m, spec) => {
  const set = (['hostNetwork', 'hostPID', 'hostIPC'] as const).filter((f) => spec[f] === true);
  return set.length ? { reason: 'host namespaces', detail: set.map((f) => `${f}=true`).join(', ') } : undefined;
};

const hostPathVolumes: Check = (_m, spec) => {
  const bad = ((Array.isArray(spec.volumes) ? spec.volumes : []) as JsonObject[]).filter((v) => v.hostPath).map((v) => String(v.name));
  return bad.length ? { reason: 'hostPath volumes', detail: plural('volume', bad) } : undefined;
};

const hostPorts: Check = (_m, spec) => {
  const names: string[] = [];
  const ports: string[] = [];
  for (const { c, name } of containersOf(spec)) {
    const hp = ((Array.isArray(c.ports) ? c.ports : []) as JsonObject[]).map((p) => Number(p.hostPort ?? 0)).filter((p) => p !== 0);
    if (hp.length) { names.push(name); ports.push(...hp.map(String)); }
  }
  return names.length ? { reason: 'hostPort', detail: `${plural('container', names)} ${names.length === 1 && ports.length === 1 ? 'uses hostPort' : 'use hostPorts'} ${ports.join(', ')}` } : undefined;
};

const hostProcess: Check = (_m, spec) => {
  const podSet = spec.securityContext?.windowsOptions?.hostProcess === true;
  const bad = containersOf(spec).filter(({ c }) => c.securityContext?.windowsOptions?.hostProcess === true).map((x) => x.name);
  if (!podSet && !bad.length) return undefined;
  const parts = [...(podSet ? ['pod must not set securityContext.windowsOptions.hostProcess=true'] : []), ...(bad.length ? [`${plural('container', bad)} must not set securityContext.windowsOptions.hostProcess=true`] : [])];
  return { reason: 'hostProcess', detail: parts.join('; ') };
};

const privileged: Check = (_m, spec) => {
  const bad = containersOf(spec).filter(({ c }) => c.securityContext?.privileged === true).map((x) => x.name);
  return bad.length ? { reason: 'privileged', detail: `${plural('container', bad)} must not set securityContext.privileged=true` } : undefined;
};

const procMount: Check = (_m, spec) => {
  const bad = containersOf(spec).filter(({ c }) => c.securityContext?.procMount !== undefined && c.securityContext.procMount !== 'Default');
  return bad.length ? { reason: 'procMount', detail: `${plural('container', bad.map((x) => x.name))} must not set securityContext.procMount to ${[...new Set(bad.map(({ c }) => q(String(c.securityContext.procMount))))].join(', ')}` } : undefined;
};

const restrictedVolumes: Check = (_m, spec) => {
  const bad: string[] = [];
  const types = new Set<string>();
  for (const v of (Array.isArray(spec.volumes) ? spec.volumes : []) as JsonObject[]) {
    const t = Object.keys(v).find((k) => k !== 'name');
    if (t && !RESTRICTED_VOLUMES.includes(t)) { bad.push(String(v.name)); types.add(t); }
  }
  return bad.length ? { reason: 'restricted volume types', detail: `${plural('volume', bad)} ${bad.length === 1 ? 'uses' : 'use'} restricted volume type${types.size === 1 ? '' : 's'} ${[...types].map(q).join(', ')}` } : undefined;
};

const runAsNonRoot: Check = (_m, spec) => {
  const podSet = spec.securityContext?.runAsNonRoot;
  if (podSet === false) return { reason: 'runAsNonRoot != true', detail: 'pod must not set securityContext.runAsNonRoot=false' };
  const explicitFalse = containersOf(spec).filter(({ c }) => c.securityContext?.runAsNonRoot === false).map((x) => x.name);
  const unset = containersOf(spec).filter(({ c }) => c.securityContext?.runAsNonRoot === undefined).map((x) => x.name);
  const parts: string[] = [];
  if (explicitFalse.length) parts.push(`${plural('container', explicitFalse)} must not set securityContext.runAsNonRoot=false`);
  if (podSet !== true && unset.length) parts.push(`pod or ${plural('container', unset)} must set securityContext.runAsNonRoot=true`);
  return parts.length ? { reason: 'runAsNonRoot != true', detail: parts.join('; ') } : undefined;
};

const runAsUser: Check = (_m, spec) => {
  const parts: string[] = [];
  if (spec.securityContext?.runAsUser === 0) parts.push('pod must not set runAsUser=0');
  const bad = containersOf(spec).filter(({ c }) => c.securityContext?.runAsUser === 0).map((x) => x.name);
  if (bad.length) parts.push(`${plural('container', bad)} must not set runAsUser=0`);
  return parts.length ? { reason: 'runAsUser=0', detail: parts.join('; ') } : undefined;
};

const seLinuxOptions: Check = (_m, spec) => {
  const bad = (o: JsonObject | undefined): string[] => {
    if (!o) return [];
    const out: string[] = [];
    if (!SELINUX_TYPES.has(String(o.type ?? ''))) out.push(`type ${q(String(o.type))}`);
    if (o.user) out.push(`user ${q(String(o.user))}`);
    if (o.role) out.push(`role ${q(String(o.role))}`);
    return out;
  };
  const parts: string[] = [];
  const podBad = bad(spec.securityContext?.seLinuxOptions);
  if (podBad.length) parts.push(`pod set forbidden securityContext.seLinuxOptions: ${podBad.join(', ')}`);
  const ctrs = containersOf(spec).map(({ c, name }) => ({ name, b: bad(c.securityContext?.seLinuxOptions) })).filter((x) => x.b.length);
  if (ctrs.length) parts.push(`${plural('container', ctrs.map((x) => x.name))} set forbidden securityContext.seLinuxOptions: ${[...new Set(ctrs.flatMap((x) => x.b))].join(', ')}`);
  return parts.length ? { reason: 'seLinuxOptions', detail: parts.join('; ') } : undefined;
};

function seccomp(restricted: boolean): Check {
  return (_m, spec) => {
    const podType = spec.securityContext?.seccompProfile?.type as string | undefined;
    const parts: string[] = [];
    if (!restricted) {
      if (podType === 'Unconfined') parts.push('pod must not set securityContext.seccompProfile.type to "Unconfined"');
      const bad = containersOf(spec).filter(({ c }) => c.securityContext?.seccompProfile?.type === 'Unconfined').map((x) => x.name);
      if (bad.length) parts.push(`${plural('container', bad)} must not set securityContext.seccompProfile.type to "Unconfined"`);
      return parts.length ? { reason: 'seccompProfile', detail: parts.join('; ') } : undefined;
    }
    const ok = (t: unknown): boolean => t === 'RuntimeDefault' || t === 'Localhost';
    if (podType !== undefined && !ok(podType)) parts.push(`pod must not set securityContext.seccompProfile.type to ${q(podType)}`);
    const badSet = containersOf(spec).filter(({ c }) => c.securityContext?.seccompProfile?.type !== undefined && !ok(c.securityContext.seccompProfile.type));
    if (badSet.length) parts.push(`${plural('container', badSet.map((x) => x.name))} must not set securityContext.seccompProfile.type to ${[...new Set(badSet.map(({ c }) => q(String(c.securityContext.seccompProfile.type))))].join(', ')}`);
    if (!ok(podType)) {
      const unset = containersOf(spec).filter(({ c }) => c.securityContext?.seccompProfile?.type === undefined).map((x) => x.name);
      if (unset.length) parts.push(`pod or ${plural('container', unset)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`);
    }
    return parts.length ? { reason: 'seccompProfile', detail: parts.join('; ') } : undefined;
  };
}

const sysctls: Check = (_m, spec) => {
  const bad = ((Array.isArray(spec.securityContext?.sysctls) ? spec.securityContext.sysctls : []) as JsonObject[]).map((s) => String(s.name)).filter((n) => !SAFE_SYSCTLS.has(n));
  return bad.length ? { reason: 'forbidden sysctls', detail: bad.join(', ') } : undefined;
};

/** BASELINE_CHECKS and RESTRICTED_CHECKS are ordered by upstream's check ids. */
const BASELINE_CHECKS: readonly Check[] = [appArmorProfile, capabilities(false), hostNamespaces, hostPathVolumes, hostPorts, hostProcess, privileged, procMount, seLinuxOptions, seccomp(false), sysctls];
const RESTRICTED_CHECKS: readonly Check[] = [allowPrivilegeEscalation, appArmorProfile, capabilities(true), hostNamespaces, hostPorts, hostProcess, privileged, procMount, restrictedVolumes, runAsNonRoot, runAsUser, seLinuxOptions, seccomp(true), sysctls];

/** checkPod evaluates a pod's metadata and spec at a level; an empty list means it is allowed. */
export function checkPod(level: PodSecurityLevel, meta: JsonObject, spec: JsonObject): CheckResult[] {
  if (level === 'privileged') return [];
  const checks = level === 'restricted' ? RESTRICTED_CHECKS : BASELINE_CHECKS;
  const out: CheckResult[] = [];
  for (const c of checks) {
    const r = c(meta, spec);
    if (r) out.push(r);
  }
  return out;
}

/** renderViolations renders failures as upstream: `reason (detail), reason (detail)`. */
export function renderViolations(results: readonly CheckResult[]): string {
  return results.map((r) => (r.detail ? `${r.reason} (${r.detail})` : r.reason)).join(', ');
}

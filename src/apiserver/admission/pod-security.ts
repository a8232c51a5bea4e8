/**
 * @module apiserver/admission/pod-security — PodSecurity: the namespace labels
 * `pod-security.kubernetes.io/{enforce,warn,audit}[-version]` select a Pod Security Standards level;
 * pods violating the enforce level are refused (403), the warn level adds Warning headers, and
 * workload templates (Deployments, Jobs, CronJobs, …) are checked against both as warnings.
 */
import { invalid, type FieldError, type JsonObject } from '../../api/index.ts';
import { deepEqual } from '../registry/prepare.ts';
import { checkPod, renderViolations, type PodSecurityLevel } from './pod-security-checks.ts';
import { admissionForbidden, type AdmissionAttributes, type AdmissionContext, type AdmissionPlugin } from './types.ts';

/** PSA_LABEL_PREFIX is the namespace label prefix of Pod Security Admission. */
export const PSA_LABEL_PREFIX = 'pod-security.kubernetes.io/';

/** PolicyLevel is one mode's level and version (`restricted`, `latest`). */
export interface PolicyLevel { readonly level: PodSecurityLevel; readonly version: string }

/** NamespacePolicy is the enforce/warn/audit levels of a namespace. */
export interface NamespacePolicy { readonly enforce: PolicyLevel; readonly warn: PolicyLevel; readonly audit: PolicyLevel }

const LEVELS: readonly string[] = ['privileged', 'baseline', 'restricted'];

/** policyOf reads a namespace's labels (invalid levels count as restricted, as upstream). */
export function policyOf(labels: Readonly<Record<string, string>> | undefined): NamespacePolicy {
  const mode = (m: string): PolicyLevel => {
    const raw = labels?.[`${PSA_LABEL_PREFIX}${m}`];
    const level = (raw === undefined ? 'privileged' : LEVELS.includes(raw) ? raw : 'restricted') as PodSecurityLevel;
    return { level, version: labels?.[`${PSA_LABEL_PREFIX}${m}-version`] || 'latest' };
  };
  return { enforce: mode('enforce'), warn: mode('warn'), audit: mode('audit') };
}

/** TEMPLATE_PATHS locates the pod template of each workload kind ("group/resource"). */
const TEMPLATE_PATHS: Readonly<Record<string, readonly string[]>> = {
  'apps/deployments': ['spec', 'template'], 'apps/replicasets': ['spec', 'template'], 'apps/statefulsets': ['spec', 'template'],
  'apps/daemonsets': ['spec', 'template'], 'batch/jobs': ['spec', 'template'], 'batch/cronjobs': ['spec', 'jobTemplate', 'spec', 'template'],
  '/replicationcontrollers': ['spec', 'template'], '/podtemplates': ['template'],
};

function dig(o: JsonObject | undefined, path: readonly string[]): JsonObject | undefined {
  let cur: unknown = o;
  for (const p of path) cur = cur && typeof cur === 'object' ? (cur as JsonObject)[p] : undefined;
  return cur && typeof cur === 'object' ? cur : undefined;
}

const label = (p: PolicyLevel): string => `${p.level}:${p.version}`;

/** evaluate returns the rendered violations of a pod (meta, spec) at a policy level, or ''. */
function evaluate(p: PolicyLevel, meta: JsonObject, spec: JsonObject): string {
  return renderViolations(checkPod(p.level, meta, spec));
}

async function policyFor(a: AdmissionAttributes, ctx: AdmissionContext): Promise<NamespacePolicy | undefined> {
  if (!a.namespace || !ctx.served('', 'namespaces')) return undefined;
  const ns = await ctx.get('', 'namespaces', '', a.namespace);
  if (!ns) return undefined;
  return policyOf(ns.metadata?.labels as Record<string, string> | undefined);
}

/** labelErrors validates a namespace's PodSecurity labels (levels and versions). */
export function labelErrors(labels: Readonly<Record<string, string>> | undefined): FieldError[] {
  const errs: FieldError[] = [];
  for (const m of ['enforce', 'warn', 'audit']) {
    const key = `${PSA_LABEL_PREFIX}${m}`;
    const level = labels?.[key];
    if (level !== undefined && !LEVELS.includes(level)) errs.push({ type: 'FieldValueInvalid', field: `metadata.labels[${key}]`, badValue: level, detail: 'must be one of privileged, baseline, restricted' });
    const version = labels?.[`${key}-version`];
    if (version !== undefined && version !== 'latest' && !/^v1\.(0|[1-9]\d*)$/.test(version)) errs.push({ type: 'FieldValueInvalid', field: `metadata.labels[${key}-version]`, badValue: version, detail: 'must be "latest" or "v1.x"' });
  }
  return errs;
}

/** namespaceWarnings checks a namespace's existing pods against a new, stricter enforce level. */
async function namespaceWarnings(a: AdmissionAttributes, ctx: AdmissionContext): Promise<void> {
  const labels = a.object?.metadata?.labels as Record<string, string> | undefined;
  const errs = labelErrors(labels);
  if (errs.length > 0) throw invalid('Namespace', '', a.name, errs);
  if (a.operation !== 'UPDATE') return;
  const next = policyOf(labels).enforce;
  const prev = policyOf(a.oldObject?.metadata?.labels as Record<string, string> | undefined).enforce;
  if (next.level === 'privileged' || (next.level === prev.level && next.version === prev.version)) return;
  const groups = new Map<string, string[]>();
  for (const p of await ctx.list('', 'pods', a.name)) {
    const reasons = checkPod(next.level, (p.metadata ?? {}) as JsonObject, (p.spec ?? {}) as JsonObject).map((r) => r.reason).join(', ');
    if (reasons) groups.set(reasons, [...(groups.get(reasons) ?? []), String(p.metadata.name)]);
  }
  if (groups.size === 0) return;
  a.warnings.push(`existing pods in namespace "${a.name}" violate the new PodSecurity enforce level "${label(next)}"`);
  for (const [reasons, pods] of groups) {
    const more = pods.length - 1;
    a.warnings.push(`${pods[0]}${more > 0 ? ` (and ${more} other pod${more === 1 ? '' : 's'})` : ''}: ${reasons}`);
  }
}

/** podSecurity is the PodSecurity admission plugin. */
export function podSecurity(): AdmissionPlugin {
  return {
    name: 'PodSecurity',
    async validate(a, ctx) {
      if (a.kind.group === '' && a.kind.resource === 'namespaces' && a.subresource === '' && a.object && (a.operation === 'CREATE' || a.operation === 'UPDATE')) {
        await namespaceWarnings(a, ctx);
        return;
      }
      if ((a.operation !== 'CREATE' && a.operation !== 'UPDATE') || a.subresource !== '' || !a.object) return;
      const isPodKind = a.kind.group === '' && a.kind.resource === 'pods';
      const tpl = TEMPLATE_PATHS[`${a.kind.group}/${a.kind.resource}`];
      if (!isPodKind && !tpl) return;
      let meta: JsonObject;
      let spec: JsonObject;
      if (isPodKind) {
        if (a.operation === 'UPDATE' && deepEqual(a.object.spec, a.oldObject?.spec)) return;
        meta = (a.object.metadata ?? {}) as JsonObject;
        spec = (a.object.spec ?? {}) as JsonObject;
      } else {
        const t = dig(a.object, tpl);
        if (!t) return;
        if (a.operation === 'UPDATE' && deepEqual(t, dig(a.oldObject, tpl))) return;
        meta = (t.metadata ?? {}) as JsonObject;
        spec = (t.spec ?? {}) as JsonObject;
      }
      const policy = await policyFor(a, ctx);
      if (!policy) return;
      const enforced = evaluate(policy.enforce, meta, spec);
      if (isPodKind && enforced) throw admissionForbidden(a, `violates PodSecurity "${label(policy.enforce)}": ${enforced}`);
      const warned = new Set<string>();
      const warn = (p: PolicyLevel, text: string): void => {
        const w = `would violate PodSecurity "${label(p)}": ${text}`;
        if (text && !warned.has(w)) { warned.add(w); a.warnings.push(w); }
      };
      if (!isPodKind) warn(policy.enforce, enforced);
      warn(policy.warn, evaluate(policy.warn, meta, spec));
    },
  };
}

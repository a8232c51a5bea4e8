/**
 * @module apiserver/admission/chain — runs admission plugins in order: every plugin's mutating
 * `admit` (after defaulting, before validation), then every plugin's `validate` (after
 * validation), as upstream's admission chain does; and the context that reads through the registry.
 */
import { isStatusError, type JsonObject, type KindInfo } from '../../api/index.ts';
import type { ResourceRegistry } from '../registry/resource-store.ts';
import { storageKey } from '../registry/catalog.ts';
import { clone } from '../patch/json-util.ts';
import { EVERYTHING } from '../registry/predicate.ts';
import type { AdmissionAttributes, AdmissionContext, AdmissionPlugin } from './types.ts';
import { namespaceLifecycle } from './namespace-lifecycle.ts';
import { limitRanger } from './limit-ranger.ts';
import { serviceAccountAdmission } from './service-account.ts';
import { nodeRestriction } from './node-restriction.ts';
import { podSecurity } from './pod-security.ts';
import { priorityAdmission, SYSTEM_PRIORITY_CLASSES } from './priority.ts';
import { defaultTolerationSeconds } from './default-toleration-seconds.ts';
import { runtimeClassAdmission } from './runtime-class.ts';
import { defaultStorageClass } from './default-storage-class.ts';
import { resourceQuota } from './resource-quota.ts';

/** AdmissionChain runs a fixed list of plugins against one context. */
export class AdmissionChain {
  readonly plugins: readonly AdmissionPlugin[];
  readonly ctx: AdmissionContext;
  constructor(plugins: readonly AdmissionPlugin[], ctx: AdmissionContext) { this.plugins = plugins; this.ctx = ctx; }

  /** admit runs the mutating phase of every plugin in order (may change `a.object`). */
  async admit(a: AdmissionAttributes): Promise<void> {
    for (const p of this.plugins) if (p.admit) await p.admit(a, this.ctx);
  }

  /** validate runs the validating phase of every plugin in order. */
  async validate(a: AdmissionAttributes): Promise<void> {
    for (const p of this.plugins) if (p.validate) await p.validate(a, this.ctx);
  }
}

/** defaultPlugins returns the plugins in upstream's recommended order (random names injectable). */
export function defaultPlugins(opts: { random?: (n: number) => number } = {}): AdmissionPlugin[] {
  return [
    namespaceLifecycle(), limitRanger(), serviceAccountAdmission({ random: opts.random }), nodeRestriction(),
    podSecurity(), priorityAdmission(), defaultTolerationSeconds(), defaultStorageClass(), runtimeClassAdmission(), resourceQuota(),
  ];
}

/** findKind picks the served kind of `group`/`resource` (its storage version when several are). */
function findKind(registry: ResourceRegistry, group: string, resource: string): KindInfo | undefined {
  const all = registry.r.catalog.kinds().filter((k) => k.group === group && k.resource === resource);
  return all.find((k) => !k.storageVersion || k.storageVersion === k.version) ?? all[0];
}

/** copyWithoutManagedFields deep-copies a cached object, leaving out metadata.managedFields (the
 * watch cache parses those only on first read; admission never needs them). */
function copyWithoutManagedFields(o: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const k of Object.keys(o)) {
    if (k !== 'metadata') { out[k] = clone(o[k]); continue; }
    const meta: JsonObject = {};
    for (const m of Object.keys(o.metadata as JsonObject)) if (m !== 'managedFields') meta[m] = clone((o.metadata as JsonObject)[m]);
    out.metadata = meta;
  }
  return out;
}

/** registryContext is the AdmissionContext that reads through a ResourceRegistry: gets and lists
 * come from the watch cache when the kind has a loaded one (as upstream's admission plugins use
 * listers; with the SQLite store the cache is exactly as fresh as a read, since both advance at the
 * same commit); a get the cache cannot answer is a consistent read. A get returns a private copy. */
export function registryContext(registry: ResourceRegistry): AdmissionContext {
  return {
    served: (group, resource) => findKind(registry, group, resource) !== undefined,
    async get(group, resource, namespace, name): Promise<JsonObject | undefined> {
      const kind = findKind(registry, group, resource);
      if (!kind) return undefined;
      const ns = kind.namespaced ? namespace : '';
      const cache = registry.freshCache(kind);
      if (cache && (!kind.storageVersion || kind.storageVersion === kind.version)) {
        const o = cache.get(storageKey(kind, ns, name));
        // Not found in the cache: ask the store (a cache fed by etcd may not have a new object yet).
        if (o !== undefined) return copyWithoutManagedFields(o);
      }
      try {
        return await registry.get(kind, kind.namespaced ? namespace : '', name);
      } catch (e) {
        if (isStatusError(e, 404)) return undefined;
        throw e;
      }
    },
    async list(group, resource, namespace): Promise<JsonObject[]> {
      const kind = findKind(registry, group, resource);
      if (!kind) return [];
      const page = await registry.list(kind, kind.namespaced ? namespace : '', { predicate: EVERYTHING, limit: 0, continueToken: '', resourceVersion: '0', resourceVersionMatch: '' });
      return page.items;
    },
    async updateStatus(group, resource, namespace, name, status): Promise<void> {
      const kind = findKind(registry, group, resource);
      if (!kind) return;
      try {
        await registry.update(kind, namespace, name, (cur) => {
          cur.status = status;
          delete cur.metadata.resourceVersion;
          return cur;
        }, { dryRun: false, fieldManager: 'windlass-admission', fieldValidation: 'Ignore' }, kind.hasStatus ? 'status' : '');
      } catch (e) {
        if (!isStatusError(e, 404) && !isStatusError(e, 409)) throw e;
      }
    },
    namespaceState: (ns) => registry.namespaceState(ns),
    now: () => registry.r.now(),
  };
}

/** createAdmissionChain builds the default chain over a registry. */
export function createAdmissionChain(registry: ResourceRegistry, plugins: readonly AdmissionPlugin[] = defaultPlugins()): AdmissionChain {
  return new AdmissionChain(plugins, registryContext(registry));
}

/** ensureSystemPriorityClasses creates system-node-critical and system-cluster-critical when absent
 * (upstream's post-start hook; call it at server start next to the system namespaces). */
export async function ensureSystemPriorityClasses(registry: ResourceRegistry): Promise<void> {
  const kind = findKind(registry, 'scheduling.k8s.io', 'priorityclasses');
  if (!kind) return;
  for (const pc of SYSTEM_PRIORITY_CLASSES) {
    try {
      await registry.create(kind, '', { ...structuredClone(pc), apiVersion: `${kind.group}/${kind.version}` }, { dryRun: false, fieldManager: 'windlass', fieldValidation: 'Ignore' });
    } catch (e) {
      if (!isStatusError(e, 409)) throw e;
    }
  }
}

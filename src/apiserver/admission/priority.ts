/**
 * @module apiserver/admission/priority — Priority: a pod's `priorityClassName` (or the global
 * default class) resolves to `spec.priority` and `spec.preemptionPolicy`; the system classes
 * always exist; at most one PriorityClass is the global default.
 */
import { forbidden, type JsonObject } from '../../api/index.ts';
import { admissionForbidden, isKind, isPod, type AdmissionPlugin } from './types.ts';

/** SYSTEM_PRIORITY_CLASSES are the classes every cluster has (created at start when absent). */
export const SYSTEM_PRIORITY_CLASSES: readonly JsonObject[] = [
  { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'system-node-critical' }, value: 2000001000, description: 'Used for system critical pods that must not be moved from their current node.', preemptionPolicy: 'PreemptLowerPriority' },
  { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'system-cluster-critical' }, value: 2000000000, description: 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.', preemptionPolicy: 'PreemptLowerPriority' },
];

const GROUP = 'scheduling.k8s.io';

/** priorityAdmission is the Priority admission plugin. */
export function priorityAdmission(): AdmissionPlugin {
  return {
    name: 'Priority',
    async admit(a, ctx) {
      if (a.operation !== 'CREATE' || !isPod(a) || !a.object) return;
      const spec = (a.object.spec ??= {}) as JsonObject;
      const served = ctx.served(GROUP, 'priorityclasses');
      let value = 0;
      let policy = 'PreemptLowerPriority';
      const className = typeof spec.priorityClassName === 'string' ? spec.priorityClassName : '';
      if (className) {
        const pc = (served ? await ctx.get(GROUP, 'priorityclasses', '', className) : undefined)
          ?? SYSTEM_PRIORITY_CLASSES.find((c) => c.metadata.name === className);
        if (!pc) throw admissionForbidden(a, `no PriorityClass with name ${className} was found`);
        value = Number(pc.value ?? 0);
        policy = String(pc.preemptionPolicy ?? policy);
      } else if (served) {
        const defaults = (await ctx.list(GROUP, 'priorityclasses', '')).filter((c) => c.globalDefault === true);
        defaults.sort((x, y) => Number(x.value ?? 0) - Number(y.value ?? 0));
        if (defaults.length > 0) {
          spec.priorityClassName = defaults[0].metadata.name;
          value = Number(defaults[0].value ?? 0);
          policy = String(defaults[0].preemptionPolicy ?? policy);
        }
      }
      if (spec.priority !== undefined && spec.priority !== null && spec.priority !== value) {
        throw admissionForbidden(a, `the integer value of priority (${String(spec.priority)}) must not be provided in pod spec; priority admission controller computed ${value} from the given PriorityClass name`);
      }
      if (spec.preemptionPolicy && spec.preemptionPolicy !== policy) {
        throw admissionForbidden(a, `the string value of PreemptionPolicy (${String(spec.preemptionPolicy)}) must not be provided in pod spec; priority admission controller computed ${policy} from the given PriorityClass name`);
      }
      spec.priority = value;
      spec.preemptionPolicy = policy;
    },
    async validate(a, ctx) {
      if (!isKind(a, GROUP, 'priorityclasses') || (a.operation !== 'CREATE' && a.operation !== 'UPDATE') || !a.object) return;
      if (a.object.globalDefault !== true) return;
      const name = String(a.object.metadata?.name ?? '');
      const other = (await ctx.list(GROUP, 'priorityclasses', '')).find((c) => c.globalDefault === true && c.metadata.name !== name);
      if (other) throw forbidden(`PriorityClass ${String(other.metadata.name)} is already marked as default. Only one default can exist`, { name, group: GROUP, kind: 'priorityclasses' });
    },
  };
}

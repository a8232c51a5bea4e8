/**
 * @module apiserver/admission/runtime-class — RuntimeClass: a pod's `runtimeClassName` must name an
 * existing RuntimeClass, whose `scheduling` (node selector, tolerations) is merged into the pod and
 * whose `overhead.podFixed` becomes `spec.overhead`.
 */
import type { JsonObject } from '../../api/index.ts';
import { deepEqual } from '../registry/prepare.ts';
import { admissionForbidden, isPod, type AdmissionPlugin } from './types.ts';

const GROUP = 'node.k8s.io';

/** runtimeClassAdmission is the RuntimeClass admission plugin. */
export function runtimeClassAdmission(): AdmissionPlugin {
  return {
    name: 'RuntimeClass',
    async admit(a, ctx) {
      if (a.operation !== 'CREATE' || !isPod(a) || !a.object) return;
      const spec = (a.object.spec ??= {}) as JsonObject;
      const rcName = typeof spec.runtimeClassName === 'string' ? spec.runtimeClassName : '';
      if (!rcName) {
        if (spec.overhead !== undefined && spec.overhead !== null) throw admissionForbidden(a, 'pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead');
        return;
      }
      const rc = ctx.served(GROUP, 'runtimeclasses') ? await ctx.get(GROUP, 'runtimeclasses', '', rcName) : undefined;
      if (!rc) throw admissionForbidden(a, `pod rejected: RuntimeClass "${rcName}" not found`);
      const fixed = rc.overhead?.podFixed as JsonObject | undefined;
      if (fixed) {
        if (spec.overhead !== undefined && spec.overhead !== null && !deepEqual(spec.overhead, fixed)) throw admissionForbidden(a, 'pod rejected: Pod\'s Overhead doesn\'t match RuntimeClass\'s defined Overhead');
        spec.overhead = structuredClone(fixed);
      } else if (spec.overhead !== undefined && spec.overhead !== null) {
        throw admissionForbidden(a, 'pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead');
      }
      const sched = rc.scheduling as JsonObject | undefined;
      if (!sched) return;
      const sel = (sched.nodeSelector ?? {}) as Record<string, string>;
      const podSel = { ...((spec.nodeSelector ?? {}) as Record<string, string>) };
      for (const [k, v] of Object.entries(sel)) {
        if (podSel[k] !== undefined && podSel[k] !== v) {
          throw admissionForbidden(a, `conflict: runtimeClass.scheduling.nodeSelector[${k}] = ${v}; pod.spec.nodeSelector[${k}] = ${podSel[k]}`);
        }
        podSel[k] = v;
      }
      if (Object.keys(podSel).length > 0) spec.nodeSelector = podSel;
      const tols: JsonObject[] = Array.isArray(spec.tolerations) ? [...spec.tolerations] : [];
      for (const t of (Array.isArray(sched.tolerations) ? sched.tolerations : []) as JsonObject[]) {
        if (!tols.some((x) => deepEqual(x, t))) tols.push(structuredClone(t));
      }
      if (tols.length > 0) spec.tolerations = tols;
    },
  };
}

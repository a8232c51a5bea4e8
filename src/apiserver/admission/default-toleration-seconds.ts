/**
 * @module apiserver/admission/default-toleration-seconds — DefaultTolerationSeconds: pods tolerate
 * the not-ready and unreachable NoExecute taints for 300 seconds unless they already tolerate them.
 */
import type { JsonObject } from '../../api/index.ts';
import { isPod, type AdmissionPlugin } from './types.ts';

/** NOT_READY_TAINT and UNREACHABLE_TAINT are the node-lifecycle taint keys. */
export const NOT_READY_TAINT = 'node.kubernetes.io/not-ready';
export const UNREACHABLE_TAINT = 'node.kubernetes.io/unreachable';

function tolerates(tols: readonly JsonObject[], key: string): boolean {
  return tols.some((t) => (t.key === key || !t.key) && (t.effect === 'NoExecute' || !t.effect));
}

/** defaultTolerationSeconds is the DefaultTolerationSeconds admission plugin (`seconds` default 300). */
export function defaultTolerationSeconds(seconds = 300): AdmissionPlugin {
  return {
    name: 'DefaultTolerationSeconds',
    admit(a) {
      if (a.operation !== 'CREATE' || !isPod(a) || !a.object) return;
      const spec = (a.object.spec ??= {}) as JsonObject;
      const tols: JsonObject[] = Array.isArray(spec.tolerations) ? spec.tolerations : [];
      const add: JsonObject[] = [];
      for (const key of [NOT_READY_TAINT, UNREACHABLE_TAINT]) {
        if (!tolerates(tols, key)) add.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds });
      }
      if (add.length > 0) spec.tolerations = [...tols, ...add];
    },
  };
}

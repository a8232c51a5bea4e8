/**
 * @module scheduler/failure — the FailedScheduling message in upstream's shape: "0/N nodes are
 * available: <count reason, …>." with the reasons counted across nodes and sorted as strings (as
 * Go's sort.Strings orders "6 node(s) …"), a PreFilter failure message instead of the counts when
 * PreFilter rejected the pod, and the PostFilter (preemption) message appended.
 */
import type { Status } from './framework.ts';

/** fitErrorMessage renders the message of a pod that fits on none of `numAllNodes` nodes. */
export function fitErrorMessage(numAllNodes: number, statuses: ReadonlyMap<string, Status>, preFilterMsg?: string, postFilterMsg?: string): string {
  let msg = `0/${numAllNodes} nodes are available:`;
  if (preFilterMsg) msg += ` ${preFilterMsg}.`;
  else {
    const counts = new Map<string, number>();
    for (const s of statuses.values()) for (const r of s.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
    const parts = [...counts].map(([r, n]) => `${n} ${r}`).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    msg += ` ${parts.join(', ')}.`;
  }
  if (postFilterMsg) msg += ` ${postFilterMsg}${postFilterMsg.endsWith('.') ? '' : '.'}`;
  return msg;
}

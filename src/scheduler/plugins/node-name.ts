/**
 * @module scheduler/plugins/node-name — NodeName: a pod that names a node (spec.nodeName) fits only
 * that node.
 */
import { status, SUCCESS, type ClusterEvent, type EnqueueExtensions, type FilterPlugin, type Status } from '../framework.ts';

/** NODE_NAME_REASON is upstream's reason for a node other than the requested one. */
export const NODE_NAME_REASON = "node(s) didn't match the requested node name";

/** newNodeName returns the NodeName plugin. */
export function newNodeName(): FilterPlugin & EnqueueExtensions {
  const rejected: Status = { ...status('UnschedulableAndUnresolvable', NODE_NAME_REASON), plugin: 'NodeName' };
  return {
    name: 'NodeName',
    filter(_state, pod, node) {
      const want = pod.pod.spec?.nodeName;
      return !want || want === node.name ? SUCCESS : rejected;
    },
    fitsAt(_state, pod) { return !pod.pod.spec?.nodeName; },
    eventsToRegister: (): ClusterEvent[] => ['NodeAdd', 'NodeUpdate'],
  };
}

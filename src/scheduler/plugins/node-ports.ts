/**
 * @module scheduler/plugins/node-ports — NodePorts: a pod's hostPorts must be free on the node
 * (0.0.0.0 clashes with every address of the same protocol and port).
 */
import { SKIP, status, SUCCESS, type ClusterEvent, type EnqueueExtensions, type FilterPlugin, type PreFilterPlugin, type Status } from '../framework.ts';
import { portsConflict } from '../node-info.ts';

/** NODE_PORTS_REASON is upstream's reason for a port clash. */
export const NODE_PORTS_REASON = "node(s) didn't have free ports for the requested pod ports";

/** newNodePorts returns the NodePorts plugin. */
export function newNodePorts(): PreFilterPlugin & FilterPlugin & EnqueueExtensions {
  const rejected: Status = { ...status('Unschedulable', NODE_PORTS_REASON), plugin: 'NodePorts' };
  return {
    name: 'NodePorts',
    preFilter(_state, pod) { return { status: pod.hostPorts.length ? SUCCESS : SKIP }; },
    filter(_state, pod, node) { return portsConflict(pod.hostPorts, node.usedPorts) ? rejected : SUCCESS; },
    eventsToRegister: (): ClusterEvent[] => ['PodDelete', 'NodeAdd', 'NodeUpdate'],
  };
}

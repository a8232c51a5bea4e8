/**
 * @module controllers/deployment-events — the controllers' event recorder, which lives in the
 * client library (client/events.ts) so that the node agent records Events the same way.
 */
export { EventRecorder, rfc3339 } from '../client/index.ts';
export type { EventType } from '../client/index.ts';

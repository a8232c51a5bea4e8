/**
 * @module test/harness — shared helpers of the acceptance tests and benchmarks: a real server
 * process, an admin HTTPS client, kubectl runners, bounded waits and latency statistics.
 */
export * from './server.ts';
export * from './kubeconfig.ts';
export * from './client.ts';
export * from './kubectl.ts';
export * from './wait.ts';
export * from './stats.ts';
export * from './watch-proxy.ts';
export * from './cli.ts';
export * from './identity.ts';

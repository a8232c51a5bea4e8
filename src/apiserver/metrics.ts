/**
 * @module apiserver/metrics — Prometheus metrics of the API server on a per-server registry:
 * request counts and latencies by verb/resource/code, and the open watch count.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** ApiMetrics owns the server's metric registry. */
export class ApiMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'verb' | 'resource' | 'code'>;
  private readonly duration: Histogram<'verb' | 'resource'>;

  constructor(watchCount: () => number) {
    this.requests = new Counter({ name: 'apiserver_request_total', help: 'Counter of apiserver requests broken out by verb, resource and HTTP response code.', labelNames: ['verb', 'resource', 'code'], registers: [this.registry] });
    this.duration = new Histogram({ name: 'apiserver_request_duration_seconds', help: 'Response latency distribution in seconds for each verb and resource.', labelNames: ['verb', 'resource'], buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60], registers: [this.registry] });
    new Gauge({ name: 'apiserver_longrunning_requests', help: 'Number of open watch requests.', registers: [this.registry], collect() { this.set(watchCount()); } });
  }

  /** observe records one finished request. */
  observe(verb: string, resource: string, code: number, seconds: number): void {
    this.requests.inc({ verb, resource, code: String(code) });
    if (verb !== 'WATCH') this.duration.observe({ verb, resource }, seconds);
  }

  /** text renders the exposition format. */
  text(): Promise<string> { return this.registry.metrics(); }
}

/**
 * @module runtime/cri/mapping-response — CRI v1 wire objects (as proto-loader decodes them:
 * snake_case, defaults filled in, int64 as decimal strings, enums by name) → our Runtime types.
 * Nanosecond timestamps become epoch milliseconds (0 stays 0); enum prefixes are stripped.
 */
import type {
  Container, ContainerMetadata, ContainerState, ContainerStatus, Image, ImageSpec, PodSandbox, PodSandboxMetadata, PodSandboxStatus,
  RuntimeCondition, RuntimeVersion, SandboxState,
} from '../types.ts';
import type { Wire } from './proto.ts';

/** nsToMs converts an int64 nanosecond timestamp (decimal string or number) to epoch ms. */
export function nsToMs(v: unknown): number {
  if (typeof v === 'number') return Math.floor(v / 1e6);
  if (typeof v !== 'string' || v === '' || v === '0') return 0;
  return Number(BigInt(v) / 1_000_000n);
}

/** num converts an int64/uint64 wire value (decimal string or number) to a number (0 when absent). */
export function num(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v !== '') return Number(v);
  return 0;
}

/** str returns a wire string field ('' when absent). */
export function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** obj returns a wire message field ({} when absent). */
export function obj(v: unknown): Wire {
  return typeof v === 'object' && v !== null ? (v as Wire) : {};
}

/** strMap returns a wire map<string,string> field as a plain record. */
export function strMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(obj(v))) out[k] = String(val);
  return out;
}

function strList(v: unknown): string[] {
  return Array.isArray(v) ? v.map(String) : [];
}

/** sandboxStateFromWire strips `SANDBOX_` (unknown values read as NOTREADY). */
export function sandboxStateFromWire(v: unknown): SandboxState {
  return v === 'SANDBOX_READY' || v === 0 ? 'READY' : 'NOTREADY';
}

/** containerStateFromWire strips `CONTAINER_` (unknown values read as UNKNOWN). */
export function containerStateFromWire(v: unknown): ContainerState {
  switch (v) {
    case 'CONTAINER_CREATED': case 0: return 'CREATED';
    case 'CONTAINER_RUNNING': case 1: return 'RUNNING';
    case 'CONTAINER_EXITED': case 2: return 'EXITED';
    default: return 'UNKNOWN';
  }
}

/** versionFromWire maps VersionResponse. */
export function versionFromWire(w: Wire): RuntimeVersion {
  return { version: str(w.version), runtimeName: str(w.runtime_name), runtimeVersion: str(w.runtime_version), runtimeApiVersion: str(w.runtime_api_version) };
}

/** conditionsFromWire maps StatusResponse.status.conditions. */
export function conditionsFromWire(w: Wire): RuntimeCondition[] {
  const list = obj(w.status).conditions;
  return (Array.isArray(list) ? list as Wire[] : []).map((c) => ({ type: str(c.type), status: c.status === true, reason: str(c.reason), message: str(c.message) }));
}

/** sandboxMetadataFromWire maps PodSandboxMetadata. */
export function sandboxMetadataFromWire(v: unknown): PodSandboxMetadata {
  const m = obj(v);
  return { name: str(m.name), uid: str(m.uid), namespace: str(m.namespace), attempt: num(m.attempt) };
}

/** containerMetadataFromWire maps ContainerMetadata. */
export function containerMetadataFromWire(v: unknown): ContainerMetadata {
  const m = obj(v);
  return { name: str(m.name), attempt: num(m.attempt) };
}

function imageSpecFromWire(v: unknown): ImageSpec {
  const s = obj(v);
  const annotations = strMap(s.annotations);
  return Object.keys(annotations).length > 0 ? { image: str(s.image), annotations } : { image: str(s.image) };
}

/** sandboxFromWire maps a PodSandbox list item. */
export function sandboxFromWire(w: Wire): PodSandbox {
  return {
    id: str(w.id), metadata: sandboxMetadataFromWire(w.metadata), state: sandboxStateFromWire(w.state), createdAt: nsToMs(w.created_at),
    labels: strMap(w.labels), annotations: strMap(w.annotations), runtimeHandler: str(w.runtime_handler),
  };
}

/** sandboxStatusFromWire maps PodSandboxStatus. */
export function sandboxStatusFromWire(w: Wire): PodSandboxStatus {
  const net = obj(w.network);
  const extra = Array.isArray(net.additional_ips) ? (net.additional_ips as Wire[]).map((p) => str(p.ip)) : [];
  return { ...sandboxFromWire(w), network: { ip: str(net.ip), additionalIps: extra } };
}

/** containerFromWire maps a Container list item. */
export function containerFromWire(w: Wire): Container {
  return {
    id: str(w.id), podSandboxId: str(w.pod_sandbox_id), metadata: containerMetadataFromWire(w.metadata), image: imageSpecFromWire(w.image),
    imageRef: str(w.image_ref), state: containerStateFromWire(w.state), createdAt: nsToMs(w.created_at),
    labels: strMap(w.labels), annotations: strMap(w.annotations),
  };
}

/** containerStatusFromWire maps ContainerStatus; the sandbox id is not part of CRI ContainerStatus, so it is passed in (from the labels or a list). */
export function containerStatusFromWire(w: Wire, podSandboxId: string): ContainerStatus {
  return {
    id: str(w.id), podSandboxId, metadata: containerMetadataFromWire(w.metadata), image: imageSpecFromWire(w.image), imageRef: str(w.image_ref),
    state: containerStateFromWire(w.state), createdAt: nsToMs(w.created_at), startedAt: nsToMs(w.started_at), finishedAt: nsToMs(w.finished_at),
    exitCode: num(w.exit_code), reason: str(w.reason), message: str(w.message), labels: strMap(w.labels), annotations: strMap(w.annotations),
    logPath: str(w.log_path),
  };
}

/** imageFromWire maps Image. */
export function imageFromWire(w: Wire): Image {
  return { id: str(w.id), repoTags: strList(w.repo_tags), repoDigests: strList(w.repo_digests), size: num(w.size), pinned: w.pinned === true };
}

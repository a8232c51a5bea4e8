/**
 * @module apiserver/registry/write-steps — the pieces of a registry write that need no registry:
 * the stored form (serialize, stamp), what a subresource may change, hook settlement, the no-change
 * test, and the CertificateSigningRequest rules.
 */
import type { JsonObject, KindInfo } from '../../api/index.ts';
import type { AdmissionUser } from '../admission/types.ts';
import { clone, isObject } from '../patch/json-util.ts';
import type { PendingWrite } from './hooks.ts';
import { deepEqual } from './prepare.ts';
import type { Outcome } from './resource-store.ts';

/** serialize renders an object for storage: apiVersion, kind, metadata first (so reads can splice
 * the resourceVersion in without parsing), without metadata.resourceVersion. */
export function serialize(obj: JsonObject): string {
  const m = obj.metadata as JsonObject;
  const rv = m.resourceVersion;
  if (rv !== undefined) delete m.resourceVersion;
  const ordered: JsonObject = { apiVersion: obj.apiVersion, kind: obj.kind, metadata: m };
  for (const k in obj) if (k !== 'apiVersion' && k !== 'kind' && k !== 'metadata') ordered[k] = obj[k];
  const s = JSON.stringify(ordered);
  if (rv !== undefined) m.resourceVersion = rv;
  return s;
}

/** stamp sets a written object's resourceVersion to its revision. */
export function stamp(obj: JsonObject, rev: number): JsonObject {
  (obj.metadata as JsonObject).resourceVersion = String(rev);
  return obj;
}

/** isNamespaceKind tells core/v1 namespaces. */
export function isNamespaceKind(kind: KindInfo): boolean { return kind.group === '' && kind.resource === 'namespaces'; }

/** applySubresourceRules keeps what a write through `sub` may not change: through 'status' all but
 * .status, through 'ephemeralcontainers', 'approval' and 'finalize' all but their field; through the
 * main resource the status (of kinds with one) and a pod's ephemeral containers. */
export function applySubresourceRules(obj: JsonObject, cur: JsonObject, kind: KindInfo, sub: string): JsonObject {
  if (sub === 'status') {
    // `cur` was decoded for this update alone: share its nested values (a deep copy cost ~1 % of all CPU).
    const next: JsonObject = { ...cur, metadata: { ...cur.metadata } };
    if (obj.status === undefined) delete next.status;
    else next.status = obj.status;
    if (isCsrKind(kind)) keepApproval(next, cur);
    next.metadata.resourceVersion = obj.metadata.resourceVersion;
    return next;
  }
  if (sub === 'ephemeralcontainers') {
    // pods/ephemeralcontainers (`kubectl debug`) changes only spec.ephemeralContainers.
    const next = clone(cur);
    next.spec = { ...(next.spec ?? {}), ephemeralContainers: obj.spec?.ephemeralContainers ?? [] };
    if (next.spec.ephemeralContainers.length === 0) delete next.spec.ephemeralContainers;
    next.metadata.resourceVersion = obj.metadata.resourceVersion;
    return next;
  }
  if (sub === 'approval') {
    // certificatesigningrequests/approval changes only the conditions (Approved/Denied among them).
    const next = clone(cur);
    next.status = { ...(cur.status ?? {}), conditions: obj.status?.conditions ?? [] };
    next.metadata.resourceVersion = obj.metadata.resourceVersion;
    return next;
  }
  if (sub === 'finalize') {
    const next = clone(cur);
    next.spec = { ...(cur.spec ?? {}), finalizers: obj.spec?.finalizers ?? [] };
    return next;
  }
  if (kind.hasStatus) {
    if (cur.status === undefined) delete obj.status;
    else obj.status = cur.status;
  }
  if (kind.group === '' && kind.resource === 'pods' && isObject(obj.spec)) {
    // only pods/ephemeralcontainers changes them (upstream's pod strategy resets them on update)
    if (cur.spec?.ephemeralContainers === undefined) delete obj.spec.ephemeralContainers;
    else obj.spec.ephemeralContainers = cur.spec.ephemeralContainers;
  }
  if (isNamespaceKind(kind)) {
    obj.status = cur.status;
    if (cur.metadata.deletionTimestamp) obj.spec = { ...(obj.spec ?? {}), finalizers: cur.spec?.finalizers };
  }
  return obj;
}

const STATUS_RESET: readonly string[] = ['status'];

/** resetFields are the paths a write to `subresource` of `kind` resets and whose ownership is
 * therefore not recorded (upstream's GetResetFields): `status` for the main resource of a kind
 * with a status subresource. A subresource write keeps all but its part (applySubresourceRules),
 * so what it resets never differs from the stored object and needs no list. */
export function resetFields(kind: KindInfo, subresource: string): readonly string[] | undefined {
  return subresource === '' && kind.hasStatus ? STATUS_RESET : undefined;
}

/** settle runs a store write between a hook's reservations and their commit (write succeeded) or
 * abort (write failed or threw); `commitOnOk` false aborts even on success (the object is gone). */
export async function settle<T extends { ok: boolean } | Outcome>(pending: PendingWrite | undefined, write: () => Promise<T>, commitOnOk = true): Promise<T> {
  if (!pending) return write();
  let out: T;
  try {
    out = await write();
  } catch (e) {
    await pending.abort();
    throw e;
  }
  const ok = 'ok' in out ? out.ok : true;
  if (ok && commitOnOk) await pending.commit();
  else await pending.abort();
  return out;
}

/** sameIgnoringManagedFields compares structurally, not textually (a client's key order differs from
 * the stored object's), and reads neither object's managedFields nor changes either object. */
export function sameIgnoringManagedFields(a: JsonObject, b: JsonObject): boolean {
  const sameKeys = (x: JsonObject, y: JsonObject, skip: string): boolean => {
    let n = 0;
    for (const k in x) {
      if (k === skip) continue;
      n++;
      if (!Object.hasOwn(y, k) || !deepEqual(x[k], y[k])) return false;
    }
    for (const k in y) if (k !== skip) n--;
    return n === 0;
  };
  const am = a.metadata;
  const bm = b.metadata;
  if (!isObject(am) || !isObject(bm)) return deepEqual(a, b);
  return sameKeys(a, b, 'metadata') && sameKeys(am, bm, 'managedFields');
}

/** isCsrKind tells certificates.k8s.io CertificateSigningRequests. */
export function isCsrKind(kind: KindInfo): boolean {
  return kind.group === 'certificates.k8s.io' && kind.resource === 'certificatesigningrequests';
}

/** keepApproval: through /status a CSR's Approved and Denied conditions stay as they were; only
 * /approval may change them (the signer writes the certificate and Failed through /status). */
function keepApproval(next: JsonObject, cur: JsonObject): void {
  const isDecision = (c: JsonObject): boolean => c?.type === 'Approved' || c?.type === 'Denied';
  const old: JsonObject[] = (cur.status?.conditions ?? []).filter(isDecision);
  const others: JsonObject[] = (next.status?.conditions ?? []).filter((c: JsonObject) => !isDecision(c));
  const conditions = [...old, ...others];
  if (conditions.length > 0 || next.status?.conditions !== undefined) next.status = { ...(next.status ?? {}), conditions };
}

/** setCsrRequester records who asked for a certificate, as upstream's CSR strategy does: the
 * client cannot claim another requester, and approvers decide from these fields. */
export function setCsrRequester(obj: JsonObject, user: AdmissionUser | undefined): void {
  const spec: JsonObject = obj.spec ?? (obj.spec = {});
  delete spec.username; delete spec.uid; delete spec.groups; delete spec.extra;
  if (!user) return;
  spec.username = user.username;
  if (user.uid) spec.uid = user.uid;
  if (user.groups.length > 0) spec.groups = [...user.groups];
  if (user.extra && Object.keys(user.extra).length > 0) spec.extra = user.extra;
}

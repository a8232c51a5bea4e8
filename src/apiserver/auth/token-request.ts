/**
 * @module apiserver/auth/token-request — `POST …/serviceaccounts/<name>/token`: issues a bound
 * service-account JWT (authentication.k8s.io/v1 TokenRequest) for the API's audiences or those
 * asked for, expiring after expirationSeconds (default 3600, at least 600), optionally bound to a
 * Pod, Secret or Node whose uid the token then carries.
 */
import { randomUUID } from 'node:crypto';
import { conflict, invalid, notFound, rfc3339, type JsonObject } from '../../api/index.ts';
import type { Catalog } from '../registry/catalog.ts';
import type { ResourceRegistry } from '../registry/resource-store.ts';
import type { Authenticator } from './authn.ts';
import type { JwtSigner } from './jwt.ts';

/** TokenRequestDeps are what issuing a token needs. */
export interface TokenRequestDeps {
  readonly registry: ResourceRegistry;
  readonly catalog: Catalog;
  readonly signer: JwtSigner;
  readonly authenticator: Authenticator;
  readonly now: () => number;
}

const BOUND_KINDS: Readonly<Record<string, string>> = { Pod: 'pods', Secret: 'secrets', Node: 'nodes' };
const MAX_EXPIRATION = 2 ** 32;


/** issueToken answers a TokenRequest for the service account `ns/name`. */
export async function issueToken(d: TokenRequestDeps, ns: string, name: string, body: JsonObject, dryRun: boolean): Promise<JsonObject> {
  const saKind = d.catalog.lookup('', 'v1', 'serviceaccounts');
  if (!saKind) throw notFound('serviceaccounts', '', name);
  const sa = await d.registry.get(saKind, ns, name);
  const spec = (body.spec ?? {}) as JsonObject;
  const exp = spec.expirationSeconds === undefined || spec.expirationSeconds === null ? 3600 : Number(spec.expirationSeconds);
  if (!Number.isInteger(exp) || exp < 600) throw invalid('TokenRequest', 'authentication.k8s.io', name, [{ type: 'FieldValueInvalid', field: 'spec.expirationSeconds', badValue: spec.expirationSeconds, detail: 'may not specify a duration less than 10 minutes' }]);
  if (exp > MAX_EXPIRATION) throw invalid('TokenRequest', 'authentication.k8s.io', name, [{ type: 'FieldValueTooLong', field: 'spec.expirationSeconds', badValue: exp, detail: 'may not specify a duration larger than 2^32 seconds' }]);
  const audiences = Array.isArray(spec.audiences) && spec.audiences.length > 0 ? (spec.audiences as unknown[]).map(String) : [...d.authenticator.audiences];
  const k: JsonObject = { namespace: ns, serviceaccount: { name, uid: sa.metadata.uid } };
  const ref = spec.boundObjectRef as JsonObject | undefined;
  if (ref) {
    const resource = BOUND_KINDS[String(ref.kind)];
    if (!resource) throw invalid('TokenRequest', 'authentication.k8s.io', name, [{ type: 'FieldValueNotSupported', field: 'spec.boundObjectRef.kind', badValue: ref.kind, supported: Object.keys(BOUND_KINDS) }]);
    const kind = d.catalog.lookup('', 'v1', resource);
    if (!kind) throw notFound(resource, '', String(ref.name));
    const obj = await d.registry.get(kind, resource === 'nodes' ? '' : ns, String(ref.name ?? ''));
    if (ref.uid && ref.uid !== obj.metadata.uid) throw conflict(resource, '', String(ref.name), `the UID in the bound object reference (${String(ref.uid)}) does not match the UID in record. The object might have been deleted and then recreated`);
    k[String(ref.kind).toLowerCase()] = { name: String(ref.name), uid: obj.metadata.uid };
  }
  const nowMs = d.now();
  const iat = Math.floor(nowMs / 1000);
  const claims = {
    aud: audiences, exp: iat + exp, iat, iss: d.authenticator.issuer, jti: randomUUID(), nbf: iat,
    sub: `system:serviceaccount:${ns}:${name}`, 'kubernetes.io': k,
  };
  return {
    kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1',
    metadata: { name, namespace: ns, creationTimestamp: null },
    spec: { audiences, expirationSeconds: exp, boundObjectRef: ref ?? null },
    status: { token: dryRun ? '' : d.signer.sign(claims), expirationTimestamp: rfc3339((iat + exp) * 1000) },
  };
}

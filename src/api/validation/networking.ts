/**
 * @module api/validation/networking — NetworkPolicy (selectors, ports and end ports, peers,
 * policy types) and Ingress (hosts, paths, backends) validation.
 */
import type { FieldError } from '../errors.ts';
import type { JsonObject } from '../kinds/types.ts';
import { isDNS1035Label, isDNS1123Subdomain, isValidPortName, isValidPortNum } from '../selectors/names.ts';
import { arr, child, forbidden, index, invalid, isSet, notSupported, obj, required, strs } from './field.ts';
import { validateLabelSelector, validateObjectMeta, validateObjectMetaUpdate } from './meta.ts';
import { PROTOCOLS, enumField } from './pod.ts';

function meta(o: JsonObject, old: JsonObject | undefined): FieldError[] {
  const errs = validateObjectMeta(obj(o.metadata), true);
  if (old) errs.push(...validateObjectMetaUpdate(obj(o.metadata), obj(old.metadata)));
  return errs;
}

function policyPorts(ports: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  arr(ports).forEach((p, i) => {
    const pp = index(path, i);
    if (isSet(p.protocol)) errs.push(...enumField(p.protocol, child(pp, 'protocol'), PROTOCOLS));
    if (typeof p.port === 'number') {
      for (const m of isValidPortNum(p.port)) errs.push(invalid(child(pp, 'port'), p.port, m));
      if (isSet(p.endPort)) {
        for (const m of isValidPortNum(p.endPort)) errs.push(invalid(child(pp, 'endPort'), p.endPort, m));
        if (p.endPort < p.port) errs.push(invalid(child(pp, 'endPort'), p.endPort, 'must be greater than or equal to `port`'));
      }
    } else if (typeof p.port === 'string') {
      for (const m of isValidPortName(p.port)) errs.push(invalid(child(pp, 'port'), p.port, m));
      if (isSet(p.endPort)) errs.push(invalid(child(pp, 'endPort'), p.endPort, 'may not be specified when `port` is non-numeric'));
    } else if (isSet(p.endPort)) errs.push(invalid(child(pp, 'endPort'), p.endPort, 'may not be specified when `port` is not specified'));
  });
  return errs;
}

function peers(list: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  arr(list).forEach((p, i) => {
    const pp = index(path, i);
    const n = ['podSelector', 'namespaceSelector', 'ipBlock'].filter((k) => isSet(p[k])).length;
    if (n === 0) errs.push(required(pp, 'must specify a peer'));
    if (isSet(p.ipBlock) && isSet(p.podSelector ?? p.namespaceSelector)) errs.push(forbidden(pp, 'may not specify both ipBlock and another peer'));
    errs.push(...validateLabelSelector(p.podSelector, child(pp, 'podSelector')));
    errs.push(...validateLabelSelector(p.namespaceSelector, child(pp, 'namespaceSelector')));
  });
  return errs;
}

/** validateNetworkPolicy validates a networking.k8s.io/v1 NetworkPolicy (selectors, ports, peers, policyTypes). */
export function validateNetworkPolicy(o: JsonObject, old?: JsonObject): FieldError[] {
  const errs = meta(o, old);
  const spec = obj(o.spec);
  errs.push(...validateLabelSelector(spec.podSelector ?? {}, 'spec.podSelector'));
  arr(spec.ingress).forEach((r, i) => {
    errs.push(...policyPorts(r.ports, child(index('spec.ingress', i), 'ports')));
    errs.push(...peers(r.from, child(index('spec.ingress', i), 'from')));
  });
  arr(spec.egress).forEach((r, i) => {
    errs.push(...policyPorts(r.ports, child(index('spec.egress', i), 'ports')));
    errs.push(...peers(r.to, child(index('spec.egress', i), 'to')));
  });
  const types = strs(spec.policyTypes);
  types.forEach((t, i) => { if (!['Ingress', 'Egress'].includes(t)) errs.push(notSupported(index('spec.policyTypes', i), t, ['Ingress', 'Egress'])); });
  if (types.length > 2) errs.push(invalid('spec.policyTypes', types, 'may not specify more than two policyTypes'));
  return errs;
}

/** validateIngress validates a networking.k8s.io/v1 Ingress (hosts, paths, backends). */
export function validateIngress(o: JsonObject, old?: JsonObject): FieldError[] {
  const errs = meta(o, old);
  const spec = obj(o.spec);
  const backend = (b: JsonObject, path: string): void => {
    const svc = obj(b.service);
    const hasSvc = isSet(b.service);
    const hasRes = isSet(b.resource);
    if (hasSvc && hasRes) errs.push(invalid(path, '', 'cannot set both resource and service backends'));
    else if (!hasSvc && !hasRes) errs.push(invalid(path, '', 'resource or service backend is required'));
    if (hasSvc) {
      if (!svc.name) errs.push(required(child(path, 'service', 'name')));
      else for (const m of isDNS1035Label(String(svc.name))) errs.push(invalid(child(path, 'service', 'name'), svc.name, m));
      const port = obj(svc.port);
      if (isSet(port.name) && isSet(port.number)) errs.push(invalid(child(path, 'service', 'port'), '', 'cannot set both port name & port number'));
      else if (!isSet(port.name) && !isSet(port.number)) errs.push(invalid(child(path, 'service', 'port'), '', 'port name or number is required'));
      else if (isSet(port.number)) for (const m of isValidPortNum(port.number)) errs.push(invalid(child(path, 'service', 'port', 'number'), port.number, m));
    }
  };
  if (isSet(spec.defaultBackend)) backend(obj(spec.defaultBackend), 'spec.defaultBackend');
  if (arr(spec.rules).length === 0 && !isSet(spec.defaultBackend)) errs.push(invalid('spec', spec, 'either `defaultBackend` or `rules` must be specified'));
  arr(spec.rules).forEach((r, i) => {
    const rp = index('spec.rules', i);
    if (r.host) {
      const h = String(r.host);
      const check = h.startsWith('*.') ? h.slice(2) : h;
      for (const m of isDNS1123Subdomain(check)) errs.push(invalid(child(rp, 'host'), h, m));
    }
    arr(obj(r.http).paths).forEach((p, j) => {
      const pp = index(child(rp, 'http', 'paths'), j);
      if (!p.pathType) errs.push(required(child(pp, 'pathType'), 'pathType must be specified'));
      else if (!['Exact', 'Prefix', 'ImplementationSpecific'].includes(p.pathType)) errs.push(notSupported(child(pp, 'pathType'), p.pathType, ['Exact', 'Prefix', 'ImplementationSpecific']));
      if ((p.pathType === 'Exact' || p.pathType === 'Prefix') && !String(p.path ?? '').startsWith('/')) errs.push(invalid(child(pp, 'path'), p.path ?? '', 'must be an absolute path'));
      backend(obj(p.backend), child(pp, 'backend'));
    });
  });
  return errs;
}

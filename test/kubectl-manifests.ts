/**
 * @module test/kubectl-manifests — the manifests of the kubectl compatibility scenario: one
 * multi-document file with a Namespace, ConfigMap, Secret, Deployment (two containers, so a
 * strategic merge patch can be told from a merge patch), Service, StatefulSet, CronJob, a CRD and
 * one of its custom resources, plus the small files used by diff and server-side apply.
 */
import { stringify } from 'yaml';

/** Variations of the scenario's Deployment, for a second apply that changes and removes fields. */
export interface WebOptions {
  readonly replicas?: number;
  readonly image?: string;
  readonly sidecar?: boolean;
}

/** scenarioManifest renders the multi-document manifest for namespace `ns` and CRD group `group`. */
export function scenarioManifest(ns: string, group: string, web: WebOptions = {}): string {
  const containers: object[] = [{ name: 'nginx', image: web.image ?? 'nginx:1.25', ports: [{ containerPort: 80 }] }];
  if (web.sidecar ?? true) containers.push({ name: 'sidecar', image: 'busybox:1.36', command: ['sleep', '3600'] });
  const docs: object[] = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: ns, labels: { app: 'web' } }, data: { a: '1', b: '2' } },
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds', namespace: ns }, type: 'Opaque', stringData: { password: 's3cret' } },
    {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: ns, labels: { app: 'web' } },
      spec: {
        replicas: web.replicas ?? 2,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers } },
      },
    },
    {
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: ns, labels: { app: 'web' } },
      spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 80 }] },
    },
    {
      apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', namespace: ns, labels: { app: 'db' } },
      spec: {
        serviceName: 'db', replicas: 1,
        selector: { matchLabels: { app: 'db' } },
        template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image: 'postgres:16' }] } },
      },
    },
    {
      apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'tick', namespace: ns },
      spec: {
        schedule: '*/5 * * * *',
        jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'tick', image: 'busybox:1.36', command: ['date'] }] } } } },
      },
    },
    {
      apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: `widgets.${group}` },
      spec: {
        group, scope: 'Namespaced',
        names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
        versions: [{
          name: 'v1', served: true, storage: true,
          schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' }, color: { type: 'string' } } } } } },
        }],
      },
    },
    { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'w1', namespace: ns }, spec: { size: 3, color: 'blue' } },
  ];
  return docs.map((d) => stringify(d)).join('---\n');
}

/** configMapYaml renders a single ConfigMap document. */
export function configMapYaml(ns: string, name: string, data: Record<string, string>): string {
  return stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data });
}

/** EDITOR_SCRIPT is a KUBE_EDITOR that rewrites ConfigMap key `a` from "replaced" to "edited" in place. */
export const EDITOR_SCRIPT = `#!/bin/sh\nexec sed -i 's/^  a: replaced$/  a: edited/' "$1"\n`;

/**
 * @module api/printers/workloads — Table columns of the workload kinds: Deployment, ReplicaSet,
 * ReplicationController, StatefulSet, DaemonSet, Job, CronJob, ControllerRevision,
 * HorizontalPodAutoscaler and PodDisruptionBudget, as upstream's printers lay them out.
 */
import type { ColumnDef, JsonObject } from '../kinds/types.ts';
import { formatLabelSelector, formatLabels, labelSelectorFromMeta, labelSelectorString } from '../selectors/labels.ts';
import { ageColumn, boolText, column, containerColumns, humanDuration, int, parseTime, quantityText, since, str } from './common.ts';

const tmpl = (o: JsonObject): JsonObject | undefined => o.spec?.template;
const selectorCol = (read: (o: JsonObject) => string): ColumnDef =>
  column('Selector', 'string', read, { priority: 1, description: 'Label selector of the pods this object manages.' });
const metaSelector = (o: JsonObject): string => formatLabelSelector(o.spec?.selector);

/** deploymentColumns: READY, UP-TO-DATE, AVAILABLE, AGE; wide CONTAINERS, IMAGES, SELECTOR. */
export const deploymentColumns: readonly ColumnDef[] = [
  column('Ready', 'string', (o) => `${int(o.status?.readyReplicas)}/${int(o.spec?.replicas)}`, { description: 'Number of the pod with ready state' }),
  column('Up-to-date', 'string', (o) => int(o.status?.updatedReplicas), { description: 'Total number of non-terminated pods with the desired template.' }),
  column('Available', 'string', (o) => int(o.status?.availableReplicas), { description: 'Total number of available pods.' }),
  ageColumn,
  ...containerColumns(tmpl),
  selectorCol((o) => {
    const r = labelSelectorFromMeta(o.spec?.selector);
    return r.ok ? labelSelectorString(r.selector) : '<invalid>';
  }),
];

/** replicaSetColumns: DESIRED, CURRENT, READY, AGE; wide CONTAINERS, IMAGES, SELECTOR. */
export const replicaSetColumns: readonly ColumnDef[] = [
  column('Desired', 'integer', (o) => int(o.spec?.replicas), { description: 'Number of desired pods.' }),
  column('Current', 'integer', (o) => int(o.status?.replicas), { description: 'Number of most recently observed pods.' }),
  column('Ready', 'integer', (o) => int(o.status?.readyReplicas), { description: 'Number of ready pods.' }),
  ageColumn,
  ...containerColumns(tmpl),
  selectorCol(metaSelector),
];

/** replicationControllerColumns: like ReplicaSet, with a map selector. */
export const replicationControllerColumns: readonly ColumnDef[] = [
  ...replicaSetColumns.slice(0, 6),
  selectorCol((o) => formatLabels(o.spec?.selector)),
];

/** statefulSetColumns: READY "2/3", AGE; wide CONTAINERS, IMAGES. */
export const statefulSetColumns: readonly ColumnDef[] = [
  column('Ready', 'string', (o) => `${int(o.status?.readyReplicas)}/${int(o.spec?.replicas)}`, { description: 'Number of the pod with ready state' }),
  ageColumn,
  ...containerColumns(tmpl),
];

/** daemonSetColumns: DESIRED, CURRENT, READY, UP-TO-DATE, AVAILABLE, NODE SELECTOR, AGE; wide CONTAINERS, IMAGES, SELECTOR. */
export const daemonSetColumns: readonly ColumnDef[] = [
  column('Desired', 'integer', (o) => int(o.status?.desiredNumberScheduled), { description: 'Number of nodes that should run the daemon pod.' }),
  column('Current', 'integer', (o) => int(o.status?.currentNumberScheduled), { description: 'Number of nodes running at least one daemon pod that should.' }),
  column('Ready', 'integer', (o) => int(o.status?.numberReady), { description: 'Number of nodes with a ready daemon pod.' }),
  column('Up-to-date', 'integer', (o) => int(o.status?.updatedNumberScheduled), { description: 'Number of nodes running the updated daemon pod.' }),
  column('Available', 'integer', (o) => int(o.status?.numberAvailable), { description: 'Number of nodes with an available daemon pod.' }),
  column('Node Selector', 'string', (o) => formatLabels(o.spec?.template?.spec?.nodeSelector), { description: 'Node selector of the pod template.' }),
  ageColumn,
  ...containerColumns(tmpl),
  selectorCol(metaSelector),
];

const hasCondition = (o: JsonObject, type: string): boolean =>
  (Array.isArray(o.status?.conditions) ? o.status.conditions : []).some((c: JsonObject) => c?.type === type && c?.status === 'True');

/** jobStatus is the STATUS cell of a Job (Complete, Failed, Terminating, Suspended, FailureTarget, SuccessCriteriaMet, Running). */
export function jobStatus(o: JsonObject): string {
  if (hasCondition(o, 'Complete')) return 'Complete';
  if (hasCondition(o, 'Failed')) return 'Failed';
  if (o.metadata?.deletionTimestamp) return 'Terminating';
  if (hasCondition(o, 'Suspended')) return 'Suspended';
  if (hasCondition(o, 'FailureTarget')) return 'FailureTarget';
  if (hasCondition(o, 'SuccessCriteriaMet')) return 'SuccessCriteriaMet';
  return 'Running';
}

/** jobCompletions is the COMPLETIONS cell ("1/1", "0/1 of 3"). */
export function jobCompletions(o: JsonObject): string {
  const succeeded = int(o.status?.succeeded);
  if (typeof o.spec?.completions === 'number') return `${succeeded}/${o.spec.completions}`;
  const par = int(o.spec?.parallelism);
  return par > 1 ? `${succeeded}/1 of ${par}` : `${succeeded}/1`;
}

/** jobDuration is the DURATION cell ("" before start). */
export function jobDuration(o: JsonObject, now: number): string {
  const start = parseTime(o.status?.startTime);
  if (start === undefined) return '';
  const end = parseTime(o.status?.completionTime);
  return humanDuration((end ?? now) - start);
}

/** jobColumns: STATUS, COMPLETIONS, DURATION, AGE; wide CONTAINERS, IMAGES, SELECTOR (the 1.33 set). */
export const jobColumns: readonly ColumnDef[] = [
  column('Status', 'string', jobStatus, { description: 'Status of the job.' }),
  column('Completions', 'string', jobCompletions, { description: 'The completion status of the job.' }),
  column('Duration', 'string', jobDuration, { description: 'Time required to complete the job.' }),
  ageColumn,
  ...containerColumns(tmpl),
  selectorCol(metaSelector),
];

/** cronJobColumns: SCHEDULE, TIMEZONE, SUSPEND, ACTIVE, LAST SCHEDULE, AGE; wide CONTAINERS, IMAGES, SELECTOR. */
export const cronJobColumns: readonly ColumnDef[] = [
  column('Schedule', 'string', (o) => str(o.spec?.schedule), { description: 'The schedule in Cron format.' }),
  column('Timezone', 'string', (o) => (typeof o.spec?.timeZone === 'string' ? o.spec.timeZone : '<none>'), { description: 'The time zone the schedule is interpreted in.' }),
  column('Suspend', 'boolean', (o) => boolText(o.spec?.suspend), { description: 'Whether new jobs are suspended.' }),
  column('Active', 'integer', (o) => (Array.isArray(o.status?.active) ? o.status.active.length : 0), { description: 'Number of running jobs.' }),
  column('Last Schedule', 'string', (o, now) => (o.status?.lastScheduleTime ? since(o.status.lastScheduleTime, now) : '<none>'), { description: 'When a job was last scheduled.' }),
  ageColumn,
  ...containerColumns((o) => o.spec?.jobTemplate?.spec?.template),
  selectorCol((o) => formatLabelSelector(o.spec?.jobTemplate?.spec?.selector)),
];

/** controllerOf renders the owning controller as `kind.group/name` lower-cased kind, or "<none>". */
export function controllerOf(o: JsonObject): string {
  const refs: JsonObject[] = Array.isArray(o.metadata?.ownerReferences) ? o.metadata.ownerReferences : [];
  const ref = refs.find((r) => r?.controller === true);
  if (!ref) return '<none>';
  const av = str(ref.apiVersion);
  const group = av.includes('/') ? av.slice(0, av.indexOf('/')) : '';
  const gk = group ? `${str(ref.kind)}.${group}` : str(ref.kind);
  return gk ? `${gk.toLowerCase()}/${str(ref.name)}` : str(ref.name);
}

/** controllerRevisionColumns: CONTROLLER, REVISION, AGE. */
export const controllerRevisionColumns: readonly ColumnDef[] = [
  column('Controller', 'string', controllerOf, { description: 'Controller of the object.' }),
  column('Revision', 'integer', (o) => int(o.revision), { description: 'Revision number.' }),
  ageColumn,
];

type Metric = { spec: JsonObject; status?: JsonObject };

function metricText({ spec, status }: Metric): string {
  const q = (v: unknown): string => quantityText(v) || '<unknown>';
  switch (spec?.type) {
    case 'External': case 'Object': {
      const key = spec.type === 'External' ? 'external' : 'object';
      const t = spec[key]?.target ?? {};
      const cur = status?.[key]?.current;
      if (t.averageValue !== undefined) return `${cur?.averageValue !== undefined ? q(cur.averageValue) : '<unknown>'}/${q(t.averageValue)} (avg)`;
      return `${cur?.value !== undefined ? q(cur.value) : '<unknown>'}/${q(t.value)}`;
    }
    case 'Pods': {
      const cur = status?.pods?.current;
      return `${cur?.averageValue !== undefined ? q(cur.averageValue) : '<unknown>'}/${q(spec.pods?.target?.averageValue)}`;
    }
    case 'Resource': case 'ContainerResource': {
      const key = spec.type === 'Resource' ? 'resource' : 'containerResource';
      const s = spec[key] ?? {};
      const cur = status?.[key]?.current;
      if (s.target?.averageValue !== undefined) {
        return `${str(s.name)}: ${cur?.averageValue !== undefined ? q(cur.averageValue) : '<unknown>'}/${q(s.target.averageValue)}`;
      }
      const c = typeof cur?.averageUtilization === 'number' ? `${cur.averageUtilization}%` : '<unknown>';
      const t = typeof s.target?.averageUtilization === 'number' ? `${s.target.averageUtilization}%` : '<auto>';
      return `${str(s.name)}: ${c}/${t}`;
    }
    default:
      return '<unknown type>';
  }
}

/** hpaTargets renders TARGETS for autoscaling/v2 metrics or the v1 CPU target ("cpu: 40%/80%"; "<none>"). */
export function hpaTargets(o: JsonObject): string {
  let metrics: Metric[];
  if (Array.isArray(o.spec?.metrics)) {
    const st: JsonObject[] = Array.isArray(o.status?.currentMetrics) ? o.status.currentMetrics : [];
    metrics = o.spec.metrics.map((m: JsonObject, i: number) => ({ spec: m, status: st[i] }));
  } else if (typeof o.spec?.targetCPUUtilizationPercentage === 'number') {
    const cur = o.status?.currentCPUUtilizationPercentage;
    metrics = [{
      spec: { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: o.spec.targetCPUUtilizationPercentage } } },
      status: typeof cur === 'number' ? { resource: { current: { averageUtilization: cur } } } : undefined,
    }];
  } else metrics = [];
  if (metrics.length === 0) return '<none>';
  const list = metrics.slice(0, 2).map(metricText).join(', ');
  return metrics.length > 2 ? `${list} + ${metrics.length - 2} more...` : list;
}

/** hpaColumns: REFERENCE, TARGETS, MINPODS, MAXPODS, REPLICAS, AGE. */
export const hpaColumns: readonly ColumnDef[] = [
  column('Reference', 'string', (o) => `${str(o.spec?.scaleTargetRef?.kind)}/${str(o.spec?.scaleTargetRef?.name)}`, { description: 'Reference to the scaled object.' }),
  column('Targets', 'string', hpaTargets, { description: 'Current and target values of the metrics.' }),
  column('MinPods', 'string', (o) => (typeof o.spec?.minReplicas === 'number' ? String(o.spec.minReplicas) : '<unset>'), { description: 'Lower limit of replicas.' }),
  column('MaxPods', 'integer', (o) => int(o.spec?.maxReplicas), { description: 'Upper limit of replicas.' }),
  column('Replicas', 'integer', (o) => int(o.status?.currentReplicas), { description: 'Current number of replicas.' }),
  ageColumn,
];

const intOrStringText = (v: unknown): string => (typeof v === 'number' || typeof v === 'string' ? String(v) : 'N/A');

/** pdbColumns: MIN AVAILABLE, MAX UNAVAILABLE, ALLOWED DISRUPTIONS, AGE. */
export const pdbColumns: readonly ColumnDef[] = [
  column('Min Available', 'string', (o) => intOrStringText(o.spec?.minAvailable), { description: 'Minimum number of pods that must stay available.' }),
  column('Max Unavailable', 'string', (o) => intOrStringText(o.spec?.maxUnavailable), { description: 'Maximum number of pods that may be unavailable.' }),
  column('Allowed Disruptions', 'integer', (o) => int(o.status?.disruptionsAllowed), { description: 'Number of pod disruptions currently allowed.' }),
  ageColumn,
];

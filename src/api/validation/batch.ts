/**
 * @module api/validation/batch — Job and CronJob validation: counts, completion mode, the
 * template's restart policy, immutable selector/template/completions, cron schedules and time zones.
 */
import type { FieldError } from '../errors.ts';
import type { JsonObject } from '../kinds/types.ts';
import { isDNS1123Subdomain } from '../selectors/names.ts';
import { templateMatchesSelector } from './apps.ts';
import { parseCron } from './cron.ts';
import { child, deepEqual, goLabelSelector, invalid, invalidRaw, isSet, nonNegative, notSupported, obj, required } from './field.ts';
import { validateLabelSelector, validateObjectMeta, validateObjectMetaUpdate } from './meta.ts';
import { validatePodTemplateSpec } from './pod.ts';

function validateJobSpec(specIn: unknown, path: string): FieldError[] {
  const spec = obj(specIn);
  const errs: FieldError[] = [];
  for (const f of ['parallelism', 'completions', 'activeDeadlineSeconds', 'backoffLimit', 'ttlSecondsAfterFinished']) {
    errs.push(...nonNegative(spec[f], child(path, f)));
  }
  if (isSet(spec.completionMode)) {
    errs.push(...(['NonIndexed', 'Indexed'].includes(spec.completionMode) ? [] : [notSupported(child(path, 'completionMode'), spec.completionMode, ['NonIndexed', 'Indexed'])]));
    if (spec.completionMode === 'Indexed' && !isSet(spec.completions)) errs.push(required(child(path, 'completions'), 'when completion mode is Indexed'));
  }
  if (isSet(spec.selector)) {
    errs.push(...validateLabelSelector(spec.selector, child(path, 'selector')));
    errs.push(...templateMatchesSelector(spec.selector, spec.template, child(path, 'template')));
  }
  if (!isSet(spec.template)) errs.push(required(child(path, 'template')));
  else {
    errs.push(...validatePodTemplateSpec(spec.template, child(path, 'template')));
    const rp = obj(obj(spec.template).spec).restartPolicy;
    if (rp !== 'OnFailure' && rp !== 'Never') errs.push(notSupported(child(path, 'template', 'spec', 'restartPolicy'), rp ?? '', ['OnFailure', 'Never']));
  }
  return errs;
}

/** validateJob validates a batch/v1 Job (selector, completions, completionMode immutable; template immutable unless suspended). */
export function validateJob(o: JsonObject, old?: JsonObject): FieldError[] {
  const errs = validateObjectMeta(obj(o.metadata), true);
  if (old) errs.push(...validateObjectMetaUpdate(obj(o.metadata), obj(old.metadata)));
  errs.push(...validateJobSpec(o.spec, 'spec'));
  if (old) {
    const a = obj(o.spec);
    const b = obj(old.spec);
    if (!deepEqual(a.selector, b.selector)) errs.push(invalidRaw('spec.selector', goLabelSelector(a.selector), 'field is immutable'));
    if (!deepEqual(a.completionMode, b.completionMode)) errs.push(invalid('spec.completionMode', a.completionMode ?? null, 'field is immutable'));
    if (!deepEqual(a.completions, b.completions) && a.completionMode !== 'Indexed') errs.push(invalid('spec.completions', a.completions ?? null, 'field is immutable'));
    if (!deepEqual(a.template, b.template) && b.suspend !== true) {
      errs.push(invalid('spec.template', a.template ?? null, 'field is immutable'));
    }
  }
  return errs;
}

/** validateTimeZone checks a CronJob `spec.timeZone` against the IANA database. */
export function validateTimeZone(tz: unknown, path: string): FieldError[] {
  if (!isSet(tz)) return [];
  const s = String(tz);
  if (s === '') return [invalid(path, s, 'timeZone must be nil or non-empty string')];
  for (const part of s.split('/')) {
    if (part === '.' || part === '..' || part.startsWith('-') || !/^[A-Za-z.\-_0-9+]{1,14}$/.test(part)) {
      return [invalid(path, s, `unknown time zone ${s}`)];
    }
  }
  if (s.toLowerCase() === 'local') return [invalid(path, s, 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones')];
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: s });
  } catch {
    return [invalid(path, s, `unknown time zone ${s}`)];
  }
  return [];
}

/** validateCronJob validates a batch/v1 CronJob (schedule, timeZone, policies, job template). */
export function validateCronJob(o: JsonObject, old?: JsonObject): FieldError[] {
  const errs = validateObjectMeta(obj(o.metadata), true);
  if (old) errs.push(...validateObjectMetaUpdate(obj(o.metadata), obj(old.metadata)));
  const name = String(obj(o.metadata).name ?? '');
  if (name.length > 52) errs.push(invalid('metadata.name', name, 'must be no more than 52 characters'));
  const spec = obj(o.spec);
  const schedule = typeof spec.schedule === 'string' ? spec.schedule : '';
  if (!schedule) errs.push(required('spec.schedule'));
  else {
    const r = parseCron(schedule);
    if (!r.ok) errs.push(invalid('spec.schedule', schedule, r.error));
    const oldHadTZ = String(obj(old?.spec).schedule ?? '').includes('TZ');
    if (oldHadTZ && schedule.includes('TZ') && isSet(spec.timeZone)) errs.push(invalid('spec.schedule', schedule, 'cannot use both timeZone field and TZ or CRON_TZ in schedule'));
    else if (!oldHadTZ && schedule.includes('TZ')) errs.push(invalid('spec.schedule', schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
  }
  errs.push(...validateTimeZone(spec.timeZone, 'spec.timeZone'));
  if (!isSet(spec.concurrencyPolicy) || spec.concurrencyPolicy === '') errs.push(required('spec.concurrencyPolicy'));
  else if (!['Allow', 'Forbid', 'Replace'].includes(spec.concurrencyPolicy)) errs.push(notSupported('spec.concurrencyPolicy', spec.concurrencyPolicy, ['Allow', 'Forbid', 'Replace']));
  for (const f of ['startingDeadlineSeconds', 'successfulJobsHistoryLimit', 'failedJobsHistoryLimit']) errs.push(...nonNegative(spec[f], `spec.${f}`));
  const jt = obj(spec.jobTemplate);
  const jm = obj(jt.metadata);
  if (jm.name) for (const m of isDNS1123Subdomain(String(jm.name))) errs.push(invalid('spec.jobTemplate.metadata.name', jm.name, m));
  if (isSet(obj(jt.spec).manualSelector) && obj(jt.spec).manualSelector === true) {
    errs.push(notSupported('spec.jobTemplate.spec.manualSelector', true, ['nil', 'false']));
  }
  errs.push(...validateJobSpec(jt.spec, 'spec.jobTemplate.spec'));
  return errs;
}

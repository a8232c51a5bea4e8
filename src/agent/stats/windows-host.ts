/**
 * @module agent/stats/windows-host — the Windows HostStats reader, without PowerShell (whose
 * Get-Counter takes seconds): node cpu from the per-core busy times Node.js reports (`os.cpus()`,
 * milliseconds, so the rate comes from deltas between samples), memory from `os.totalmem()` /
 * `os.freemem()` (working set = in use = total − available), the data dir's volume via
 * `fs.statfs`, and aggregate network bytes from `netstat -e` (one pseudo-interface). Every
 * machine call goes through a seam so the arithmetic is tested on any platform.
 */
import { execFile } from 'node:child_process';
import * as os from 'node:os';
import type { HostIo } from './host-io.ts';
import { fsSample, realHostIo } from './host-io.ts';
import { RateCache, cpuSample } from './rate.ts';
import type { ContainerSample, HostSample, HostStats, InterfaceSample } from './types.ts';

/** CpuTimes: one core's times in ms, as os.cpus()[i].times. */
export interface CpuTimes {
  readonly user: number;
  readonly nice: number;
  readonly sys: number;
  readonly idle: number;
  readonly irq: number;
}

/** WindowsMachine is what the Windows reader asks of the machine (tests fake it). */
export interface WindowsMachine {
  cpuTimes(): readonly CpuTimes[];
  totalmem(): number;
  freemem(): number;
  /** uptimeSeconds: os.uptime(). */
  uptimeSeconds(): number;
  /** netstat: the text of `netstat -e`, or undefined when it could not run. */
  netstat(): Promise<string | undefined>;
  /** self: this process's cpu (µs), resident bytes and start (epoch ms). */
  self(now: number): { cpuMicros: number; rssBytes: number; startTime: number };
}

/** WindowsHostOptions configures windowsHostStats. */
export interface WindowsHostOptions {
  readonly fsPath: string;
  readonly imageFsPath?: string;
  readonly clock?: { now(): number };
  readonly io?: HostIo;
  readonly machine?: WindowsMachine;
  readonly minWindowMs?: number;
  /** network: false skips `netstat -e` (one short process per sample). */
  readonly network?: boolean;
}

/** realWindowsMachine reads the running machine. */
export const realWindowsMachine: WindowsMachine = {
  cpuTimes: () => os.cpus().map((c) => c.times),
  totalmem: () => os.totalmem(),
  freemem: () => os.freemem(),
  uptimeSeconds: () => os.uptime(),
  netstat: () => new Promise((resolve) => {
    execFile('netstat', ['-e'], { timeout: 5000, windowsHide: true }, (err, stdout) => resolve(err ? undefined : stdout));
  }),
  self(now) {
    const u = process.cpuUsage();
    return { cpuMicros: u.user + u.system, rssBytes: process.memoryUsage.rss(), startTime: now - process.uptime() * 1000 };
  },
};

/** cpuBusyNs sums the non-idle time of every core (user + nice + sys + irq), in ns. */
export function cpuBusyNs(cores: readonly CpuTimes[]): number {
  let ms = 0;
  for (const c of cores) ms += c.user + c.nice + c.sys + c.irq;
  return ms * 1e6;
}

/**
 * parseNetstatE reads `netstat -e`: the first row with two counters is bytes (received, sent)
 * and the fifth is errors — by position, because the row titles are localized.
 */
export function parseNetstatE(text: string): InterfaceSample | undefined {
  const rows: [number, number][] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*\S.*?\s+(\d+)\s+(\d+)\s*$/.exec(line);
    if (m) rows.push([Number(m[1]), Number(m[2])]);
  }
  if (rows.length === 0) return undefined;
  const [rxBytes, txBytes] = rows[0];
  const errors = rows[4];
  return { name: 'total', rxBytes, txBytes, ...(errors ? { rxErrors: errors[0], txErrors: errors[1] } : {}) };
}

/** windowsHostStats returns a HostStats for Windows nodes (works anywhere Node runs; the numbers mean most on Windows). */
export function windowsHostStats(o: WindowsHostOptions): HostStats {
  const io = o.io ?? realHostIo;
  const m = o.machine ?? realWindowsMachine;
  const clock = o.clock ?? { now: () => Date.now() };
  const rates = new RateCache({ minWindowMs: o.minWindowMs });
  return {
    async sample(): Promise<HostSample> {
      const time = clock.now();
      const usageNs = cpuBusyNs(m.cpuTimes());
      const total = m.totalmem();
      const free = Math.min(total, m.freemem());
      const inUse = total - free;
      const fsStat = await io.statfs(o.fsPath);
      const imageStat = o.imageFsPath !== undefined && o.imageFsPath !== o.fsPath ? await io.statfs(o.imageFsPath) : fsStat;
      const net = o.network === false ? undefined : parseNetstatE((await m.netstat()) ?? '');
      const me = m.self(time);
      const meNs = me.cpuMicros * 1000;
      const kubelet: ContainerSample = {
        name: 'kubelet', startTime: me.startTime,
        cpu: cpuSample(time, meNs, rates.rate('sys:kubelet', time, meNs)),
        memory: { time, usageBytes: me.rssBytes, workingSetBytes: me.rssBytes, rssBytes: me.rssBytes },
      };
      return {
        time,
        bootTime: time - m.uptimeSeconds() * 1000,
        cpu: cpuSample(time, usageNs, rates.rate('node', time, usageNs)),
        memory: { time, availableBytes: free, usageBytes: inUse, workingSetBytes: inUse },
        ...(net ? { network: { time, interfaces: [net] } } : {}),
        ...(fsStat ? { fs: fsSample(fsStat, time) } : {}),
        ...(imageStat ? { imageFs: fsSample(imageStat, time) } : {}),
        systemContainers: [kubelet],
      };
    },
  };
}

/**
 * @module agent/stats/capacity — the Node's `status.capacity` and `status.allocatable` as
 * kubelet computes them: cpu = logical cpus, memory = MemTotal, pods = max pods,
 * ephemeral-storage = size of the data dir's filesystem, one `hugepages-<size>` per page size
 * the kernel offers (Linux); allocatable = capacity − kube/system reserved − hard eviction
 * thresholds (default memory.available 100Mi, nodefs.available 10%, a float32 percentage as
 * upstream) − hugepages (from memory). Byte amounts render as canonical binary-SI quantities.
 */
import { readFileSync, readdirSync, statfsSync } from 'node:fs';
import { parseQuantity } from '../../api/index.ts';
import { MAX_PODS, currentHostFacts } from '../node-info.ts';
import type { HostFacts } from '../node-info.ts';

/** NodeCapacity is a Node's resource list (quantity strings), hugepages keyed `hugepages-<size>`. */
export interface NodeCapacity {
  readonly cpu: string;
  readonly memory: string;
  readonly pods: string;
  readonly 'ephemeral-storage': string;
  readonly [hugepages: `hugepages-${string}`]: string;
}

/** Reserved is kubelet's --kube-reserved plus --system-reserved (added together), as quantities. */
export interface Reserved {
  readonly cpu?: string;
  readonly memory?: string;
  readonly 'ephemeral-storage'?: string;
}

/** EvictionHard: thresholds that reduce allocatable — a quantity or a percentage (`10%`). */
export interface EvictionHard {
  readonly 'memory.available'?: string;
  readonly 'nodefs.available'?: string;
}

/** DEFAULT_EVICTION_HARD: kubelet's defaults for the thresholds that affect allocatable. */
export const DEFAULT_EVICTION_HARD: EvictionHard = { 'memory.available': '100Mi', 'nodefs.available': '10%' };

const BINARY_SUFFIXES = [['Ei', 60n], ['Pi', 50n], ['Ti', 40n], ['Gi', 30n], ['Mi', 20n], ['Ki', 10n]] as const;

/** binaryQuantity renders bytes as upstream's canonical binary-SI quantity (`4050864Ki`, `4Mi`, `0`, `1023`). */
export function binaryQuantity(bytes: bigint | number): string {
  let n = BigInt(bytes);
  if (n < 0n) n = 0n;
  if (n < 1024n) return String(n);
  for (const [suffix, shift] of BINARY_SUFFIXES) {
    const unit = 1n << shift;
    if (n % unit === 0n) return `${n / unit}${suffix}`;
  }
  return String(n);
}

/** cpuQuantity renders millicores as a decimal-SI quantity (`2`, `1900m`). */
export function cpuQuantity(milli: number): string {
  const m = Math.max(0, Math.round(milli));
  return m % 1000 === 0 ? String(m / 1000) : `${m}m`;
}

/** HugePageSize: one page size the kernel offers and how many pages are reserved. */
export interface HugePageSize { readonly sizeKb: number; readonly count: number }

/** capacityFrom builds the capacity list from machine facts. */
export function capacityFrom(f: { cpus: number; memoryBytes: number; fsCapacityBytes: number; hugepages?: readonly HugePageSize[]; maxPods?: number }): NodeCapacity {
  const out: Record<string, string> = {
    cpu: String(f.cpus),
    memory: binaryQuantity(f.memoryBytes),
    pods: String(f.maxPods ?? MAX_PODS),
    'ephemeral-storage': binaryQuantity(f.fsCapacityBytes),
  };
  for (const h of [...(f.hugepages ?? [])].sort((a, b) => a.sizeKb - b.sizeKb)) {
    out[`hugepages-${binaryQuantity(h.sizeKb * 1024)}`] = binaryQuantity(BigInt(h.sizeKb) * 1024n * BigInt(h.count));
  }
  return out as unknown as NodeCapacity;
}

/** linuxHugePages lists /sys/kernel/mm/hugepages/hugepages-<N>kB with their nr_hugepages (empty elsewhere). */
export function linuxHugePages(dir = '/sys/kernel/mm/hugepages'): HugePageSize[] {
  let names: string[];
  try { names = readdirSync(dir); } catch { return []; }
  const out: HugePageSize[] = [];
  for (const n of names) {
    const m = /^hugepages-(\d+)kB$/.exec(n);
    if (!m) continue;
    let count = 0;
    try { count = Number(readFileSync(`${dir}/${n}/nr_hugepages`, 'utf8').trim()) || 0; } catch { /* unreadable: 0 */ }
    out.push({ sizeKb: Number(m[1]), count });
  }
  return out;
}

/** hostCapacity reads this machine's capacity (cpus and memory as currentHostFacts reports them; statfs of fsPath). */
export function hostCapacity(o: { fsPath: string; facts?: HostFacts; maxPods?: number; hugePagesDir?: string }): NodeCapacity {
  const facts = o.facts ?? currentHostFacts();
  let fsCapacityBytes = 0;
  try { const s = statfsSync(o.fsPath); fsCapacityBytes = s.blocks * s.bsize; } catch { /* unknown: 0 */ }
  const hugepages = facts.platform === 'linux' ? linuxHugePages(o.hugePagesDir) : [];
  return capacityFrom({ cpus: facts.cpus, memoryBytes: facts.memoryBytes, fsCapacityBytes, hugepages, maxPods: o.maxPods });
}

/** threshold turns an eviction value (`100Mi` or `10%`) into bytes of `capacity` (percentages as float32, truncated, like kubelet). */
function threshold(v: string | undefined, capacity: number): number {
  if (v === undefined) return 0;
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(v.trim());
  if (pct) return Math.trunc(capacity * Math.fround(Number(pct[1]) / 100));
  return Math.ceil(parseQuantity(v) ?? 0);
}

/** allocatable subtracts reservations, hard-eviction thresholds and hugepages from a capacity list (never below 0). */
export function allocatable(capacity: NodeCapacity, reserved: Reserved = {}, eviction: EvictionHard = DEFAULT_EVICTION_HARD): NodeCapacity {
  const out: Record<string, string> = { ...capacity };
  const cpuMilli = (parseQuantity(capacity.cpu) ?? 0) * 1000 - (parseQuantity(reserved.cpu ?? '0') ?? 0) * 1000;
  out.cpu = cpuQuantity(cpuMilli);
  const memory = parseQuantity(capacity.memory) ?? 0;
  let hugepages = 0;
  for (const [k, v] of Object.entries(capacity)) if (k.startsWith('hugepages-')) hugepages += parseQuantity(v) ?? 0;
  const mem = memory - Math.ceil(parseQuantity(reserved.memory ?? '0') ?? 0) - threshold(eviction['memory.available'], memory) - hugepages;
  out.memory = binaryQuantity(Math.max(0, Math.round(mem)));
  const storage = parseQuantity(capacity['ephemeral-storage']) ?? 0;
  const st = storage - Math.ceil(parseQuantity(reserved['ephemeral-storage'] ?? '0') ?? 0) - threshold(eviction['nodefs.available'], storage);
  out['ephemeral-storage'] = binaryQuantity(Math.max(0, Math.round(st)));
  return out as unknown as NodeCapacity;
}

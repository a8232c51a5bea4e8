/**
 * @module network/proxy/proxy — `NftProxy` keeps the kernel's `windlass-proxy` table equal to
 * the latest ProxyModel. The first sync (and any sync after a failure or a change of the
 * node-wide settings) replaces the whole table in one transaction; later syncs send one
 * transaction that touches only the service ports whose model changed: it deletes their stale map
 * elements, flushes and refills their changed chains, drops chains and sets they no longer need,
 * creates shared load-balancing chains and maps on first use (they stay until the next full
 * replace) and adds new elements — in an order the kernel accepts (nothing is deleted while still
 * referenced, nothing referenced before it exists). Map keys two services claim alike (which
 * validation should prevent) go to the first holder.
 */
import { realClock, type Clock } from '../../client/index.ts';
import type { ProxyModel, ServicePortModel } from './model.ts';
import type { NftRunner } from './nft.ts';
import { MAPS, TABLE_NAME, baseSignature, fragmentFor, renderDelete, renderFull, sharedChain, type Fragment, type RenderContext } from './render.ts';

/** NftProxyOptions configure an NftProxy. */
export interface NftProxyOptions {
  readonly nft: NftRunner;
  readonly log?: (msg: string) => void;
  readonly clock?: Clock;
  /** table overrides the table name (tests). */
  readonly table?: string;
}

/** SyncResult says whether a sync replaced the whole table and how long it took (render + nft). */
export interface SyncResult { readonly full: boolean; readonly ms: number }

/** Applied is what was sent for one service port; `sig` (its model as JSON) is computed when first compared. */
interface Applied { readonly model: ServicePortModel; sig?: string; readonly fr: Fragment }

const sigOf = (s: ServicePortModel): string => JSON.stringify(s);
const appliedSig = (a: Applied): string => (a.sig ??= sigOf(a.model));

/** NftProxy programs one node's service load balancing into nftables, incrementally after the first sync. */
export class NftProxy {
  readonly #nft: NftRunner;
  readonly #log: (msg: string) => void;
  readonly #clock: Clock;
  readonly #table: string;
  #applied = new Map<string, Applied>();
  /** owners maps `map key` to the service port whose element holds it (duplicate keys: the first keeps it). */
  #owners = new Map<string, string>();
  #hairpin = new Map<string, number>();
  /** shared holds the shared load-balancing chains that exist (kept until the next full sync). */
  #shared = new Set<string>();
  #base: string | undefined;
  #family: ProxyModel['family'] = 'ip';
  #queue: Promise<unknown> = Promise.resolve();

  constructor(opts: NftProxyOptions) {
    this.#nft = opts.nft;
    this.#log = opts.log ?? (() => undefined);
    this.#clock = opts.clock ?? realClock;
    this.#table = opts.table ?? TABLE_NAME;
  }

  /** sync makes the kernel table match `model` (calls are serialised). */
  sync(model: ProxyModel): Promise<SyncResult> {
    const run = this.#queue.then(() => this.#sync(model));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** close deletes the table (and forgets what was applied). */
  async close(): Promise<void> {
    await this.#queue;
    const fam = this.#family;
    this.#reset();
    await this.#nft(renderDelete(fam, this.#table));
  }

  /** lastScript is the most recent script sent to nft (for logs and tests). */
  lastScript = '';

  #reset(): void {
    this.#applied = new Map();
    this.#owners = new Map();
    this.#hairpin = new Map();
    this.#shared = new Set();
    this.#base = undefined;
  }

  async #sync(model: ProxyModel): Promise<SyncResult> {
    const t0 = this.#clock.now();
    const ctx: RenderContext = { family: model.family, clusterCidrs: model.clusterCidrs };
    if (this.#base !== baseSignature(model)) return this.#full(model, ctx, t0);
    try {
      const script = this.#incremental(model, ctx);
      if (script) {
        this.lastScript = script;
        await this.#nft(script);
      }
      return { full: false, ms: this.#clock.now() - t0 };
    } catch (e) {
      this.#log(`proxy: incremental sync failed, replacing the table: ${(e as Error).message}`);
      return this.#full(model, ctx, t0);
    }
  }

  async #full(model: ProxyModel, ctx: RenderContext, t0: number): Promise<SyncResult> {
    this.#reset();
    const applied = new Map<string, Applied>();
    for (const s of model.services) applied.set(s.key, { model: s, fr: fragmentFor(ctx, s) });
    const owners = new Map<string, string>();
    const script = renderFull(model, [...applied.values()].map((a) => a.fr), this.#table, owners);
    this.lastScript = script;
    await this.#nft(script); // on failure the state stays reset, so the next sync is full again
    for (const a of applied.values()) {
      for (const ip of a.fr.hairpin) this.#hairpin.set(ip, (this.#hairpin.get(ip) ?? 0) + 1);
      for (const name of a.fr.shared) this.#shared.add(name);
    }
    this.#applied = applied;
    this.#owners = owners;
    this.#base = baseSignature(model);
    this.#family = model.family;
    return { full: true, ms: this.#clock.now() - t0 };
  }

  /** incremental renders the transaction for the changed service ports and commits the new state on success. */
  #incremental(model: ProxyModel, ctx: RenderContext): string {
    const next = new Map<string, Applied>();
    const changed: [Applied | undefined, Applied | undefined][] = [];
    for (const s of model.services) {
      const prev = this.#applied.get(s.key);
      const sig = prev && prev.model !== s ? sigOf(s) : undefined;
      if (prev && (prev.model === s || appliedSig(prev) === sig)) { next.set(s.key, prev); continue; }
      const a: Applied = { model: s, sig, fr: fragmentFor(ctx, s) };
      next.set(s.key, a);
      changed.push([prev, a]);
    }
    for (const [k, prev] of this.#applied) if (!next.has(k)) changed.push([prev, undefined]);
    if (changed.length === 0) return '';

    const t = `${model.family} ${this.#table}`;
    // State is updated in place: if nft refuses the script, the caller resets it and replaces the table.
    const owners = this.#owners;
    const hairpin = this.#hairpin;
    const hpBefore = new Map<string, boolean>();
    const delEls: [string, string][] = [];
    const addEls: [string, string, string][] = [];
    const flush: string[] = [];
    const delChains: string[] = [];
    const delSets: string[] = [];
    const addSets: [string, string][] = [];
    const addChains: string[] = [];
    const rules: [string, string][] = [];
    const hpDel: string[] = [];
    const hpAdd: string[] = [];
    const sharedMaps = new Set([...this.#shared].map((n) => sharedChain(ctx, n).map));
    const addShared: string[] = [];

    for (const [prev, cur] of changed) {
      const key = (cur ?? prev)!.fr.key;
      const old = prev?.fr;
      const nu = cur?.fr;
      const newEls = new Map((nu?.elements ?? []).map(([m, k, v]) => [`${m} ${k}`, v]));
      for (const [m, k, v] of old?.elements ?? []) {
        const id = `${m} ${k}`;
        if (owners.get(id) !== key) continue;
        if (newEls.get(id) === v) continue;
        delEls.push([m, k]);
        owners.delete(id);
      }
      for (const [m, k, v] of nu?.elements ?? []) {
        const id = `${m} ${k}`;
        if (owners.has(id)) continue; // unchanged, or another service holds the key
        owners.set(id, key);
        addEls.push([m, k, v]);
      }
      const setsChanged = new Set<string>();
      for (const [name, body] of old?.sets ?? []) {
        if (nu?.sets.get(name) === body) continue;
        delSets.push(name);
        setsChanged.add(name);
      }
      for (const [name, body] of nu?.sets ?? []) if (old?.sets.get(name) !== body) addSets.push([name, body]);
      for (const [name, oldRules] of old?.chains ?? []) {
        const newRules = nu?.chains.get(name);
        const refsChangedSet = oldRules.some((r) => [...setsChanged].some((s) => r.includes(`@${s} `)));
        if (newRules && !refsChangedSet && sameRules(oldRules, newRules)) continue;
        flush.push(name);
        if (!newRules) delChains.push(name);
        else for (const r of newRules) rules.push([name, r]);
      }
      for (const [name, newRules] of nu?.chains ?? []) {
        if (old?.chains.has(name)) continue;
        addChains.push(name);
        for (const r of newRules) rules.push([name, r]);
      }
      for (const ip of old?.hairpin ?? []) {
        if (!hpBefore.has(ip)) hpBefore.set(ip, hairpin.has(ip));
        const n = (hairpin.get(ip) ?? 0) - 1;
        if (n <= 0) hairpin.delete(ip);
        else hairpin.set(ip, n);
      }
      for (const ip of nu?.hairpin ?? []) {
        if (!hpBefore.has(ip)) hpBefore.set(ip, hairpin.has(ip));
        hairpin.set(ip, (hairpin.get(ip) ?? 0) + 1);
      }
      for (const name of nu?.shared ?? []) {
        if (this.#shared.has(name)) continue;
        this.#shared.add(name);
        const sc = sharedChain(ctx, name);
        if (!sharedMaps.has(sc.map)) {
          sharedMaps.add(sc.map);
          addShared.push(`add map ${t} ${sc.map} { ${sc.mapHead}; }`);
        }
        addShared.push(`add chain ${t} ${name}`, ...sc.rules.map((r) => `add rule ${t} ${name} ${r}`));
      }
    }
    for (const [ip, had] of hpBefore) {
      if (had && !hairpin.has(ip)) hpDel.push(`${ip} . ${ip}`);
      if (!had && hairpin.has(ip)) hpAdd.push(`${ip} . ${ip}`);
    }

    // Order matters: elements and rules must let go of a chain or set before it is deleted.
    const out: string[] = [];
    for (const [m, ks] of group(delEls.map(([m, k]) => [m, k]))) out.push(`delete element ${t} ${m} { ${ks.join(', ')} }`);
    if (hpDel.length) out.push(`delete element ${t} ${MAPS.hairpin} { ${hpDel.join(', ')} }`);
    for (const c of flush) out.push(`flush chain ${t} ${c}`);
    for (const c of delChains) out.push(`delete chain ${t} ${c}`);
    for (const s of delSets) out.push(`delete set ${t} ${s}`);
    out.push(...addShared);
    for (const [s, body] of addSets) out.push(`add set ${t} ${s} { ${body} }`);
    for (const c of addChains) out.push(`add chain ${t} ${c}`);
    for (const [c, r] of rules) out.push(`add rule ${t} ${c} ${r}`);
    for (const [m, ks] of group(addEls.map(([m, k, v]) => [m, `${k} : ${v}`]))) out.push(`add element ${t} ${m} { ${ks.join(', ')} }`);
    if (hpAdd.length) out.push(`add element ${t} ${MAPS.hairpin} { ${hpAdd.join(', ')} }`);

    this.#applied = next;
    return out.length ? `${out.join('\n')}\n` : '';
  }
}

function sameRules(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((r, i) => r === b[i]);
}

function group(pairs: [string, string][]): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const [k, v] of pairs) {
    const l = m.get(k);
    if (l) l.push(v);
    else m.set(k, [v]);
  }
  return m;
}

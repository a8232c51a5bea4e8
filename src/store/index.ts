/**
 * @module store — the revisioned key-value Store and its backends (sqlite default, etcd, memory),
 * plus `openStore`, which picks a backend from a k3s-style `--datastore-endpoint` string.
 */
import { join } from 'node:path';
import { openEtcdStore, type EtcdStoreOptions } from './etcd.ts';
import { createMemoryStore } from './memory.ts';
import { openSqliteStore } from './sqlite.ts';
import type { Store } from './types.ts';

export type * from './types.ts';
export { createMemoryStore } from './memory.ts';
export { openSqliteStore, type SqliteStoreOptions } from './sqlite.ts';
export { openEtcdStore, type EtcdStoreOptions } from './etcd.ts';

/** StoreEndpoint is a parsed datastore endpoint. */
export type StoreEndpoint =
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'memory' }
  | { readonly kind: 'etcd'; readonly endpoints: readonly string[] };

/** parseStoreEndpoint reads `sqlite`, `sqlite:///abs/path.db`, `memory`, or `http(s)://h:p[,h:p…]`
 * (undefined means the default SQLite file under `dataDir`); it throws on anything else. */
export function parseStoreEndpoint(endpoint: string | undefined, dataDir: string): StoreEndpoint {
  const e = endpoint?.trim() ?? '';
  if (e === '' || e === 'sqlite') return { kind: 'sqlite', path: join(dataDir, 'db', 'state.db') };
  if (e === 'memory') return { kind: 'memory' };
  if (e.startsWith('sqlite://')) {
    const path = e.slice('sqlite://'.length).replace(/\?.*$/, '');
    if (!path.startsWith('/')) throw new Error(`datastore endpoint ${e}: expected sqlite:///absolute/path.db`);
    return { kind: 'sqlite', path };
  }
  const scheme = /^(https?):\/\//.exec(e)?.[1];
  if (scheme) {
    const endpoints = e.split(',').map((part) => part.trim()).filter(Boolean)
      .map((part) => (/^https?:\/\//.test(part) ? part : `${scheme}://${part}`));
    return { kind: 'etcd', endpoints };
  }
  throw new Error(`unsupported datastore endpoint ${JSON.stringify(e)}: use sqlite, sqlite:///path.db, memory, or http(s)://host:port[,...]`);
}

/** openStore opens the backend named by a `--datastore-endpoint` value (see parseStoreEndpoint). */
export async function openStore(endpoint: string | undefined, dataDir: string, etcdOptions?: EtcdStoreOptions): Promise<Store> {
  const parsed = parseStoreEndpoint(endpoint, dataDir);
  switch (parsed.kind) {
    case 'sqlite': return openSqliteStore(parsed.path);
    case 'memory': return createMemoryStore();
    case 'etcd': return openEtcdStore([...parsed.endpoints], etcdOptions);
  }
}

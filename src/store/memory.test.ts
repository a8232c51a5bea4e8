/**
 * @module store/memory.test — the memory backend against the Store conformance suite.
 */
import { runStoreConformance } from './conformance.ts';
import { createMemoryStore } from './memory.ts';

runStoreConformance('memory', async () => createMemoryStore());

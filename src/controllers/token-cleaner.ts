/**
 * @module controllers/token-cleaner — deletes bootstrap-token Secrets whose `expiration` has
 * passed; a token that expires later is looked at again at its expiry time (on the Clock).
 * Key: `kube-system/<secret name>`.
 */
import { isStatusError } from '../api/index.ts';
import { objectKey, RESOURCES, WorkQueue } from '../client/index.ts';
import { BOOTSTRAP_TOKEN_NAMESPACE, BOOTSTRAP_TOKEN_SECRET_TYPE, expirationOf } from './bootstrap-token.ts';
import type { Controller, ControllerContext } from './controller.ts';

/** newTokenCleaner wires a kube-system secrets informer to a reconcile that deletes expired bootstrap tokens. */
export function newTokenCleaner(ctx: ControllerContext): Controller {
  const secrets = ctx.factory.forResource(RESOURCES.secrets, BOOTSTRAP_TOKEN_NAMESPACE);
  const queue = new WorkQueue<string>({ clock: ctx.clock, name: 'token-cleaner' });
  const enqueue = (s: { type?: unknown; metadata?: { namespace?: string; name?: string } }): void => {
    if (s.type === BOOTSTRAP_TOKEN_SECRET_TYPE) queue.add(objectKey(s));
  };
  secrets.addEventHandler({ add: enqueue, update: (_old, s) => enqueue(s) });
  return {
    name: 'token-cleaner', queue, informers: [secrets],
    async reconcile(key) {
      const secret = secrets.cache.get(key);
      if (!secret || secret.type !== BOOTSTRAP_TOKEN_SECRET_TYPE || secret.metadata?.deletionTimestamp) return;
      const exp = expirationOf(secret);
      if (exp === undefined) return;
      const left = exp - ctx.clock.now();
      if (left > 0) return { requeueAfterMs: left };
      try {
        await ctx.client.delete(RESOURCES.secrets, BOOTSTRAP_TOKEN_NAMESPACE, String(secret.metadata?.name), { preconditions: { uid: secret.metadata?.uid } });
        ctx.log.info('token-cleaner: deleted expired bootstrap token', { secret: key });
      } catch (e) {
        if (isStatusError(e, 404) || isStatusError(e, 409)) return; // gone already, or replaced by a new object
        throw e;
      }
    },
  };
}

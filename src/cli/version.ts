/**
 * @module cli/version — the windlass release (from package.json) and the Kubernetes API version
 * it is compatible with.
 */
import pkg from '../../package.json' with { type: 'json' };

/** The windlass release, as `vX.Y.Z`. */
export const WINDLASS_VERSION = `v${pkg.version}`;

/** The Kubernetes version whose API windlass serves. */
export const KUBERNETES_VERSION = 'v1.33.0';

/** versionText is what `windlass version` prints: windlass, Kubernetes API and Node.js versions, one per line. */
export function versionText(nodeVersion: string = process.version): string {
  return [
    `windlass version ${WINDLASS_VERSION}`,
    `kubernetes version ${KUBERNETES_VERSION} (compatible API)`,
    `node version ${nodeVersion}`,
  ].join('\n') + '\n';
}

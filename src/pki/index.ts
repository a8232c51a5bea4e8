/**
 * @module pki — the cluster's certificates and kubeconfig files: the CA, the API server's serving
 * certificate, client certificates, the server's certificate directory and atomic private writes.
 * Imports nothing of the project.
 */
export {
  DEFAULT_SERVER_HOSTS, createCertificateAuthority, issueServerCertificate, issueClientCertificate,
  isIssuedBy, coversHost, expiresWithin, keyMatchesCert, sanEntries,
} from './certs.ts';
export type { CertAndKey, ClientCertificateOptions, ServerCertificateOptions } from './certs.ts';
export { ADMIN_COMMON_NAME, ADMIN_ORGANIZATION, ensureServerPki, writeFileAtomic, writePrivateFile } from './files.ts';
export type { EnsureServerPkiOptions, ServerPki } from './files.ts';
export { kubeconfigYaml, readKubeconfigCredentials, setKubeconfigServer } from './kubeconfig.ts';
export type { KubeconfigCredentials, KubeconfigOptions } from './kubeconfig.ts';

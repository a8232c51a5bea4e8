/**
 * @module pki — the cluster's certificates and kubeconfig files: the CA, the API server's serving
 * certificate, client certificates, the server's certificate directory and atomic private writes;
 * CSRs, service-account JWTs, bootstrap tokens, the CA pin and the cluster-info detached JWS.
 * Imports nothing of the project.
 */
export {
  DEFAULT_SERVER_HOSTS, createCertificateAuthority, issueServerCertificate, issueClientCertificate,
  isIssuedBy, coversHost, expiresWithin, keyMatchesCert, sanEntries,
} from './certs.ts';
export type { CertAndKey, ClientCertificateOptions, ServerCertificateOptions } from './certs.ts';
export { ADMIN_COMMON_NAME, ADMIN_ORGANIZATION, ensureServerPki, windowsPrivateAcl, writeFileAtomic, writePrivateFile } from './files.ts';
export type { EnsureServerPkiOptions, ServerPki } from './files.ts';
export { kubeconfigYaml, readKubeconfigCredentials, setKubeconfigServer } from './kubeconfig.ts';
export type { KubeconfigCredentials, KubeconfigOptions } from './kubeconfig.ts';
export {
  createCertificateRequest, parseCertificateRequest, signCertificateRequest, certificateSubject, certificateNotAfter,
} from './csr.ts';
export type {
  CertificateUsage, CertificateRequestOptions, ParsedCertificateRequest, SignCertificateRequestOptions,
} from './csr.ts';
export { ensureServiceAccountKeys, generateServiceAccountKeys, signJwt, verifyJwt } from './jwt.ts';
export type { ServiceAccountKeys, VerifyJwtResult } from './jwt.ts';
export {
  generateBootstrapToken, parseBootstrapToken, isBootstrapTokenId, caCertHash, normalizeCaCertHash,
  signDetachedJws, verifyDetachedJws,
} from './bootstrap-token.ts';
export type { BootstrapToken } from './bootstrap-token.ts';

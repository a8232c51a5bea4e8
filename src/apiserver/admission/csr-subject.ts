/**
 * @module apiserver/admission/csr-subject — reads the subject common name of a PEM PKCS#10
 * certificate request, for NodeRestriction's check that a node asks only for its own identity.
 */
import 'reflect-metadata';
import { Pkcs10CertificateRequest } from '@peculiar/x509';

/** csrCommonName returns the CN of a PEM CSR, or undefined when the request cannot be parsed. */
export function csrCommonName(pem: string): string | undefined {
  try {
    const req = new Pkcs10CertificateRequest(pem);
    const cn = req.subjectName.getField('CN');
    return cn.length > 0 ? cn[0] : '';
  } catch {
    return undefined;
  }
}

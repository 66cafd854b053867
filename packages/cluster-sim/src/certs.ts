/**
 * TLS material for the simulated API server: a CA and a server certificate signed by it
 * (EC P-256, fast to generate), with the names clients use (localhost, 127.0.0.1, ::1,
 * the bind host, kubernetes.default.svc). Kept in the data directory when there is one,
 * so kubeconfigs stay valid across restarts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { isIP } from 'node:net';
import { generate as selfSigned } from 'selfsigned';

export interface TlsMaterial {
  caCert: string;
  caKey: string;
  cert: string;
  key: string;
  /** Names the server certificate covers. */
  names: string[];
}

const TEN_YEARS_MS = 3650 * 24 * 3600 * 1000;

function wantedNames(host: string): string[] {
  const names = ['localhost', '127.0.0.1', '::1', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', '10.96.0.1'];
  if (host && host !== '0.0.0.0' && host !== '::' && !names.includes(host)) names.push(host);
  return names;
}

async function generate(names: string[], ca?: { key: string; cert: string }): Promise<TlsMaterial> {
  const now = new Date(Date.now() - 60_000);
  const until = new Date(Date.now() + TEN_YEARS_MS);
  let caPems = ca;
  if (!caPems) {
    const generated = await selfSigned([{ name: 'commonName', value: 'cluster-sim-ca' }], {
      keyType: 'ec',
      algorithm: 'sha256',
      notBeforeDate: now,
      notAfterDate: until,
      extensions: [
        { name: 'basicConstraints', cA: true, critical: true },
        { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
      ],
    });
    caPems = { key: generated.private, cert: generated.cert };
  }
  const server = await selfSigned([{ name: 'commonName', value: 'kube-apiserver' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate: now,
    notAfterDate: until,
    ca: { key: caPems.key, cert: caPems.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: names.map(n => (isIP(n) ? { type: 7, ip: n } : { type: 2, value: n })) },
    ],
  });
  return { caCert: caPems.cert, caKey: caPems.key, cert: server.cert, key: server.private, names };
}

let processCache: Promise<TlsMaterial> | undefined;
let processCacheHost = '';

/** TLS material for a server bound to `host`; persisted under `dataDir` when given. */
export async function tlsMaterial(host: string, dataDir?: string): Promise<TlsMaterial> {
  const names = wantedNames(host);
  if (dataDir) {
    const file = path.join(dataDir, 'tls.json');
    if (fs.existsSync(file)) {
      const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as TlsMaterial;
      if (names.every(n => saved.names.includes(n))) return saved;
      // New bind host: keep the CA (kubeconfigs stay valid), reissue the server certificate.
      const reissued = await generate(names, { key: saved.caKey, cert: saved.caCert });
      fs.writeFileSync(file, JSON.stringify(reissued), { mode: 0o600 });
      return reissued;
    }
    const fresh = await generate(names);
    fs.mkdirSync(dataDir, { recursive: true });
    fs.writeFileSync(file, JSON.stringify(fresh), { mode: 0o600 });
    return fresh;
  }
  // Without a data directory, one CA per process is enough (tests start many servers).
  if (!processCache || processCacheHost !== host) {
    processCacheHost = host;
    processCache = generate(names);
  }
  return processCache;
}

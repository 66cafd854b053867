/**
 * A simulated Kubernetes cluster speaking the real Kubernetes HTTP API, for tests and
 * demos: `startClusterSim()` starts the API server (https by default, bearer token),
 * optionally with persisted state and the simulated workload controllers, and returns its
 * URL, kubeconfig and an in-process SimClient with the same semantics.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { tlsMaterial } from './certs';
import { ControllerHandle, ControllerOptions, startControllers } from './controllers';
import { FaultConfig, FaultInjector, FaultRule } from './http/faults';
import { ApiHttpServer } from './http/server';
import { buildKubeconfig } from './kubeconfig';
import { ApiCore } from './store/api';
import { createSimClient } from './store/client';
import { ControlPlane } from './store/control-plane';
import { Persistence } from './store/persistence';
import type { SimClient } from './store/types';

export * from './store/types';
export { SimApiError } from './store/errors';
export type { Status, StatusDetails, StatusCause } from './store/errors';
export type { FaultConfig, FaultRule, FaultVerb } from './http/faults';
export { parseFaultSpec, normalizeFaults } from './http/faults';
export type { ControllerOptions } from './controllers';

export interface ClusterSimLogger {
  info?(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface ClusterSimOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** Address to bind (default 127.0.0.1). */
  host?: string;
  /**
   * Serve plain http instead of https (default false). Like kube-apiserver's old insecure
   * port, plain http does not require the token (kubectl never sends tokens over http);
   * a wrong token is still refused.
   */
  http?: boolean;
  /** Write a kubeconfig for the cluster to this file. */
  kubeconfigPath?: string;
  /** Keep state in this directory across restarts (default: memory only). */
  dataDir?: string;
  /** Run the simulated workload controllers (default true). */
  controllers?: boolean;
  controllerOptions?: ControllerOptions;
  /** Bearer token clients must send (default: random, or the one stored in `dataDir`). */
  token?: string;
  /** Initial fault injection: `{rules: [...]}`, a list of rules, or `--fault` spec strings. */
  faults?: FaultConfig | Array<FaultRule | string>;
  logger?: ClusterSimLogger;
  /** Interval of watch BOOKMARK events (default 60 s; tests use less). */
  bookmarkIntervalMs?: number;
  /** Watch events retained per resource type for resume (default 10,000). */
  eventWindow?: number;
}

export interface ClusterSim {
  /** `https://127.0.0.1:<port>` (or http). */
  url: string;
  token: string;
  /** PEM of the CA that signed the server certificate ('' with plain http). */
  caData: string;
  /** Kubeconfig YAML: cluster, user and context `cluster-sim`, current-context set. */
  kubeconfig: string;
  /** In-process client with the same semantics as the HTTP API (no fault injection). */
  client: SimClient;
  setFaults(faults: FaultConfig | Array<FaultRule | string>): FaultConfig;
  getFaults(): FaultConfig;
  /** Resolves when queued control-plane and controller work is done (tests). */
  idle(): Promise<void>;
  /** Closes watches and the server, stops controllers, flushes persisted state. */
  stop(): Promise<void>;
}

const stderrLogger: ClusterSimLogger = {
  warn: m => process.stderr.write(`[cluster-sim] ${m}\n`),
  error: m => process.stderr.write(`[cluster-sim] ${m}\n`),
};

function readMeta(dataDir: string): { token?: string } {
  try {
    return JSON.parse(fs.readFileSync(path.join(dataDir, 'meta.json'), 'utf8')) as { token?: string };
  } catch {
    return {};
  }
}

export async function startClusterSim(options: ClusterSimOptions = {}): Promise<ClusterSim> {
  const host = options.host ?? '127.0.0.1';
  const logger = options.logger ?? stderrLogger;
  const dataDir = options.dataDir ? path.resolve(options.dataDir) : undefined;
  if (dataDir) fs.mkdirSync(dataDir, { recursive: true });
  const meta = dataDir ? readMeta(dataDir) : {};
  const token = options.token ?? meta.token ?? randomBytes(24).toString('base64url');
  const faults = new FaultInjector(options.faults);
  const tls = options.http ? undefined : await tlsMaterial(host, dataDir);

  const api = new ApiCore({ eventWindow: options.eventWindow });
  const persistence = dataDir ? new Persistence(dataDir, api, { logger }) : undefined;
  const restored = persistence ? persistence.load() : false;
  persistence?.start();
  const controlPlane = new ControlPlane(api, { caPem: tls?.caCert, logger });
  controlPlane.start();
  if (!restored) controlPlane.bootstrap();
  const client = createSimClient(api);

  let controllers: ControllerHandle | undefined;
  const server = new ApiHttpServer({
    api,
    token,
    host,
    port: options.port ?? 0,
    tls: tls ? { key: tls.key, cert: tls.cert } : undefined,
    faults,
    metrics: () => controllers?.metrics() ?? '',
    bookmarkIntervalMs: options.bookmarkIntervalMs,
    logger,
  });
  let url: string;
  try {
    url = await server.listen();
  } catch (e) {
    controlPlane.stop();
    await persistence?.stop();
    throw e;
  }
  if (options.controllers !== false) {
    controllers = startControllers(client, { logger, ...(options.controllerOptions ?? {}) });
  }
  const kubeconfig = buildKubeconfig({ url, token, caPem: tls?.caCert });
  if (options.kubeconfigPath) {
    fs.mkdirSync(path.dirname(path.resolve(options.kubeconfigPath)), { recursive: true });
    fs.writeFileSync(options.kubeconfigPath, kubeconfig, { mode: 0o600 });
  }
  if (dataDir) fs.writeFileSync(path.join(dataDir, 'meta.json'), JSON.stringify({ token }), { mode: 0o600 });

  let stopping: Promise<void> | undefined;
  return {
    url,
    token,
    caData: tls?.caCert ?? '',
    kubeconfig,
    client,
    setFaults: f => faults.set(f),
    getFaults: () => faults.get(),
    idle: async () => {
      for (let i = 0; i < 3; i++) {
        await controlPlane.idle();
        await controllers?.idle();
      }
      await controlPlane.idle();
    },
    stop: () => {
      stopping ??= (async () => {
        await controllers?.stop();
        await server.close();
        controlPlane.stop();
        await persistence?.stop();
      })();
      return stopping;
    },
  };
}

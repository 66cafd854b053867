/**
 * A Kubernetes API client for unstructured objects, on `@kubernetes/client-node`'s
 * KubeConfig (token, client certificate, exec and kubeconfig auth all work as kubectl's).
 * Requests go out as plain JSON over a keep-alive agent: objects come back exactly as the
 * API server wrote them (client-node's typed deserializers would drop unknown fields and
 * turn timestamps into Dates, which breaks diffs), and the hot paths stay cheap.
 */
import { KubeConfig, Watch } from '@kubernetes/client-node';
import http from 'node:http';
import https from 'node:https';

/** An error answer of the API server, with its Status reason. */
export class KubeApiError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly details?: unknown;

  constructor(code: number, reason: string, message: string, details?: unknown) {
    super(message);
    this.name = 'KubeApiError';
    this.code = code;
    this.reason = reason;
    this.details = details;
  }
}

export function isNotFound(error: unknown): boolean {
  return error instanceof KubeApiError && error.code === 404;
}

export function isConflict(error: unknown): boolean {
  return error instanceof KubeApiError && error.code === 409;
}

/** A resource type as discovery describes it. */
export interface ApiResource {
  group: string;
  version: string;
  /** `group/version`, or `v1` for the core group. */
  apiVersion: string;
  kind: string;
  /** The plural name used in URLs. */
  name: string;
  namespaced: boolean;
  verbs: string[];
  shortNames?: string[];
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  /** Raw text response instead of JSON. */
  raw?: boolean;
  timeoutMs?: number;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchHandle {
  stop(): void;
}

export class KubeClient {
  readonly kubeConfig: KubeConfig;
  readonly server: string;
  private readonly agent: http.Agent;
  private readonly requestDefaults: Promise<https.RequestOptions>;
  private readonly watcher: Watch;

  constructor(kubeConfig: KubeConfig) {
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) {
      throw new Error('kubeconfig has no current cluster');
    }
    this.kubeConfig = kubeConfig;
    this.server = cluster.server.replace(/\/+$/, '');
    const isHttps = this.server.startsWith('https:');
    this.agent = isHttps
      ? new https.Agent({ keepAlive: true, maxSockets: 64 })
      : new http.Agent({ keepAlive: true, maxSockets: 64 });
    this.requestDefaults = (async () => {
      const options: https.RequestOptions = {};
      await kubeConfig.applyToHTTPSOptions(options);
      return options;
    })();
    this.watcher = new Watch(kubeConfig);
  }

  /** One API request; answers the parsed JSON body, throws KubeApiError on an error status. */
  async request<T = any>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const defaults = await this.requestDefaults;
    const url = new URL(this.server + path);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const payload =
      options.body === undefined
        ? undefined
        : Buffer.from(typeof options.body === 'string' ? options.body : JSON.stringify(options.body));
    const headers: Record<string, string | number> = {
      ...(defaults.headers as Record<string, string>),
      accept: 'application/json',
      'user-agent': 'gitops-suite',
    };
    if (payload) {
      headers['content-type'] = options.contentType ?? 'application/json';
      headers['content-length'] = payload.length;
    }
    const transport = url.protocol === 'https:' ? https : http;
    return new Promise<T>((resolve, reject) => {
      const req = transport.request(
        url,
        {
          ...defaults,
          method,
          headers,
          agent: this.agent,
          timeout: options.timeoutMs ?? 30_000,
        },
        res => {
          const chunks: Buffer[] = [];
          res.on('data', chunk => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) {
              if (options.raw) {
                resolve(text as unknown as T);
                return;
              }
              try {
                resolve(text ? JSON.parse(text) : (undefined as T));
              } catch (e) {
                reject(new KubeApiError(status, 'InvalidResponse', `${method} ${path}: unparsable answer`));
              }
              return;
            }
            reject(errorFromAnswer(method, path, status, text));
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out`)));
      req.on('error', error =>
        reject(new KubeApiError(0, 'ConnectionError', `${method} ${this.server}${path}: ${error.message}`)),
      );
      if (payload) req.write(payload);
      req.end();
    });
  }

  /** The server's version (`/version`). */
  async version(): Promise<string> {
    const answer = await this.request<{ gitVersion: string }>('GET', '/version', { timeoutMs: 5_000 });
    return answer.gitVersion;
  }

  /** Every resource type the server serves, from the group/version discovery documents. */
  async discover(): Promise<ApiResource[]> {
    const resources: ApiResource[] = [];
    const core = await this.request<{ resources: any[] }>('GET', '/api/v1');
    collect(resources, '', 'v1', core.resources);
    const groups = await this.request<{ groups: any[] }>('GET', '/apis');
    await Promise.all(
      groups.groups.map(async group => {
        const version = group.preferredVersion?.version ?? group.versions?.[0]?.version;
        // Other served versions only matter for kinds the preferred version lacks.
        const versions: string[] = [
          version,
          ...(group.versions ?? []).map((v: any) => v.version).filter((v: string) => v !== version),
        ];
        const seenKinds = new Set<string>();
        for (const v of versions) {
          try {
            const list = await this.request<{ resources: any[] }>('GET', `/apis/${group.name}/${v}`);
            const fresh = (list.resources ?? []).filter(r => !seenKinds.has(r.kind) || r.name.includes('/'));
            collect(resources, group.name, v, fresh);
            for (const r of list.resources ?? []) seenKinds.add(r.kind);
          } catch (error) {
            // A group version that disappears between the two requests (a CRD being deleted).
            if (!isNotFound(error)) throw error;
          }
        }
      }),
    );
    return resources;
  }

  /**
   * Watches a collection path from a resourceVersion. The handler sees every event; `onDone`
   * is called once when the stream ends or fails (the caller resumes or relists).
   */
  async watch(
    path: string,
    query: Record<string, string | number | boolean | undefined>,
    onEvent: (type: WatchEventType, object: any) => void,
    onDone: (error?: unknown) => void,
  ): Promise<WatchHandle> {
    const controller = await this.watcher.watch(
      path,
      { allowWatchBookmarks: true, ...query },
      (type: string, object: any) => onEvent(type as WatchEventType, object),
      (error: unknown) => onDone(error ?? undefined),
    );
    return { stop: () => controller.abort() };
  }

  close(): void {
    this.agent.destroy();
  }
}

function collect(into: ApiResource[], group: string, version: string, list: any[] = []) {
  for (const r of list) {
    if (typeof r.name !== 'string' || r.name.includes('/')) continue; // subresources
    into.push({
      group,
      version,
      apiVersion: group ? `${group}/${version}` : version,
      kind: r.kind,
      name: r.name,
      namespaced: Boolean(r.namespaced),
      verbs: r.verbs ?? [],
      shortNames: r.shortNames,
    });
  }
}

function errorFromAnswer(method: string, path: string, status: number, text: string): KubeApiError {
  try {
    const body = JSON.parse(text);
    if (body?.kind === 'Status') {
      return new KubeApiError(status, body.reason ?? 'Unknown', body.message ?? `${method} ${path}: ${status}`, body.details);
    }
  } catch {
    // not JSON
  }
  return new KubeApiError(status, status === 401 ? 'Unauthorized' : 'Unknown', `${method} ${path}: ${status} ${text.slice(0, 200)}`);
}

/** Builds the KubeConfig of a configured cluster: a kubeconfig file, or a URL and a token. */
export function kubeConfigFor(options: {
  name: string;
  url?: string;
  serviceAccountToken?: string;
  caData?: string;
  skipTLSVerify?: boolean;
  kubeconfigPath?: string;
  kubeconfig?: string;
  context?: string;
}): KubeConfig {
  const kc = new KubeConfig();
  if (options.kubeconfigPath || options.kubeconfig) {
    if (options.kubeconfig) kc.loadFromString(options.kubeconfig);
    else kc.loadFromFile(options.kubeconfigPath!);
    if (options.context) kc.setCurrentContext(options.context);
    return kc;
  }
  if (!options.url) {
    throw new Error(`cluster ${options.name}: give either url (with serviceAccountToken) or kubeconfigPath`);
  }
  kc.loadFromClusterAndUser(
    {
      name: options.name,
      server: options.url,
      caData: options.caData,
      skipTLSVerify: options.skipTLSVerify ?? false,
    },
    { name: `${options.name}-user`, token: options.serviceAccountToken },
  );
  return kc;
}

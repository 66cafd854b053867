/**
 * The Kubernetes HTTP API of the simulated cluster, on node's http/https directly (no
 * framework on the hot path): authentication by bearer token, discovery and OpenAPI,
 * resource routes (`/api/v1/...`, `/apis/<group>/<version>/...`) for every verb including
 * watch streams, tables, subresources (status, scale, pods/log), fault injection, the
 * `/sim/faults` admin endpoint and `/metrics`.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { stringify as toYaml } from 'yaml';
import { ApiCore, DeleteQuery, Outcome, RequestContext, WatchDelivery, WatchHandle } from '../store/api';
import { SimApiError, badRequest, internalError, methodNotAllowed, resourceNotServed } from '../store/errors';
import type { Resolved } from '../store/registry';
import type { KubeObject } from '../store/types';
import { Discovery } from './discovery';
import { jsonPatch, mergePatch } from '../store/patch';
import { FaultInjector, FaultSpecError, FaultVerb } from './faults';
import { Representation, decodeObjectBody, decodePatchBody, negotiate, patchTypeOf } from './negotiate';
import { IncludeObject, toTable } from './table';

type Obj = Record<string, any>;

export interface ServerLogger {
  info?(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface ApiServerOptions {
  api: ApiCore;
  token: string;
  host: string;
  port: number;
  tls?: { key: string; cert: string };
  faults: FaultInjector;
  /** Prometheus text of the simulated workloads, appended to `/metrics`. */
  metrics?: () => string;
  /** Interval of BOOKMARK events on watches that allow them. */
  bookmarkIntervalMs?: number;
  logger?: ServerLogger;
}

const MAX_BODY = 3 * 1024 * 1024;

interface ResourceRequest {
  resolved: Resolved;
  namespace?: string;
  name?: string;
  subresource?: string;
  watchPath: boolean;
}

function statusBody(e: SimApiError): string {
  return JSON.stringify(e.toStatus());
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new SimApiError(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise(r => setTimeout(r, ms));
}

class RequestMetrics {
  private readonly counts = new Map<string, number>();

  inc(verb: string, resource: string, code: number): void {
    const k = `${verb}\u0000${resource}\u0000${code}`;
    this.counts.set(k, (this.counts.get(k) ?? 0) + 1);
  }

  text(api: ApiCore): string {
    const lines = [
      '# HELP apiserver_request_total Counter of apiserver requests broken out for each verb, resource and HTTP response code.',
      '# TYPE apiserver_request_total counter',
    ];
    for (const [k, v] of this.counts) {
      const [verb, resource, code] = k.split('\u0000');
      lines.push(`apiserver_request_total{code="${code}",resource="${resource}",verb="${verb}"} ${v}`);
    }
    lines.push('# HELP apiserver_storage_objects Number of stored objects at the time of last check split by kind.');
    lines.push('# TYPE apiserver_storage_objects gauge');
    for (const b of api.store.buckets.values()) {
      const name = b.type.group ? `${b.type.plural}.${b.type.group}` : b.type.plural;
      lines.push(`apiserver_storage_objects{resource="${name}"} ${b.items.size}`);
    }
    return `${lines.join('\n')}\n`;
  }
}

export class ApiHttpServer {
  readonly server: http.Server;
  private readonly discovery: Discovery;
  private readonly sockets = new Set<Socket>();
  private readonly watches = new Set<() => void>();
  private readonly requestMetrics = new RequestMetrics();
  private address = '';
  private readonly pathCache = new Map<string, ResourceRequest | null>();
  private pathCacheGen = -1;

  constructor(private readonly opts: ApiServerOptions) {
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
      this.handle(req, res).catch(e => this.fail(res, e));
    };
    this.server = opts.tls
      ? https.createServer({ key: opts.tls.key, cert: opts.tls.cert, keepAlive: true }, handler)
      : http.createServer({ keepAlive: true }, handler);
    this.server.keepAliveTimeout = 65_000;
    this.server.headersTimeout = 70_000;
    this.server.requestTimeout = 0;
    this.server.on(opts.tls ? 'secureConnection' : 'connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.discovery = new Discovery(opts.api.registry, () => this.address);
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.opts.port, this.opts.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const a = this.server.address() as AddressInfo;
    const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
    this.address = `${host}:${a.port}`;
    return `${this.opts.tls ? 'https' : 'http'}://${host === '0.0.0.0' ? '127.0.0.1' : host}:${a.port}`;
  }

  async close(): Promise<void> {
    for (const stop of [...this.watches]) stop();
    await new Promise<void>(resolve => {
      this.server.close(() => resolve());
      this.server.closeIdleConnections();
      setTimeout(() => {
        for (const s of this.sockets) s.destroy();
      }, 200).unref();
    });
  }

  // ---- responses ------------------------------------------------------------------------

  private send(res: http.ServerResponse, code: number, body: string, contentType = 'application/json'): void {
    if (res.headersSent) {
      res.end();
      return;
    }
    res.writeHead(code, {
      'Content-Type': contentType,
      'Content-Length': Buffer.byteLength(body),
      'Cache-Control': 'no-cache, private',
    });
    res.end(body);
  }

  private fail(res: http.ServerResponse, e: unknown): void {
    let err: SimApiError;
    if (e instanceof SimApiError) err = e;
    else {
      this.opts.logger?.error(`internal error: ${(e as Error)?.stack ?? String(e)}`);
      err = internalError((e as Error)?.message ?? String(e));
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    if (err.code === 429 && err.details?.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(err.details.retryAfterSeconds));
    this.send(res, err.code, statusBody(err));
  }

  private sendValue(res: http.ServerResponse, code: number, value: unknown, rep: Representation, pretty: boolean): void {
    if (rep === 'yaml') {
      this.send(res, code, toYaml(value), 'application/yaml');
      return;
    }
    const ct = rep === 'table' ? 'application/json;as=Table;v=v1;g=meta.k8s.io' : 'application/json';
    this.send(res, code, pretty ? JSON.stringify(value, null, 2) : JSON.stringify(value), ct);
  }

  // ---- request handling ---------------------------------------------------------------------

  /** true: valid token; false: wrong credentials; undefined: none sent. */
  private authorized(req: http.IncomingMessage): boolean | undefined {
    const h = req.headers.authorization;
    if (h === undefined) return this.opts.tls ? undefined : true;
    return h === `Bearer ${this.opts.token}`;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const raw = req.url ?? '/';
    const qi = raw.indexOf('?');
    let path = qi >= 0 ? raw.slice(0, qi) : raw;
    const query = new URLSearchParams(qi >= 0 ? raw.slice(qi + 1) : '');
    if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);

    if (path === '/healthz' || path === '/livez' || path === '/readyz') {
      this.send(res, 200, 'ok', 'text/plain; charset=utf-8');
      return;
    }
    if (path === '/version') {
      this.send(res, 200, this.discovery.versionInfo());
      return;
    }
    const auth = this.authorized(req);
    if (path === '/metrics' && auth !== false) {
      const text = this.requestMetrics.text(this.opts.api) + (this.opts.metrics?.() ?? '');
      this.send(res, 200, text, 'text/plain; version=0.0.4; charset=utf-8');
      return;
    }
    if (auth !== true) {
      this.send(res, 401, statusBody(new SimApiError(401, 'Unauthorized', 'Unauthorized')));
      return;
    }
    if (path.startsWith('/sim/')) {
      await this.admin(req, res, path);
      return;
    }
    const accept = req.headers.accept;
    if (path === '/api' || path === '/apis') {
      const rep = negotiate(accept, true);
      if (rep === 'discovery-v2' || rep === 'discovery-v2beta1') {
        const v = rep === 'discovery-v2' ? 'v2' : 'v2beta1';
        this.send(res, 200, this.discovery.aggregated(path === '/api', `apidiscovery.k8s.io/${v}`), `application/json;g=apidiscovery.k8s.io;v=${v};as=APIGroupDiscoveryList`);
      } else {
        this.send(res, 200, path === '/api' ? this.discovery.legacyApi() : this.discovery.apiGroupList());
      }
      return;
    }
    if (path === '/openapi/v3') {
      this.send(res, 200, this.discovery.openApiV3Root());
      return;
    }
    if (path.startsWith('/openapi/v3/')) {
      const doc = this.discovery.openApiV3(path.slice('/openapi/v3/'.length));
      if (doc) this.send(res, 200, doc);
      else this.send(res, 404, statusBody(resourceNotServed()));
      return;
    }
    const rr = this.parseResourcePath(path);
    if (rr) await this.resource(req, res, rr, query);
    else this.notFoundPath(res, path);
  }

  private notFoundPath(res: http.ServerResponse, path: string): void {
    const segs = path.split('/').filter(Boolean);
    let doc: string | undefined;
    if (segs[0] === 'api' && segs.length === 2) doc = this.discovery.resourceList('', segs[1]);
    else if (segs[0] === 'apis' && segs.length === 2) doc = this.discovery.apiGroup1(segs[1]);
    else if (segs[0] === 'apis' && segs.length === 3) doc = this.discovery.resourceList(segs[1], segs[2]);
    if (doc) this.send(res, 200, doc);
    else this.send(res, 404, statusBody(resourceNotServed()));
  }

  /** Splits a resource URL (cached per path until the served types change). */
  private parseResourcePath(path: string): ResourceRequest | undefined {
    const gen = this.opts.api.registry.generation;
    if (gen !== this.pathCacheGen) {
      this.pathCache.clear();
      this.pathCacheGen = gen;
    }
    let hit = this.pathCache.get(path);
    if (hit === undefined) {
      hit = this.parsePath(path) ?? null;
      if (this.pathCache.size >= 10_000) this.pathCache.clear();
      this.pathCache.set(path, hit);
    }
    return hit ?? undefined;
  }

  /** Undefined for anything that is not a resource URL (discovery paths included). */
  private parsePath(path: string): ResourceRequest | undefined {
    let segs: string[];
    try {
      segs = path.split('/').filter(Boolean);
      if (path.includes('%')) segs = segs.map(decodeURIComponent);
    } catch {
      return undefined;
    }
    let group: string;
    let version: string;
    let rest: string[];
    if (segs[0] === 'api' && segs.length >= 3) {
      group = '';
      version = segs[1];
      rest = segs.slice(2);
    } else if (segs[0] === 'apis' && segs.length >= 4) {
      group = segs[1];
      version = segs[2];
      rest = segs.slice(3);
    } else return undefined;
    let watchPath = false;
    if (rest[0] === 'watch') {
      watchPath = true;
      rest = rest.slice(1);
    }
    let namespace: string | undefined;
    let resource: string;
    let name: string | undefined;
    let subresource: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3 && !(group === '' && rest.length === 3 && (rest[2] === 'status' || rest[2] === 'finalize'))) {
      namespace = rest[1];
      [resource, name, subresource] = rest.slice(2);
      if (rest.length > 5) return undefined;
    } else {
      [resource, name, subresource] = rest;
      if (rest.length > 3) return undefined;
    }
    const resolved = this.opts.api.registry.byResource(group, version, resource);
    if (!resolved) return undefined;
    if (namespace !== undefined && !resolved.type.namespaced) return undefined;
    return { resolved, namespace, name, subresource, watchPath };
  }

  private context(req: http.IncomingMessage, query: URLSearchParams, subresource?: string): RequestContext {
    const dryRun = query.getAll('dryRun');
    for (const d of dryRun) if (d !== 'All') throw badRequest(`Invalid dryRun value: ${d}`);
    const fv = query.get('fieldValidation');
    if (fv && !['Strict', 'Warn', 'Ignore'].includes(fv)) {
      throw badRequest(`Invalid field validation directive: ${fv}. Valid directives are Strict, Warn and Ignore`);
    }
    const force = query.get('force');
    return {
      manager: query.get('fieldManager') || undefined,
      userAgent: req.headers['user-agent'],
      dryRun: dryRun.length > 0,
      force: force === 'true' || force === '1',
      subresource: subresource === 'status' || subresource === 'scale' ? subresource : undefined,
    };
  }

  private verbOf(method: string, rr: ResourceRequest, query: URLSearchParams): FaultVerb | 'deletecollection' | undefined {
    const watch = rr.watchPath || query.get('watch') === 'true' || query.get('watch') === '1';
    switch (method) {
      case 'GET':
        if (watch) return 'watch';
        return rr.name ? 'get' : 'list';
      case 'POST':
        return 'create';
      case 'PUT':
        return 'update';
      case 'PATCH':
        return 'patch';
      case 'DELETE':
        return rr.name ? 'delete' : 'deletecollection';
      default:
        return undefined;
    }
  }

  private async resource(req: http.IncomingMessage, res: http.ServerResponse, rr: ResourceRequest, query: URLSearchParams): Promise<void> {
    const { api } = this.opts;
    const { resolved, namespace, name, subresource } = rr;
    const { type, served } = resolved;
    const method = req.method ?? 'GET';
    const verb = this.verbOf(method, rr, query);
    const resourceLabel = type.group ? `${type.plural}.${type.group}` : type.plural;
    res.once('finish', () => this.requestMetrics.inc(verb ?? method.toLowerCase(), resourceLabel, res.statusCode));
    if (!verb) throw methodNotAllowed('the server does not allow this method on the requested resource');
    const faultVerb: FaultVerb = verb === 'deletecollection' ? 'delete' : verb;
    const fault = this.opts.faults.decide(faultVerb, type);
    if (fault.latencyMs) await sleep(fault.latencyMs);
    if (fault.error) throw fault.error;

    const pretty = query.get('pretty') === 'true';
    if (subresource && !['status', 'scale', 'log', 'finalize'].includes(subresource)) {
      // exec, attach, portforward, proxy, eviction, token…: not simulated.
      throw resourceNotServed();
    }
    if (subresource === 'log' && !type.log) throw resourceNotServed();
    if (subresource === 'scale' && !type.scale) throw resourceNotServed();
    if (subresource === 'status' && !type.statusSubresource) throw resourceNotServed();
    if (subresource === 'finalize' && type.id !== '/namespaces') throw resourceNotServed();

    if (verb === 'watch') {
      this.watch(req, res, rr, query);
      return;
    }
    const rep = negotiate(req.headers.accept);
    if (!rep) {
      throw new SimApiError(406, 'NotAcceptable', 'only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf');
    }
    if (verb === 'get') {
      if (subresource === 'log') {
        api.get(resolved, namespace, name!);
        this.send(res, 200, '', 'text/plain');
        return;
      }
      if (subresource === 'scale') {
        this.sendValue(res, 200, api.getScale(resolved, namespace, name!), 'json', pretty);
        return;
      }
      const s = api.get(resolved, namespace, name!);
      if (rep === 'json' && !pretty) this.send(res, 200, s.view(served, type).json);
      else this.sendObject(res, 200, s.view(served, type).obj, resolved, rep, query, pretty);
      return;
    }
    if (verb === 'list') {
      const limit = query.get('limit');
      const result = api.list(resolved, {
        namespace,
        labelSelector: query.get('labelSelector') ?? undefined,
        fieldSelector: query.get('fieldSelector') ?? undefined,
        limit: limit ? Number(limit) : undefined,
        continue: query.get('continue') ?? undefined,
        resourceVersion: query.get('resourceVersion') ?? undefined,
        resourceVersionMatch: query.get('resourceVersionMatch') ?? undefined,
      });
      const meta: Obj = { resourceVersion: String(result.resourceVersion) };
      if (result.continue) meta.continue = result.continue;
      if (result.remainingItemCount !== undefined) meta.remainingItemCount = result.remainingItemCount;
      if (rep === 'table') {
        const table = toTable(type, served, result.items.map(s => s.view(served, type).obj), {
          includeObject: (query.get('includeObject') as IncludeObject) || 'Metadata',
          columns: true,
          resourceVersion: meta.resourceVersion,
          continueToken: meta.continue,
          remainingItemCount: meta.remainingItemCount,
        });
        this.sendValue(res, 200, table, 'table', pretty);
      } else if (rep === 'metadata') {
        this.sendValue(
          res,
          200,
          {
            kind: 'PartialObjectMetadataList',
            apiVersion: 'meta.k8s.io/v1',
            metadata: meta,
            items: result.items.map(s => ({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: s.obj.metadata })),
          },
          'json',
          pretty,
        );
      } else if (rep === 'json' && !pretty) {
        const head = `{"kind":${JSON.stringify(type.listKind)},"apiVersion":${JSON.stringify(served.apiVersion)},"metadata":${JSON.stringify(meta)},"items":[`;
        this.send(res, 200, `${head}${result.items.map(s => s.view(served, type).json).join(',')}]}`);
      } else {
        this.sendValue(res, 200, { kind: type.listKind, apiVersion: served.apiVersion, metadata: meta, items: result.items.map(s => s.view(served, type).obj) }, rep, pretty);
      }
      return;
    }
    if (verb === 'deletecollection') {
      const d = await this.deleteOptions(req, query);
      const out = api.deleteCollection(
        resolved,
        { namespace, labelSelector: query.get('labelSelector') ?? undefined, fieldSelector: query.get('fieldSelector') ?? undefined },
        d,
      );
      this.sendValue(res, 200, { kind: type.listKind, apiVersion: served.apiVersion, metadata: { resourceVersion: String(api.store.rv) }, items: out.map(o => this.view(o, resolved)) }, 'json', pretty);
      return;
    }
    if (verb === 'delete') {
      if (subresource) throw methodNotAllowed('the server does not allow this method on the requested resource');
      const d = await this.deleteOptions(req, query);
      const out = api.delete(resolved, namespace, name!, d);
      if (out.deleted && !type.returnDeleted) {
        const details: Obj = { name: out.obj.metadata.name, kind: type.plural, uid: out.obj.metadata.uid };
        if (type.group) details.group = type.group;
        this.sendValue(res, 200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details }, 'json', pretty);
      } else {
        this.sendObject(res, 200, this.view(out, resolved), resolved, rep, query, pretty);
      }
      return;
    }
    const ctx = this.context(req, query, subresource);
    if (verb === 'create') {
      if (name) throw methodNotAllowed('the server does not allow this method on the requested resource');
      const body = decodeObjectBody(await readBody(req), req.headers['content-type']);
      const out = api.create(resolved, namespace, body, ctx);
      this.sendOutcome(res, out, resolved, rep, query, pretty);
      return;
    }
    if (!name) throw methodNotAllowed('the server does not allow this method on the requested resource');
    if (verb === 'update') {
      const body = decodeObjectBody(await readBody(req), req.headers['content-type']);
      if (subresource === 'scale') {
        this.sendValue(res, 200, api.setScale(resolved, namespace, name, body, ctx), 'json', pretty);
        return;
      }
      if (subresource === 'finalize') {
        const ns = api.get(resolved, undefined, name);
        const fin: string[] = (body.spec as Obj | undefined)?.finalizers ?? [];
        if (!fin.includes('kubernetes')) api.finalizeNamespace(name, ctx.manager ?? 'kubectl');
        const after = api.getStored(type, undefined, name);
        this.sendObject(res, 200, (after ?? ns).view(served, type).obj, resolved, rep, query, pretty);
        return;
      }
      const out = api.update(resolved, namespace, name, body, ctx);
      this.sendOutcome(res, out, resolved, rep, query, pretty);
      return;
    }
    // patch
    const ptype = patchTypeOf(req.headers['content-type']);
    const patch = decodePatchBody(await readBody(req), ptype);
    if (subresource === 'scale') {
      if (ptype === 'apply') throw new SimApiError(415, 'UnsupportedMediaType', 'apply is not supported on the scale subresource');
      const scale = api.getScale(resolved, namespace, name);
      const patched = ptype === 'json' ? jsonPatch(scale, patch) : (mergePatch(scale, patch) as Obj);
      this.sendValue(res, 200, api.setScale(resolved, namespace, name, patched, ctx), 'json', pretty);
      return;
    }
    const out = api.patch(resolved, namespace, name, ptype, patch, ctx);
    this.sendOutcome(res, out, resolved, rep, query, pretty);
  }

  private view(out: Outcome, r: Resolved): KubeObject {
    if (out.stored) return out.stored.view(r.served, r.type).obj;
    return r.served === r.type.storage ? out.obj : (r.served.fromStorage?.(out.obj) ?? { ...out.obj, apiVersion: r.served.apiVersion });
  }

  private sendOutcome(res: http.ServerResponse, out: Outcome, r: Resolved, rep: Representation, query: URLSearchParams, pretty: boolean): void {
    if (out.stored && rep === 'json' && !pretty) {
      this.send(res, out.code, out.stored.view(r.served, r.type).json);
      return;
    }
    this.sendObject(res, out.code, this.view(out, r), r, rep, query, pretty);
  }

  private sendObject(res: http.ServerResponse, code: number, obj: KubeObject, r: Resolved, rep: Representation, query: URLSearchParams, pretty: boolean): void {
    if (rep === 'table') {
      const table = toTable(r.type, r.served, [obj], { includeObject: (query.get('includeObject') as IncludeObject) || 'Metadata', columns: true, resourceVersion: obj.metadata.resourceVersion });
      this.sendValue(res, code, table, 'table', pretty);
    } else if (rep === 'metadata') {
      this.sendValue(res, code, { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata }, 'json', pretty);
    } else {
      this.sendValue(res, code, obj, rep, pretty);
    }
  }

  private async deleteOptions(req: http.IncomingMessage, query: URLSearchParams): Promise<DeleteQuery> {
    const d: DeleteQuery = {};
    const body = await readBody(req);
    if (body.length) {
      let o: Obj;
      try {
        o = JSON.parse(body.toString('utf8'));
      } catch (e) {
        throw badRequest(`error decoding DeleteOptions: ${(e as Error).message}`);
      }
      if (typeof o !== 'object' || o === null) throw badRequest('DeleteOptions must be an object');
      if (o.propagationPolicy !== undefined) d.propagationPolicy = String(o.propagationPolicy);
      if (o.orphanDependents !== undefined) d.orphanDependents = o.orphanDependents === true;
      if (typeof o.gracePeriodSeconds === 'number') d.gracePeriodSeconds = o.gracePeriodSeconds;
      if (o.preconditions) d.preconditions = o.preconditions;
      if (Array.isArray(o.dryRun) && o.dryRun.includes('All')) d.dryRun = true;
    }
    const pp = query.get('propagationPolicy');
    if (pp) d.propagationPolicy = pp;
    const od = query.get('orphanDependents');
    if (od) d.orphanDependents = od === 'true';
    const gp = query.get('gracePeriodSeconds');
    if (gp) d.gracePeriodSeconds = Number(gp);
    for (const v of query.getAll('dryRun')) {
      if (v !== 'All') throw badRequest(`Invalid dryRun value: ${v}`);
      d.dryRun = true;
    }
    return d;
  }

  // ---- watch ------------------------------------------------------------------------------

  private watch(req: http.IncomingMessage, res: http.ServerResponse, rr: ResourceRequest, query: URLSearchParams): void {
    const { api, faults } = this.opts;
    const { resolved } = rr;
    const { type, served } = resolved;
    const rep = negotiate(req.headers.accept) ?? 'json';
    const includeObject = (query.get('includeObject') as IncludeObject) || 'Metadata';
    let fieldSelector = query.get('fieldSelector') ?? undefined;
    if (rr.name) fieldSelector = [fieldSelector, `metadata.name=${rr.name}`].filter(Boolean).join(',');
    const bookmarks = query.get('allowWatchBookmarks') === 'true';
    const sendInitial = query.get('sendInitialEvents') === 'true';
    let firstTable = true;
    let pending: string[] = [];
    let scheduled = false;
    let ended = false;
    const dropRate = faults.watchDrop(type);

    const line = (d: WatchDelivery): string => {
      if (rep === 'table') {
        const obj = d.stored.view(served, type).obj;
        const t = toTable(type, served, [obj], { includeObject, columns: firstTable });
        firstTable = false;
        return `${JSON.stringify({ type: d.type, object: t })}\n`;
      }
      if (rep === 'metadata') {
        return `${JSON.stringify({ type: d.type, object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: d.stored.obj.metadata } })}\n`;
      }
      return `{"type":"${d.type}","object":${d.stored.view(served, type).json}}\n`;
    };
    const bookmark = (annotations?: Record<string, string>): string =>
      `${JSON.stringify({
        type: 'BOOKMARK',
        object: { kind: served.kind, apiVersion: served.apiVersion, metadata: { resourceVersion: String(api.store.rv), ...(annotations ? { annotations } : {}) } },
      })}\n`;

    let timer: NodeJS.Timeout | undefined = undefined;
    let bookmarkTimer: NodeJS.Timeout | undefined = undefined;
    let handle: WatchHandle | undefined;
    const watches = this.watches;
    function stopFn(): void {
      stop();
    }
    function stop(abrupt = false): void {
      if (ended) return;
      ended = true;
      if (timer) clearTimeout(timer);
      if (bookmarkTimer) clearInterval(bookmarkTimer);
      handle?.close();
      watches.delete(stopFn);
      if (abrupt) {
        res.destroy();
      } else {
        if (pending.length && res.writable) res.write(pending.join(''));
        pending = [];
        res.end();
      }
    }
    const flush = () => {
      scheduled = false;
      if (ended || !pending.length) return;
      const chunk = pending.join('');
      pending = [];
      res.write(chunk);
      if (res.writableLength > 64 * 1024 * 1024) {
        this.opts.logger?.warn(`closing watch on ${type.plural}: client is not reading`);
        stop(true);
      }
    };
    const enqueue = (s: string) => {
      if (ended) return;
      pending.push(s);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    };

    try {
      handle = api.watch(
        resolved,
        {
          namespace: rr.namespace,
          labelSelector: query.get('labelSelector') ?? undefined,
          fieldSelector,
          resourceVersion: query.get('resourceVersion') ?? undefined,
          sendInitialEvents: sendInitial,
        },
        d => {
          enqueue(line(d));
          if (dropRate && faults.roll(dropRate)) {
            // End the stream mid-way (after this event), as a proxy or timeout would.
            stop();
          }
        },
        () => stop(),
      );
    } catch (e) {
      if (e instanceof SimApiError && e.code === 410) {
        // Like the real server: the stream opens and carries one ERROR event.
        res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
        res.end(`${JSON.stringify({ type: 'ERROR', object: e.toStatus() })}\n`);
        return;
      }
      throw e;
    }
    this.watches.add(stopFn);
    res.writeHead(200, {
      'Content-Type': rep === 'table' ? 'application/json;as=Table;v=v1;g=meta.k8s.io' : 'application/json',
      'Cache-Control': 'no-cache, private',
      'Transfer-Encoding': 'chunked',
    });
    res.flushHeaders();
    for (const d of handle!.initial) enqueue(line(d));
    if (sendInitial && bookmarks) enqueue(bookmark({ 'k8s.io/initial-events-end': 'true' }));
    const timeoutSeconds = Number(query.get('timeoutSeconds'));
    const timeoutMs = Number.isFinite(timeoutSeconds) && timeoutSeconds > 0 ? timeoutSeconds * 1000 : (1800 + Math.random() * 1800) * 1000;
    timer = setTimeout(() => stop(), timeoutMs);
    if (bookmarks) {
      bookmarkTimer = setInterval(() => enqueue(bookmark()), this.opts.bookmarkIntervalMs ?? 60_000);
    }
    // `close` on the response: finished or the connection went away.
    res.on('close', () => stop(true));
  }

  // ---- admin --------------------------------------------------------------------------------

  private async admin(req: http.IncomingMessage, res: http.ServerResponse, path: string): Promise<void> {
    if (path !== '/sim/faults') {
      this.send(res, 404, statusBody(new SimApiError(404, 'NotFound', `no admin endpoint ${path}`)));
      return;
    }
    if (req.method === 'GET') {
      this.send(res, 200, JSON.stringify(this.opts.faults.get()));
      return;
    }
    if (req.method === 'PUT' || req.method === 'POST') {
      const body = await readBody(req);
      let parsed: unknown;
      try {
        parsed = body.length ? JSON.parse(body.toString('utf8')) : { rules: [] };
      } catch (e) {
        throw badRequest(`invalid JSON: ${(e as Error).message}`);
      }
      try {
        this.send(res, 200, JSON.stringify(this.opts.faults.set(parsed)));
      } catch (e) {
        if (e instanceof FaultSpecError) throw badRequest(e.message);
        throw e;
      }
      return;
    }
    throw methodNotAllowed('only GET and PUT are allowed on /sim/faults');
  }
}

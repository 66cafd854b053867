/**
 * Discovery documents built from the registry: legacy `/api`, `/apis`, per-group and
 * per-version resource lists, aggregated discovery (apidiscovery.k8s.io v2/v2beta1, which
 * kubectl 1.32 prefers), and the small OpenAPI v3 documents kubectl reads to learn that
 * PATCH supports server-side field validation. Documents are cached until the registry
 * changes (a CRD comes or goes).
 */
import { createHash } from 'node:crypto';
import type { Registry, Resolved, ResourceType, ServedVersion } from '../store/registry';

export const KUBE_VERSION = {
  major: '1',
  minor: '31',
  gitVersion: 'v1.31.0',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2024-08-13T00:00:00Z',
  goVersion: 'go1.22.5',
  compiler: 'gc',
  platform: 'linux/amd64',
};

/** Order in which groups appear, as on a real server; CRD groups follow, sorted. */
const GROUP_ORDER = [
  'apps',
  'events.k8s.io',
  'autoscaling',
  'batch',
  'networking.k8s.io',
  'policy',
  'rbac.authorization.k8s.io',
  'storage.k8s.io',
  'apiextensions.k8s.io',
  'coordination.k8s.io',
];

/** Kubernetes version priority: GA before beta before alpha, higher numbers first. */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [0, 0, 0, v] as const;
    const stages: Record<string, number> = { alpha: 1, beta: 2 };
    const stage = m[2] === undefined ? 3 : stages[m[2]];
    return [1, stage, Number(m[1]) * 1000 + Number(m[3] ?? 0), v] as const;
  };
  const pa = parse(a);
  const pb = parse(b);
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return (pb[i] as number) - (pa[i] as number);
  return a.localeCompare(b);
}

interface Sub {
  name: string;
  group: string;
  version: string;
  kind: string;
  verbs: string[];
}

function subresources(type: ResourceType, served: ServedVersion): Sub[] {
  const own = { group: served.group, version: served.version, kind: served.kind };
  const out: Sub[] = [];
  if (type.id === '/namespaces') out.push({ name: 'finalize', ...own, verbs: ['update'] });
  if (type.log) out.push({ name: 'log', ...own, verbs: ['get'] });
  if (type.scale) out.push({ name: 'scale', group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] });
  if (type.statusSubresource) out.push({ name: 'status', ...own, verbs: ['get', 'patch', 'update'] });
  return out;
}

function storageVersionHash(type: ResourceType): string {
  return createHash('sha256').update(`${type.group}/${type.storage.version}/${type.kind}`).digest('base64').slice(0, 11);
}

export class Discovery {
  private cacheGen = -1;
  private cache = new Map<string, string>();

  constructor(private readonly registry: Registry, private readonly serverAddress: () => string) {}

  private cached(key: string, build: () => unknown): string {
    if (this.cacheGen !== this.registry.generation) {
      this.cache = new Map();
      this.cacheGen = this.registry.generation;
    }
    let v = this.cache.get(key);
    if (v === undefined) {
      v = JSON.stringify(build());
      this.cache.set(key, v);
    }
    return v;
  }

  /** group → versions (preferred first) → resources. */
  private grouped(): Array<{ group: string; versions: Array<{ version: string; resources: Resolved[] }> }> {
    const groups = this.registry.groups();
    const names = [...groups.keys()].filter(g => g !== '');
    names.sort((a, b) => {
      const ia = GROUP_ORDER.indexOf(a);
      const ib = GROUP_ORDER.indexOf(b);
      if (ia >= 0 || ib >= 0) return (ia < 0 ? 999 : ia) - (ib < 0 ? 999 : ib);
      return a < b ? -1 : 1;
    });
    const out = [];
    for (const g of groups.has('') ? ['', ...names] : names) {
      const versions = [...groups.get(g)!.entries()]
        .sort(([a], [b]) => compareVersions(a, b))
        .map(([version, resources]) => ({ version, resources: resources.sort((x, y) => (x.type.plural < y.type.plural ? -1 : 1)) }));
      out.push({ group: g, versions });
    }
    return out;
  }

  versionInfo(): string {
    return JSON.stringify(KUBE_VERSION);
  }

  legacyApi(): string {
    return this.cached('api', () => ({
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: this.serverAddress() }],
    }));
  }

  private apiGroup(g: { group: string; versions: Array<{ version: string }> }) {
    const versions = g.versions.map(v => ({ groupVersion: `${g.group}/${v.version}`, version: v.version }));
    return { name: g.group, versions, preferredVersion: versions[0] };
  }

  apiGroupList(): string {
    return this.cached('apis', () => ({
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: this.grouped()
        .filter(g => g.group !== '')
        .map(g => this.apiGroup(g)),
    }));
  }

  apiGroup1(group: string): string | undefined {
    const g = this.grouped().find(x => x.group === group && group !== '');
    if (!g) return undefined;
    return this.cached(`group:${group}`, () => ({ kind: 'APIGroup', apiVersion: 'v1', ...this.apiGroup(g) }));
  }

  resourceList(group: string, version: string): string | undefined {
    const g = this.grouped().find(x => x.group === group);
    const v = g?.versions.find(x => x.version === version);
    if (!v) return undefined;
    return this.cached(`rl:${group}/${version}`, () => {
      const resources: unknown[] = [];
      for (const { type, served } of v.resources) {
        const r: Record<string, unknown> = {
          name: type.plural,
          singularName: type.singular,
          namespaced: type.namespaced,
          kind: served.kind,
          verbs: type.verbs,
        };
        if (type.shortNames.length) r.shortNames = type.shortNames;
        if (type.categories.length) r.categories = type.categories;
        r.storageVersionHash = storageVersionHash(type);
        resources.push(r);
        for (const s of subresources(type, served)) {
          const sr: Record<string, unknown> = { name: `${type.plural}/${s.name}`, singularName: '', namespaced: type.namespaced, kind: s.kind, verbs: s.verbs };
          if (s.group !== served.group || s.version !== served.version) {
            sr.group = s.group;
            sr.version = s.version;
          }
          resources.push(sr);
        }
      }
      return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
    });
  }

  /** Aggregated discovery for `/api` (core) or `/apis` (named groups). */
  aggregated(core: boolean, apiVersion: string): string {
    return this.cached(`agg:${core}:${apiVersion}`, () => ({
      kind: 'APIGroupDiscoveryList',
      apiVersion,
      metadata: {},
      items: this.grouped()
        .filter(g => (g.group === '') === core)
        .map(g => ({
          metadata: core ? { creationTimestamp: null } : { name: g.group, creationTimestamp: null },
          versions: g.versions.map(v => ({
            version: v.version,
            resources: v.resources.map(({ type, served }) => {
              const r: Record<string, unknown> = {
                resource: type.plural,
                responseKind: { group: served.group, version: served.version, kind: served.kind },
                scope: type.namespaced ? 'Namespaced' : 'Cluster',
                singularResource: type.singular,
                verbs: type.verbs,
              };
              if (type.shortNames.length) r.shortNames = type.shortNames;
              if (type.categories.length) r.categories = type.categories;
              const subs = subresources(type, served);
              if (subs.length) {
                r.subresources = subs.map(s => ({
                  subresource: s.name,
                  responseKind: { group: s.group, version: s.version, kind: s.kind },
                  verbs: s.verbs,
                }));
              }
              return r;
            }),
            freshness: 'Current',
          })),
        })),
    }));
  }

  // ---- OpenAPI v3 ------------------------------------------------------------------------

  private gvDoc(group: string, version: string): string | undefined {
    const g = this.grouped().find(x => x.group === group);
    const v = g?.versions.find(x => x.version === version);
    if (!v) return undefined;
    return this.cached(`oa:${group}/${version}`, () => {
      const prefix = group ? `/apis/${group}/${version}` : `/api/${version}`;
      const query = (name: string) => ({ name, in: 'query', schema: { type: 'string', uniqueItems: true } });
      const params = ['dryRun', 'fieldManager', 'fieldValidation', 'force', 'pretty'].map(query);
      const paths: Record<string, unknown> = {};
      for (const { type, served } of v.resources) {
        const gvk = { group: served.group, version: served.version, kind: served.kind };
        const item = type.namespaced ? `${prefix}/namespaces/{namespace}/${type.plural}/{name}` : `${prefix}/${type.plural}/{name}`;
        paths[item] = {
          patch: {
            operationId: `patch${served.kind}`,
            'x-kubernetes-action': 'patch',
            'x-kubernetes-group-version-kind': gvk,
            parameters: params,
            requestBody: {
              content: {
                'application/apply-patch+yaml': { schema: { $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Patch' } },
                'application/json-patch+json': { schema: { $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Patch' } },
                'application/merge-patch+json': { schema: { $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Patch' } },
              },
              required: true,
            },
            responses: { '200': { description: 'OK' } },
          },
        };
      }
      return {
        openapi: '3.0.0',
        info: { title: 'Kubernetes', version: KUBE_VERSION.gitVersion },
        paths,
        components: { schemas: { 'io.k8s.apimachinery.pkg.apis.meta.v1.Patch': { type: 'object', description: 'Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.' } } },
      };
    });
  }

  openApiV3Root(): string {
    return this.cached('oa-root', () => {
      const paths: Record<string, unknown> = {};
      for (const g of this.grouped()) {
        for (const v of g.versions) {
          const key = g.group ? `apis/${g.group}/${v.version}` : `api/${v.version}`;
          const doc = this.gvDoc(g.group, v.version)!;
          const hash = createHash('sha512').update(doc).digest('hex').toUpperCase().slice(0, 128);
          paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${hash}` };
        }
      }
      return { paths };
    });
  }

  /** `/openapi/v3/api/v1` or `/openapi/v3/apis/<group>/<version>`. */
  openApiV3(pathAfterV3: string): string | undefined {
    const parts = pathAfterV3.split('/').filter(Boolean);
    if (parts[0] === 'api' && parts.length === 2) return this.gvDoc('', parts[1]);
    if (parts[0] === 'apis' && parts.length === 3) return this.gvDoc(parts[1], parts[2]);
    return undefined;
  }
}

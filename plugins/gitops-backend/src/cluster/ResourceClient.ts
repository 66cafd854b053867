/**
 * Discovery-aware reads and writes of unstructured objects on one cluster: resolves
 * `apiVersion`/`kind` to URL paths (refreshing discovery when a kind is new, e.g. right
 * after a CRD is created) and speaks server-side apply, dry-run and delete propagation.
 */
import type { KubeObject } from '@gitops-suite/plugin-gitops-common';
import { ApiResource, KubeApiError, KubeClient, isNotFound } from './KubeClient';

export interface ApplyOptions {
  fieldManager: string;
  force?: boolean;
  dryRun?: boolean;
  /** Skip server-side field validation (the `Validate=false` sync option). */
  validate?: boolean;
}

export type PropagationPolicy = 'Foreground' | 'Background' | 'Orphan';

const DISCOVERY_MIN_INTERVAL_MS = 500;

export class ResourceClient {
  readonly kube: KubeClient;
  private resources = new Map<string, ApiResource>();
  private discovered?: Promise<void>;
  private lastDiscovery = 0;
  private listeners = new Set<(resources: ApiResource[]) => void>();

  constructor(kube: KubeClient) {
    this.kube = kube;
  }

  /** Every served resource type (discovering once when needed). */
  async apiResources(): Promise<ApiResource[]> {
    if (!this.discovered) await this.refreshDiscovery();
    else await this.discovered;
    return [...new Set(this.resources.values())];
  }

  /** Called with the full list after each discovery refresh. */
  onDiscovery(listener: (resources: ApiResource[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async refreshDiscovery(): Promise<void> {
    const run = async () => {
      const list = await this.kube.discover();
      const next = new Map<string, ApiResource>();
      for (const r of list) {
        next.set(`${r.apiVersion}/${r.kind}`, r);
        // Group-level lookup (any version) for kinds referenced with another version.
        const groupKey = `${r.group}//${r.kind}`;
        if (!next.has(groupKey)) next.set(groupKey, r);
      }
      this.resources = next;
      this.lastDiscovery = Date.now();
      const unique = [...new Set(next.values())];
      for (const listener of this.listeners) listener(unique);
    };
    this.discovered = run();
    await this.discovered;
  }

  /** The resource type of an apiVersion/kind, or undefined when the server does not serve it. */
  async resourceFor(apiVersion: string, kind: string): Promise<ApiResource | undefined> {
    if (!this.discovered) await this.refreshDiscovery();
    await this.discovered;
    let found = this.resources.get(`${apiVersion}/${kind}`);
    if (!found && Date.now() - this.lastDiscovery > DISCOVERY_MIN_INTERVAL_MS) {
      await this.refreshDiscovery();
      found = this.resources.get(`${apiVersion}/${kind}`);
    }
    return found;
  }

  /** Whether a group/kind is namespaced, from discovery (undefined when unknown). */
  isNamespacedKind(group: string, kind: string): boolean | undefined {
    return this.resources.get(`${group}//${kind}`)?.namespaced;
  }

  private async requireResource(apiVersion: string, kind: string): Promise<ApiResource> {
    const resource = await this.resourceFor(apiVersion, kind);
    if (!resource) {
      throw new KubeApiError(
        404,
        'NotFound',
        `the server could not find the requested resource: kind ${kind} in ${apiVersion} is not served by the cluster`,
      );
    }
    return resource;
  }

  /** URL path of a collection or an object. */
  pathOf(resource: ApiResource, namespace?: string, name?: string): string {
    const base = resource.group ? `/apis/${resource.apiVersion}` : `/api/${resource.version}`;
    const ns = resource.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
    return `${base}${ns}/${resource.name}${name ? `/${encodeURIComponent(name)}` : ''}`;
  }

  async get(apiVersion: string, kind: string, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    const resource = await this.requireResource(apiVersion, kind);
    try {
      return await this.kube.request('GET', this.pathOf(resource, namespace, name));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async list(
    apiVersion: string,
    kind: string,
    options: { namespace?: string; labelSelector?: string; fieldSelector?: string } = {},
  ): Promise<KubeObject[]> {
    const resource = await this.requireResource(apiVersion, kind);
    const items: KubeObject[] = [];
    let token: string | undefined;
    do {
      const page = await this.kube.request('GET', this.pathOf(resource, options.namespace), {
        query: { limit: 500, continue: token, labelSelector: options.labelSelector, fieldSelector: options.fieldSelector },
      });
      for (const item of page.items ?? []) {
        items.push({ apiVersion: resource.apiVersion, kind: resource.kind, ...item });
      }
      token = page.metadata?.continue || undefined;
    } while (token);
    return items;
  }

  /** Server-side apply of a whole object. */
  async apply(obj: KubeObject, options: ApplyOptions): Promise<KubeObject> {
    const resource = await this.requireResource(obj.apiVersion, obj.kind);
    return this.kube.request('PATCH', this.pathOf(resource, obj.metadata.namespace, obj.metadata.name), {
      contentType: 'application/apply-patch+yaml',
      body: obj,
      query: {
        fieldManager: options.fieldManager,
        force: options.force ? true : undefined,
        dryRun: options.dryRun ? 'All' : undefined,
        fieldValidation: options.validate === false ? 'Ignore' : undefined,
      },
    });
  }

  async create(obj: KubeObject, options: { dryRun?: boolean; fieldManager?: string } = {}): Promise<KubeObject> {
    const resource = await this.requireResource(obj.apiVersion, obj.kind);
    return this.kube.request('POST', this.pathOf(resource, obj.metadata.namespace), {
      body: obj,
      query: { dryRun: options.dryRun ? 'All' : undefined, fieldManager: options.fieldManager },
    });
  }

  /** Replace (PUT); the live resourceVersion is used when the object carries none. */
  async replace(obj: KubeObject, options: { dryRun?: boolean; fieldManager?: string } = {}): Promise<KubeObject> {
    const resource = await this.requireResource(obj.apiVersion, obj.kind);
    const path = this.pathOf(resource, obj.metadata.namespace, obj.metadata.name);
    let body = obj;
    if (!obj.metadata.resourceVersion) {
      const live = await this.kube.request('GET', path);
      body = { ...obj, metadata: { ...obj.metadata, resourceVersion: live.metadata.resourceVersion } };
    }
    return this.kube.request('PUT', path, {
      body,
      query: { dryRun: options.dryRun ? 'All' : undefined, fieldManager: options.fieldManager },
    });
  }

  async patch(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    name: string,
    type: 'merge' | 'json' | 'strategic',
    patch: unknown,
    options: { dryRun?: boolean; fieldManager?: string; subresource?: 'status' } = {},
  ): Promise<KubeObject> {
    const resource = await this.requireResource(apiVersion, kind);
    const contentType = {
      merge: 'application/merge-patch+json',
      json: 'application/json-patch+json',
      strategic: 'application/strategic-merge-patch+json',
    }[type];
    const suffix = options.subresource ? `/${options.subresource}` : '';
    return this.kube.request('PATCH', this.pathOf(resource, namespace, name) + suffix, {
      contentType,
      body: patch,
      query: { dryRun: options.dryRun ? 'All' : undefined, fieldManager: options.fieldManager },
    });
  }

  /** Deletes an object; answers false when it was already gone. */
  async delete(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    name: string,
    options: { propagationPolicy?: PropagationPolicy; dryRun?: boolean } = {},
  ): Promise<boolean> {
    const resource = await this.requireResource(apiVersion, kind);
    try {
      await this.kube.request('DELETE', this.pathOf(resource, namespace, name), {
        body: {
          kind: 'DeleteOptions',
          apiVersion: 'v1',
          propagationPolicy: options.propagationPolicy,
          dryRun: options.dryRun ? ['All'] : undefined,
        },
      });
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }
}

/**
 * The resource tree of an Application: its top-level managed live objects plus everything that
 * descends from them through ownerReferences (Deployment → ReplicaSet → Pod...), each node
 * naming its parents in the tree.
 */
import {
  formatResourceKey,
  KubeObject,
  keyOf,
  ResourceNode,
  ResourceStatus,
} from '@gitops-suite/plugin-gitops-common';
import { getResourceHealth, HealthOptions } from './health';
import { isRecord } from './objects';

export interface ResourceTreeInput {
  /** The Application's top-level managed live objects (roots of the tree). */
  managed: KubeObject[];
  /** Live objects that may descend from them (pods, replica sets, endpoints...). */
  live: KubeObject[];
  /** Sync facts of managed resources, by `group/Kind/namespace/name`. */
  resourceStatus?: Record<
    string,
    Pick<ResourceStatus, 'status' | 'hook' | 'requiresPruning' | 'syncWave'>
  >;
  healthOptions?: HealthOptions;
}

function versionOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
}

function imagesOf(obj: KubeObject): string[] {
  const spec: unknown =
    obj.kind === 'Pod'
      ? obj.spec
      : (obj.spec as { template?: { spec?: unknown } } | undefined)?.template
          ?.spec;
  if (!isRecord(spec)) {
    return [];
  }
  const images = new Set<string>();
  for (const field of ['initContainers', 'containers']) {
    const list = spec[field];
    if (Array.isArray(list)) {
      for (const c of list) {
        if (isRecord(c) && typeof c.image === 'string') {
          images.add(c.image);
        }
      }
    }
  }
  return [...images];
}

/** Builds the tree's nodes, roots first, each level sorted by key. */
export function buildResourceTree(input: ResourceTreeInput): ResourceNode[] {
  const childrenByOwnerUid = new Map<string, KubeObject[]>();
  for (const obj of input.live) {
    for (const ref of obj.metadata.ownerReferences ?? []) {
      if (!ref.uid) continue;
      const list = childrenByOwnerUid.get(ref.uid) ?? [];
      list.push(obj);
      childrenByOwnerUid.set(ref.uid, list);
    }
  }

  const nodes = new Map<string, ResourceNode>();
  const uidToKey = new Map<string, string>();
  const byKey = (a: KubeObject, b: KubeObject) =>
    formatResourceKey(keyOf(a)).localeCompare(formatResourceKey(keyOf(b)));

  const addNode = (obj: KubeObject): string => {
    const key = formatResourceKey(keyOf(obj));
    if (!nodes.has(key)) {
      const facts = input.resourceStatus?.[key];
      const k = keyOf(obj);
      const node: ResourceNode = {
        group: k.group,
        version: versionOf(obj.apiVersion),
        kind: k.kind,
        namespace: k.namespace,
        name: k.name,
        parentRefs: [],
      };
      if (obj.metadata.uid) node.uid = obj.metadata.uid;
      const health = getResourceHealth(obj, input.healthOptions);
      if (health) node.health = health;
      if (facts?.status) node.status = facts.status;
      if (facts?.hook) node.hook = true;
      if (facts?.requiresPruning) node.requiresPruning = true;
      if (facts?.syncWave !== undefined) node.syncWave = facts.syncWave;
      const images = imagesOf(obj);
      if (images.length > 0) node.images = images;
      if (obj.metadata.creationTimestamp)
        node.createdAt = obj.metadata.creationTimestamp;
      nodes.set(key, node);
      if (obj.metadata.uid) uidToKey.set(obj.metadata.uid, key);
    }
    return key;
  };

  let frontier = [...input.managed].sort(byKey);
  frontier.forEach(addNode);
  const expanded = new Set<string>();
  while (frontier.length > 0) {
    const next: KubeObject[] = [];
    for (const parent of frontier) {
      const uid = parent.metadata.uid;
      if (!uid || expanded.has(uid)) continue;
      expanded.add(uid);
      const parentKey = uidToKey.get(uid)!;
      for (const child of [...(childrenByOwnerUid.get(uid) ?? [])].sort(
        byKey,
      )) {
        const childKey = formatResourceKey(keyOf(child));
        const isNew = !nodes.has(childKey);
        addNode(child);
        const node = nodes.get(childKey)!;
        if (childKey !== parentKey && !node.parentRefs.includes(parentKey)) {
          node.parentRefs.push(parentKey);
        }
        if (isNew) next.push(child);
      }
    }
    frontier = next;
  }
  return [...nodes.values()];
}

/**
 * AppProject checks as Argo CD applies them: which source repositories, destinations and
 * resource kinds an Application of the project may use. Patterns are globs where `*` matches
 * anything (also `/`); a leading `!` makes a deny rule. A source or destination is permitted
 * when an allow rule permits it and no deny rule rejects it. Cluster-scoped kinds are denied
 * unless whitelisted; namespaced kinds are allowed unless blacklisted or left out of a
 * namespace whitelist.
 */
import picomatch from 'picomatch';
import type {
  AppProject,
  ApplicationDestination,
  GroupKind,
} from '@gitops-suite/plugin-gitops-common';

/** The outcome of a project check. */
export type PermissionResult =
  | { permitted: true }
  | { permitted: false; message: string };

const PERMITTED: PermissionResult = { permitted: true };

/** Glob match where `*` also matches `/` and the empty string. */
export function globMatch(pattern: string, value: string): boolean {
  if (pattern === '*') {
    return true;
  }
  if (pattern === '' || value === '') {
    return pattern === value;
  }
  return picomatch.isMatch(value, pattern, { bash: true, dot: true });
}

function isDeny(pattern: string | undefined): boolean {
  return typeof pattern === 'string' && pattern.startsWith('!');
}

function stripDeny(pattern: string): string {
  return isDeny(pattern) ? pattern.slice(1) : pattern;
}

/** Git URLs compare case-insensitively, without `.git`, a trailing `/` or an `ssh://` prefix. */
export function normalizeRepoURL(url: string): string {
  let out = url.trim().toLowerCase();
  out = out.replace(/\/+$/, '').replace(/\.git$/, '');
  return out.startsWith('ssh://') ? out.slice('ssh://'.length) : out;
}

/** The built-in `default` project: every source, destination and kind. */
export function defaultProject(namespace = 'argocd'): AppProject {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AppProject',
    metadata: { name: 'default', namespace },
    spec: {
      sourceRepos: ['*'],
      destinations: [{ server: '*', name: '*', namespace: '*' }],
      clusterResourceWhitelist: [{ group: '*', kind: '*' }],
    },
  };
}

/** Checks an Application's source repository against `spec.sourceRepos`. */
export function checkSourcePermitted(
  project: AppProject,
  repoURL: string,
): PermissionResult {
  const value = normalizeRepoURL(repoURL);
  const rules = project.spec.sourceRepos ?? [];
  const matches = (rule: string) =>
    globMatch(normalizeRepoURL(stripDeny(rule)), value);
  const allowed = rules.some(rule => !isDeny(rule) && matches(rule));
  const denied = rules.some(rule => isDeny(rule) && matches(rule));
  if (allowed && !denied) {
    return PERMITTED;
  }
  return {
    permitted: false,
    message: `application repo ${repoURL} is not permitted in project '${project.metadata.name}'`,
  };
}

/** Does a (possibly negated) destination field pattern match? Negation is stripped here. */
function fieldMatches(
  pattern: string | undefined,
  value: string | undefined,
): boolean {
  return globMatch(stripDeny(pattern ?? ''), value ?? '');
}

function clusterMatches(
  rule: ApplicationDestination,
  dest: ApplicationDestination,
): boolean {
  const byServer =
    !!dest.server &&
    rule.server !== undefined &&
    fieldMatches(rule.server, dest.server);
  const byName =
    !!dest.name &&
    rule.name !== undefined &&
    fieldMatches(rule.name, dest.name);
  return byServer || byName;
}

/** Checks an Application's destination against `spec.destinations`. */
export function checkDestinationPermitted(
  project: AppProject,
  dest: ApplicationDestination,
): PermissionResult {
  const rules = project.spec.destinations ?? [];
  const isDenyRule = (r: ApplicationDestination) =>
    isDeny(r.server) || isDeny(r.name) || isDeny(r.namespace);
  const allowed = rules.some(
    r =>
      !isDenyRule(r) &&
      clusterMatches(r, dest) &&
      fieldMatches(r.namespace, dest.namespace),
  );
  const denied = rules.some(r => {
    if (!isDenyRule(r)) {
      return false;
    }
    // A deny rule rejects a destination its patterns (negation stripped) describe.
    const clusterDenied = clusterMatches(r, dest);
    const namespaceDenied = fieldMatches(r.namespace, dest.namespace);
    return clusterDenied && namespaceDenied;
  });
  if (allowed && !denied) {
    return PERMITTED;
  }
  const cluster = dest.server
    ? `server '${dest.server}'`
    : `cluster '${dest.name ?? ''}'`;
  return {
    permitted: false,
    message: `application destination ${cluster} and namespace '${
      dest.namespace ?? ''
    }' do not match any of the allowed destinations in project '${
      project.metadata.name
    }'`,
  };
}

/** A resource kind as the checks see it. */
export interface ResourceKind {
  group: string;
  kind: string;
  namespaced: boolean;
  /** Name of the resource, for whitelist entries that restrict names. */
  name?: string;
}

type GroupKindRule = GroupKind & { name?: string };

function inList(list: GroupKindRule[], res: ResourceKind): boolean {
  return list.some(
    item =>
      globMatch(item.group ?? '', res.group) &&
      globMatch(item.kind ?? '', res.kind) &&
      (!item.name || globMatch(item.name, res.name ?? '')),
  );
}

/** Checks a resource kind against the project's cluster/namespace white- and blacklists. */
export function checkResourcePermitted(
  project: AppProject,
  res: ResourceKind,
): PermissionResult {
  const spec = project.spec;
  let permitted: boolean;
  if (res.namespaced) {
    const whitelist = spec.namespaceResourceWhitelist as
      | GroupKindRule[]
      | undefined;
    const blacklist = (spec.namespaceResourceBlacklist ??
      []) as GroupKindRule[];
    // An absent whitelist allows every namespaced kind; an empty one allows none.
    const whitelisted =
      whitelist === undefined || whitelist === null || inList(whitelist, res);
    permitted = whitelisted && !inList(blacklist, res);
  } else {
    const whitelist = (spec.clusterResourceWhitelist ?? []) as GroupKindRule[];
    const blacklist = (spec.clusterResourceBlacklist ?? []) as GroupKindRule[];
    permitted = inList(whitelist, res) && !inList(blacklist, res);
  }
  if (permitted) {
    return PERMITTED;
  }
  return {
    permitted: false,
    message: `resource ${res.group}:${res.kind} is not permitted in project ${project.metadata.name}`,
  };
}

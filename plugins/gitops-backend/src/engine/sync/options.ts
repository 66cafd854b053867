/**
 * Argo CD sync options (`syncPolicy.syncOptions`, the operation's options and a resource's
 * `argocd.argoproj.io/sync-options` annotation), parsed into typed flags. Later sources
 * override earlier ones key by key: app options, then operation options, then the resource's
 * annotation.
 */

export type PropagationPolicy = 'foreground' | 'background' | 'orphan';

export interface SyncOptions {
  /** `Prune=false`: never prune this resource. */
  prune: boolean;
  /** `Prune=confirm`: prune only after explicit confirmation. */
  pruneConfirm: boolean;
  /** `Delete=false`: keep the resource when the Application is deleted. */
  delete: boolean;
  /** `Delete=confirm`: delete only after explicit confirmation. */
  deleteConfirm: boolean;
  /** `PruneLast=true`: prune after every wave has been applied and is healthy. */
  pruneLast: boolean;
  /** `CreateNamespace=true`: create the destination namespace when missing. */
  createNamespace: boolean;
  /** `PrunePropagationPolicy=...` (default foreground). */
  prunePropagationPolicy: PropagationPolicy;
  /** `ApplyOutOfSyncOnly=true`: skip resources already Synced. */
  applyOutOfSyncOnly: boolean;
  /** `ServerSideApply=true`. */
  serverSideApply: boolean;
  /** `Replace=true`: replace/create instead of apply. */
  replace: boolean;
  /** `Force=true`: delete and recreate when replace or apply is refused. */
  force: boolean;
  /** `Validate=false` turns schema validation off. */
  validate: boolean;
  /** `SkipDryRunOnMissingResource=true`: do not dry-run kinds the cluster does not know yet. */
  skipDryRunOnMissingResource: boolean;
  /** `RespectIgnoreDifferences=true`: keep ignored fields' live values when applying. */
  respectIgnoreDifferences: boolean;
  /** `FailOnSharedResource=true`: fail when a resource is tracked by another Application. */
  failOnSharedResource: boolean;
  /** Options that were not recognized (kept so they can be reported). */
  unrecognized: string[];
}

export const DEFAULT_SYNC_OPTIONS: Readonly<SyncOptions> = Object.freeze({
  prune: true,
  pruneConfirm: false,
  delete: true,
  deleteConfirm: false,
  pruneLast: false,
  createNamespace: false,
  prunePropagationPolicy: 'foreground',
  applyOutOfSyncOnly: false,
  serverSideApply: false,
  replace: false,
  force: false,
  validate: true,
  skipDryRunOnMissingResource: false,
  respectIgnoreDifferences: false,
  failOnSharedResource: false,
  unrecognized: [] as string[],
});

type BooleanKey = Exclude<
  keyof SyncOptions,
  | 'prunePropagationPolicy'
  | 'unrecognized'
  | 'prune'
  | 'delete'
  | 'pruneConfirm'
  | 'deleteConfirm'
>;

const BOOLEAN_OPTIONS: Record<string, BooleanKey> = {
  prunelast: 'pruneLast',
  createnamespace: 'createNamespace',
  applyoutofsynconly: 'applyOutOfSyncOnly',
  serversideapply: 'serverSideApply',
  replace: 'replace',
  force: 'force',
  validate: 'validate',
  skipdryrunonmissingresource: 'skipDryRunOnMissingResource',
  respectignoredifferences: 'respectIgnoreDifferences',
  failonsharedresource: 'failOnSharedResource',
};

function parseBool(value: string): boolean | undefined {
  const v = value.trim().toLowerCase();
  if (v === 'true') return true;
  if (v === 'false') return false;
  return undefined;
}

/** Applies one `Key=Value` option onto `out`; returns false when not understood. */
function applyOption(out: SyncOptions, option: string): boolean {
  const eq = option.indexOf('=');
  if (eq <= 0) return false;
  const key = option.slice(0, eq).trim().toLowerCase();
  const value = option.slice(eq + 1).trim();
  if (key === 'prune' || key === 'delete') {
    const confirm = value.toLowerCase() === 'confirm';
    const bool = parseBool(value);
    if (!confirm && bool === undefined) return false;
    if (key === 'prune') {
      out.prune = confirm ? true : bool!;
      out.pruneConfirm = confirm;
    } else {
      out.delete = confirm ? true : bool!;
      out.deleteConfirm = confirm;
    }
    return true;
  }
  if (key === 'prunepropagationpolicy') {
    const policy = value.toLowerCase();
    if (
      policy !== 'foreground' &&
      policy !== 'background' &&
      policy !== 'orphan'
    )
      return false;
    out.prunePropagationPolicy = policy;
    return true;
  }
  const field = BOOLEAN_OPTIONS[key];
  const bool = parseBool(value);
  if (!field || bool === undefined) return false;
  out[field] = bool;
  return true;
}

/** Splits the annotation form (`A=b,C=d`). */
export function splitOptionsAnnotation(
  annotation: string | undefined,
): string[] {
  return (annotation ?? '')
    .split(',')
    .map(s => s.trim())
    .filter(s => s !== '');
}

/**
 * Parses sync options. `appOptions` are the Application's (and/or operation's) options in
 * order; `resourceAnnotation` is a resource's `argocd.argoproj.io/sync-options` value, which
 * overrides them.
 */
export function parseSyncOptions(
  appOptions: readonly string[] | undefined,
  resourceAnnotation?: string,
): SyncOptions {
  const out: SyncOptions = { ...DEFAULT_SYNC_OPTIONS, unrecognized: [] };
  for (const option of [
    ...(appOptions ?? []),
    ...splitOptionsAnnotation(resourceAnnotation),
  ]) {
    if (!applyOption(out, option)) {
      out.unrecognized.push(option);
    }
  }
  return out;
}

/**
 * Pure helpers the Application controller and REST API share: the list summary of an
 * Application, revision history bookkeeping, spec validation with clear messages, and the
 * rollback precondition.
 */
import type {
  Application,
  ApplicationSource,
  ApplicationSummary,
  RevisionHistory,
} from '@gitops-suite/plugin-gitops-common';
import { parseDuration } from './duration';
import { isRecord } from './objects';

/** Argo CD keeps this many history entries when `revisionHistoryLimit` is unset. */
export const DEFAULT_REVISION_HISTORY_LIMIT = 10;

const HIDDEN_ANNOTATIONS = ['kubectl.kubernetes.io/last-applied-configuration'];

/** True when automated sync is on (`automated` present and not `enabled: false`). */
export function isAutoSyncEnabled(app: Application): boolean {
  const automated = app.spec?.syncPolicy?.automated;
  return !!automated && automated.enabled !== false;
}

/** The sources of an Application (`sources` wins over `source`, as in Argo CD). */
export function sourcesOf(app: Application): ApplicationSource[] {
  if (app.spec?.sources && app.spec.sources.length > 0) {
    return app.spec.sources;
  }
  return app.spec?.source ? [app.spec.source] : [];
}

/** The `ApplicationSummary` REST shape of an Application. */
export function applicationSummary(app: Application): ApplicationSummary {
  const status = app.status ?? {};
  const automated = app.spec?.syncPolicy?.automated;
  const autoSync = isAutoSyncEnabled(app);
  const sources = sourcesOf(app);
  const history = status.history ?? [];
  const lastHistory =
    history.length > 0 ? history[history.length - 1] : undefined;
  const op = status.operationState;
  const annotations = { ...(app.metadata.annotations ?? {}) };
  for (const hidden of HIDDEN_ANNOTATIONS) {
    delete annotations[hidden];
  }
  const summary: ApplicationSummary = {
    name: app.metadata.name,
    namespace: app.metadata.namespace ?? '',
    project: app.spec?.project ?? '',
    destination: {
      ...(app.spec?.destination ?? {}),
      cluster: app.spec?.destination?.name ?? app.spec?.destination?.server,
    },
    sync: status.sync?.status ?? 'Unknown',
    health: status.health?.status ?? 'Unknown',
    autoSync,
    prune: autoSync && !!automated?.prune,
    selfHeal: autoSync && !!automated?.selfHeal,
    conditions: status.conditions ?? [],
    labels: { ...(app.metadata.labels ?? {}) },
    annotations,
    resourceCount: status.resources?.length ?? 0,
  };
  if (app.spec?.source) summary.source = app.spec.source;
  if (app.spec?.sources) summary.sources = app.spec.sources;
  if (status.health?.message) summary.healthMessage = status.health.message;
  const revision = status.sync?.revision ?? status.sync?.revisions?.[0];
  if (revision) summary.revision = revision;
  summary.targetRevision = sources[0]?.targetRevision || 'HEAD';
  if (op?.phase) summary.operationPhase = op.phase;
  const lastSyncedAt =
    lastHistory?.deployedAt ??
    (op?.phase === 'Succeeded' ? op.finishedAt : undefined);
  if (lastSyncedAt) summary.lastSyncedAt = lastSyncedAt;
  if (status.reconciledAt) summary.reconciledAt = status.reconciledAt;
  return summary;
}

/**
 * Appends a deployment to the history with the next id, keeping the newest `limit` entries
 * (Argo CD's `revisionHistoryLimit`, default 10). Returns a new array.
 */
export function appendHistory(
  history: readonly RevisionHistory[] | undefined,
  entry: Omit<RevisionHistory, 'id'>,
  limit: number = DEFAULT_REVISION_HISTORY_LIMIT,
): RevisionHistory[] {
  if (!Number.isInteger(limit) || limit < 0) {
    throw new Error(
      `revisionHistoryLimit must be a non-negative integer, got ${limit}`,
    );
  }
  const existing = history ?? [];
  const nextId = existing.reduce((max, h) => Math.max(max, h.id + 1), 0);
  const all = [...existing, { ...entry, id: nextId }];
  return limit === 0 ? [] : all.slice(Math.max(0, all.length - limit));
}

const REPO_URL =
  /^(https?:\/\/[^\s/]+\S*|ssh:\/\/\S+|git:\/\/\S+|file:\/\/\S+|oci:\/\/\S+|[\w.-]+@[\w.-]+:\S+)$/;
const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

function validateSource(
  source: unknown,
  where: string,
  errors: string[],
): void {
  if (!isRecord(source)) {
    errors.push(`${where} must be an object`);
    return;
  }
  if (typeof source.repoURL !== 'string' || source.repoURL.trim() === '') {
    errors.push(`${where}.repoURL is required`);
  } else if (!REPO_URL.test(source.repoURL.trim())) {
    errors.push(
      `${where}.repoURL "${source.repoURL}" is not a repository URL (expected https://, ssh://, git@host:path, file:// or oci://)`,
    );
  }
  if (source.path !== undefined && typeof source.path !== 'string') {
    errors.push(`${where}.path must be a string`);
  } else if (
    typeof source.path === 'string' &&
    source.path.split('/').includes('..')
  ) {
    errors.push(
      `${where}.path "${source.path}" must stay inside the repository (no "..")`,
    );
  }
  if (
    source.chart !== undefined &&
    (typeof source.chart !== 'string' || source.chart === '')
  ) {
    errors.push(`${where}.chart must be a non-empty string`);
  }
  if (
    typeof source.chart === 'string' &&
    typeof source.path === 'string' &&
    source.path !== ''
  ) {
    errors.push(`${where} cannot have both chart and path`);
  }
  const kinds = ['helm', 'kustomize', 'directory', 'plugin'].filter(
    k => source[k] !== undefined,
  );
  if (kinds.length > 1) {
    errors.push(
      `${where} has multiple source types (${kinds.join(', ')}); use only one`,
    );
  }
}

/**
 * Validates an Application manifest; returns readable errors (empty when valid). Accepts any
 * input so it can vet user-provided YAML before it reaches the controller.
 */
export function validateApplication(obj: unknown): string[] {
  const errors: string[] = [];
  if (!isRecord(obj)) {
    return ['Application must be an object'];
  }
  if (obj.apiVersion !== 'argoproj.io/v1alpha1') {
    errors.push(
      `apiVersion must be argoproj.io/v1alpha1, got ${JSON.stringify(
        obj.apiVersion,
      )}`,
    );
  }
  if (obj.kind !== 'Application') {
    errors.push(`kind must be Application, got ${JSON.stringify(obj.kind)}`);
  }
  const metadata = obj.metadata;
  if (
    !isRecord(metadata) ||
    typeof metadata.name !== 'string' ||
    metadata.name === ''
  ) {
    errors.push('metadata.name is required');
  } else if (!NAME.test(metadata.name) || metadata.name.length > 253) {
    errors.push(
      `metadata.name "${metadata.name}" must be lowercase letters, digits, "-" or "." (at most 253 characters)`,
    );
  }
  const spec = obj.spec;
  if (!isRecord(spec)) {
    errors.push('spec is required');
    return errors;
  }
  if (typeof spec.project !== 'string' || spec.project.trim() === '') {
    errors.push('spec.project is required');
  }

  const dest = spec.destination;
  if (!isRecord(dest)) {
    errors.push('spec.destination is required');
  } else {
    const server = typeof dest.server === 'string' ? dest.server : '';
    const name = typeof dest.name === 'string' ? dest.name : '';
    if (server && name) {
      errors.push(
        `application destination can't have both name and server defined: ${name} ${server}`,
      );
    } else if (!server && !name) {
      errors.push('spec.destination needs a server or a name');
    }
    if (server && !/^https?:\/\/\S+$/.test(server)) {
      errors.push(`spec.destination.server "${server}" must be an http(s) URL`);
    }
    if (dest.namespace !== undefined && typeof dest.namespace !== 'string') {
      errors.push('spec.destination.namespace must be a string');
    }
  }

  const hasSource = spec.source !== undefined && spec.source !== null;
  const hasSources = Array.isArray(spec.sources) && spec.sources.length > 0;
  if (hasSource && hasSources) {
    errors.push('spec.source and spec.sources cannot both be set');
  } else if (!hasSource && !hasSources) {
    errors.push('spec.source or spec.sources is required');
  }
  if (hasSource) validateSource(spec.source, 'spec.source', errors);
  if (spec.sources !== undefined && !Array.isArray(spec.sources)) {
    errors.push('spec.sources must be a list');
  } else if (hasSources) {
    (spec.sources as unknown[]).forEach((s, i) =>
      validateSource(s, `spec.sources[${i}]`, errors),
    );
  }

  const limit = spec.revisionHistoryLimit;
  if (
    limit !== undefined &&
    (!Number.isInteger(limit) || (limit as number) < 0)
  ) {
    errors.push('spec.revisionHistoryLimit must be a non-negative integer');
  }

  const policy = spec.syncPolicy;
  if (policy !== undefined && !isRecord(policy)) {
    errors.push('spec.syncPolicy must be an object');
  } else if (isRecord(policy)) {
    if (policy.syncOptions !== undefined) {
      if (!Array.isArray(policy.syncOptions)) {
        errors.push('spec.syncPolicy.syncOptions must be a list');
      } else {
        for (const opt of policy.syncOptions) {
          if (typeof opt !== 'string' || !/^[A-Za-z]+=\S+$/.test(opt)) {
            errors.push(
              `spec.syncPolicy.syncOptions entry ${JSON.stringify(
                opt,
              )} must look like Name=value`,
            );
          }
        }
      }
    }
    const retry = policy.retry;
    if (isRecord(retry)) {
      if (retry.limit !== undefined && !Number.isInteger(retry.limit)) {
        errors.push('spec.syncPolicy.retry.limit must be an integer');
      }
      const backoff = retry.backoff;
      if (isRecord(backoff)) {
        for (const field of ['duration', 'maxDuration'] as const) {
          const value = backoff[field];
          if (value === undefined) continue;
          try {
            parseDuration(value as string);
          } catch (e) {
            errors.push(
              `spec.syncPolicy.retry.backoff.${field}: ${(e as Error).message}`,
            );
          }
        }
        if (
          backoff.factor !== undefined &&
          (typeof backoff.factor !== 'number' || backoff.factor < 1)
        ) {
          errors.push(
            'spec.syncPolicy.retry.backoff.factor must be a number >= 1',
          );
        }
      }
    }
  }

  if (spec.ignoreDifferences !== undefined) {
    if (!Array.isArray(spec.ignoreDifferences)) {
      errors.push('spec.ignoreDifferences must be a list');
    } else {
      spec.ignoreDifferences.forEach((rule, i) => {
        if (
          !isRecord(rule) ||
          typeof rule.kind !== 'string' ||
          rule.kind === ''
        ) {
          errors.push(`spec.ignoreDifferences[${i}].kind is required`);
        }
      });
    }
  }
  return errors;
}

/** Whether a rollback may start, with Argo CD's refusal messages. */
export function rollbackAllowed(
  app: Application,
): { allowed: true } | { allowed: false; message: string } {
  if (isAutoSyncEnabled(app)) {
    return {
      allowed: false,
      message: 'rollback cannot be initiated when auto-sync is enabled',
    };
  }
  if ((app.spec?.sources?.length ?? 0) > 0) {
    return {
      allowed: false,
      message:
        'rollback is not supported for applications with multiple sources',
    };
  }
  return { allowed: true };
}

/** The history entry with an id, or a clear error. */
export function findHistory(app: Application, id: number): RevisionHistory {
  const entry = (app.status?.history ?? []).find(h => h.id === id);
  if (!entry) {
    throw new Error(
      `application ${app.metadata.name} does not have deployment with id ${id}`,
    );
  }
  return entry;
}

/**
 * The REST API at /api/gitops, validated against the OpenAPI document
 * (src/schema/openapi.yaml). Handlers are thin: they check permissions, write audit
 * records and hand requests to the engine — as Argo CD's API server does, by recording
 * them on the Application (`operation`, the refresh annotation, a terminating phase), so
 * whichever replica reconciles that Application carries them out.
 */
import type {
  AuditorService,
  BackstageCredentials,
  HttpAuthService,
  LoggerService,
  PermissionsRegistryService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import {
  AuthorizeResult,
  type BasicPermission,
  type ConditionalPolicyDecision,
  type ResourcePermission,
} from '@backstage/plugin-permission-common';
import { createConditionTransformer } from '@backstage/plugin-permission-node';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import {
  ANNOTATION_ARGOCD_APP_NAME,
  ANNOTATION_ARGOCD_APP_NAMESPACE,
  ANNOTATION_ARGOCD_APP_SELECTOR,
  ANNOTATION_ARGOCD_INSTANCE_NAME,
  ANNOTATION_ARGOCD_PROJECT_NAME,
  ANNOTATION_REFRESH,
  gitopsAdminReadPermission,
  gitopsApplicationReadPermission,
  gitopsApplicationRefreshPermission,
  gitopsApplicationRollbackPermission,
  gitopsApplicationSyncPermission,
  gitopsApplicationTerminatePermission,
  type Application,
  type HealthResponse,
  type ListApplicationsResponse,
  type Operation,
  type ResourceNode,
} from '@gitops-suite/plugin-gitops-common';
import express, { type Request, type Router } from 'express';
import type { GitopsEngine } from '../GitopsEngine';
import type { ApplicationController } from '../controller/ApplicationController';
import {
  applicationSummary,
  findHistory,
  matchesSelector,
  parseSelector,
  rollbackAllowed,
  sourcesOf,
} from '../engine';
import { sameRepository } from '../git';
import { createOpenApiRouter } from '../schema/openapi.generated';
import { applicationResourceRef, type ApplicationFilter } from './permissionRules';
import { parseWebhook, WebhookError } from './webhook';

export interface RouterOptions {
  logger: LoggerService;
  health: () => Promise<HealthResponse>;
  engine?: GitopsEngine;
  httpAuth?: HttpAuthService;
  permissions?: PermissionsService;
  permissionsRegistry?: PermissionsRegistryService;
  auditor?: AuditorService;
  catalog?: CatalogService;
  /** Check every response against the OpenAPI document too (tests turn this on). */
  validateResponses?: boolean;
}

type RawBodyRequest = Request & { rawBody?: Buffer };

const FULL_SHA = /^[0-9a-f]{40}$/;
const MAX_PAGE = 500;

export async function createRouter(options: RouterOptions): Promise<Router> {
  const router = await createOpenApiRouter({
    validatorOptions: { validateResponses: options.validateResponses ?? false },
    // Keep the raw body: webhook signatures are computed over the exact bytes sent.
    middleware: [
      express.json({
        limit: '5mb',
        verify: (req, _res, buf) => {
          (req as RawBodyRequest).rawBody = Buffer.from(buf);
        },
      }),
    ],
  });
  const { engine, httpAuth, permissions, auditor } = options;

  const controller = (): ApplicationController => {
    if (!engine?.controller) {
      throw new ServiceUnavailableError('the sync engine is disabled: no clusters are configured (gitops.clusters)');
    }
    return engine.controller;
  };
  const controlResources = () => engine!.registry!.control.resources;

  const credentialsOf = async (req: Request): Promise<BackstageCredentials | undefined> =>
    httpAuth ? httpAuth.credentials(req as any) : undefined;

  const actorOf = (credentials: BackstageCredentials | undefined): string => {
    const principal = credentials?.principal as { type?: string; userEntityRef?: string; subject?: string } | undefined;
    if (principal?.type === 'user') return principal.userEntityRef ?? 'user:unknown';
    if (principal?.type === 'service') return `service:${principal.subject}`;
    return 'anonymous';
  };

  const appRef = (name: string) => `${controller().namespace}/${name}`;

  async function authorize(
    req: Request,
    permission: ResourcePermission<'gitops-application'> | BasicPermission,
    action: string,
    target: string,
  ): Promise<BackstageCredentials | undefined> {
    const credentials = await credentialsOf(req);
    if (!permissions || !credentials) return credentials;
    const request =
      permission.type === 'resource' ? { permission, resourceRef: target.replace(/^application:/, '') } : { permission };
    const [decision] = await permissions.authorize([request as any], { credentials });
    if (decision.result !== AuthorizeResult.ALLOW) {
      await engine?.store
        .audit({ actor: actorOf(credentials), action, target, result: 'denied', message: `${permission.name} denied` })
        .catch(() => undefined);
      throw new NotAllowedError(`${actorOf(credentials)} is not allowed to ${permission.name} on ${target}`);
    }
    return credentials;
  }

  /** Runs a mutating action with an audit trail (database record and Backstage auditor event). */
  async function audited<T>(req: Request, credentials: BackstageCredentials | undefined, action: string, target: string, fn: () => Promise<T>): Promise<T> {
    const event = await auditor?.createEvent({
      eventId: `gitops-${action.replace(/\./g, '-')}`,
      severityLevel: 'medium',
      request: req as any,
      meta: { target },
    });
    const actor = actorOf(credentials);
    try {
      const result = await fn();
      await event?.success();
      await engine?.store.audit({ actor, action, target, result: 'succeeded' });
      return result;
    } catch (error) {
      await event?.fail({ error: error as Error });
      await engine?.store
        .audit({ actor, action, target, result: 'failed', message: (error as Error).message })
        .catch(() => undefined);
      throw error;
    }
  }

  function requireApp(name: string): Application {
    const app = controller().application(name);
    if (!app) throw new NotFoundError(`application ${name} not found in namespace ${controller().namespace}`);
    return app;
  }

  async function readFilter(req: Request): Promise<ApplicationFilter> {
    const credentials = await credentialsOf(req);
    if (!permissions || !credentials || !options.permissionsRegistry) return () => true;
    const [decision] = await permissions.authorizeConditional([{ permission: gitopsApplicationReadPermission }], { credentials });
    if (decision.result === AuthorizeResult.ALLOW) return () => true;
    if (decision.result === AuthorizeResult.DENY) return () => false;
    const transform = createConditionTransformer(options.permissionsRegistry.getPermissionRuleset(applicationResourceRef));
    return toPredicate(transform((decision as ConditionalPolicyDecision).conditions));
  }

  async function entityFilter(req: Request, entityRef: string): Promise<ApplicationFilter> {
    if (!options.catalog) throw new InputError('entityRef filters need the catalog');
    const credentials = await credentialsOf(req);
    const entity = await options.catalog.getEntityByRef(entityRef, { credentials: credentials! });
    if (!entity) throw new NotFoundError(`entity ${entityRef} not found in the catalog`);
    const annotations = entity.metadata.annotations ?? {};
    const names = (annotations[ANNOTATION_ARGOCD_APP_NAME] ?? '')
      .split(',')
      .map(n => n.trim())
      .filter(Boolean);
    const selector = annotations[ANNOTATION_ARGOCD_APP_SELECTOR];
    const namespace = annotations[ANNOTATION_ARGOCD_APP_NAMESPACE];
    const project = annotations[ANNOTATION_ARGOCD_PROJECT_NAME];
    const instance = annotations[ANNOTATION_ARGOCD_INSTANCE_NAME];
    if (names.length === 0 && !selector) return () => false;
    let requirements: ReturnType<typeof parseSelector> = [];
    try {
      requirements = selector ? parseSelector(selector) : [];
    } catch (error) {
      throw new InputError(`entity ${entityRef}: ${ANNOTATION_ARGOCD_APP_SELECTOR}: ${(error as Error).message}`);
    }
    return app =>
      (names.length > 0 ? names.includes(app.metadata.name) : matchesSelector(requirements, app.metadata.labels ?? {})) &&
      (!namespace || namespace === app.metadata.namespace) &&
      (!project || project === app.spec?.project) &&
      (!instance || instance === app.spec?.destination?.name || instance === app.spec?.destination?.server ||
        instance === controller().clusterOf(app)?.name);
  }

  router.get('/health', async (_req, res) => {
    res.json(await options.health());
  });

  router.get('/applications', async (req, res) => {
    const q = req.query;
    const canRead = await readFilter(req);
    const filters: ApplicationFilter[] = [canRead];
    if (q.project) filters.push(app => (app.spec?.project ?? 'default') === q.project);
    if (q.namespace) filters.push(app => app.spec?.destination?.namespace === q.namespace);
    if (q.cluster) {
      filters.push(app => {
        const cluster = controller().clusterOf(app);
        return app.spec?.destination?.server === q.cluster || app.spec?.destination?.name === q.cluster || cluster?.name === q.cluster;
      });
    }
    if (q.selector) {
      let requirements: ReturnType<typeof parseSelector>;
      try {
        requirements = parseSelector(q.selector);
      } catch (error) {
        throw new InputError(`selector: ${(error as Error).message}`);
      }
      filters.push(app => matchesSelector(requirements, app.metadata.labels ?? {}));
    }
    if (q.search) {
      const needle = q.search.toLowerCase();
      filters.push(app => app.metadata.name.toLowerCase().includes(needle));
    }
    if (q.entityRef) filters.push(await entityFilter(req, q.entityRef));

    const matching = controller()
      .applications()
      .filter(app => filters.every(f => f(app)));
    const counts: ListApplicationsResponse['counts'] = { sync: {}, health: {} };
    for (const app of matching) {
      const sync = app.status?.sync?.status ?? 'Unknown';
      const health = app.status?.health?.status ?? 'Unknown';
      counts.sync[sync] = (counts.sync[sync] ?? 0) + 1;
      counts.health[health] = (counts.health[health] ?? 0) + 1;
    }
    const filtered = matching
      .filter(app => !q.sync || (app.status?.sync?.status ?? 'Unknown') === q.sync)
      .filter(app => !q.health || (app.status?.health?.status ?? 'Unknown') === q.health)
      .sort((a, b) => byCodePoint(a.metadata.name, b.metadata.name));
    const limit = Math.min(Math.max(Number(q.limit ?? 100) || 100, 1), MAX_PAGE);
    let start = 0;
    if (q.cursor) {
      const after = Buffer.from(q.cursor, 'base64url').toString('utf8');
      start = filtered.findIndex(app => byCodePoint(app.metadata.name, after) > 0);
      if (start < 0) start = filtered.length;
    }
    const page = filtered.slice(start, start + limit);
    const response: ListApplicationsResponse = {
      items: page.map(applicationSummary),
      totalCount: filtered.length,
      counts,
    };
    if (start + limit < filtered.length) {
      response.nextCursor = Buffer.from(page[page.length - 1].metadata.name).toString('base64url');
    }
    res.json(response as any);
  });

  router.get('/applications/:name', async (req, res) => {
    const app = requireApp(req.params.name);
    await authorize(req, gitopsApplicationReadPermission, 'application.read', `application:${appRef(app.metadata.name)}`);
    res.json({ summary: applicationSummary(app) as any, application: app as any });
  });

  router.get('/applications/:name/resources', async (req, res) => {
    const app = requireApp(req.params.name);
    await authorize(req, gitopsApplicationReadPermission, 'application.read', `application:${appRef(app.metadata.name)}`);
    const cluster = controller().clusterOf(app);
    const nodes: ResourceNode[] = [];
    if (cluster) {
      const statusByKey = new Map(
        (app.status?.resources ?? []).map(r => [`${r.group ?? ''}/${r.kind}/${r.namespace ?? ''}/${r.name}`, r]),
      );
      const seen = new Set<string>();
      const visit = (key: string, parentRefs: string[], depth: number) => {
        const entry = cluster.cache.get(key);
        if (!entry || seen.has(key) || depth > 8) return;
        seen.add(key);
        const status = statusByKey.get(key);
        nodes.push({
          uid: entry.uid,
          group: entry.group,
          version: entry.version,
          kind: entry.kind,
          namespace: entry.namespace,
          name: entry.name,
          parentRefs,
          ...(status?.status ? { status: status.status } : {}),
          ...(entry.health ? { health: entry.health as ResourceNode['health'] } : {}),
          ...(status?.requiresPruning ? { requiresPruning: true } : {}),
          ...(status?.syncWave ? { syncWave: status.syncWave } : {}),
          ...(entry.images ? { images: entry.images } : {}),
          ...(entry.createdAt ? { createdAt: entry.createdAt } : {}),
        });
        for (const child of cluster.cache.childrenOf(entry.uid)) visit(child.key, [key], depth + 1);
      };
      for (const key of statusByKey.keys()) visit(key, [], 0);
      // Resources Git declares but the cluster lacks still belong in the tree.
      for (const [key, r] of statusByKey) {
        if (seen.has(key)) continue;
        nodes.push({
          group: r.group ?? '',
          version: r.version ?? '',
          kind: r.kind,
          namespace: r.namespace ?? '',
          name: r.name,
          parentRefs: [],
          ...(r.status ? { status: r.status } : {}),
          ...(r.health ? { health: r.health } : {}),
        });
      }
    }
    res.json({ nodes: nodes as any });
  });

  router.get('/applications/:name/diff', async (req, res) => {
    const app = requireApp(req.params.name);
    await authorize(req, gitopsApplicationReadPermission, 'application.read', `application:${appRef(app.metadata.name)}`);
    let comparison;
    try {
      comparison = await controller().comparisonDetails(app.metadata.name);
    } catch (error) {
      throw new ConflictError(`the application cannot be compared: ${(error as Error).message}`);
    }
    res.json({
      ...(app.status?.sync?.revision ? { revision: app.status.sync.revision } : {}),
      resources: (comparison?.resources ?? []).map(r => ({
        group: r.group,
        kind: r.kind,
        namespace: r.namespace,
        name: r.name,
        status: r.result.status,
        ...(r.details?.liveYaml ? { live: r.details.liveYaml } : {}),
        ...(r.details?.desiredYaml ? { desired: r.details.desiredYaml } : {}),
        diff: r.details?.diff ?? '',
        ...(r.result.requiresPruning ? { requiresPruning: true } : {}),
      })),
    });
  });

  router.get('/applications/:name/history', async (req, res) => {
    const app = requireApp(req.params.name);
    await authorize(req, gitopsApplicationReadPermission, 'application.read', `application:${appRef(app.metadata.name)}`);
    res.json({ items: (app.status?.history ?? []) as any });
  });

  router.get('/applications/:name/operation', async (req, res) => {
    const app = requireApp(req.params.name);
    await authorize(req, gitopsApplicationReadPermission, 'application.read', `application:${appRef(app.metadata.name)}`);
    const state = app.status?.operationState;
    const log = state ? await engine!.store.operationLog(appRef(app.metadata.name), state.startedAt) : [];
    res.json({ ...(state ? { operationState: state as any } : {}), log: log as any });
  });

  /** Records an operation on the Application for its owner replica to run. */
  async function requestOperation(app: Application, operation: Operation) {
    const state = app.status?.operationState;
    if (app.operation || state?.phase === 'Running' || state?.phase === 'Terminating') {
      throw new ConflictError(`another operation is already in progress on application ${app.metadata.name}`);
    }
    await controlResources().patch('argoproj.io/v1alpha1', 'Application', app.metadata.namespace, app.metadata.name, 'merge', {
      operation,
    });
  }

  router.post('/applications/:name/sync', async (req, res) => {
    const app = requireApp(req.params.name);
    const target = `application:${appRef(app.metadata.name)}`;
    const credentials = await authorize(req, gitopsApplicationSyncPermission, 'application.sync', target);
    const body = req.body ?? {};
    await audited(req, credentials, 'application.sync', target, async () => {
      let revision: string | undefined = body.revision;
      if (revision && !FULL_SHA.test(revision)) {
        const source = sourcesOf(app)[0];
        try {
          revision = (await engine!.git.resolveRevision(source.repoURL, revision)).sha;
        } catch (error) {
          throw new InputError((error as Error).message);
        }
      }
      await requestOperation(app, {
        initiatedBy: { username: actorOf(credentials) },
        sync: {
          ...(revision ? { revision } : {}),
          ...(body.prune !== undefined ? { prune: body.prune } : {}),
          ...(body.dryRun ? { dryRun: true } : {}),
          ...(body.resources ? { resources: body.resources } : {}),
          ...(body.syncOptions ? { syncOptions: body.syncOptions } : {}),
        },
        ...(app.spec.syncPolicy?.retry ? { retry: app.spec.syncPolicy.retry } : {}),
      });
    });
    res.status(202).json({ application: app.metadata.name, message: body.dryRun ? 'dry-run sync requested' : 'sync requested' });
  });

  router.post('/applications/:name/refresh', async (req, res) => {
    const app = requireApp(req.params.name);
    const target = `application:${appRef(app.metadata.name)}`;
    const credentials = await authorize(req, gitopsApplicationRefreshPermission, 'application.refresh', target);
    const hard = Boolean(req.body?.hard);
    await audited(req, credentials, hard ? 'application.refresh.hard' : 'application.refresh', target, async () => {
      if (hard) for (const source of sourcesOf(app)) controller().invalidateRepository(source.repoURL);
      await controlResources().patch('argoproj.io/v1alpha1', 'Application', app.metadata.namespace, app.metadata.name, 'merge', {
        metadata: { annotations: { [ANNOTATION_REFRESH]: hard ? 'hard' : 'normal' } },
      });
    });
    res.status(202).json({ application: app.metadata.name, message: hard ? 'hard refresh requested' : 'refresh requested' });
  });

  router.post('/applications/:name/rollback', async (req, res) => {
    const app = requireApp(req.params.name);
    const target = `application:${appRef(app.metadata.name)}`;
    const credentials = await authorize(req, gitopsApplicationRollbackPermission, 'application.rollback', target);
    const body = req.body;
    await audited(req, credentials, 'application.rollback', target, async () => {
      const allowed = rollbackAllowed(app);
      if (!allowed.allowed) throw new ConflictError(allowed.message);
      let entry;
      try {
        entry = findHistory(app, body.id);
      } catch (error) {
        throw new NotFoundError((error as Error).message);
      }
      await requestOperation(app, {
        initiatedBy: { username: actorOf(credentials) },
        sync: {
          revision: entry.revision,
          ...(entry.source ? { source: entry.source } : {}),
          ...(body.prune !== undefined ? { prune: body.prune } : {}),
          ...(body.dryRun ? { dryRun: true } : {}),
        },
      });
    });
    res.status(202).json({ application: app.metadata.name, message: `rollback to history id ${body.id} requested` });
  });

  router.post('/applications/:name/terminate', async (req, res) => {
    const app = requireApp(req.params.name);
    const target = `application:${appRef(app.metadata.name)}`;
    const credentials = await authorize(req, gitopsApplicationTerminatePermission, 'application.terminate', target);
    await audited(req, credentials, 'application.terminate', target, async () => {
      if (app.status?.operationState?.phase !== 'Running') {
        throw new ConflictError('Unable to terminate operation. No operation is in progress');
      }
      await controlResources().patch('argoproj.io/v1alpha1', 'Application', app.metadata.namespace, app.metadata.name, 'merge', {
        status: { operationState: { phase: 'Terminating' } },
      });
    });
    res.status(202).json({ application: app.metadata.name, message: 'termination requested' });
  });

  router.post('/webhook', async (req, res) => {
    let event;
    try {
      event = parseWebhook(req.headers, (req as RawBodyRequest).rawBody, engine?.config.webhook ?? {});
    } catch (error) {
      if (error instanceof WebhookError) {
        await engine?.store
          .audit({ actor: 'webhook', action: 'webhook.receive', target: 'webhook', result: 'denied', message: error.message })
          .catch(() => undefined);
        res.status(error.status).json({ error: { name: error.status === 401 ? 'AuthenticationError' : 'InputError', message: error.message } });
        return;
      }
      throw error;
    }
    const refreshed: string[] = [];
    if (event.isPush && engine?.controller) {
      for (const url of event.repoURLs) controller().invalidateRepository(url);
      for (const app of controller().applications()) {
        const matches = sourcesOf(app).some(source => {
          if (!event!.repoURLs.some(url => safeSameRepository(url, source.repoURL))) return false;
          const target = (source.targetRevision ?? '').replace(/^refs\/(heads|tags)\//, '');
          if (FULL_SHA.test(target)) return false;
          return target === '' || target === 'HEAD' || target === event!.revision;
        });
        if (!matches) continue;
        refreshed.push(app.metadata.name);
        await controlResources()
          .patch('argoproj.io/v1alpha1', 'Application', app.metadata.namespace, app.metadata.name, 'merge', {
            metadata: { annotations: { [ANNOTATION_REFRESH]: 'normal' } },
          })
          .catch(error => options.logger.warn(`webhook: could not refresh ${app.metadata.name}: ${error}`));
      }
      await engine.store
        .audit({
          actor: `webhook:${event.provider}`,
          action: 'webhook.push',
          target: event.repoURLs[0] ?? 'unknown',
          result: 'succeeded',
          message: `${event.revision ?? ''}@${event.sha?.slice(0, 7) ?? ''}: refreshed ${refreshed.length} application(s)`,
        })
        .catch(() => undefined);
    }
    res.json({
      provider: event.provider,
      ...(event.repoURLs[0] ? { repository: event.repoURLs[0] } : {}),
      ...(event.revision ? { revision: event.revision } : {}),
      refreshed,
    });
  });

  router.get('/audit', async (req, res) => {
    await authorize(req, gitopsAdminReadPermission, 'audit.read', 'audit');
    const items = await engine!.store.listAudit({
      target: req.query.target,
      limit: req.query.limit ? Number(req.query.limit) : undefined,
    });
    res.json({ items: items as any });
  });

  return router as unknown as Router;
}

function safeSameRepository(a: string, b: string): boolean {
  try {
    return sameRepository(a, b);
  } catch {
    return false;
  }
}

/** Turns permission criteria of Application predicates into one predicate. */
function toPredicate(criteria: any): ApplicationFilter {
  if (typeof criteria === 'function') return criteria;
  if (criteria.allOf) {
    const parts = criteria.allOf.map(toPredicate);
    return app => parts.every((p: ApplicationFilter) => p(app));
  }
  if (criteria.anyOf) {
    const parts = criteria.anyOf.map(toPredicate);
    return app => parts.some((p: ApplicationFilter) => p(app));
  }
  if (criteria.not) {
    const inner = toPredicate(criteria.not);
    return app => !inner(app);
  }
  return () => false;
}

/**
 * Application names are DNS-1123 (lower-case ASCII): code-point order is their natural
 * order, and several times faster than localeCompare over ten thousand of them.
 */
function byCodePoint(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

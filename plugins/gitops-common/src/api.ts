/**
 * Request and response shapes of the backend's REST API (`/api/gitops`), shared by the
 * backend router, the frontend client and tests. The OpenAPI document in
 * `plugins/gitops-backend/src/schema/openapi.yaml` describes the same shapes.
 */
import type {
  ApplicationCondition,
  ApplicationDestination,
  ApplicationSource,
  HealthStatusCode,
  OperationState,
  RevisionHistory,
  SyncOperationResource,
  SyncStatusCode,
} from './argo';

export type EngineState = 'starting' | 'running' | 'stopped' | 'disabled' | 'failed';

export interface EngineStatus {
  state: EngineState;
  message?: string;
  /** Objects the engine currently manages (Applications, or Rollouts). */
  managed?: number;
  lastPassAt?: string;
  lastPassMillis?: number;
  /** Shards of Applications this backend replica reconciles now (of `shardCount`). */
  ownedShards?: number[];
  shardCount?: number;
}

export interface ClusterStatus {
  name: string;
  server: string;
  reachable: boolean;
  version?: string;
  message?: string;
  labels?: Record<string, string>;
  /** Live objects held in the watch-fed cache for this cluster. */
  cachedObjects?: number;
}

/** `GET /health`. */
export interface HealthResponse {
  status: 'ok' | 'degraded';
  version: string;
  startedAt: string;
  engines: { sync: EngineStatus; rollouts: EngineStatus };
  clusters: ClusterStatus[];
}

/** One Application in lists. */
export interface ApplicationSummary {
  name: string;
  namespace: string;
  project: string;
  source?: ApplicationSource;
  sources?: ApplicationSource[];
  destination: ApplicationDestination & { cluster?: string };
  sync: SyncStatusCode;
  health: HealthStatusCode;
  healthMessage?: string;
  revision?: string;
  targetRevision?: string;
  autoSync: boolean;
  prune: boolean;
  selfHeal: boolean;
  operationPhase?: OperationState['phase'];
  lastSyncedAt?: string;
  reconciledAt?: string;
  conditions: ApplicationCondition[];
  labels: Record<string, string>;
  annotations: Record<string, string>;
  resourceCount: number;
}

export interface ListApplicationsQuery {
  project?: string;
  cluster?: string;
  namespace?: string;
  sync?: SyncStatusCode;
  health?: HealthStatusCode;
  /** An entity ref (`component:default/name`) whose `argocd/*` annotations select Applications. */
  entityRef?: string;
  /** A label selector in Kubernetes syntax (`a=b,c!=d`). */
  selector?: string;
  search?: string;
  limit?: number;
  cursor?: string;
}

export interface ListApplicationsResponse {
  items: ApplicationSummary[];
  totalCount: number;
  nextCursor?: string;
  counts: { sync: Record<string, number>; health: Record<string, number> };
}

/** A live or desired resource in an Application's tree. */
export interface ResourceNode {
  uid?: string;
  group: string;
  version: string;
  kind: string;
  namespace: string;
  name: string;
  status?: SyncStatusCode;
  health?: { status: HealthStatusCode; message?: string };
  hook?: boolean;
  requiresPruning?: boolean;
  syncWave?: number;
  /** Owners within the tree (`group/Kind/namespace/name`). */
  parentRefs: string[];
  images?: string[];
  createdAt?: string;
}

export interface ResourceTreeResponse {
  nodes: ResourceNode[];
}

export interface ResourceDiff {
  group: string;
  kind: string;
  namespace: string;
  name: string;
  status: SyncStatusCode;
  /** YAML of the live object, normalized and with Secret values masked; absent when missing. */
  live?: string;
  /** YAML of the desired object as it would be applied; absent when it would be pruned. */
  desired?: string;
  /** Unified diff of `live` → `desired`. */
  diff: string;
  requiresPruning?: boolean;
}

export interface DiffResponse {
  revision?: string;
  resources: ResourceDiff[];
}

export interface HistoryResponse {
  items: RevisionHistory[];
}

export interface SyncRequest {
  revision?: string;
  prune?: boolean;
  dryRun?: boolean;
  resources?: SyncOperationResource[];
  syncOptions?: string[];
}

export interface RefreshRequest {
  hard?: boolean;
}

export interface RollbackRequest {
  id: number;
  prune?: boolean;
  dryRun?: boolean;
}

/** The full answer for one Application: the resource itself plus its summary. */
export interface ApplicationDetailsResponse {
  summary: ApplicationSummary;
  application: import('./argo').Application;
}

export interface OperationResponse {
  application: string;
  operationState?: OperationState;
  message: string;
}

export interface AuditRecord {
  id: number;
  at: string;
  actor: string;
  action: string;
  target: string;
  result: 'allowed' | 'denied' | 'failed' | 'succeeded';
  message?: string;
}

export interface WebhookResponse {
  provider: 'github' | 'gitlab' | 'gitea' | 'unknown';
  repository?: string;
  revision?: string;
  refreshed: string[];
}

/**
 * Shapes of the `argoproj.io/v1alpha1` resources users bring: Application, ApplicationSet,
 * AppProject (Argo CD) and Rollout, AnalysisTemplate, ClusterAnalysisTemplate, AnalysisRun
 * (Argo Rollouts). Field names follow Argo's CRDs so manifests work unchanged.
 */
import { Condition, KubeObject, LabelSelector, ObjectMeta } from './kube';

export const ARGO_GROUP = 'argoproj.io';
export const ARGO_API_VERSION = 'argoproj.io/v1alpha1';

// ---------------------------------------------------------------- Argo CD

export type SyncStatusCode = 'Synced' | 'OutOfSync' | 'Unknown';
export type HealthStatusCode =
  | 'Healthy'
  | 'Progressing'
  | 'Degraded'
  | 'Suspended'
  | 'Missing'
  | 'Unknown';
export type OperationPhase =
  | 'Running'
  | 'Terminating'
  | 'Failed'
  | 'Error'
  | 'Succeeded';
export type SyncPhase = 'PreSync' | 'Sync' | 'PostSync' | 'SyncFail';
export type ResultCode = 'Synced' | 'SyncFailed' | 'Pruned' | 'PruneSkipped';
export type HookType = 'PreSync' | 'Sync' | 'PostSync' | 'SyncFail' | 'Skip';

export interface KustomizeOptions {
  namePrefix?: string;
  nameSuffix?: string;
  images?: string[];
  commonLabels?: Record<string, string>;
  commonAnnotations?: Record<string, string>;
  namespace?: string;
  version?: string;
  forceCommonLabels?: boolean;
  forceCommonAnnotations?: boolean;
}

export interface HelmOptions {
  valueFiles?: string[];
  values?: string;
  valuesObject?: Record<string, unknown>;
  parameters?: Array<{ name: string; value: string; forceString?: boolean }>;
  fileParameters?: Array<{ name: string; path: string }>;
  releaseName?: string;
  namespace?: string;
  skipCrds?: boolean;
  ignoreMissingValueFiles?: boolean;
  passCredentials?: boolean;
  version?: string;
}

export interface DirectoryOptions {
  recurse?: boolean;
  include?: string;
  exclude?: string;
  jsonnet?: unknown;
}

export interface ApplicationSource {
  repoURL: string;
  path?: string;
  targetRevision?: string;
  chart?: string;
  ref?: string;
  directory?: DirectoryOptions;
  kustomize?: KustomizeOptions;
  helm?: HelmOptions;
  plugin?: unknown;
}

export interface ApplicationDestination {
  server?: string;
  name?: string;
  namespace?: string;
}

export interface RetryStrategy {
  limit?: number;
  backoff?: { duration?: string; factor?: number; maxDuration?: string };
}

export interface SyncPolicy {
  automated?: { prune?: boolean; selfHeal?: boolean; allowEmpty?: boolean; enabled?: boolean };
  syncOptions?: string[];
  retry?: RetryStrategy;
  managedNamespaceMetadata?: {
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
}

export interface ResourceIgnoreDifferences {
  group?: string;
  kind: string;
  name?: string;
  namespace?: string;
  jsonPointers?: string[];
  jqPathExpressions?: string[];
  managedFieldsManagers?: string[];
}

export interface ApplicationSpec {
  project: string;
  source?: ApplicationSource;
  sources?: ApplicationSource[];
  destination: ApplicationDestination;
  syncPolicy?: SyncPolicy;
  ignoreDifferences?: ResourceIgnoreDifferences[];
  revisionHistoryLimit?: number;
  info?: Array<{ name: string; value: string }>;
}

export interface SyncOperationResource {
  group?: string;
  kind: string;
  name: string;
  namespace?: string;
}

export interface SyncOperation {
  revision?: string;
  revisions?: string[];
  prune?: boolean;
  dryRun?: boolean;
  resources?: SyncOperationResource[];
  syncOptions?: string[];
  syncStrategy?: { apply?: { force?: boolean }; hook?: { force?: boolean } };
  source?: ApplicationSource;
}

export interface Operation {
  sync?: SyncOperation;
  initiatedBy?: { username?: string; automated?: boolean };
  info?: Array<{ name: string; value: string }>;
  retry?: RetryStrategy;
}

export interface ResourceResult {
  group: string;
  version: string;
  kind: string;
  namespace: string;
  name: string;
  status?: ResultCode;
  message?: string;
  hookType?: HookType;
  hookPhase?: OperationPhase | 'Pending';
  syncPhase?: SyncPhase;
  /** The sync wave the resource was applied in (an extension; Argo CD does not record it). */
  syncWave?: number;
}

export interface OperationState {
  operation: Operation;
  phase: OperationPhase;
  message?: string;
  syncResult?: {
    resources?: ResourceResult[];
    revision: string;
    revisions?: string[];
    source?: ApplicationSource;
  };
  startedAt: string;
  finishedAt?: string;
  retryCount?: number;
}

export interface ResourceStatus {
  group?: string;
  version?: string;
  kind: string;
  namespace?: string;
  name: string;
  status?: SyncStatusCode;
  health?: { status: HealthStatusCode; message?: string };
  hook?: boolean;
  requiresPruning?: boolean;
  syncWave?: number;
}

export interface RevisionHistory {
  id: number;
  revision: string;
  revisions?: string[];
  deployedAt: string;
  deployStartedAt?: string;
  source?: ApplicationSource;
  initiatedBy?: { username?: string; automated?: boolean };
}

export interface ApplicationCondition {
  type: string;
  message: string;
  lastTransitionTime?: string;
}

export interface ApplicationStatus {
  resources?: ResourceStatus[];
  sync?: {
    status: SyncStatusCode;
    comparedTo?: { source?: ApplicationSource; destination?: ApplicationDestination };
    revision?: string;
    revisions?: string[];
  };
  health?: { status: HealthStatusCode; message?: string; lastTransitionTime?: string };
  history?: RevisionHistory[];
  conditions?: ApplicationCondition[];
  reconciledAt?: string;
  operationState?: OperationState;
  observedAt?: string;
  sourceType?: 'Directory' | 'Kustomize' | 'Helm' | 'Plugin';
  summary?: { images?: string[]; externalURLs?: string[] };
  controllerNamespace?: string;
}

export interface Application extends KubeObject {
  apiVersion: typeof ARGO_API_VERSION;
  kind: 'Application';
  metadata: ObjectMeta & { name: string };
  spec: ApplicationSpec;
  status?: ApplicationStatus;
  operation?: Operation;
}

export interface ApplicationSetGenerator {
  list?: { elements?: Array<Record<string, unknown>>; elementsYaml?: string; template?: unknown };
  clusters?: { selector?: LabelSelector; values?: Record<string, string>; template?: unknown };
  git?: {
    repoURL: string;
    revision?: string;
    directories?: Array<{ path: string; exclude?: boolean }>;
    files?: Array<{ path: string; exclude?: boolean }>;
    pathParamPrefix?: string;
    values?: Record<string, string>;
    template?: unknown;
  };
  matrix?: { generators: ApplicationSetGenerator[]; template?: unknown };
  merge?: { generators: ApplicationSetGenerator[]; mergeKeys: string[]; template?: unknown };
  scmProvider?: Record<string, unknown>;
  pullRequest?: Record<string, unknown>;
  selector?: LabelSelector;
}

export interface ApplicationSetTemplate {
  metadata: Partial<ObjectMeta>;
  spec: ApplicationSpec;
}

export interface ApplicationSet extends KubeObject {
  kind: 'ApplicationSet';
  metadata: ObjectMeta & { name: string };
  spec: {
    generators: ApplicationSetGenerator[];
    template: ApplicationSetTemplate;
    templatePatch?: string;
    goTemplate?: boolean;
    goTemplateOptions?: string[];
    syncPolicy?: {
      preserveResourcesOnDeletion?: boolean;
      applicationsSync?: 'create-only' | 'create-update' | 'create-delete' | 'sync';
    };
    strategy?: unknown;
  };
  status?: {
    conditions?: Array<Condition & { status: string }>;
    resources?: Array<{ name: string; namespace?: string; status?: string; health?: unknown }>;
  };
}

export interface GroupKind {
  group: string;
  kind: string;
}

export interface AppProject extends KubeObject {
  kind: 'AppProject';
  metadata: ObjectMeta & { name: string };
  spec: {
    description?: string;
    sourceRepos?: string[];
    destinations?: ApplicationDestination[];
    clusterResourceWhitelist?: GroupKind[];
    clusterResourceBlacklist?: GroupKind[];
    namespaceResourceWhitelist?: GroupKind[];
    namespaceResourceBlacklist?: GroupKind[];
    sourceNamespaces?: string[];
    roles?: unknown[];
    syncWindows?: unknown[];
    orphanedResources?: unknown;
  };
}

// ---------------------------------------------------------------- Argo Rollouts

export type RolloutPhase = 'Healthy' | 'Progressing' | 'Paused' | 'Degraded';
export type AnalysisPhase =
  | 'Pending'
  | 'Running'
  | 'Successful'
  | 'Failed'
  | 'Error'
  | 'Inconclusive';

export interface AnalysisRunArgument {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name: string; key: string };
    fieldRef?: { fieldPath: string };
    podTemplateHashValue?: 'Stable' | 'Latest';
  };
}

export interface RolloutAnalysis {
  templates?: Array<{ templateName?: string; clusterScope?: boolean }>;
  args?: AnalysisRunArgument[];
  dryRun?: Array<{ metricName: string }>;
  measurementRetention?: Array<{ metricName: string; limit: number }>;
  analysisRunMetadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
}

export interface CanaryStep {
  setWeight?: number;
  pause?: { duration?: string | number };
  analysis?: RolloutAnalysis;
  experiment?: unknown;
  setCanaryScale?: { replicas?: number; weight?: number; matchTrafficWeight?: boolean };
  setHeaderRoute?: unknown;
  setMirrorRoute?: unknown;
}

export interface CanaryStrategy {
  canaryService?: string;
  stableService?: string;
  steps?: CanaryStep[];
  maxSurge?: number | string;
  maxUnavailable?: number | string;
  analysis?: RolloutAnalysis & { startingStep?: number };
  trafficRouting?: {
    istio?: {
      virtualService?: { name: string; routes?: string[] };
      virtualServices?: Array<{ name: string; routes?: string[] }>;
      destinationRule?: { name: string; canarySubsetName: string; stableSubsetName: string };
    };
    plugins?: Record<string, unknown>;
    traefik?: { weightedTraefikServiceName: string };
    managedRoutes?: Array<{ name: string }>;
    [router: string]: unknown;
  };
  abortScaleDownDelaySeconds?: number;
  scaleDownDelaySeconds?: number;
  dynamicStableScale?: boolean;
  canaryMetadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  stableMetadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
}

export interface BlueGreenStrategy {
  activeService: string;
  previewService?: string;
  autoPromotionEnabled?: boolean;
  autoPromotionSeconds?: number;
  scaleDownDelaySeconds?: number;
  scaleDownDelayRevisionLimit?: number;
  previewReplicaCount?: number;
  prePromotionAnalysis?: RolloutAnalysis;
  postPromotionAnalysis?: RolloutAnalysis;
  abortScaleDownDelaySeconds?: number;
  activeMetadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  previewMetadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
}

export interface Rollout extends KubeObject {
  kind: 'Rollout';
  metadata: ObjectMeta & { name: string };
  spec: {
    replicas?: number;
    selector?: LabelSelector;
    template?: { metadata?: Partial<ObjectMeta>; spec?: any };
    workloadRef?: { apiVersion: string; kind: string; name: string; scaleDown?: string };
    minReadySeconds?: number;
    revisionHistoryLimit?: number;
    paused?: boolean;
    progressDeadlineSeconds?: number;
    progressDeadlineAbort?: boolean;
    restartAt?: string;
    strategy: { canary?: CanaryStrategy; blueGreen?: BlueGreenStrategy };
    analysis?: { successfulRunHistoryLimit?: number; unsuccessfulRunHistoryLimit?: number };
  };
  status?: {
    phase?: RolloutPhase;
    message?: string;
    abort?: boolean;
    abortedAt?: string;
    promoteFull?: boolean;
    pauseConditions?: Array<{ reason: string; startTime: string }>;
    controllerPause?: boolean;
    currentPodHash?: string;
    currentStepHash?: string;
    currentStepIndex?: number;
    stableRS?: string;
    observedGeneration?: string;
    workloadObservedGeneration?: string;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    HPAReplicas?: number;
    selector?: string;
    conditions?: Condition[];
    restartedAt?: string;
    collisionCount?: number;
    canary?: {
      currentStepAnalysisRunStatus?: { name: string; status: AnalysisPhase; message?: string };
      currentBackgroundAnalysisRunStatus?: { name: string; status: AnalysisPhase; message?: string };
      weights?: {
        canary: { podTemplateHash?: string; serviceName?: string; weight: number };
        stable: { podTemplateHash?: string; serviceName?: string; weight: number };
        verified?: boolean;
      };
      stablePingPong?: string;
    };
    blueGreen?: {
      activeSelector?: string;
      previewSelector?: string;
      scaleUpPreviewCheckPoint?: boolean;
      prePromotionAnalysisRunStatus?: { name: string; status: AnalysisPhase; message?: string };
      postPromotionAnalysisRunStatus?: { name: string; status: AnalysisPhase; message?: string };
    };
  };
}

export interface MetricProvider {
  prometheus?: {
    address?: string;
    query: string;
    timeout?: number;
    insecure?: boolean;
    headers?: Array<{ key: string; value: string }>;
  };
  web?: {
    url: string;
    method?: 'GET' | 'POST' | 'PUT';
    headers?: Array<{ key: string; value: string }>;
    body?: string;
    jsonBody?: unknown;
    jsonPath?: string;
    timeoutSeconds?: number;
    insecure?: boolean;
  };
  job?: { metadata?: Partial<ObjectMeta>; spec: any };
  [provider: string]: unknown;
}

export interface Metric {
  name: string;
  interval?: string;
  initialDelay?: string;
  count?: number | string;
  successCondition?: string;
  failureCondition?: string;
  failureLimit?: number | string;
  inconclusiveLimit?: number | string;
  consecutiveErrorLimit?: number | string;
  consecutiveSuccessLimit?: number | string;
  provider: MetricProvider;
}

export interface AnalysisTemplateSpec {
  metrics: Metric[];
  args?: Array<{ name: string; value?: string; valueFrom?: AnalysisRunArgument['valueFrom'] }>;
  dryRun?: Array<{ metricName: string }>;
  measurementRetention?: Array<{ metricName: string; limit: number }>;
}

export interface AnalysisTemplate extends KubeObject {
  kind: 'AnalysisTemplate' | 'ClusterAnalysisTemplate';
  metadata: ObjectMeta & { name: string };
  spec: AnalysisTemplateSpec;
}

export interface Measurement {
  phase: AnalysisPhase;
  message?: string;
  startedAt?: string;
  finishedAt?: string;
  value?: string;
  metadata?: Record<string, string>;
  resumeAt?: string;
}

export interface MetricResult {
  name: string;
  phase: AnalysisPhase;
  measurements?: Measurement[];
  message?: string;
  count?: number;
  successful?: number;
  failed?: number;
  inconclusive?: number;
  error?: number;
  consecutiveError?: number;
  consecutiveSuccess?: number;
  dryRun?: boolean;
  metadata?: Record<string, string>;
}

export interface AnalysisRun extends KubeObject {
  kind: 'AnalysisRun';
  metadata: ObjectMeta & { name: string };
  spec: AnalysisTemplateSpec & { terminate?: boolean };
  status?: {
    phase?: AnalysisPhase;
    message?: string;
    metricResults?: MetricResult[];
    startedAt?: string;
    runSummary?: {
      count?: number;
      successful?: number;
      failed?: number;
      inconclusive?: number;
      error?: number;
    };
    dryRunSummary?: unknown;
  };
}

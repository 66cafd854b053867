/**
 * Annotation and label names the suite reads or writes, on catalog entities and on
 * Kubernetes resources. Catalog annotations are those of the existing Argo CD plugins
 * for Backstage, so catalogs written for them work unchanged.
 */

/** Catalog: one or several (comma separated) Application names. */
export const ANNOTATION_ARGOCD_APP_NAME = 'argocd/app-name';
/** Catalog: a label selector over Applications. */
export const ANNOTATION_ARGOCD_APP_SELECTOR = 'argocd/app-selector';
/** Catalog: the namespace holding the Applications. */
export const ANNOTATION_ARGOCD_APP_NAMESPACE = 'argocd/app-namespace';
/** Catalog: restricts to Applications of one AppProject. */
export const ANNOTATION_ARGOCD_PROJECT_NAME = 'argocd/project-name';
/** Catalog: the instance (cluster) name. */
export const ANNOTATION_ARGOCD_INSTANCE_NAME = 'argocd/instance-name';

/** Kubernetes: which Application a live resource belongs to (Argo CD's annotation tracking). */
export const ANNOTATION_TRACKING_ID = 'argocd.argoproj.io/tracking-id';
export const ANNOTATION_SYNC_WAVE = 'argocd.argoproj.io/sync-wave';
export const ANNOTATION_SYNC_OPTIONS = 'argocd.argoproj.io/sync-options';
export const ANNOTATION_HOOK = 'argocd.argoproj.io/hook';
export const ANNOTATION_HOOK_DELETE_POLICY = 'argocd.argoproj.io/hook-delete-policy';
export const ANNOTATION_COMPARE_OPTIONS = 'argocd.argoproj.io/compare-options';
/** Helm's own hook annotation, mapped to Argo CD hooks as Argo CD does. */
export const ANNOTATION_HELM_HOOK = 'helm.sh/hook';
/** Kubernetes: `refresh: normal|hard` on an Application asks for a refresh, as in Argo CD. */
export const ANNOTATION_REFRESH = 'argocd.argoproj.io/refresh';
/** Kubernetes: names other Applications this one waits for (Synced and Healthy). */
export const ANNOTATION_DEPENDS_ON = 'gitops.backstage.io/depends-on';
/** The finalizer that makes deleting an Application delete its resources. */
export const FINALIZER_RESOURCES = 'resources-finalizer.argocd.argoproj.io';

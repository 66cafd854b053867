/**
 * Whether an entity is linked to Applications, by the annotations the existing Argo CD
 * plugins for Backstage use, so catalogs written for them work unchanged.
 */
import type { Entity } from '@backstage/catalog-model';
import {
  ANNOTATION_ARGOCD_APP_NAME,
  ANNOTATION_ARGOCD_APP_SELECTOR,
} from '@gitops-suite/plugin-gitops-common';

export function isGitopsAvailable(entity: Entity): boolean {
  const annotations = entity.metadata.annotations ?? {};
  return Boolean(
    annotations[ANNOTATION_ARGOCD_APP_NAME]?.trim() ||
      annotations[ANNOTATION_ARGOCD_APP_SELECTOR]?.trim(),
  );
}

/**
 * The GitOps tab on a catalog entity page: the entity's Applications (by its
 * `argocd/*` annotations). At this stage it names them and shows the engine's health.
 */
import { Content, EmptyState } from '@backstage/core-components';
import { useEntity } from '@backstage/plugin-catalog-react';
import Grid from '@material-ui/core/Grid';
import Typography from '@material-ui/core/Typography';
import {
  ANNOTATION_ARGOCD_APP_NAME,
  ANNOTATION_ARGOCD_APP_SELECTOR,
} from '@gitops-suite/plugin-gitops-common';
import { isGitopsAvailable } from '../../isGitopsAvailable';
import { EngineHealthCard } from '../EngineHealthCard';

export function EntityGitopsContent() {
  const { entity } = useEntity();
  if (!isGitopsAvailable(entity)) {
    return (
      <EmptyState
        missing="field"
        title="No Applications linked to this entity"
        description={`Add the annotation ${ANNOTATION_ARGOCD_APP_NAME}: <application name> (or ${ANNOTATION_ARGOCD_APP_SELECTOR}: <label selector>) to the entity's catalog-info.yaml.`}
      />
    );
  }
  const annotations = entity.metadata.annotations ?? {};
  const names = annotations[ANNOTATION_ARGOCD_APP_NAME];
  const selector = annotations[ANNOTATION_ARGOCD_APP_SELECTOR];
  return (
    <Content noPadding>
      <Grid container spacing={3}>
        <Grid item xs={12}>
          <Typography variant="body1" data-testid="gitops-entity-apps">
            {names
              ? `Applications: ${names
                  .split(',')
                  .map(n => n.trim())
                  .filter(Boolean)
                  .join(', ')}`
              : `Applications selected by: ${selector}`}
          </Typography>
        </Grid>
        <Grid item xs={12}>
          <EngineHealthCard />
        </Grid>
      </Grid>
    </Content>
  );
}

/**
 * The platform team's page at `/gitops`: the fleet of Applications across clusters.
 * At this stage it shows the engines' and clusters' health.
 */
import { Content, ContentHeader, Header, Page } from '@backstage/core-components';
import Grid from '@material-ui/core/Grid';
import { EngineHealthCard } from '../EngineHealthCard';

export function GitopsAdminContent() {
  return (
    <Content>
      <ContentHeader title="Fleet" />
      <Grid container spacing={3}>
        <Grid item xs={12}>
          <EngineHealthCard />
        </Grid>
      </Grid>
    </Content>
  );
}

export function GitopsAdminPage() {
  return (
    <Page themeId="tool">
      <Header
        title="GitOps"
        subtitle="Applications synced from Git to clusters, and their rollouts"
      />
      <GitopsAdminContent />
    </Page>
  );
}

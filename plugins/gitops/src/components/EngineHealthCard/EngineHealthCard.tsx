/**
 * The engines' and clusters' status as the backend reports it (`GET /health`): shown on
 * the admin page and, until an entity has Applications, on the entity tab.
 */
import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
  StatusError,
  StatusOK,
  StatusPending,
  StatusWarning,
  Table,
  type TableColumn,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import IconButton from '@material-ui/core/IconButton';
import Tooltip from '@material-ui/core/Tooltip';
import Typography from '@material-ui/core/Typography';
import RefreshIcon from '@material-ui/icons/Refresh';
import type {
  ClusterStatus,
  EngineStatus,
  HealthResponse,
} from '@gitops-suite/plugin-gitops-common';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { gitopsApiRef } from '../../api';

function EngineState({ status }: { status: EngineStatus }) {
  switch (status.state) {
    case 'running':
      return <StatusOK>running</StatusOK>;
    case 'starting':
      return <StatusPending>starting</StatusPending>;
    case 'disabled':
    case 'stopped':
      return <StatusWarning>{status.state}</StatusWarning>;
    default:
      return <StatusError>{status.state}</StatusError>;
  }
}

const clusterColumns: TableColumn<ClusterStatus>[] = [
  { title: 'Cluster', field: 'name' },
  { title: 'Server', field: 'server' },
  {
    title: 'Reachable',
    render: c =>
      c.reachable ? (
        <StatusOK>yes</StatusOK>
      ) : (
        <StatusError>{c.message ?? 'no'}</StatusError>
      ),
  },
  { title: 'Version', field: 'version' },
];

export function EngineHealthView({ health }: { health: HealthResponse }) {
  return (
    <>
      <Typography variant="body1" data-testid="gitops-health-status">
        Backend status: <strong>{health.status}</strong> (version {health.version},
        up since {new Date(health.startedAt).toLocaleString()})
      </Typography>
      {(
        [
          ['Sync engine', health.engines.sync],
          ['Rollout engine', health.engines.rollouts],
        ] as const
      ).map(([label, status]) => (
        <Typography key={label} variant="body2" component="div">
          {label}: <EngineState status={status} />
          {status.message ? ` ${status.message}` : ''}
        </Typography>
      ))}
      <Table<ClusterStatus>
        title="Clusters"
        options={{ paging: false, search: false, padding: 'dense' }}
        columns={clusterColumns}
        data={health.clusters}
        emptyContent={
          <Typography variant="body2" style={{ padding: 16 }}>
            No clusters are configured. Add them under <code>gitops.clusters</code>{' '}
            in app-config.yaml.
          </Typography>
        }
      />
    </>
  );
}

export function EngineHealthCard() {
  const gitopsApi = useApi(gitopsApiRef);
  const { value, loading, error, retry } = useAsyncRetry(
    () => gitopsApi.getHealth(),
    [gitopsApi],
  );

  return (
    <InfoCard
      title="GitOps engine"
      action={
        <Tooltip title="Refresh">
          <IconButton aria-label="Refresh" onClick={retry} disabled={loading}>
            <RefreshIcon />
          </IconButton>
        </Tooltip>
      }
    >
      {loading && <Progress />}
      {error && <ResponseErrorPanel error={error} />}
      {value && <EngineHealthView health={value} />}
    </InfoCard>
  );
}

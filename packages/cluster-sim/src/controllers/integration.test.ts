/**
 * The controllers behind the real HTTP API (startClusterSim), driven by the real kubectl:
 * rollout status, wait, describe, rollout history/undo, for Deployments, StatefulSets,
 * DaemonSets and Jobs.
 */
import { startTestCluster, TestCluster } from '../__testUtils__/harness';

// Real-time waits: leave room for a loaded CI machine.
jest.setTimeout(60_000);

let c: TestCluster;

beforeAll(async () => {
  c = await startTestCluster({ controllerOptions: { readyDelayMs: 40, nodes: 2, jobRunMs: 100 } });
});

afterAll(async () => {
  await c?.stop();
});

const web = (image: string, extra = '') => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}${extra}}
    spec: {containers: [{name: app, image: "${image}", ports: [{name: http, containerPort: 8080}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec: {selector: {app: web}, ports: [{port: 80, targetPort: http}]}
`;

describe('controllers through the HTTP API and kubectl', () => {
  it('kubectl rollout status and wait --for=condition=Available work for Deployments', async () => {
    await c.kubectlOk(['apply', '-f', '-'], { input: web('nginx:1.25') });
    const out = await c.kubectlOk(['rollout', 'status', 'deployment/web', '--timeout=30s']);
    expect(out).toContain('deployment "web" successfully rolled out');
    await c.kubectlOk(['wait', '--for=condition=Available', 'deployment/web', '--timeout=30s']);
    await c.kubectlOk(['set', 'image', 'deployment/web', 'app=nginx:1.26']);
    const second = await c.kubectlOk(['rollout', 'status', 'deployment/web', '--timeout=30s']);
    expect(second).toContain('successfully rolled out');
    const rs = await c.kubectlOk(['get', 'rs', '-l', 'app=web', '-o', 'jsonpath={range .items[*]}{.spec.replicas}/{.metadata.annotations.deployment\\.kubernetes\\.io/revision} {end}']);
    expect(rs.trim().split(' ').sort()).toEqual(['0/1', '3/2']);
    const history = await c.kubectlOk(['rollout', 'history', 'deployment/web']);
    expect(history).toMatch(/^1\s/m);
    expect(history).toMatch(/^2\s/m);
    await c.kubectlOk(['rollout', 'undo', 'deployment/web']);
    await c.kubectlOk(['rollout', 'status', 'deployment/web', '--timeout=30s']);
    const image = await c.kubectlOk(['get', 'deploy', 'web', '-o', 'jsonpath={.spec.template.spec.containers[0].image}']);
    expect(image).toBe('nginx:1.25');
    const describe = await c.kubectlOk(['describe', 'deployment', 'web']);
    expect(describe).toMatch(/ScalingReplicaSet\s+\S+\s+deployment-controller\s+Scaled up replica set web-\w+ from 0 to 3/);
    expect(describe).toMatch(/Available\s+True\s+MinimumReplicasAvailable/);
    const podDescribe = await c.kubectlOk(['describe', 'pods', '-l', 'app=web']);
    expect(podDescribe).toMatch(/Started\s+\S+\s+kubelet\s+Started container app/);
    const eps = await c.kubectlOk(['get', 'endpoints', 'web', '-o', 'jsonpath={.subsets[0].addresses[*].ip}']);
    expect(eps.trim().split(' ')).toHaveLength(3);
  });

  it('kubectl rollout status fails when the progress deadline passes', async () => {
    await c.kubectlOk(['apply', '-f', '-'], {
      input: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: stuck, namespace: default}
spec:
  replicas: 1
  progressDeadlineSeconds: 1
  selector: {matchLabels: {app: stuck}}
  template:
    metadata: {labels: {app: stuck}, annotations: {sim.gitops-suite.io/failure: NeverReady}}
    spec: {containers: [{name: app, image: "nginx:1"}]}
`,
    });
    const r = await c.kubectl(['rollout', 'status', 'deployment/stuck', '--timeout=30s']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('deployment "stuck" exceeded its progress deadline');
    const reason = await c.kubectlOk(['get', 'deploy', 'stuck', '-o', 'jsonpath={.status.conditions[?(@.type=="Progressing")].reason}']);
    expect(reason).toBe('ProgressDeadlineExceeded');
  });

  it('kubectl rollout status works for StatefulSets and DaemonSets; kubectl wait for Jobs', async () => {
    await c.kubectlOk(['apply', '-f', '-'], {
      input: `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: default}
spec:
  replicas: 2
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: db, image: "postgres:16"}]}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: default}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec: {containers: [{name: agent, image: "fluent-bit:3"}]}
---
apiVersion: batch/v1
kind: Job
metadata: {name: migrate, namespace: default}
spec:
  backoffLimit: 1
  template:
    spec: {restartPolicy: Never, containers: [{name: migrate, image: "busybox:1"}]}
---
apiVersion: batch/v1
kind: Job
metadata: {name: broken, namespace: default}
spec:
  backoffLimit: 0
  template:
    metadata: {annotations: {sim.gitops-suite.io/failure: JobFail}}
    spec: {restartPolicy: Never, containers: [{name: broken, image: "busybox:1"}]}
`,
    });
    // The API server defaults rollingUpdate.partition to 0, so kubectl reports the partitioned form.
    expect(await c.kubectlOk(['rollout', 'status', 'statefulset/db', '--timeout=30s'])).toContain('partitioned roll out complete: 2 new pods have been updated...');
    expect(await c.kubectlOk(['get', 'sts', 'db', '-o', 'jsonpath={.status.currentRevision}={.status.updateRevision}'])).toMatch(/^(db-\w+)=\1$/);
    expect(await c.kubectlOk(['rollout', 'status', 'daemonset/agent', '--timeout=30s'])).toContain('daemon set "agent" successfully rolled out');
    await c.kubectlOk(['wait', '--for=condition=complete', 'job/migrate', '--timeout=30s']);
    await c.kubectlOk(['wait', '--for=condition=failed', 'job/broken', '--timeout=30s']);
    const pods = await c.kubectlOk(['get', 'pods', '-l', 'app=db', '-o', 'jsonpath={.items[*].metadata.name}']);
    expect(pods.split(' ').sort()).toEqual(['db-0', 'db-1']);
    const nodes = await c.kubectlOk(['get', 'nodes', '-o', 'jsonpath={.items[*].metadata.name}']);
    expect(nodes.split(' ').sort()).toEqual(['sim-node-1', 'sim-node-2']);
  });
});

/**
 * Repository contents for renderer tests, laid out like the GitOps repos in the seeds:
 * `apps/<svc>/base` plus `overlays/staging` and `overlays/production`, and a few plain
 * manifest directories.
 */
import type { FixtureFile } from '../../git/__testUtils__/gitFixtures';

export const KUSTOMIZE_APP: Record<string, FixtureFile> = {
  'apps/guestbook/base/deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: guestbook
spec:
  replicas: 1
  selector:
    matchLabels:
      app: guestbook
  template:
    metadata:
      labels:
        app: guestbook
    spec:
      containers:
        - name: guestbook
          image: ghcr.io/acme/guestbook:1.0.0
          ports:
            - containerPort: 8080
`,
  'apps/guestbook/base/service.yaml': `apiVersion: v1
kind: Service
metadata:
  name: guestbook
spec:
  selector:
    app: guestbook
  ports:
    - port: 80
      targetPort: 8080
`,
  'apps/guestbook/base/kustomization.yaml': `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - deployment.yaml
  - service.yaml
`,
  'apps/guestbook/overlays/staging/kustomization.yaml': `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
# staging runs two replicas of the release candidate
resources:
  - ../../base
patches:
  - path: replicas.yaml
images:
  - name: ghcr.io/acme/guestbook
    newTag: 1.1.0-rc.1
`,
  'apps/guestbook/overlays/staging/replicas.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: guestbook
spec:
  replicas: 2
`,
  'apps/guestbook/overlays/production/kustomization.yaml': `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../../base
patches:
  - path: replicas.yaml
commonLabels:
  env: production
images:
  - name: ghcr.io/acme/guestbook
    newTag: 1.0.0
`,
  'apps/guestbook/overlays/production/replicas.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: guestbook
spec:
  replicas: 5
`,
};

export const DIRECTORY_APP: Record<string, FixtureFile> = {
  'plain/10-namespace.yaml': `apiVersion: v1
kind: Namespace
metadata:
  name: demo
`,
  'plain/20-configs.yaml': `---
apiVersion: v1
kind: ConfigMap
metadata:
  name: first
data:
  enabled: on
  when: 2024-01-01
---
# only a comment
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: second
`,
  'plain/30-secret.json': JSON.stringify({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'from-json' },
    stringData: { a: 'b' },
  }),
  'plain/40-list.json': JSON.stringify({
    apiVersion: 'v1',
    kind: 'List',
    items: [
      {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: 'list-a' },
      },
      {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: 'list-b' },
      },
    ],
  }),
  'plain/50-cmlist.yml': `apiVersion: v1
kind: ConfigMapList
items:
  - apiVersion: v1
    kind: ConfigMap
    metadata:
      name: yaml-list-item
`,
  'plain/README.md': '# not a manifest\n',
  'plain/config.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: config
`,
  'plain/env-use2/app.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: use2
`,
  'plain/env-use2/deeper/more.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: use2-deeper
`,
  'plain/sub/nested.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: nested
`,
};

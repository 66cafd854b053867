import type { KubeObject } from '@gitops-suite/plugin-gitops-common';
import { compareResource, toYaml } from './compare';
import { maskSecrets, maskSecretValues } from './secrets';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

const PLAIN = [
  'hunter2-password',
  'old-api-token-value',
  'new-api-token-value',
  'same-db-user',
];

function secret(
  data: Record<string, string>,
  extra: Partial<KubeObject> = {},
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'creds', namespace: 'shop' },
    type: 'Opaque',
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])),
    ...extra,
  } as KubeObject;
}

/** Fails when any secret value, plain or base64, appears anywhere in the output. */
function expectNoSecretValues(output: unknown) {
  const text = JSON.stringify(output);
  for (const value of PLAIN) {
    expect(text).not.toContain(value);
    expect(text).not.toContain(b64(value));
  }
}

describe('maskSecrets', () => {
  it('masks data, stringData and the last-applied annotation of a Secret', () => {
    const s = secret(
      { password: 'hunter2-password' },
      {
        stringData: { token: 'old-api-token-value' },
        metadata: {
          name: 'creds',
          annotations: {
            'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({
              apiVersion: 'v1',
              kind: 'Secret',
              data: { password: b64('hunter2-password') },
              stringData: { token: 'old-api-token-value' },
            }),
          },
        },
      },
    );
    const masked = maskSecrets(s);
    expect(masked.data).toEqual({ password: '++++++++' });
    expect(masked.stringData).toEqual({ token: '++++++++' });
    expect(
      JSON.parse(
        masked.metadata.annotations![
          'kubectl.kubernetes.io/last-applied-configuration'
        ],
      ),
    ).toMatchObject({
      data: { password: '++++++++' },
    });
    expectNoSecretValues(masked);
    // The input is untouched.
    expect((s.data as Record<string, string>).password).toBe(
      b64('hunter2-password'),
    );
  });

  it('hides an unparseable last-applied annotation whole', () => {
    const s = secret(
      {},
      {
        metadata: {
          name: 'x',
          annotations: {
            'kubectl.kubernetes.io/last-applied-configuration':
              'hunter2-password',
          },
        },
      },
    );
    expect(
      maskSecrets(s).metadata.annotations![
        'kubectl.kubernetes.io/last-applied-configuration'
      ],
    ).toBe('++++++++');
  });

  it('leaves other kinds alone', () => {
    const cm: KubeObject = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c' },
      data: { a: 'visible' },
    };
    expect(maskSecrets(cm)).toEqual(cm);
  });

  it('gives equal values the same mask and different values different masks', () => {
    const [a, b] = maskSecretValues([
      secret({ user: 'same-db-user', token: 'old-api-token-value' }),
      secret({ user: 'same-db-user', token: 'new-api-token-value' }),
    ]);
    expect(a!.data).toEqual({ user: '++++++++', token: '++++++++' });
    expect(b!.data).toEqual({ user: '++++++++', token: '+++++++++' });
  });
});

describe('comparing Secrets', () => {
  it('shows which key changed but never a value', () => {
    const live = secret({
      user: 'same-db-user',
      token: 'old-api-token-value',
      password: 'hunter2-password',
    });
    live.metadata.annotations = {
      'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(live),
    };
    const desired = secret({
      user: 'same-db-user',
      token: 'new-api-token-value',
      password: 'hunter2-password',
    });
    const result = compareResource({ desired, live });
    expect(result.status).toBe('OutOfSync');
    expect(result.changedPaths).toEqual(['/data/token']);
    expect(result.diff).toContain('-  token: ++++++++\n');
    expect(result.diff).toContain('+  token: +++++++++\n');
    expect(result.diff).not.toMatch(/^[-+]\s+user:/m);
    expectNoSecretValues(result);
  });

  it('masks Secrets in every mode and outcome', () => {
    const live = secret({ password: 'hunter2-password' });
    const desired = secret({ password: 'same-db-user' });
    const results = [
      compareResource({ desired }),
      compareResource({ live }),
      compareResource({ desired, live, predictedLive: desired }),
      compareResource({
        desired,
        live,
        ignoreDifferences: [{ kind: 'Secret', jsonPointers: ['/type'] }],
      }),
    ];
    expect(results.map(r => r.status)).toEqual([
      'OutOfSync',
      'OutOfSync',
      'OutOfSync',
      'OutOfSync',
    ]);
    results.forEach(expectNoSecretValues);
  });

  it('treats stringData in Git like the data the server stores', () => {
    const live = secret({ token: 'old-api-token-value' });
    const desired = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'creds', namespace: 'shop' },
      stringData: { token: 'old-api-token-value' },
    } as KubeObject;
    const same = compareResource({ desired, live });
    expect(same.status).toBe('Synced');
    const changed = compareResource({
      desired: { ...desired, stringData: { token: 'new-api-token-value' } },
      live,
    });
    expect(changed.status).toBe('OutOfSync');
    expect(changed.changedPaths).toEqual(['/data/token']);
    expectNoSecretValues(changed);
  });
});

describe('toYaml', () => {
  it('never prints Secret values', () => {
    const text = toYaml(
      secret(
        { password: 'hunter2-password' },
        { stringData: { token: 'old-api-token-value' } },
      ),
    );
    expect(text).toContain('password: ++++++++');
    expectNoSecretValues(text);
  });
});

/** Tests of the kustomize option edits and helpers (pure functions). */
import YAML from 'yaml';
import {
  applyKustomizeOptions,
  hideHostPaths,
  kustomizeBuildCommand,
  kustomizeErrorMessage,
  parseImageOverride,
} from './kustomize';

describe('parseImageOverride', () => {
  it.each([
    [
      'nginx=registry.local:5000/nginx:1.27',
      { name: 'nginx', newName: 'registry.local:5000/nginx', newTag: '1.27' },
    ],
    ['nginx=my/nginx', { name: 'nginx', newName: 'my/nginx' }],
    [
      'nginx=my/nginx@sha256:abc',
      { name: 'nginx', newName: 'my/nginx', digest: 'sha256:abc' },
    ],
    ['ghcr.io/acme/app:2.0', { name: 'ghcr.io/acme/app', newTag: '2.0' }],
    [
      'registry.local:5000/app:2.0',
      { name: 'registry.local:5000/app', newTag: '2.0' },
    ],
    ['app@sha256:abc', { name: 'app', digest: 'sha256:abc' }],
  ])('%s', (spec, expected) => {
    expect(parseImageOverride(spec)).toEqual(expected);
  });

  it.each(['', 'app', '=x:1', 'app:'])('rejects %j', spec => {
    expect(() => parseImageOverride(spec)).toThrow(/kustomize image/);
  });
});

describe('applyKustomizeOptions', () => {
  const base = `# keep this comment
resources:
  - ../../base
images:
  - name: app
    newTag: "1.0"
    digest: sha256:old
`;

  it('sets names, namespace, labels and merges images like kustomize edit', () => {
    const out = applyKustomizeOptions(
      base,
      {
        namePrefix: 'p-',
        nameSuffix: '-s',
        namespace: 'ns',
        images: ['app:2.0', 'other=reg/other:3'],
        commonLabels: { team: 'a' },
        commonAnnotations: { note: 'b' },
      },
      'k.yaml',
    );
    expect(out).toContain('# keep this comment');
    expect(YAML.parse(out)).toEqual({
      resources: ['../../base'],
      images: [
        { name: 'app', newTag: '2.0' },
        { name: 'other', newName: 'reg/other', newTag: '3' },
      ],
      namePrefix: 'p-',
      nameSuffix: '-s',
      namespace: 'ns',
      commonLabels: { team: 'a' },
      commonAnnotations: { note: 'b' },
    });
  });

  it('works on an empty kustomization and refuses non-maps', () => {
    expect(
      YAML.parse(applyKustomizeOptions('', { namePrefix: 'x-' }, 'k.yaml')),
    ).toEqual({ namePrefix: 'x-' });
    expect(() =>
      applyKustomizeOptions('- a\n', { namePrefix: 'x-' }, 'k.yaml'),
    ).toThrow('k.yaml is not a map');
    expect(() =>
      applyKustomizeOptions('a: [\n', { namePrefix: 'x-' }, 'k.yaml'),
    ).toThrow(/failed to parse k.yaml/);
  });

  it('protects existing annotations unless forced', () => {
    const text = 'commonAnnotations:\n  note: old\n';
    expect(() =>
      applyKustomizeOptions(
        text,
        { commonAnnotations: { note: 'new' } },
        'k.yaml',
      ),
    ).toThrow(
      'kustomize.commonAnnotations: "note" is already set in k.yaml; set kustomize.forceCommonAnnotations to override it',
    );
    const forced = applyKustomizeOptions(
      text,
      { commonAnnotations: { note: 'new' }, forceCommonAnnotations: true },
      'k.yaml',
    );
    expect(YAML.parse(forced)).toEqual({ commonAnnotations: { note: 'new' } });
  });
});

describe('kustomize command and messages', () => {
  it('builds the command line for kubectl and standalone kustomize', () => {
    expect(kustomizeBuildCommand('kubectl kustomize', '/d')).toEqual({
      program: 'kubectl',
      args: [
        'kustomize',
        '--load-restrictor',
        'LoadRestrictionsRootOnly',
        '/d',
      ],
    });
    expect(kustomizeBuildCommand('/usr/local/bin/kustomize', '/d')).toEqual({
      program: '/usr/local/bin/kustomize',
      args: ['build', '--load-restrictor', 'LoadRestrictionsRootOnly', '/d'],
    });
  });

  it('unwraps kubectl klog errors and hides host paths', () => {
    const stderr =
      '# Warning: something\nE1123 08:01:10.477724    9260 run.go:72] "command failed" err="accumulating resources: \'/cache/trees/abc/apps/x/../missing\': no \\"such\\" dir"\n';
    const msg = kustomizeErrorMessage(stderr);
    expect(msg).toBe(
      'accumulating resources: \'/cache/trees/abc/apps/x/../missing\': no "such" dir',
    );
    expect(hideHostPaths(msg, ['/cache/trees/abc'])).toBe(
      'accumulating resources: \'apps/x/../missing\': no "such" dir',
    );
  });
});

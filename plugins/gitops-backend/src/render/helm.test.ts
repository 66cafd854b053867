/**
 * Helm argument construction (pure) and value-file confinement. No helm binary exists
 * on the test machines, so `helm template` itself is not run here.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import {
  buildHelmTemplateArgs,
  escapeHelmSetValue,
  inlineHelmValues,
  resolveHelmFiles,
} from './helm';
import { RenderError } from './errors';
import { makeTempDir } from '../git/__testUtils__/gitFixtures';

describe('buildHelmTemplateArgs', () => {
  it('builds the helm template command line Argo CD uses', () => {
    expect(
      buildHelmTemplateArgs({
        releaseName: 'web',
        chartDir: '/repo/charts/web',
        namespace: 'shop',
        valueFiles: [
          '/repo/charts/web/values-prod.yaml',
          'https://example.com/values.yaml',
        ],
        inlineValuesFile: '/tmp/x/values.yaml',
        parameters: [
          { name: 'image.tag', value: 'v1' },
          { name: 'hosts', value: 'a.example.com,b.example.com' },
          { name: 'list', value: '{a,b}' },
          { name: 'port', value: '8080', forceString: true },
        ],
        fileParameters: [
          { name: 'config', path: '/repo/charts/web/files/config.json' },
        ],
        includeCrds: true,
        kubeVersion: '1.32.0',
        apiVersions: [
          'monitoring.coreos.com/v1',
          'argoproj.io/v1alpha1/Rollout',
        ],
      }),
    ).toEqual([
      'template',
      'web',
      '/repo/charts/web',
      '--namespace',
      'shop',
      '--values',
      '/repo/charts/web/values-prod.yaml',
      '--values',
      'https://example.com/values.yaml',
      '--values',
      '/tmp/x/values.yaml',
      '--set',
      'image.tag=v1',
      '--set',
      'hosts=a.example.com\\,b.example.com',
      '--set',
      'list={a,b}',
      '--set-string',
      'port=8080',
      '--set-file',
      'config=/repo/charts/web/files/config.json',
      '--include-crds',
      '--kube-version',
      '1.32.0',
      '--api-versions',
      'monitoring.coreos.com/v1',
      '--api-versions',
      'argoproj.io/v1alpha1/Rollout',
    ]);
  });

  it('leaves out what is not set', () => {
    expect(
      buildHelmTemplateArgs({
        releaseName: 'r',
        chartDir: '/c',
        namespace: '',
        valueFiles: [],
        includeCrds: false,
      }),
    ).toEqual(['template', 'r', '/c']);
  });

  it('escapes commas once', () => {
    expect(escapeHelmSetValue('a,,b\\,c')).toBe('a\\,\\,b\\,c');
  });

  it('prefers valuesObject over values', () => {
    expect(inlineHelmValues({ values: 'a: 1', valuesObject: { b: 2 } })).toBe(
      '{"b":2}',
    );
    expect(inlineHelmValues({ values: 'a: 1' })).toBe('a: 1');
    expect(inlineHelmValues({ values: '  ' })).toBeUndefined();
  });
});

describe('resolveHelmFiles', () => {
  let root: string;
  let chart: string;
  beforeAll(async () => {
    root = await makeTempDir('gitops-helm-files-');
    chart = path.join(root, 'charts/web');
    await fs.mkdir(path.join(chart, 'env'), { recursive: true });
    await fs.writeFile(path.join(chart, 'values-prod.yaml'), 'a: 1\n');
    await fs.writeFile(path.join(root, 'shared.yaml'), 'b: 1\n');
    await fs.symlink('/etc/passwd', path.join(chart, 'env', 'leak.yaml'));
  });
  afterAll(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  it('resolves relative, repository-absolute and URL value files', async () => {
    const res = await resolveHelmFiles({
      realRoot: root,
      chartDir: chart,
      helm: {
        valueFiles: [
          'values-prod.yaml',
          '../../shared.yaml',
          '/shared.yaml',
          'https://h/v.yaml',
          'missing.yaml',
        ],
        ignoreMissingValueFiles: true,
      },
    });
    expect(res.valueFiles).toEqual([
      path.join(chart, 'values-prod.yaml'),
      path.join(root, 'shared.yaml'),
      path.join(root, 'shared.yaml'),
      'https://h/v.yaml',
    ]);
    expect(res.warnings).toEqual([
      'helm value file "missing.yaml" does not exist and was skipped',
    ]);
  });

  it('rejects value files outside the repository', async () => {
    await expect(
      resolveHelmFiles({
        realRoot: root,
        chartDir: chart,
        helm: { valueFiles: ['../../../etc/passwd'] },
      }),
    ).rejects.toThrow(
      new RenderError(
        'helm value file "../../../etc/passwd" escapes the repository',
      ),
    );
    await expect(
      resolveHelmFiles({
        realRoot: root,
        chartDir: chart,
        helm: { valueFiles: ['env/leak.yaml'] },
      }),
    ).rejects.toThrow(
      'symlink charts/web/env/leak.yaml points outside the repository',
    );
    await expect(
      resolveHelmFiles({
        realRoot: root,
        chartDir: chart,
        helm: { valueFiles: ['missing.yaml'] },
      }),
    ).rejects.toThrow(
      'helm value file "missing.yaml" does not exist in the repository',
    );
    await expect(
      resolveHelmFiles({
        realRoot: root,
        chartDir: chart,
        helm: { fileParameters: [{ name: 'x', path: '../../../etc/shadow' }] },
      }),
    ).rejects.toThrow(
      'helm file parameter "../../../etc/shadow" escapes the repository',
    );
  });
});

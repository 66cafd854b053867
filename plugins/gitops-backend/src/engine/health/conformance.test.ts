/**
 * Conformance of the health rules with Argo CD's own test data (see __fixtures__/SOURCE.md):
 * every built-in object's status, and every Rollout / AnalysisRun case's status and message.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import type { KubeObject } from '@gitops-suite/plugin-gitops-common';
import { getResourceHealth } from './index';

const FIXTURES = path.join(__dirname, '__fixtures__');

function load(file: string): KubeObject {
  // One fixture repeats a key (as Go's YAML reader tolerates); the later value wins.
  return parse(fs.readFileSync(file, 'utf8'), {
    uniqueKeys: false,
  }) as KubeObject;
}

describe('built-in health rules match Argo CD', () => {
  const dir = path.join(FIXTURES, 'builtin');
  const rows = fs
    .readFileSync(path.join(dir, 'expected.tsv'), 'utf8')
    .split('\n')
    .filter(line => line.trim() !== '')
    .map(line => line.split('\t') as [string, string]);

  it('lists every fixture file', () => {
    const files = fs.readdirSync(dir).filter(f => f.endsWith('.yaml'));
    expect(rows.map(r => r[0]).sort()).toEqual(files.sort());
  });

  it.each(rows)('%s is %s', (file, expected) => {
    const result = getResourceHealth(load(path.join(dir, file)));
    expect(result?.status ?? 'none').toBe(expected);
  });
});

interface HealthCase {
  healthStatus: { status: string; message?: string };
  inputPath: string;
}

describe.each(['Rollout', 'AnalysisRun'])(
  'argoproj.io/%s health matches Argo CD',
  kind => {
    const dir = path.join(FIXTURES, 'argoproj.io', kind);
    const cases = (
      parse(fs.readFileSync(path.join(dir, 'health_test.yaml'), 'utf8')) as {
        tests: HealthCase[];
      }
    ).tests;

    it('has cases', () => {
      expect(cases.length).toBeGreaterThan(5);
    });

    it.each(cases.map(c => [c.inputPath, c.healthStatus] as const))(
      '%s',
      (input, expected) => {
        const result = getResourceHealth(load(path.join(dir, input)));
        expect(result).toBeDefined();
        expect({
          status: result!.status,
          message: result!.message ?? '',
        }).toEqual({
          status: expected.status,
          message: expected.message ?? '',
        });
      },
    );
  },
);

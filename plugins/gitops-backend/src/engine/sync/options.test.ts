import { DEFAULT_SYNC_OPTIONS, parseSyncOptions } from './options';

describe('parseSyncOptions', () => {
  it('defaults to Argo CD behaviour', () => {
    expect(parseSyncOptions(undefined)).toEqual({
      ...DEFAULT_SYNC_OPTIONS,
      unrecognized: [],
    });
    expect(parseSyncOptions([]).prunePropagationPolicy).toBe('foreground');
  });

  it('parses every documented option', () => {
    const o = parseSyncOptions([
      'Prune=false',
      'Delete=false',
      'PruneLast=true',
      'CreateNamespace=true',
      'PrunePropagationPolicy=orphan',
      'ApplyOutOfSyncOnly=true',
      'ServerSideApply=true',
      'Replace=true',
      'Force=true',
      'Validate=false',
      'SkipDryRunOnMissingResource=true',
      'RespectIgnoreDifferences=true',
      'FailOnSharedResource=true',
    ]);
    expect(o).toEqual({
      prune: false,
      pruneConfirm: false,
      delete: false,
      deleteConfirm: false,
      pruneLast: true,
      createNamespace: true,
      prunePropagationPolicy: 'orphan',
      applyOutOfSyncOnly: true,
      serverSideApply: true,
      replace: true,
      force: true,
      validate: false,
      skipDryRunOnMissingResource: true,
      respectIgnoreDifferences: true,
      failOnSharedResource: true,
      unrecognized: [],
    });
  });

  it('understands confirm values', () => {
    expect(parseSyncOptions(['Prune=confirm'])).toMatchObject({
      prune: true,
      pruneConfirm: true,
    });
    expect(parseSyncOptions(['Delete=confirm'])).toMatchObject({
      delete: true,
      deleteConfirm: true,
    });
  });

  it('lets the resource annotation override app options', () => {
    const o = parseSyncOptions(
      ['ServerSideApply=true', 'Validate=false'],
      'ServerSideApply=false, Prune=false',
    );
    expect(o.serverSideApply).toBe(false);
    expect(o.validate).toBe(false);
    expect(o.prune).toBe(false);
  });

  it('reports options it does not understand', () => {
    expect(
      parseSyncOptions(
        ['Prune=maybe', 'Frobnicate=true', 'junk'],
        'PrunePropagationPolicy=sideways',
      ).unrecognized,
    ).toEqual([
      'Prune=maybe',
      'Frobnicate=true',
      'junk',
      'PrunePropagationPolicy=sideways',
    ]);
  });
});

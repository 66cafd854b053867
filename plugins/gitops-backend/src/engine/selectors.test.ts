import {
  formatSelector,
  matchesSelector,
  parseSelector,
  requirementsOf,
} from './selectors';

const labels = { app: 'web', tier: 'frontend', env: 'prod', replicas: '3' };

describe('label selectors', () => {
  it('parses and matches the string syntax', () => {
    expect(matchesSelector('app=web', labels)).toBe(true);
    expect(matchesSelector('app==web,tier!=db', labels)).toBe(true);
    expect(matchesSelector('env in (prod, staging),!legacy', labels)).toBe(
      true,
    );
    expect(matchesSelector('env notin (prod)', labels)).toBe(false);
    expect(matchesSelector('tier', labels)).toBe(true);
    expect(matchesSelector('missing', labels)).toBe(false);
    expect(matchesSelector('replicas>2,replicas<4', labels)).toBe(true);
    expect(matchesSelector('app=api', labels)).toBe(false);
    expect(matchesSelector('', labels)).toBe(true);
    // An empty value is a valid label value.
    expect(matchesSelector('app=', { app: '' })).toBe(true);
    expect(matchesSelector('app=', labels)).toBe(false);
    expect(
      matchesSelector('example.com/team=a', { 'example.com/team': 'a' }),
    ).toBe(true);
  });

  it('round-trips requirements', () => {
    const text = 'app=web,tier!=db,env in (a,b),x notin (c),y,!z';
    expect(formatSelector(parseSelector(text))).toBe(text);
  });

  it('rejects malformed selectors clearly', () => {
    for (const bad of [
      'env in (a',
      'a=b,,c',
      '=x',
      'a b c',
      'a=in valid',
      'n>x',
    ]) {
      expect(() => parseSelector(bad)).toThrow(/invalid label selector/);
    }
  });

  it('matches LabelSelector objects', () => {
    expect(
      matchesSelector(
        {
          matchLabels: { app: 'web' },
          matchExpressions: [{ key: 'env', operator: 'In', values: ['prod'] }],
        },
        labels,
      ),
    ).toBe(true);
    expect(
      matchesSelector(
        { matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] },
        labels,
      ),
    ).toBe(false);
    expect(matchesSelector({}, labels)).toBe(true);
    expect(matchesSelector(undefined, undefined)).toBe(true);
    expect(() =>
      requirementsOf({ matchExpressions: [{ key: 'a', operator: 'In' }] }),
    ).toThrow('needs values');
  });
});

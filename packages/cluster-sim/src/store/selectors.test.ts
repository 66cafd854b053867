/** Label and field selector parsing and matching. */
import { SimApiError } from './errors';
import { labelSelectorToString, matchFields, matchLabels, parseFieldSelector, parseLabelSelector } from './selectors';

const labels = { app: 'web', tier: 'front', 'example.com/team': 'a', n: '5' };

describe('label selectors', () => {
  it.each([
    ['app=web', true],
    ['app==web', true],
    ['app!=web', false],
    ['app!=db', true],
    ['tier in (front,back)', true],
    ['tier notin (front)', false],
    ['tier in (back)', false],
    ['example.com/team', true],
    ['!example.com/team', false],
    ['!missing', true],
    ['missing', false],
    ['missing!=x', true],
    ['app=web,tier in (front, back),!missing', true],
    ['app=web,tier=back', false],
    ['n>3', true],
    ['n<3', false],
    ['empty=', false],
    ['', true],
  ])('%s → %s', (sel, want) => {
    expect(matchLabels(parseLabelSelector(sel), labels)).toBe(want);
  });

  it('matches an empty value against an empty label', () => {
    expect(matchLabels(parseLabelSelector('e='), { e: '' })).toBe(true);
  });

  it.each(['app=web=x', 'tier in front', 'a b', '=x', 'bad key!=x', 'x in ()'])('rejects %s with 400', sel => {
    expect(() => parseLabelSelector(sel)).toThrow(SimApiError);
    expect(() => parseLabelSelector(sel)).toThrow(expect.objectContaining({ code: 400, reason: 'BadRequest' }));
  });

  it('renders LabelSelector objects in selector syntax', () => {
    expect(
      labelSelectorToString({
        matchLabels: { b: '2', a: '1' },
        matchExpressions: [
          { key: 'c', operator: 'In', values: ['y', 'x'] },
          { key: 'd', operator: 'DoesNotExist' },
        ],
      }),
    ).toBe('a=1,b=2,c in (x,y),!d');
  });
});

describe('field selectors', () => {
  const pod = { metadata: { name: 'p1', namespace: 'ns' }, spec: { nodeName: 'n1' }, status: { phase: 'Running' } };
  it.each([
    ['metadata.name=p1', true],
    ['metadata.name==p1', true],
    ['metadata.name!=p1', false],
    ['status.phase=Running,spec.nodeName=n1', true],
    ['status.phase=Running,spec.nodeName=n2', false],
    ['spec.missing=', true],
  ])('%s → %s', (sel, want) => {
    expect(matchFields(parseFieldSelector(sel), pod)).toBe(want);
  });

  it('unescapes values', () => {
    expect(parseFieldSelector('a=x\\,y,b!=z')).toEqual([
      { field: 'a', op: '=', value: 'x,y' },
      { field: 'b', op: '!=', value: 'z' },
    ]);
  });

  it('rejects a requirement without an operator', () => {
    expect(() => parseFieldSelector('metadata.name')).toThrow(/invalid selector/);
  });
});

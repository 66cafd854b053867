import { formatDuration, parseDuration } from './duration';

describe('Go durations', () => {
  it('parses units, compound values and plain seconds', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('2h45m')).toBe(9_900_000);
    expect(parseDuration('1.5h')).toBe(5_400_000);
    expect(parseDuration('90')).toBe(90_000);
    expect(parseDuration(15)).toBe(15_000);
    expect(parseDuration('0')).toBe(0);
    expect(parseDuration('1500us')).toBe(1.5);
  });

  it('rejects anything else with a clear error', () => {
    for (const bad of ['', 'abc', '5 minutes', '1d', '-5s', 'm', '1m30']) {
      expect(() => parseDuration(bad)).toThrow(/invalid duration/);
    }
    expect(() => parseDuration(-1)).toThrow(/invalid duration/);
  });

  it('formats like Go', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(250)).toBe('250ms');
    expect(formatDuration(90_000)).toBe('1m30s');
    expect(formatDuration(3_600_000)).toBe('1h0m0s');
  });
});

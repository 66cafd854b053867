/** Fault spec parsing and the injector's decisions. */
import { FaultInjector, normalizeFaults, parseFaultSpec } from './faults';
import { Registry } from '../store/registry';

const pods = new Registry().byKind('v1', 'Pod')!.type;
const cms = new Registry().byKind('v1', 'ConfigMap')!.type;

describe('fault specs', () => {
  it('parses the CLI forms', () => {
    expect(parseFaultSpec('verb=list,kind=Pod,error=500,rate=0.2')).toEqual({ verbs: ['list'], kinds: ['Pod'], error: 500, rate: 0.2 });
    expect(parseFaultSpec('latency=200ms')).toEqual({ latencyMs: 200 });
    expect(parseFaultSpec('latency=1.5s,verb=get|watch')).toEqual({ latencyMs: 1500, verbs: ['get', 'watch'] });
    expect(parseFaultSpec('watch-drop=0.1')).toEqual({ watchDrop: 0.1 });
    expect(parseFaultSpec('error=429,retry-after=2')).toEqual({ error: 429, retryAfterSeconds: 2 });
  });

  it.each(['error=404', 'rate=2,error=500', 'verb=explode,error=500', 'kind=Pod', 'latency=fast', 'nonsense'])('rejects %s', spec => {
    expect(() => parseFaultSpec(spec)).toThrow();
  });

  it('accepts rule objects and spec strings in one configuration', () => {
    expect(normalizeFaults({ rules: ['latency=5ms', { verbs: ['get'], error: 500 }] })).toEqual({ rules: [{ latencyMs: 5 }, { verbs: ['get'], error: 500 }] });
    expect(() => normalizeFaults({ rules: [{ bogus: 1 }] })).toThrow(/unknown fault rule field/);
  });
});

describe('FaultInjector', () => {
  it('applies rules by verb and kind (Kind, plural or singular, any case) at their rate', () => {
    let n = 0;
    const seq = [0.1, 0.9];
    const f = new FaultInjector({ rules: ['verb=list,kind=pods,error=500,rate=0.5', 'kind=ConfigMap,latency=10ms'] }, () => seq[n++ % 2]);
    expect(f.decide('list', pods).error?.code).toBe(500);
    expect(f.decide('list', pods).error).toBeUndefined();
    expect(f.decide('get', pods).error).toBeUndefined();
    expect(f.decide('get', cms)).toEqual({ latencyMs: 10 });
    expect(f.decide('list', undefined)).toEqual({ latencyMs: 0 });
  });

  it('combines watch-drop rates', () => {
    const f = new FaultInjector(['watch-drop=0.5', 'kind=Pod,watch-drop=0.5']);
    expect(f.watchDrop(pods)).toBeCloseTo(0.75);
    expect(f.watchDrop(cms)).toBeCloseTo(0.5);
  });
});

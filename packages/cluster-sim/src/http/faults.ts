/**
 * Fault injection for reliability tests, applied to HTTP requests only (never to the
 * in-process client or `/sim/*`): per verb and kind, a rate of 500 InternalError or 429
 * TooManyRequests answers, added latency, and watch streams dropped mid-way.
 *
 * Spec strings (CLI `--fault`, also accepted in JSON): comma-separated `key=value`:
 *   verb=list|watch   kind=Pod   error=500|429   rate=0.2   latency=200ms
 *   watch-drop=0.1 (probability, per delivered event, of closing the stream)   retry-after=1
 */
import { SimApiError, internalError, tooManyRequests } from '../store/errors';
import type { ResourceType } from '../store/registry';

export const FAULT_VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] as const;
export type FaultVerb = (typeof FAULT_VERBS)[number];

export interface FaultRule {
  /** Verbs the rule applies to (all when absent). */
  verbs?: FaultVerb[];
  /** Kinds (`Pod`) or resources (`pods`) the rule applies to (all when absent). */
  kinds?: string[];
  /** Status code to answer with. */
  error?: 500 | 429;
  /** Probability of the error (default 1 when `error` is set). */
  rate?: number;
  /** Added latency before answering. */
  latencyMs?: number;
  /** Probability, per delivered watch event, of dropping the stream. */
  watchDrop?: number;
  /** Retry-After seconds on 429 answers (default 1). */
  retryAfterSeconds?: number;
}

export interface FaultConfig {
  rules: FaultRule[];
}

export class FaultSpecError extends Error {}

function parseDuration(v: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(v.trim());
  if (!m) throw new FaultSpecError(`invalid duration ${JSON.stringify(v)} (use e.g. 200ms, 1s)`);
  const n = Number(m[1]);
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000 };
  return n * unit[m[2] ?? 'ms'];
}

function parseRate(v: unknown, what: string): number {
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new FaultSpecError(`${what} must be a number between 0 and 1, got ${JSON.stringify(v)}`);
  return n;
}

/** Parses one `--fault` spec string. */
export function parseFaultSpec(spec: string): FaultRule {
  const rule: FaultRule = {};
  for (const part of spec.split(',').map(s => s.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq < 0) throw new FaultSpecError(`invalid fault spec part ${JSON.stringify(part)}: expected key=value`);
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    switch (key) {
      case 'verb':
      case 'verbs':
        rule.verbs = value.split('|').map(v => {
          if (!(FAULT_VERBS as readonly string[]).includes(v)) throw new FaultSpecError(`unknown verb ${JSON.stringify(v)} (one of ${FAULT_VERBS.join(', ')})`);
          return v as FaultVerb;
        });
        break;
      case 'kind':
      case 'kinds':
        rule.kinds = value.split('|').filter(Boolean);
        break;
      case 'error':
        if (value !== '500' && value !== '429') throw new FaultSpecError(`error must be 500 or 429, got ${JSON.stringify(value)}`);
        rule.error = Number(value) as 500 | 429;
        break;
      case 'rate':
        rule.rate = parseRate(value, 'rate');
        break;
      case 'latency':
        rule.latencyMs = parseDuration(value);
        break;
      case 'watch-drop':
        rule.watchDrop = parseRate(value, 'watch-drop');
        break;
      case 'retry-after':
        rule.retryAfterSeconds = Math.max(0, Math.round(parseDuration(value.replace(/^(\d+)$/, '$1s')) / 1000));
        break;
      default:
        throw new FaultSpecError(`unknown fault spec key ${JSON.stringify(key)}`);
    }
  }
  if (rule.error === undefined && rule.latencyMs === undefined && rule.watchDrop === undefined) {
    throw new FaultSpecError(`fault spec ${JSON.stringify(spec)} sets none of error, latency, watch-drop`);
  }
  return rule;
}

function normalizeRule(raw: unknown): FaultRule {
  if (typeof raw === 'string') return parseFaultSpec(raw);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new FaultSpecError('a fault rule must be an object or a spec string');
  const r = raw as Record<string, unknown>;
  const rule: FaultRule = {};
  for (const key of Object.keys(r)) {
    if (!['verbs', 'kinds', 'error', 'rate', 'latencyMs', 'watchDrop', 'retryAfterSeconds'].includes(key)) {
      throw new FaultSpecError(`unknown fault rule field ${JSON.stringify(key)}`);
    }
  }
  if (r.verbs !== undefined) {
    if (!Array.isArray(r.verbs) || r.verbs.some(v => !(FAULT_VERBS as readonly unknown[]).includes(v))) {
      throw new FaultSpecError(`verbs must be a list of ${FAULT_VERBS.join(', ')}`);
    }
    rule.verbs = r.verbs as FaultVerb[];
  }
  if (r.kinds !== undefined) {
    if (!Array.isArray(r.kinds) || r.kinds.some(k => typeof k !== 'string')) throw new FaultSpecError('kinds must be a list of strings');
    rule.kinds = r.kinds as string[];
  }
  if (r.error !== undefined) {
    if (r.error !== 500 && r.error !== 429) throw new FaultSpecError('error must be 500 or 429');
    rule.error = r.error;
  }
  if (r.rate !== undefined) rule.rate = parseRate(r.rate, 'rate');
  if (r.watchDrop !== undefined) rule.watchDrop = parseRate(r.watchDrop, 'watchDrop');
  for (const k of ['latencyMs', 'retryAfterSeconds'] as const) {
    if (r[k] !== undefined) {
      if (typeof r[k] !== 'number' || (r[k] as number) < 0) throw new FaultSpecError(`${k} must be a non-negative number`);
      rule[k] = r[k] as number;
    }
  }
  return rule;
}

/** Validates a fault configuration: `{rules: [...]}`, a list of rules, or a list of spec strings. */
export function normalizeFaults(input: unknown): FaultConfig {
  if (input === undefined || input === null) return { rules: [] };
  const list = Array.isArray(input) ? input : (input as { rules?: unknown }).rules;
  if (!Array.isArray(list)) throw new FaultSpecError('faults must be {"rules": [...]}');
  return { rules: list.map(normalizeRule) };
}

export interface FaultDecision {
  latencyMs: number;
  error?: SimApiError;
}

export class FaultInjector {
  private config: FaultConfig = { rules: [] };

  constructor(initial?: unknown, private readonly random: () => number = Math.random) {
    this.set(initial);
  }

  set(input: unknown): FaultConfig {
    this.config = normalizeFaults(input);
    return this.config;
  }

  get(): FaultConfig {
    return this.config;
  }

  private matching(verb: FaultVerb, type: ResourceType | undefined): FaultRule[] {
    return this.config.rules.filter(r => {
      if (r.verbs && !r.verbs.includes(verb)) return false;
      if (r.kinds) {
        if (!type) return false;
        const names = [type.kind, type.plural, type.singular].map(s => s.toLowerCase());
        if (!r.kinds.some(k => names.includes(k.toLowerCase()))) return false;
      }
      return true;
    });
  }

  decide(verb: FaultVerb, type: ResourceType | undefined): FaultDecision {
    const d: FaultDecision = { latencyMs: 0 };
    if (!this.config.rules.length) return d;
    for (const r of this.matching(verb, type)) {
      if (r.latencyMs) d.latencyMs += r.latencyMs;
      if (!d.error && r.error && this.random() < (r.rate ?? 1)) {
        d.error = r.error === 429 ? tooManyRequests(r.retryAfterSeconds ?? 1) : internalError('injected fault');
      }
    }
    return d;
  }

  /** Probability per event of dropping a watch of this type. */
  watchDrop(type: ResourceType): number {
    let p = 0;
    for (const r of this.matching('watch', type)) if (r.watchDrop) p = 1 - (1 - p) * (1 - r.watchDrop);
    return p;
  }

  roll(p: number): boolean {
    return p > 0 && this.random() < p;
  }
}

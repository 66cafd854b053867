/**
 * Kubernetes label selectors: the string syntax (`app=web,tier!=db,env in (a,b),!legacy`) and
 * LabelSelector objects (matchLabels / matchExpressions), parsed into requirements and matched
 * against labels. An empty selector matches everything.
 */
import type { LabelSelector } from '@gitops-suite/plugin-gitops-common';

export type SelectorOperator =
  | 'In'
  | 'NotIn'
  | 'Exists'
  | 'DoesNotExist'
  | 'Equals'
  | 'NotEquals'
  | 'GreaterThan'
  | 'LessThan';

export interface SelectorRequirement {
  key: string;
  operator: SelectorOperator;
  values: string[];
}

const KEY =
  /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

function checkKey(key: string, selector: string): string {
  if (!KEY.test(key) || key.length > 316) {
    throw new Error(
      `invalid label selector "${selector}": "${key}" is not a valid label key`,
    );
  }
  return key;
}

function checkValue(value: string, selector: string): string {
  if (!VALUE.test(value) || value.length > 63) {
    throw new Error(
      `invalid label selector "${selector}": "${value}" is not a valid label value`,
    );
  }
  return value;
}

/** Splits on commas that are not inside parentheses. */
function splitTerms(selector: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of selector) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (depth < 0) {
      throw new Error(`invalid label selector "${selector}": unbalanced ")"`);
    }
    if (ch === ',' && depth === 0) {
      terms.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  if (depth !== 0) {
    throw new Error(`invalid label selector "${selector}": unbalanced "("`);
  }
  terms.push(current);
  return terms.map(t => t.trim());
}

/** Parses the string form of a label selector. */
export function parseSelector(selector: string): SelectorRequirement[] {
  const text = selector.trim();
  if (text === '') {
    return [];
  }
  return splitTerms(text).map(term => {
    if (term === '') {
      throw new Error(
        `invalid label selector "${selector}": empty requirement`,
      );
    }
    let m = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(term);
    if (m) {
      const values = m[3]
        .split(',')
        .map(v => v.trim())
        .map(v => checkValue(v, selector));
      return {
        key: checkKey(m[1], selector),
        operator: m[2] === 'in' ? 'In' : 'NotIn',
        values,
      };
    }
    m = /^!\s*(\S+)$/.exec(term);
    if (m) {
      return {
        key: checkKey(m[1], selector),
        operator: 'DoesNotExist',
        values: [],
      };
    }
    m = /^([^=!<>\s]+)\s*(==|=|!=|<|>)\s*(\S*)$/.exec(term);
    if (m) {
      const key = checkKey(m[1], selector);
      const value = m[3];
      if (m[2] === '<' || m[2] === '>') {
        if (!/^-?\d+$/.test(value)) {
          throw new Error(
            `invalid label selector "${selector}": "${value}" is not an integer`,
          );
        }
        return {
          key,
          operator: m[2] === '<' ? 'LessThan' : 'GreaterThan',
          values: [value],
        };
      }
      return {
        key,
        operator: m[2] === '!=' ? 'NotEquals' : 'Equals',
        values: [checkValue(value, selector)],
      };
    }
    if (/^\S+$/.test(term)) {
      return { key: checkKey(term, selector), operator: 'Exists', values: [] };
    }
    throw new Error(
      `invalid label selector "${selector}": cannot parse "${term}"`,
    );
  });
}

/** Converts a LabelSelector object into requirements (validating operators). */
export function requirementsOf(
  selector: LabelSelector | undefined | null,
): SelectorRequirement[] {
  if (!selector) {
    return [];
  }
  const out: SelectorRequirement[] = [];
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    out.push({ key, operator: 'Equals', values: [String(value)] });
  }
  for (const expr of selector.matchExpressions ?? []) {
    const values = expr.values ?? [];
    if (
      (expr.operator === 'In' || expr.operator === 'NotIn') &&
      values.length === 0
    ) {
      throw new Error(
        `invalid label selector: operator ${expr.operator} on "${expr.key}" needs values`,
      );
    }
    if (
      (expr.operator === 'Exists' || expr.operator === 'DoesNotExist') &&
      values.length > 0
    ) {
      throw new Error(
        `invalid label selector: operator ${expr.operator} on "${expr.key}" takes no values`,
      );
    }
    if (!['In', 'NotIn', 'Exists', 'DoesNotExist'].includes(expr.operator)) {
      throw new Error(
        `invalid label selector: unknown operator "${expr.operator}"`,
      );
    }
    out.push({ key: expr.key, operator: expr.operator, values });
  }
  return out;
}

function matchesRequirement(
  req: SelectorRequirement,
  labels: Record<string, string>,
): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, req.key);
  const value = labels[req.key];
  switch (req.operator) {
    case 'Equals':
    case 'In':
      return has && req.values.includes(value);
    case 'NotEquals':
    case 'NotIn':
      return !has || !req.values.includes(value);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'GreaterThan':
    case 'LessThan': {
      if (!has || !/^-?\d+$/.test(value)) {
        return false;
      }
      const n = Number(value);
      const bound = Number(req.values[0]);
      return req.operator === 'GreaterThan' ? n > bound : n < bound;
    }
    default:
      return false;
  }
}

/**
 * True when labels satisfy a selector given as a string, a LabelSelector object or parsed
 * requirements. Empty selectors match everything.
 */
export function matchesSelector(
  selector: string | LabelSelector | SelectorRequirement[] | undefined | null,
  labels: Record<string, string> | undefined,
): boolean {
  let reqs: SelectorRequirement[];
  if (typeof selector === 'string') {
    reqs = parseSelector(selector);
  } else if (Array.isArray(selector)) {
    reqs = selector;
  } else {
    reqs = requirementsOf(selector);
  }
  return reqs.every(req => matchesRequirement(req, labels ?? {}));
}

/** Renders requirements back into the string syntax. */
export function formatSelector(reqs: SelectorRequirement[]): string {
  return reqs
    .map(r => {
      switch (r.operator) {
        case 'Equals':
          return `${r.key}=${r.values[0]}`;
        case 'NotEquals':
          return `${r.key}!=${r.values[0]}`;
        case 'In':
          return `${r.key} in (${r.values.join(',')})`;
        case 'NotIn':
          return `${r.key} notin (${r.values.join(',')})`;
        case 'Exists':
          return r.key;
        case 'DoesNotExist':
          return `!${r.key}`;
        case 'GreaterThan':
          return `${r.key}>${r.values[0]}`;
        default:
          return `${r.key}<${r.values[0]}`;
      }
    })
    .join(',');
}

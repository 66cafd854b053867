/**
 * Label selectors (`a=b,c in (d,e),!f,g`) and field selectors (`metadata.name=x,status.phase!=Running`)
 * in the syntax of the Kubernetes API, parsed once and matched against objects. Parse
 * errors are 400 BadRequest with the real server's wording where users see it.
 */
import { SimApiError } from './errors';

export type LabelOp = '=' | '!=' | 'in' | 'notin' | 'exists' | '!' | 'gt' | 'lt';

export interface LabelRequirement {
  key: string;
  op: LabelOp;
  values: string[];
}

export type LabelSelector = LabelRequirement[];

const KEY_RE = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE_RE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function parseError(_selector: string, why: string): SimApiError {
  return new SimApiError(400, 'BadRequest', `unable to parse requirement: ${why}`);
}

function checkKey(selector: string, key: string): void {
  const name = key.includes('/') ? key.slice(key.indexOf('/') + 1) : key;
  if (!KEY_RE.test(key) || name.length > 63 || key.length > 253 + 1 + 63) {
    throw parseError(selector, `invalid label key "${key}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`);
  }
}

function checkValue(selector: string, value: string): void {
  if (value.length > 63 || !VALUE_RE.test(value)) {
    throw parseError(selector, `invalid label value: "${value}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`);
  }
}

/** Splits at top-level commas (commas inside `( )` belong to a set). */
function splitTopLevel(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  return parts;
}

const NOT_RE = /^!\s*([^\s=!<>(),]+)$/;
const SET_RE = /^([^\s=!<>(),]+)\s+(in|notin)\s*\(([^)]*)\)$/;
const CMP_RE = /^([^\s=!<>(),]+)\s*(==|=|!=|>|<)\s*([^\s,()]*)$/;
const EXISTS_RE = /^([^\s=!<>(),]+)$/;

function parseRequirement(selector: string, part: string): LabelRequirement {
  if (!part) throw parseError(selector, "found '', expected: !, identifier, or 'end of string'");
  const not = NOT_RE.exec(part);
  if (not) {
    checkKey(selector, not[1]);
    return { key: not[1], op: '!', values: [] };
  }
  const set = SET_RE.exec(part);
  if (set) {
    checkKey(selector, set[1]);
    const values = set[3].split(',').map(v => v.trim());
    if (values.length === 1 && values[0] === '') {
      throw parseError(selector, "for 'in', 'notin' operators, values set can't be empty");
    }
    values.forEach(v => checkValue(selector, v));
    return { key: set[1], op: set[2] as 'in' | 'notin', values };
  }
  const cmp = CMP_RE.exec(part);
  if (cmp) {
    checkKey(selector, cmp[1]);
    const [, key, opTok, value] = cmp;
    if (opTok === '>' || opTok === '<') {
      if (!/^-?\d+$/.test(value)) throw parseError(selector, "for 'Gt', 'Lt' operators, the value must be an integer");
      return { key, op: opTok === '>' ? 'gt' : 'lt', values: [value] };
    }
    checkValue(selector, value);
    return { key, op: opTok === '!=' ? '!=' : '=', values: [value] };
  }
  const exists = EXISTS_RE.exec(part);
  if (exists) {
    checkKey(selector, exists[1]);
    return { key: exists[1], op: 'exists', values: [] };
  }
  throw parseError(selector, `found '${part}', expected: !, identifier, or 'end of string'`);
}

export function parseLabelSelector(selector: string | undefined): LabelSelector {
  if (!selector || !selector.trim()) return [];
  return splitTopLevel(selector).map(part => parseRequirement(selector, part.trim()));
}

export function matchLabels(selector: LabelSelector, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  for (const r of selector) {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    const v = l[r.key];
    switch (r.op) {
      case '=':
        if (!has || v !== r.values[0]) return false;
        break;
      case '!=':
        if (has && v === r.values[0]) return false;
        break;
      case 'in':
        if (!has || !r.values.includes(v)) return false;
        break;
      case 'notin':
        if (has && r.values.includes(v)) return false;
        break;
      case 'exists':
        if (!has) return false;
        break;
      case '!':
        if (has) return false;
        break;
      case 'gt':
      case 'lt': {
        if (!has || !/^-?\d+$/.test(v)) return false;
        const n = Number(v);
        const t = Number(r.values[0]);
        if (r.op === 'gt' ? !(n > t) : !(n < t)) return false;
        break;
      }
      default:
        return false;
    }
  }
  return true;
}

/** `metav1.LabelSelector` (matchLabels/matchExpressions) rendered as a selector string. */
export function labelSelectorToString(sel: unknown): string {
  if (!sel || typeof sel !== 'object') return '';
  const s = sel as { matchLabels?: Record<string, string>; matchExpressions?: Array<{ key: string; operator: string; values?: string[] }> };
  const parts: string[] = [];
  for (const [k, v] of Object.entries(s.matchLabels ?? {}).sort(([a], [b]) => a.localeCompare(b))) parts.push(`${k}=${v}`);
  for (const e of s.matchExpressions ?? []) {
    const vals = [...(e.values ?? [])].sort().join(',');
    switch (e.operator) {
      case 'In':
        parts.push(`${e.key} in (${vals})`);
        break;
      case 'NotIn':
        parts.push(`${e.key} notin (${vals})`);
        break;
      case 'Exists':
        parts.push(e.key);
        break;
      case 'DoesNotExist':
        parts.push(`!${e.key}`);
        break;
      default:
        break;
    }
  }
  return parts.join(',');
}

// ---- field selectors --------------------------------------------------------------------

export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

export type FieldSelector = FieldRequirement[];

function unescapeField(s: string): string {
  return s.replace(/\\(.)/g, '$1');
}

function splitEscaped(s: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === '\\' && i + 1 < s.length) {
      cur += ch + s[i + 1];
      i++;
    } else if (ch === sep) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

export function parseFieldSelector(selector: string | undefined): FieldSelector {
  if (!selector || !selector.trim()) return [];
  const out: FieldSelector = [];
  for (const part of splitEscaped(selector, ',')) {
    if (!part.trim()) continue;
    const m = part.match(/^([^=!]+?)\s*(==|!=|=)\s*(.*)$/s);
    if (!m) throw new SimApiError(400, 'BadRequest', `invalid selector: '${selector}'; can't understand '${part}'`);
    out.push({ field: m[1].trim(), op: m[2] === '!=' ? '!=' : '=', value: unescapeField(m[3]) });
  }
  return out;
}

/** The string a field path has on an object, as field selectors compare it. */
export function fieldValue(obj: Record<string, unknown>, field: string): string {
  let cur: unknown = obj;
  for (const part of field.split('.')) {
    if (cur === null || typeof cur !== 'object') return '';
    cur = (cur as Record<string, unknown>)[part];
  }
  if (cur === undefined || cur === null) return '';
  return String(cur);
}

export function matchFields(selector: FieldSelector, obj: Record<string, unknown>): boolean {
  for (const r of selector) {
    const v = fieldValue(obj, r.field);
    if (r.op === '=' ? v !== r.value : v === r.value) return false;
  }
  return true;
}

/** Label selectors as Kubernetes evaluates them (metav1.LabelSelector and Service selectors). */

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | string;
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export type Labels = Record<string, string> | undefined;

/** metav1.LabelSelector semantics: an empty selector matches everything, a missing one nothing. */
export function selectorMatches(selector: LabelSelector | undefined | null, labels: Labels): boolean {
  if (!selector) return false;
  const l = labels ?? {};
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) {
    if (l[k] !== v) return false;
  }
  for (const req of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(l, req.key);
    const values = req.values ?? [];
    switch (req.operator) {
      case 'In':
        if (!has || !values.includes(l[req.key])) return false;
        break;
      case 'NotIn':
        if (has && values.includes(l[req.key])) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** Service / nodeSelector semantics: every pair must match; an empty map selects nothing here. */
export function mapSelectorMatches(selector: Record<string, string> | undefined | null, labels: Labels): boolean {
  if (!selector) return false;
  const entries = Object.entries(selector);
  if (entries.length === 0) return false;
  const l = labels ?? {};
  return entries.every(([k, v]) => l[k] === v);
}

/** Every pair of `subset` is in `labels` (an empty subset matches all). */
export function labelsContain(labels: Labels, subset: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  return Object.entries(subset ?? {}).every(([k, v]) => l[k] === v);
}

/** One `key=value` pair every matching object must carry, for cheap candidate indexes. */
export function anchorPair(selector: Record<string, string> | undefined): string | undefined {
  const keys = Object.keys(selector ?? {}).sort();
  return keys.length ? `${keys[0]}=${selector![keys[0]]}` : undefined;
}

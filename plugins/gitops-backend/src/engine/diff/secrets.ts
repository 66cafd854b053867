/**
 * Secret masking: every value of `data` / `stringData` (and inside kubectl's
 * last-applied-configuration) becomes a run of `+`. Masks are shared across the objects masked
 * together: equal values of a key get the same mask and different values different lengths
 * (`++++++++`, `+++++++++`...), so a diff shows which keys changed without showing values.
 */
import type { KubeObject } from '@gitops-suite/plugin-gitops-common';
import { deepClone, isRecord } from '../objects';
import { ANNOTATION_LAST_APPLIED, isSecret } from './normalize';

const BASE_MASK_LENGTH = 8;

/** Assigns masks per key and distinct value. */
class Masker {
  private readonly byKey = new Map<string, Map<string, string>>();

  mask(key: string, value: unknown): string {
    const text =
      typeof value === 'string' ? value : JSON.stringify(value) ?? '';
    let values = this.byKey.get(key);
    if (!values) {
      values = new Map();
      this.byKey.set(key, values);
    }
    let mask = values.get(text);
    if (!mask) {
      mask = '+'.repeat(BASE_MASK_LENGTH + values.size);
      values.set(text, mask);
    }
    return mask;
  }

  maskMaps(obj: Record<string, unknown>): void {
    for (const field of ['data', 'stringData']) {
      const map = obj[field];
      if (isRecord(map)) {
        for (const key of Object.keys(map)) {
          map[key] = this.mask(key, map[key]);
        }
      }
    }
  }
}

/**
 * Masks Secrets among the given objects with shared masks (non-Secrets and undefined pass
 * through unchanged). Returns copies, in the same order.
 */
export function maskSecretValues<T extends KubeObject | undefined>(
  objects: readonly T[],
): T[] {
  const masker = new Masker();
  return objects.map(obj => {
    if (!obj || !isSecret(obj)) {
      return obj;
    }
    const copy = deepClone(obj);
    masker.maskMaps(copy as Record<string, unknown>);
    const annotations = copy.metadata?.annotations;
    if (
      annotations &&
      typeof annotations[ANNOTATION_LAST_APPLIED] === 'string'
    ) {
      let masked = '+'.repeat(BASE_MASK_LENGTH);
      try {
        const parsed: unknown = JSON.parse(
          annotations[ANNOTATION_LAST_APPLIED],
        );
        if (isRecord(parsed)) {
          masker.maskMaps(parsed);
          masked = JSON.stringify(parsed);
        }
      } catch {
        // Unparseable: hide it whole.
      }
      annotations[ANNOTATION_LAST_APPLIED] = masked;
    }
    return copy;
  });
}

/** A copy of one object with Secret values masked (non-Secrets are returned as is). */
export function maskSecrets<T extends KubeObject>(obj: T): T {
  return maskSecretValues([obj])[0];
}

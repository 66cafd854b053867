/**
 * Template hashes in the style of Kubernetes' pod-template-hash / controller-revision-hash:
 * FNV-1a (32 bit) over a canonical form of the object plus the collision count, written in
 * decimal and mapped onto the "safe" alphabet Kubernetes uses for generated names.
 */

const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** Canonical JSON: object keys sorted, undefined dropped. */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(v => stableStringify(v === undefined ? null : v)).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter(k => obj[k] !== undefined).sort();
  return `{${keys.map(k => `${JSON.stringify(k)}:${stableStringify(obj[k])}`).join(',')}}`;
}

export function fnv32a(text: string): number {
  let h = 0x811c9dc5;
  const bytes = Buffer.from(text, 'utf8');
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i];
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Maps each character onto the consonant/digit alphabet (no vowels, so no words). */
export function safeEncode(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) out += SAFE_ALPHABET[text.charCodeAt(i) % SAFE_ALPHABET.length];
  return out;
}

/** 8–10 character hash of an object (a pod template, a revision's data). */
export function computeHash(value: unknown, collisionCount?: number): string {
  let text = stableStringify(value);
  if (collisionCount) text += `#${collisionCount}`;
  return safeEncode(String(fnv32a(text)).padStart(8, '0'));
}

/** Random suffix for generated names (`<base>-xxxxx`), from the same alphabet as the API server's. */
export function randomSuffix(length = 5): string {
  let out = '';
  for (let i = 0; i < length; i++) out += SAFE_ALPHABET[Math.floor(Math.random() * SAFE_ALPHABET.length)];
  return out;
}

/** `<base>-<5 random chars>`, truncating the base like the API server's generateName. */
export function generatedName(base: string): string {
  const prefix = `${base}-`.slice(0, 58);
  return prefix + randomSuffix();
}

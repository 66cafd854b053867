/**
 * Concrete paths into JSON documents (object keys and array indexes), JSON Pointer parsing,
 * and removal of many paths at once without index shifting mistakes.
 */
import { isRecord } from '../objects';

export type Path = Array<string | number>;

/** Parses an RFC 6901 JSON Pointer (`/spec/template/0/name`, `~1` = `/`, `~0` = `~`). */
export function parseJsonPointer(pointer: string): string[] {
  if (pointer === '') {
    return [];
  }
  if (!pointer.startsWith('/')) {
    throw new Error(`invalid JSON pointer "${pointer}": must start with "/"`);
  }
  return pointer
    .slice(1)
    .split('/')
    .map(s => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Renders a concrete path as a JSON Pointer. */
export function formatJsonPointer(path: Path): string {
  return path
    .map(s => `/${String(s).replace(/~/g, '~0').replace(/\//g, '~1')}`)
    .join('');
}

/**
 * Resolves pointer segments against a document into a concrete path (numeric segments become
 * array indexes); undefined when the path does not exist.
 */
export function resolvePointer(
  doc: unknown,
  segments: string[],
): Path | undefined {
  const out: Path = [];
  let current = doc;
  for (const seg of segments) {
    if (Array.isArray(current)) {
      if (!/^\d+$/.test(seg) || Number(seg) >= current.length) {
        return undefined;
      }
      out.push(Number(seg));
      current = current[Number(seg)];
    } else if (
      isRecord(current) &&
      Object.prototype.hasOwnProperty.call(current, seg)
    ) {
      out.push(seg);
      current = current[seg];
    } else {
      return undefined;
    }
  }
  return out;
}

/** Reads the value at a concrete path. */
export function valueAt(doc: unknown, path: Path): unknown {
  let current = doc;
  for (const seg of path) {
    if (Array.isArray(current) && typeof seg === 'number')
      current = current[seg];
    else if (isRecord(current) && typeof seg === 'string')
      current = current[seg];
    else return undefined;
  }
  return current;
}

/** Sets the value at a concrete path, creating objects on the way. */
export function setValueAt(
  doc: Record<string, unknown>,
  path: Path,
  value: unknown,
): void {
  let current: unknown = doc;
  path.forEach((seg, i) => {
    const last = i === path.length - 1;
    if (Array.isArray(current) && typeof seg === 'number') {
      if (last) current[seg] = value;
      else current = current[seg];
    } else if (isRecord(current)) {
      const key = String(seg);
      if (last) {
        current[key] = value;
      } else {
        if (!isRecord(current[key]) && !Array.isArray(current[key])) {
          current[key] = typeof path[i + 1] === 'number' ? [] : {};
        }
        current = current[key];
      }
    }
  });
}

const REMOVED = Symbol('removed');

function sweep(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.filter(v => v !== REMOVED).map(sweep);
  }
  if (isRecord(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (v === REMOVED) delete value[k];
      else value[k] = sweep(v);
    }
  }
  return value;
}

/**
 * Removes every path (those that exist) from a document in place. Paths are marked first and
 * swept after, so removing several items of one list keeps the other paths valid.
 */
export function removePaths(doc: Record<string, unknown>, paths: Path[]): void {
  let marked = false;
  for (const path of paths) {
    if (path.length === 0) continue;
    const parent = valueAt(doc, path.slice(0, -1));
    const last = path[path.length - 1];
    if (
      Array.isArray(parent) &&
      typeof last === 'number' &&
      last < parent.length
    ) {
      parent[last] = REMOVED;
      marked = true;
    } else if (isRecord(parent) && typeof last === 'string' && last in parent) {
      parent[last] = REMOVED;
      marked = true;
    }
  }
  if (marked) sweep(doc);
}

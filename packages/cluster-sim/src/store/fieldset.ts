/**
 * Field sets as server-side apply tracks them in `managedFields` (FieldsV1): a tree of path
 * elements (`f:name`, `k:{"name":"web"}`, `v:"x"`, `i:0`) where a node may itself be a
 * member (`.` in the JSON form). Pure data structure: union, difference, intersection,
 * JSON round-trip and human-readable paths for conflict messages.
 */

/** One path element, in its FieldsV1 spelling (`f:replicas`, `k:{"name":"web"}`, `v:"a"`, `i:3`). */
export type PathElement = string;
export type Path = readonly PathElement[];

export class FieldSet {
  member = false;
  children: Map<PathElement, FieldSet> | undefined;

  static fromPaths(paths: Iterable<Path>): FieldSet {
    const s = new FieldSet();
    for (const p of paths) s.insert(p);
    return s;
  }

  /** Parses FieldsV1 JSON; throws on a malformed document. */
  static fromJSON(json: unknown): FieldSet {
    const s = new FieldSet();
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new Error('fieldsV1 must be an object');
    }
    for (const [k, v] of Object.entries(json as Record<string, unknown>)) {
      if (k === '.') {
        s.member = true;
        continue;
      }
      if (!/^[fkvi]:/.test(k)) throw new Error(`invalid fieldsV1 key ${JSON.stringify(k)}`);
      const child = FieldSet.fromJSON(v);
      if (!child.isEmpty()) s.childFor(k).mergeIn(child);
      else {
        // `{}`: the path itself is a member.
        s.childFor(k).member = true;
      }
    }
    return s;
  }

  private childFor(pe: PathElement): FieldSet {
    if (!this.children) this.children = new Map();
    let c = this.children.get(pe);
    if (!c) {
      c = new FieldSet();
      this.children.set(pe, c);
    }
    return c;
  }

  child(pe: PathElement): FieldSet | undefined {
    return this.children?.get(pe);
  }

  insert(path: Path, from = 0): void {
    if (from >= path.length) {
      if (path.length > 0) this.member = true;
      return;
    }
    this.childFor(path[from]).insert(path, from + 1);
  }

  /** The node at `path`, if any. */
  at(path: Path, from = 0): FieldSet | undefined {
    if (from >= path.length) return this;
    return this.children?.get(path[from])?.at(path, from + 1);
  }

  has(path: Path): boolean {
    return this.at(path)?.member === true;
  }

  /** True if some member lies at or below `path`. */
  hasPrefix(path: Path): boolean {
    const node = this.at(path);
    return node !== undefined && !node.isEmpty();
  }

  isEmpty(): boolean {
    if (this.member) return false;
    if (!this.children) return true;
    for (const c of this.children.values()) if (!c.isEmpty()) return false;
    return true;
  }

  clone(): FieldSet {
    const s = new FieldSet();
    s.member = this.member;
    if (this.children) {
      for (const [k, c] of this.children) s.childFor(k).mergeIn(c.clone());
    }
    return s;
  }

  /** In-place union. */
  private mergeIn(other: FieldSet): void {
    if (other.member) this.member = true;
    if (other.children) for (const [k, c] of other.children) this.childFor(k).mergeIn(c);
  }

  union(other: FieldSet): FieldSet {
    const s = this.clone();
    s.mergeIn(other);
    return s;
  }

  /** Members of this set that are not members of `other`. */
  difference(other: FieldSet): FieldSet {
    const s = new FieldSet();
    s.member = this.member && !other.member;
    if (this.children) {
      for (const [k, c] of this.children) {
        const oc = other.children?.get(k);
        const d = oc ? c.difference(oc) : c.clone();
        if (!d.isEmpty()) s.childFor(k).mergeIn(d);
      }
    }
    return s;
  }

  intersection(other: FieldSet): FieldSet {
    const s = new FieldSet();
    s.member = this.member && other.member;
    if (this.children && other.children) {
      for (const [k, c] of this.children) {
        const oc = other.children.get(k);
        if (!oc) continue;
        const i = c.intersection(oc);
        if (!i.isEmpty()) s.childFor(k).mergeIn(i);
      }
    }
    return s;
  }

  equals(other: FieldSet): boolean {
    return this.difference(other).isEmpty() && other.difference(this).isEmpty();
  }

  /** Every member path, in FieldsV1 order. */
  members(prefix: PathElement[] = []): PathElement[][] {
    const out: PathElement[][] = [];
    if (this.member && prefix.length > 0) out.push([...prefix]);
    for (const k of this.sortedKeys()) {
      const c = this.children!.get(k)!;
      out.push(...c.members([...prefix, k]));
    }
    return out;
  }

  private sortedKeys(): PathElement[] {
    if (!this.children) return [];
    return [...this.children.keys()].sort(comparePathElements);
  }

  /** FieldsV1 JSON (`{"f:spec":{"f:replicas":{}}}`). */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (this.member && this.children && !this.childrenEmpty()) out['.'] = {};
    for (const k of this.sortedKeys()) {
      const c = this.children!.get(k)!;
      if (c.isEmpty()) continue;
      out[k] = c.toJSON();
    }
    return out;
  }

  private childrenEmpty(): boolean {
    if (!this.children) return true;
    for (const c of this.children.values()) if (!c.isEmpty()) return false;
    return true;
  }
}

const KIND_ORDER: Record<string, number> = { f: 0, k: 1, v: 2, i: 3 };

export function comparePathElements(a: PathElement, b: PathElement): number {
  const ka = KIND_ORDER[a[0]] ?? 9;
  const kb = KIND_ORDER[b[0]] ?? 9;
  if (ka !== kb) return ka - kb;
  if (a[0] === 'i') return Number(a.slice(2)) - Number(b.slice(2));
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

// ---- path element construction -------------------------------------------------------------

export function fieldPE(name: string): PathElement {
  return `f:${name}`;
}

/** `k:{"containerPort":80,"protocol":"TCP"}`: key fields sorted by name. */
export function keyPE(key: Record<string, unknown>): PathElement {
  const names = Object.keys(key).sort();
  return `k:{${names.map(n => `${JSON.stringify(n)}:${JSON.stringify(key[n])}`).join(',')}}`;
}

export function valuePE(value: unknown): PathElement {
  return `v:${JSON.stringify(value)}`;
}

export function indexPE(i: number): PathElement {
  return `i:${i}`;
}

/** Human form used in conflict messages: `.spec.template.spec.containers[name="web"].image`. */
export function pathToString(path: Path): string {
  let out = '';
  for (const pe of path) {
    const body = pe.slice(2);
    switch (pe[0]) {
      case 'f':
        out += `.${body}`;
        break;
      case 'k': {
        let parsed: Record<string, unknown> = {};
        try {
          parsed = JSON.parse(body) as Record<string, unknown>;
        } catch {
          parsed = {};
        }
        out += `[${Object.keys(parsed)
          .sort()
          .map(k => `${k}=${JSON.stringify(parsed[k])}`)
          .join(',')}]`;
        break;
      }
      case 'v':
        out += `[=${body}]`;
        break;
      default:
        out += `[${body}]`;
    }
  }
  return out;
}

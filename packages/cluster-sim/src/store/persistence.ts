/**
 * Persistence of the simulated cluster in a data directory: an append-only log of
 * commits (written in batches, off the request path) plus a snapshot taken when the log
 * grows and on stop. Restoring replays snapshot then log, so objects, the resourceVersion
 * counter and CRD-served kinds survive a restart.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ApiCore } from './api';
import type { StoredEvent } from './object-store';
import { ResourceType, typeFromCrd } from './registry';
import type { KubeObject } from './types';

const CRDS = 'apiextensions.k8s.io/customresourcedefinitions';

interface Logger {
  warn(message: string): void;
}

export interface PersistenceOptions {
  /** Flush the log at most this often (ms). */
  flushIntervalMs?: number;
  /** Take a snapshot once the log holds this many entries. */
  snapshotEvery?: number;
  logger?: Logger;
}

function walName(seq: number): string {
  return `wal-${String(seq).padStart(8, '0')}.jsonl`;
}

export class Persistence {
  private readonly dir: string;
  private stream: fs.WriteStream | undefined;
  private seq = 0;
  private buffer: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private entries = 0;
  private snapshotting: Promise<void> | undefined;
  private stopped = false;

  constructor(dataDir: string, private readonly api: ApiCore, private readonly opts: PersistenceOptions = {}) {
    this.dir = path.join(dataDir, 'state');
  }

  /** Loads stored state into the (empty) API core. Returns false when there was none. */
  load(): boolean {
    fs.mkdirSync(this.dir, { recursive: true });
    const files = fs.readdirSync(this.dir);
    const snap = path.join(this.dir, 'snapshot.jsonl');
    const wals = files.filter(f => /^wal-\d+\.jsonl$/.test(f)).sort();
    this.seq = wals.length ? Number(wals[wals.length - 1].slice(4, 12)) + 1 : 1;
    const objects = new Map<string, Map<string, string>>();
    let rv = 0;
    let found = false;
    const put = (t: string, key: string, json: string) => {
      let m = objects.get(t);
      if (!m) {
        m = new Map();
        objects.set(t, m);
      }
      m.set(key, json);
    };
    if (fs.existsSync(snap)) {
      found = true;
      const lines = fs.readFileSync(snap, 'utf8').split('\n');
      for (const line of lines) {
        if (!line) continue;
        const rec = JSON.parse(line) as { rv?: number; t?: string; k?: string; o?: unknown };
        if (rec.rv !== undefined && rec.t === undefined) rv = Math.max(rv, rec.rv);
        else if (rec.t && rec.k) put(rec.t, rec.k, JSON.stringify(rec.o));
      }
    }
    const snapRv = rv;
    for (const f of wals) {
      found = true;
      const text = fs.readFileSync(path.join(this.dir, f), 'utf8');
      for (const line of text.split('\n')) {
        if (!line) continue;
        let rec: { rv: number; t: string; k: string; o?: unknown; d?: boolean };
        try {
          rec = JSON.parse(line);
        } catch {
          // A torn last line from a crash: everything before it is intact.
          continue;
        }
        // Entries the snapshot already covers (a crash between snapshot and log cleanup).
        if (rec.rv <= snapRv) continue;
        rv = Math.max(rv, rec.rv);
        if (rec.d) objects.get(rec.t)?.delete(rec.k);
        else put(rec.t, rec.k, JSON.stringify(rec.o));
      }
    }
    if (!found) return false;
    const api = this.api;
    // CRD-served kinds first, so their objects have a type to live in.
    for (const json of objects.get(CRDS)?.values() ?? []) {
      const crd = JSON.parse(json) as KubeObject;
      const established = ((crd.status?.conditions ?? []) as Array<{ type: string; status: string }>).some(
        c => c.type === 'Established' && c.status === 'True',
      );
      if (!established) continue;
      try {
        const t = typeFromCrd(crd);
        if (!api.registry.get(t.id)) api.registry.add(t);
      } catch (e) {
        this.opts.logger?.warn(`stored CRD ${crd.metadata.name} cannot be served: ${(e as Error).message}`);
      }
    }
    for (const [typeId, m] of objects) {
      const type: ResourceType | undefined = api.registry.get(typeId);
      if (!type) {
        this.opts.logger?.warn(`dropping ${m.size} stored objects of ${typeId}: no longer served`);
        continue;
      }
      for (const json of m.values()) api.store.restore(type, JSON.parse(json) as KubeObject);
    }
    api.store.rv = Math.max(api.store.rv, rv);
    for (const b of api.store.buckets.values()) b.compactedRv = api.store.rv;
    return true;
  }

  /** Starts logging commits. */
  start(): void {
    fs.mkdirSync(this.dir, { recursive: true });
    this.openStream();
    this.api.store.onCommit(e => this.record(e));
  }

  private openStream(): void {
    this.stream = fs.createWriteStream(path.join(this.dir, walName(this.seq)), { flags: 'a' });
    this.stream.on('error', e => this.opts.logger?.warn(`persistence log write failed: ${e.message}`));
  }

  private record(e: StoredEvent): void {
    if (this.stopped) return;
    const o = e.cur.obj;
    const key = `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    if (e.type === 'DELETED') this.buffer.push(`{"rv":${e.rv},"t":${JSON.stringify(e.typeId)},"k":${JSON.stringify(key)},"d":true}\n`);
    else this.buffer.push(`{"rv":${e.rv},"t":${JSON.stringify(e.typeId)},"k":${JSON.stringify(key)},"o":${e.cur.json}}\n`);
    this.entries++;
    if (!this.timer) this.timer = setTimeout(() => this.flush(), this.opts.flushIntervalMs ?? 25);
  }

  private flush(): void {
    this.timer = undefined;
    if (!this.buffer.length || !this.stream) return;
    this.stream.write(this.buffer.join(''));
    this.buffer = [];
    if (this.entries >= (this.opts.snapshotEvery ?? 50_000) && !this.snapshotting) {
      this.snapshotting = this.snapshot().finally(() => {
        this.snapshotting = undefined;
      });
    }
  }

  private snapshotText(): string {
    const parts: string[] = [`{"rv":${this.api.store.rv}}\n`];
    for (const b of this.api.store.buckets.values()) {
      const t = JSON.stringify(b.type.id);
      for (const [key, s] of b.items) parts.push(`{"t":${t},"k":${JSON.stringify(key)},"o":${s.json}}\n`);
    }
    return parts.join('');
  }

  /** Writes a snapshot and drops the log files it covers. */
  private async snapshot(): Promise<void> {
    const text = this.snapshotText();
    const oldStream = this.stream!;
    const oldSeq = this.seq;
    this.seq++;
    this.openStream();
    this.entries = 0;
    await new Promise<void>(resolve => oldStream.end(resolve));
    const tmp = path.join(this.dir, 'snapshot.jsonl.tmp');
    await fs.promises.writeFile(tmp, text);
    await fs.promises.rename(tmp, path.join(this.dir, 'snapshot.jsonl'));
    for (const f of await fs.promises.readdir(this.dir)) {
      const m = /^wal-(\d+)\.jsonl$/.exec(f);
      if (m && Number(m[1]) <= oldSeq) await fs.promises.rm(path.join(this.dir, f), { force: true });
    }
  }

  /** Flushes everything and leaves a single snapshot behind. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.flush();
    if (this.snapshotting) await this.snapshotting;
    this.stopped = true;
    const stream = this.stream;
    this.stream = undefined;
    if (stream) await new Promise<void>(resolve => stream.end(resolve));
    const tmp = path.join(this.dir, 'snapshot.jsonl.tmp');
    fs.writeFileSync(tmp, this.snapshotText());
    fs.renameSync(tmp, path.join(this.dir, 'snapshot.jsonl'));
    for (const f of fs.readdirSync(this.dir)) {
      if (/^wal-\d+\.jsonl$/.test(f)) fs.rmSync(path.join(this.dir, f), { force: true });
    }
  }
}

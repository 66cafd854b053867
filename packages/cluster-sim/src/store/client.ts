/**
 * The in-process SimClient: the same API semantics as HTTP clients get, without the
 * HTTP hop. Every object handed out is a private copy; watch handlers run asynchronously,
 * in commit order, and see each event's object as it was at that commit.
 */
import { ApiCore, WatchDelivery } from './api';
import { SimApiError } from './errors';
import type { DeleteOptions, KubeObject, ListOptions, PatchType, SimClient, WatchEvent, WriteOptions } from './types';

export interface SimClientOptions {
  /** Manager name recorded in managedFields when a write names none. */
  fieldManager?: string;
  /** Where failing watch handlers are reported. */
  onHandlerError?: (error: unknown) => void;
}

export function createSimClient(api: ApiCore, opts: SimClientOptions = {}): SimClient {
  const defaultManager = opts.fieldManager ?? 'kube-controller-manager';
  const ctxOf = (o?: WriteOptions) => ({
    manager: o?.fieldManager ?? defaultManager,
    dryRun: o?.dryRun,
    force: o?.force,
    subresource: o?.subresource,
  });
  const copyOut = (obj: KubeObject) => JSON.parse(JSON.stringify(obj)) as KubeObject;
  const copyIn = (obj: unknown): Record<string, unknown> => {
    if (typeof obj !== 'object' || obj === null) throw new SimApiError(400, 'BadRequest', 'object must be a JSON object');
    return JSON.parse(JSON.stringify(obj)) as Record<string, unknown>;
  };

  return {
    get(apiVersion, kind, namespace, name) {
      const r = api.resolveKind(apiVersion, kind);
      const s = api.getStored(r.type, namespace, name);
      return s ? s.copy(r.served, r.type) : undefined;
    },

    list(apiVersion, kind, options?: ListOptions) {
      const r = api.resolveKind(apiVersion, kind);
      return api.list(r, options ?? {}).items.map(s => s.copy(r.served, r.type));
    },

    create(obj, options) {
      const r = api.resolveKind(obj.apiVersion, obj.kind);
      const body = copyIn(obj);
      const out = api.create(r, obj.metadata?.namespace, body, ctxOf(options));
      return out.stored ? out.stored.copy(r.served, r.type) : copyOut(out.obj);
    },

    update(obj, options) {
      const r = api.resolveKind(obj.apiVersion, obj.kind);
      const out = api.update(r, obj.metadata?.namespace, String(obj.metadata?.name ?? ''), copyIn(obj), ctxOf(options));
      return out.stored ? out.stored.copy(r.served, r.type) : copyOut(out.obj);
    },

    updateStatus(obj, options) {
      const r = api.resolveKind(obj.apiVersion, obj.kind);
      const out = api.update(r, obj.metadata?.namespace, String(obj.metadata?.name ?? ''), copyIn(obj), {
        ...ctxOf(options),
        subresource: 'status',
      });
      return out.stored ? out.stored.copy(r.served, r.type) : copyOut(out.obj);
    },

    patch(apiVersion, kind, namespace, name, type: PatchType, patch, options) {
      const r = api.resolveKind(apiVersion, kind);
      const body = patch !== null && typeof patch === 'object' ? JSON.parse(JSON.stringify(patch)) : patch;
      const out = api.patch(r, namespace, name, type, body, ctxOf(options));
      return out.stored ? out.stored.copy(r.served, r.type) : copyOut(out.obj);
    },

    delete(apiVersion, kind, namespace, name, options?: DeleteOptions) {
      const r = api.resolveKind(apiVersion, kind);
      try {
        const out = api.delete(r, namespace, name, {
          propagationPolicy: options?.propagationPolicy,
          gracePeriodSeconds: options?.gracePeriodSeconds,
          dryRun: options?.dryRun,
        });
        return out.stored ? out.stored.copy(r.served, r.type) : copyOut(out.obj);
      } catch (e) {
        if (e instanceof SimApiError && e.code === 404 && e.reason === 'NotFound') return undefined;
        throw e;
      }
    },

    watch(apiVersion, kind, handler, options) {
      const r = api.resolveKind(apiVersion, kind);
      let queue: WatchDelivery[] = [];
      let scheduled = false;
      let closed = false;
      const flush = () => {
        scheduled = false;
        const batch = queue;
        queue = [];
        for (const d of batch) {
          if (closed) return;
          const event: WatchEvent = { type: d.type, object: d.stored.copy(r.served, r.type) };
          try {
            handler(event);
          } catch (e) {
            if (opts.onHandlerError) opts.onHandlerError(e);
            else process.stderr.write(`[cluster-sim] watch handler for ${kind} failed: ${(e as Error)?.stack ?? e}\n`);
          }
        }
      };
      // Future events only: the handle starts at the current resourceVersion.
      const handle = api.watch(
        r,
        { namespace: options?.namespace, resourceVersion: String(api.store.rv) },
        d => {
          queue.push(d);
          if (!scheduled) {
            scheduled = true;
            setImmediate(flush);
          }
        },
        () => {
          closed = true;
        },
      );
      return () => {
        closed = true;
        handle.close();
      };
    },
  };
}

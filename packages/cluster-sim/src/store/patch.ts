/**
 * JSON patch (RFC 6902, via fast-json-patch) and JSON merge patch (RFC 7386) with the
 * errors the real API server gives: a malformed patch document is 400 BadRequest, a
 * patch that does not apply (remove of a missing path, failed `test`) is 422 Invalid.
 */
import { applyPatch, Operation, validate } from 'fast-json-patch';
import { SimApiError } from './errors';
import { isObject } from './ssa';

type JsonObject = Record<string, unknown>;

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const out: JsonObject = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

const OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

function unprocessable(detail: string): SimApiError {
  return new SimApiError(422, 'Invalid', 'the server rejected our request due to an error in our request', {
    causes: [{ reason: 'UnexpectedServerResponse', message: detail }],
  });
}

export function jsonPatch(target: JsonObject, patch: unknown): JsonObject {
  if (!Array.isArray(patch)) {
    throw new SimApiError(400, 'BadRequest', 'json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  }
  for (const op of patch) {
    if (!isObject(op) || typeof op.op !== 'string' || !OPS.has(op.op)) {
      throw new SimApiError(400, 'BadRequest', `Unexpected kind: ${isObject(op) ? String(op.op) : typeof op}`);
    }
    if (typeof op.path !== 'string') throw new SimApiError(400, 'BadRequest', `${op.op} operation missing path`);
  }
  const ops = patch as Operation[];
  const doc = structuredClone(target);
  for (const op of ops) {
    // fast-json-patch validates one operation at a time against the current document.
    const err = validate([op], doc);
    if (err) throw unprocessable(describe(op, err.name));
    try {
      applyPatch(doc, [op], true, true);
    } catch (e) {
      throw unprocessable(describe(op, (e as { name?: string }).name ?? String(e)));
    }
  }
  if (!isObject(doc)) throw unprocessable('patch produced a non-object document');
  return doc;
}

function describe(op: Operation, errName: string): string {
  switch (errName) {
    case 'OPERATION_PATH_UNRESOLVABLE':
    case 'OPERATION_FROM_UNRESOLVABLE':
      return `${op.op} operation does not apply: doc is missing path: ${JSON.stringify(
        errName === 'OPERATION_FROM_UNRESOLVABLE' ? (op as { from?: string }).from : op.path,
      )}: missing value`;
    case 'TEST_OPERATION_FAILED':
      return `testing value ${op.path} failed: test failed`;
    case 'OPERATION_VALUE_REQUIRED':
      return `${op.op} operation missing value`;
    default:
      return `${op.op} operation does not apply: ${errName}`;
  }
}

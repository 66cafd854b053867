/**
 * HTTP content negotiation and body decoding the way kube-apiserver does it: the `Accept`
 * header chooses plain JSON, a meta.k8s.io Table, PartialObjectMetadata or aggregated
 * discovery; request bodies are JSON or YAML; patch bodies are typed by Content-Type.
 */
import { parse as parseYaml } from 'yaml';
import { SimApiError, badRequest, unsupportedMediaType } from '../store/errors';
import type { PatchType } from '../store/types';

export type Representation = 'json' | 'yaml' | 'table' | 'metadata' | 'discovery-v2' | 'discovery-v2beta1';

interface MediaRange {
  type: string;
  params: Record<string, string>;
}

function parseAccept(accept: string): MediaRange[] {
  return accept
    .split(',')
    .map(part => {
      const [type, ...params] = part.split(';').map(s => s.trim());
      const p: Record<string, string> = {};
      for (const kv of params) {
        const eq = kv.indexOf('=');
        if (eq > 0) p[kv.slice(0, eq).trim()] = kv.slice(eq + 1).trim();
      }
      return { type: type.toLowerCase(), params: p };
    })
    .filter(m => m.type);
}

/** Picks the representation for an object or list response. */
export function negotiate(accept: string | undefined, allowDiscovery = false): Representation | undefined {
  if (!accept || accept === 'application/json' || accept === '*/*') return 'json';
  for (const m of parseAccept(accept)) {
    const isJson = m.type === 'application/json' || m.type === '*/*' || m.type === 'application/*';
    if (m.type === 'application/yaml' && !m.params.as) return 'yaml';
    if (!isJson) continue;
    const as = m.params.as;
    if (!as) return 'json';
    if (as === 'Table' && (m.params.g === 'meta.k8s.io' || !m.params.g)) return 'table';
    if ((as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList') && (m.params.g === 'meta.k8s.io' || !m.params.g)) return 'metadata';
    if (allowDiscovery && as === 'APIGroupDiscoveryList' && m.params.g === 'apidiscovery.k8s.io') {
      if (m.params.v === 'v2') return 'discovery-v2';
      if (m.params.v === 'v2beta1') return 'discovery-v2beta1';
    }
  }
  return undefined;
}

export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

function jsonError(e: unknown): string {
  return (e as Error).message.replace(/^Unexpected token/, 'invalid character');
}

/** Decodes a create/update body (JSON or YAML). */
export function decodeObjectBody(body: Buffer, contentType: string | undefined): Record<string, unknown> {
  const mt = mediaType(contentType);
  const text = body.toString('utf8');
  let value: unknown;
  if (mt === 'application/vnd.kubernetes.protobuf' || mt === 'application/cbor') {
    throw unsupportedMediaType(`the body of the request was in an unknown format - accepted media types include: application/json, application/yaml`);
  }
  if (mt === 'application/yaml') {
    try {
      value = parseYaml(text);
    } catch (e) {
      throw badRequest(`error converting YAML to JSON: ${(e as Error).message.split('\n')[0]}`);
    }
  } else {
    if (!text.trim()) throw badRequest('Object \'Kind\' is missing in \'\'');
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw badRequest(`couldn't get version/kind; json parse error: ${jsonError(e)}`);
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw badRequest(`couldn't get version/kind; json parse error: json: cannot unmarshal ${Array.isArray(value) ? 'array' : typeof value} into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }`);
  }
  return value as Record<string, unknown>;
}

const PATCH_TYPES: Record<string, PatchType> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
};

export function patchTypeOf(contentType: string | undefined): PatchType {
  const t = PATCH_TYPES[mediaType(contentType)];
  if (!t) {
    throw unsupportedMediaType(
      'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json',
    );
  }
  return t;
}

/** Decodes a patch body for its patch type. */
export function decodePatchBody(body: Buffer, type: PatchType): unknown {
  const text = body.toString('utf8');
  if (type === 'apply') {
    try {
      return JSON.parse(text);
    } catch {
      try {
        return parseYaml(text);
      } catch (e) {
        throw badRequest(`error decoding YAML: ${(e as Error).message.split('\n')[0]}`);
      }
    }
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new SimApiError(400, 'BadRequest', `error decoding patch: ${jsonError(e)}`);
  }
}

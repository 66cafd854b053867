/**
 * Turning YAML and JSON text into Kubernetes objects, the way Argo CD and kubectl read
 * manifests: YAML 1.1 scalars (`yes`/`on` are booleans, as in sigs.k8s.io/yaml), merge
 * keys, multi-document files, empty documents skipped, `*List` kinds expanded. Errors
 * name the file, the line and the document, never echo file content.
 */
import YAML, { Document, Tags, YAMLError } from 'yaml';
import type { KubeObject } from '@gitops-suite/plugin-gitops-common';
import { RenderError } from './errors';

/** Timestamps stay strings (as in Go's YAML-to-JSON); binary stays base64 text. */
function kubernetesTags(tags: Tags): Tags {
  return tags.filter(t => {
    const tag = (t as { tag?: string }).tag;
    return (
      tag !== 'tag:yaml.org,2002:timestamp' &&
      tag !== 'tag:yaml.org,2002:binary'
    );
  });
}

const YAML_OPTIONS = {
  version: '1.1' as const,
  customTags: kubernetesTags,
  uniqueKeys: true,
  prettyErrors: true,
};

function describeValue(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return 'a string';
  if (typeof v === 'number') return 'a number';
  if (typeof v === 'boolean') return 'a boolean';
  return `a ${typeof v}`;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The first line of a yaml error without its position suffix or the quoted source. */
function shortYamlMessage(err: YAMLError): string {
  const first = err.message.split('\n')[0];
  return first.replace(/ at line \d+, column \d+:?$/, '');
}

/**
 * Validates one decoded document and expands `*List` kinds. `where` names it in errors,
 * e.g. `base/app.yaml: document 2`.
 */
export function toKubeObjects(value: unknown, where: string): KubeObject[] {
  if (!isPlainObject(value)) {
    throw new RenderError(
      `${where} is ${describeValue(value)}, not a Kubernetes object`,
    );
  }
  if (typeof value.apiVersion !== 'string' || value.apiVersion === '') {
    throw new RenderError(
      `${where} has no "apiVersion": not a Kubernetes object`,
    );
  }
  if (typeof value.kind !== 'string' || value.kind === '') {
    throw new RenderError(`${where} has no "kind": not a Kubernetes object`);
  }
  if (value.kind.endsWith('List') && Array.isArray(value.items)) {
    const out: KubeObject[] = [];
    value.items.forEach((item, i) => {
      if (item !== null && item !== undefined)
        out.push(...toKubeObjects(item, `${where}, item ${i + 1}`));
    });
    return out;
  }
  if (value.metadata === undefined || value.metadata === null) {
    value.metadata = {};
  } else if (!isPlainObject(value.metadata)) {
    throw new RenderError(
      `${where} has a "metadata" that is ${describeValue(
        value.metadata,
      )}, not a map`,
    );
  }
  return [value as KubeObject];
}

/** Parses (multi-document) YAML. `file` is the repository-relative name for errors. */
export function parseYamlManifests(text: string, file: string): KubeObject[] {
  const docs = YAML.parseAllDocuments(text, YAML_OPTIONS);
  const list: Document[] = Array.isArray(docs) ? docs : [];
  const objects: KubeObject[] = [];
  list.forEach((doc, index) => {
    const err = doc.errors[0];
    if (err) {
      const pos = err.linePos?.[0];
      const at = pos ? `line ${pos.line}, column ${pos.col}: ` : '';
      throw new RenderError(
        `failed to parse ${file}: ${at}${shortYamlMessage(err)}`,
      );
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 1000 });
    } catch (e) {
      throw new RenderError(
        `failed to parse ${file}: document ${index + 1}: ${
          (e as Error).message
        }`,
      );
    }
    if (value === null || value === undefined) return; // empty document
    objects.push(...toKubeObjects(value, `${file}: document ${index + 1}`));
  });
  return objects;
}

function lineAndColumn(
  text: string,
  offset: number,
): { line: number; col: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lines = before.split('\n');
  return { line: lines.length, col: lines[lines.length - 1].length + 1 };
}

/** Parses a JSON manifest file: one object, or a `*List` of objects. */
export function parseJsonManifests(text: string, file: string): KubeObject[] {
  if (text.trim() === '') return [];
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const posMatch = /at position (\d+)/.exec(msg);
    const lineMatch = /line (\d+) column (\d+)/.exec(msg);
    let at = '';
    if (lineMatch) at = `line ${lineMatch[1]}, column ${lineMatch[2]}: `;
    else if (posMatch) {
      const lc = lineAndColumn(text, parseInt(posMatch[1], 10));
      at = `line ${lc.line}, column ${lc.col}: `;
    }
    const reason = msg
      .replace(/ in JSON at position \d+.*$/, '')
      .replace(/\s*\(line \d+ column \d+\)/, '');
    // V8 quotes the offending text in some messages; keep only the reason.
    const cleaned = reason.replace(/, ".*" is not valid JSON$/, '');
    throw new RenderError(`failed to parse ${file}: ${at}${cleaned}`);
  }
  if (value === null) return [];
  return toKubeObjects(value, file);
}

/** Parses rendered tool output (kustomize, helm): multi-document YAML. */
export function parseRenderedOutput(text: string, label: string): KubeObject[] {
  return parseYamlManifests(text, label);
}

#!/usr/bin/env node
/**
 * Turns the hand-written OpenAPI document (src/schema/openapi.yaml) into a typed constant
 * for createValidatedOpenApiRouter, as `backstage-repo-tools schema openapi generate`
 * would (that generator needs a jar from Maven, which is not reachable on our machines).
 * Usage: node scripts/generate-openapi.mjs [--check]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const YAML = require('yaml');

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'src/schema/openapi.yaml');
const target = join(root, 'src/schema/openapi.generated.ts');

export function generate() {
  const spec = YAML.parse(readFileSync(source, 'utf8'));
  return `// Generated from openapi.yaml by scripts/generate-openapi.mjs: do not edit by hand.
/* eslint-disable */
import { createValidatedOpenApiRouter } from '@backstage/backend-openapi-utils';

export const spec = ${JSON.stringify(spec, null, 2)} as const;

export const createOpenApiRouter = async (
  options?: Parameters<typeof createValidatedOpenApiRouter>['1'],
) => createValidatedOpenApiRouter<typeof spec>(spec, options);
`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const text = generate();
  if (process.argv.includes('--check')) {
    if (readFileSync(target, 'utf8') !== text) {
      console.error('src/schema/openapi.generated.ts is stale: run node scripts/generate-openapi.mjs');
      process.exit(1);
    }
  } else {
    writeFileSync(target, text);
    console.log(`wrote ${target}`);
  }
}

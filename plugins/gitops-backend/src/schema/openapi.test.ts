import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

describe('OpenAPI document', () => {
  it('has an up-to-date generated router constant', () => {
    const script = join(__dirname, '../../scripts/generate-openapi.mjs');
    // Fails (throws) when openapi.generated.ts does not match openapi.yaml.
    expect(() =>
      execFileSync(process.execPath, [script, '--check'], { stdio: 'pipe' }),
    ).not.toThrow();
  });
});

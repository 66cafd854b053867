/** The command line: flag parsing, the `ready` line, and a clean exit 0 on SIGTERM with state flushed. */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { UsageError, parseArgs } from './cli';
import { run, tempDir } from './__testUtils__/harness';

describe('cluster-sim CLI', () => {
  it('parses flags into options', () => {
    const { options } = parseArgs([
      '--port', '0', '--host', '0.0.0.0', '--kubeconfig', '/tmp/kc', '--data=/tmp/d', '--controllers', 'off', '--insecure-http',
      '--token', 't', '--ready-delay', '200', '--nodes', '3', '--request-rate', '50',
      '--fault', 'verb=list,kind=Pod,error=500,rate=0.2', '--fault', 'latency=200ms',
    ]);
    expect(options).toEqual({
      port: 0,
      host: '0.0.0.0',
      kubeconfigPath: '/tmp/kc',
      dataDir: '/tmp/d',
      controllers: false,
      http: true,
      token: 't',
      controllerOptions: { readyDelayMs: 200, nodes: 3, requestRate: 50 },
      faults: ['verb=list,kind=Pod,error=500,rate=0.2', 'latency=200ms'],
    });
    expect(() => parseArgs(['--controllers', 'maybe'])).toThrow(UsageError);
    expect(() => parseArgs(['--fault', 'error=404'])).toThrow(/--fault: error must be 500 or 429/);
    expect(() => parseArgs(['--bogus'])).toThrow(/unknown flag/);
  });

  it('prints ready with the kubeconfig export, serves kubectl, and exits 0 on SIGTERM', async () => {
    const dir = tempDir('cli');
    const kubeconfig = path.join(dir, 'kc');
    const bin = path.resolve(__dirname, '../bin/cluster-sim');
    const child = spawn(process.execPath, [bin, '--port', '0', '--kubeconfig', kubeconfig, '--data', path.join(dir, 'data'), '--controllers', 'off'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', d => (out += d));
    child.stderr.on('data', d => (out += d));
    const exited = new Promise<number | null>(resolve => child.on('exit', code => resolve(code)));
    const deadline = Date.now() + 30_000;
    while (!/ready/.test(out) && Date.now() < deadline) await new Promise(r => setTimeout(r, 50));
    expect(out).toMatch(/^cluster-sim ready at https:\/\/127\.0\.0\.1:\d+ /m);
    expect(out).toContain(`export KUBECONFIG=${kubeconfig}`);
    const env = { ...process.env, KUBECONFIG: kubeconfig, HOME: dir };
    const created = await run('kubectl', ['create', 'namespace', 'from-cli'], { env });
    expect(created.stdout).toContain('namespace/from-cli created');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const snapshot = fs.readFileSync(path.join(dir, 'data', 'state', 'snapshot.jsonl'), 'utf8');
    expect(snapshot).toContain('"name":"from-cli"');
    fs.rmSync(dir, { recursive: true, force: true });
  }, 40_000);
});

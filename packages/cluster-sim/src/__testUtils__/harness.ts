/**
 * Test helpers: an in-process simulated cluster on a free port with its kubeconfig on disk,
 * and the real kubectl run against it (asynchronously, so the in-process server keeps
 * answering) with its own HOME so discovery caches never leak between tests.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ClusterSim, ClusterSimOptions, startClusterSim } from '../index';

export interface TestCluster {
  sim: ClusterSim;
  dir: string;
  kubeconfigPath: string;
  kubectl(args: string[], opts?: { input?: string; timeoutMs?: number }): Promise<RunResult>;
  /** Runs kubectl and fails the test with its output when it exits non-zero. */
  kubectlOk(args: string[], opts?: { input?: string; timeoutMs?: number }): Promise<string>;
  stop(): Promise<void>;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export const quietLogger = {
  warn: () => {},
  error: (m: string) => process.stderr.write(`[cluster-sim test] ${m}\n`),
};

export function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number; cwd?: string } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', d => (stdout += d));
    child.stderr.on('data', d => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', e => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', code => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `cluster-sim-${prefix}-`));
}

export async function startTestCluster(options: ClusterSimOptions = {}): Promise<TestCluster> {
  const dir = tempDir('test');
  const kubeconfigPath = path.join(dir, 'kubeconfig');
  const sim = await startClusterSim({ port: 0, logger: quietLogger, kubeconfigPath, ...options });
  const env = { ...process.env, KUBECONFIG: kubeconfigPath, HOME: dir, KUBECACHEDIR: path.join(dir, 'cache') };
  const kubectl = (args: string[], o: { input?: string; timeoutMs?: number } = {}) => run('kubectl', args, { env, cwd: dir, ...o });
  return {
    sim,
    dir,
    kubeconfigPath,
    kubectl,
    async kubectlOk(args, o) {
      const r = await kubectl(args, o);
      if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
      return r.stdout;
    },
    async stop() {
      await sim.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

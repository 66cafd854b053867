/**
 * Starts the demo exactly as `npm run demo` does (scripts/demo.mjs), on free ports and in
 * a temporary state directory, and waits until it prints that it is ready.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, createWriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// eslint-disable-next-line no-restricted-syntax -- these tests only ever run from source
export const repoRoot = resolve(__dirname, '../../../..');
export const outputDir = join(repoRoot, '.test-output');
const stateFile = join(tmpdir(), 'gitops-suite-e2e-demo.json');

export interface DemoInfo {
  pid: number;
  appUrl: string;
  backendUrl: string;
  stateDir: string;
}

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const server = createServer();
    server.on('error', rej);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => res(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export async function startDemo(): Promise<DemoInfo> {
  const [appPort, backendPort] = [await freePort(), await freePort()];
  const stateDir = mkdtempSync(join(tmpdir(), 'gitops-demo-'));
  const log = createWriteStream(join(stateDir, 'demo.log'));
  const child: ChildProcess = spawn(
    process.execPath,
    [join(repoRoot, 'scripts/demo.mjs'), '--state-dir', stateDir, '--app-port', String(appPort), '--backend-port', String(backendPort), '--cluster-port', '0'],
    { cwd: repoRoot, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);

  await new Promise<void>((res, rej) => {
    let output = '';
    const timer = setTimeout(() => rej(new Error(`demo not ready after 10 minutes; log in ${stateDir}/demo.log`)), 600_000);
    child.stdout!.on('data', chunk => {
      output += chunk.toString();
      if (output.includes('Demo ready')) {
        clearTimeout(timer);
        res();
      }
    });
    child.on('exit', code => {
      clearTimeout(timer);
      rej(new Error(`demo exited with ${code} before it was ready:\n${output.slice(-3000)}`));
    });
  });

  const info: DemoInfo = {
    pid: child.pid!,
    appUrl: `http://localhost:${appPort}`,
    backendUrl: `http://localhost:${backendPort}`,
    stateDir,
  };
  writeFileSync(stateFile, JSON.stringify(info));
  child.stdout!.removeAllListeners('data');
  child.unref();
  return info;
}

export function demoInfo(): DemoInfo {
  return JSON.parse(readFileSync(stateFile, 'utf8'));
}

export async function stopDemo(): Promise<void> {
  let info: DemoInfo;
  try {
    info = demoInfo();
  } catch {
    return;
  }
  try {
    process.kill(-info.pid, 'SIGTERM');
  } catch {
    return;
  }
  for (let i = 0; i < 100; i++) {
    try {
      process.kill(-info.pid, 0);
    } catch {
      return;
    }
    await new Promise(r => setTimeout(r, 100));
  }
  try {
    process.kill(-info.pid, 'SIGKILL');
  } catch {
    // gone
  }
}

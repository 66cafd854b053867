/**
 * A real PostgreSQL server for tests, from the machine's `initdb`/`postgres` binaries, in
 * a temporary directory on a free port. PostgreSQL refuses to run as root, so when the
 * tests run as root the server runs as the `postgres` system user.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export interface TestPostgres {
  connection: { host: string; port: number; user: string; password: string };
  connectionString: string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function asPostgresUser(command: string, args: string[]): [string, string[]] {
  if (userInfo().uid !== 0) return [command, args];
  return ['setpriv', ['--reuid=postgres', '--regid=postgres', '--init-groups', command, ...args]];
}

function findBinary(name: string): string {
  for (const candidate of [name, `/usr/lib/postgresql/15/bin/${name}`, `/usr/lib/postgresql/16/bin/${name}`]) {
    try {
      execFileSync('sh', ['-c', `command -v ${candidate}`], { stdio: 'pipe' });
      return candidate;
    } catch {
      // try the next
    }
  }
  throw new Error(`${name} not found: install the PostgreSQL server binaries`);
}

export async function startPostgres(): Promise<TestPostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'gitops-pg-'));
  if (userInfo().uid === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  const [initCmd, initArgs] = asPostgresUser(findBinary('initdb'), [
    '-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--no-sync',
  ]);
  execFileSync(initCmd, initArgs, { stdio: 'pipe' });

  const port = await freePort();
  const [cmd, args] = asPostgresUser(findBinary('postgres'), [
    '-D', data, '-p', String(port), '-h', '127.0.0.1', '-k', dir,
    '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200',
  ]);
  const child: ChildProcess = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`postgres did not start:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', code => {
      clearTimeout(timer);
      reject(new Error(`postgres exited with ${code}:\n${output}`));
    });
  });
  child.removeAllListeners('exit');

  const connection = { host: '127.0.0.1', port, user: 'postgres', password: 'unused' };
  return {
    connection,
    connectionString: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise(resolve => child.once('exit', resolve));
        child.kill('SIGINT'); // fast shutdown
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

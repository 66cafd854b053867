/**
 * Runs an external program (git, kubectl, helm) with a timeout and an output cap, the
 * way the git cache and the manifest renderer need it: no shell, its own process group
 * so a timeout also stops the children it spawned (git-remote-https, ssh), and a result
 * instead of a rejection for a non-zero exit so callers can word the error themselves.
 */
import { spawn } from 'node:child_process';

export interface RunProcessOptions {
  command: string;
  args: string[];
  cwd?: string;
  /** The complete environment of the child (callers start from process.env). */
  env?: NodeJS.ProcessEnv;
  timeoutMs: number;
  /** Written to stdin, which is closed afterwards (closed at once when absent). */
  input?: string;
  /** Output beyond this many bytes (per stream) fails the run; protects memory. */
  maxOutputBytes?: number;
}

export interface RunProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  outputTooLarge: boolean;
  /** Set when the program could not be started at all (e.g. ENOENT). */
  spawnError?: NodeJS.ErrnoException;
}

const DEFAULT_MAX_OUTPUT = 256 * 1024 * 1024;

/** Runs a program to completion; never rejects. */
export function runProcess(
  options: RunProcessOptions,
): Promise<RunProcessResult> {
  const maxOutput = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
  return new Promise(resolve => {
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let stdoutBytes = 0;
    let stderrBytes = 0;
    let timedOut = false;
    let outputTooLarge = false;
    let spawnError: NodeJS.ErrnoException | undefined;
    let settled = false;

    const child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      // A process group of its own, so killing it also stops grandchildren.
      detached: true,
    });

    const killGroup = () => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    };

    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, options.timeoutMs);

    child.stdout.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes > maxOutput) {
        outputTooLarge = true;
        killGroup();
        return;
      }
      stdout.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderrBytes += chunk.length;
      // stderr is only read for messages: keep its head, drop the rest quietly.
      if (stderrBytes <= 1024 * 1024) stderr.push(chunk);
    });
    child.stdin.on('error', () => {
      // The child may exit without reading its input (EPIPE); the exit code tells.
    });
    if (options.input !== undefined) child.stdin.end(options.input);
    else child.stdin.end();

    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({
        code,
        signal,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        timedOut,
        outputTooLarge,
        spawnError,
      });
    };
    child.on('error', err => {
      spawnError = err as NodeJS.ErrnoException;
      finish(null, null);
    });
    child.on('close', (code, signal) => finish(code, signal));
  });
}

/** `250 ms`, `90 s`: for timeout messages. */
export function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`;
}

/**
 * Splits a configured command such as `kubectl kustomize` into program and leading
 * arguments. Plain whitespace splitting: commands come from operator config, not users.
 */
export function splitCommand(command: string): {
  program: string;
  args: string[];
} {
  const parts = command.trim().split(/\s+/).filter(Boolean);
  if (parts.length === 0) throw new Error('empty command');
  return { program: parts[0], args: parts.slice(1) };
}

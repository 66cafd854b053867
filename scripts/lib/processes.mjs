/**
 * Child processes of the demo and test scripts: started in their own process group so
 * that stopping the script stops everything they started, and with output prefixed.
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';

const children = new Set();

/**
 * Starts a long-running process. Output goes to `logFile` when given, else to our stdout
 * with a prefix. `onLine` sees every output line (to detect readiness).
 */
export function startProcess(name, command, args, { cwd, env, logFile, onLine, quiet } = {}) {
  const child = spawn(command, args, {
    cwd,
    env: { ...process.env, ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const sink = logFile ? createWriteStream(logFile, { flags: 'a' }) : undefined;
  for (const stream of [child.stdout, child.stderr]) {
    let buffered = '';
    stream.on('data', chunk => {
      sink?.write(chunk);
      buffered += chunk.toString();
      let newline;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        onLine?.(line);
        if (!sink && !quiet) process.stdout.write(`[${name}] ${line}\n`);
      }
    });
  }
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

/** Stops one process group: SIGTERM, then SIGKILL after a grace period. */
export async function stopProcess(child, graceMs = 10_000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise(resolve => child.once('exit', resolve));
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }, graceMs);
  await exited;
  clearTimeout(timer);
}

export async function stopAll() {
  await Promise.all([...children].reverse().map(child => stopProcess(child)));
}

let installed = false;
/** Stops every child when this script is interrupted or exits. */
export function stopAllOnExit() {
  if (installed) return;
  installed = true;
  const onSignal = async signal => {
    await stopAll();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', () => {
    for (const child of children) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

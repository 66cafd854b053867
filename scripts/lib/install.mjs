/**
 * Installs what a fresh clone on a fresh machine is missing, so `npm run demo` and
 * `npm test` work as the first commands: the node modules (with the committed yarn
 * release; yarn need not be on PATH) and the Debian packages the suite drives for real
 * (prometheus, chromium). Each step is skipped when already done.
 */
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, log } from './util.mjs';

const YARN = join(repoRoot, '.yarn/releases/yarn-4.13.0.cjs');
const STAMP = join(repoRoot, 'node_modules/.gitops-suite-install');

/** A digest of everything that decides the contents of node_modules. */
function installInputsDigest() {
  const hash = createHash('sha256');
  const files = ['package.json', 'yarn.lock', '.yarnrc.yml'];
  for (const dir of ['packages', 'plugins']) {
    for (const entry of readdirSync(join(repoRoot, dir), { withFileTypes: true })) {
      if (entry.isDirectory() && existsSync(join(repoRoot, dir, entry.name, 'package.json'))) {
        files.push(join(dir, entry.name, 'package.json'));
      }
    }
  }
  for (const file of files.sort()) {
    hash.update(file).update('\0').update(readFileSync(join(repoRoot, file))).update('\0');
  }
  hash.update(process.version);
  return hash.digest('hex');
}

/** The yarn command line, runnable without a global yarn. */
export function yarnArgs(...args) {
  return [process.execPath, [YARN, ...args]];
}

export function ensureNodeModules() {
  const digest = installInputsDigest();
  if (existsSync(STAMP) && readFileSync(STAMP, 'utf8') === digest) {
    return;
  }
  log('Installing node modules (yarn install; a few minutes on a fresh machine)…');
  const env = { ...process.env };
  // Native modules (better-sqlite3) build against the machine's Node headers when present.
  if (!env.npm_config_nodedir && existsSync('/usr/include/node/node.h')) {
    env.npm_config_nodedir = '/usr';
  }
  const immutable = process.env.CI ? ['--immutable'] : [];
  const result = spawnSync(process.execPath, [YARN, 'install', ...immutable], {
    cwd: repoRoot,
    env,
    stdio: 'inherit',
  });
  if (result.status !== 0) {
    throw new Error(`yarn install failed (exit ${result.status})`);
  }
  writeFileSync(STAMP, installInputsDigest());
}

function which(command) {
  const result = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

/**
 * Makes sure each binary is on PATH, installing its Debian package when it is not.
 * `tools` maps a binary name to its Debian package name.
 */
export function ensureSystemTools(tools) {
  const missing = Object.entries(tools).filter(([bin]) => !which(bin));
  if (missing.length === 0) {
    return;
  }
  const packages = [...new Set(missing.map(([, pkg]) => pkg))];
  const isRoot = process.getuid?.() === 0;
  const sudo = isRoot ? [] : which('sudo') ? ['sudo', '-n'] : undefined;
  if (!which('apt-get') || !sudo) {
    throw new Error(
      `Missing tools: ${missing.map(([b]) => b).join(', ')}. Install the Debian packages ${packages.join(' ')} (apt-get install -y ${packages.join(' ')}) and run again.`,
    );
  }
  log(`Installing Debian packages: ${packages.join(' ')}…`);
  const run = (args) => {
    const [cmd, ...rest] = [...sudo, ...args];
    execFileSync(cmd, rest, {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  };
  try {
    run(['apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...packages]);
  } catch {
    // The package lists of a fresh machine may be empty or stale.
    run(['apt-get', 'update', '-qq']);
    run(['apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...packages]);
  }
  const still = missing.filter(([bin]) => !which(bin));
  if (still.length > 0) {
    throw new Error(`Installed ${packages.join(' ')} but ${still.map(([b]) => b).join(', ')} is still not on PATH`);
  }
}

/** Tools the tests drive for real. */
export const TEST_TOOLS = { prometheus: 'prometheus', chromium: 'chromium', git: 'git', kubectl: 'kubectl' };

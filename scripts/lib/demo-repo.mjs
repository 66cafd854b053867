/**
 * Seeds the demo's GitOps repository: a bare repository `<stateDir>/repos/gitops.git`
 * made from the template in demo/gitops-repo/ (with `__REPO_URL__` replaced by the
 * repository's own file:// URL), a working clone `<stateDir>/gitops` for the user, and a
 * post-receive hook that tells the GitOps engine about every push through its GitHub-style
 * webhook. A repository that already has commits is kept, so the user's pushes survive
 * demo restarts; only the hook is rewritten (the webhook's port and secret change per run).
 *
 * Plain Node and the git CLI only: no packages.
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const REPO_URL_PLACEHOLDER = '__REPO_URL__';
export const TEMPLATE_DIR = join(
  dirname(fileURLToPath(import.meta.url)),
  '../../demo/gitops-repo',
);

const BOT = { name: 'Demo bot', email: 'demo@gitops-suite.local' };
const INITIAL_MESSAGE = 'Initial demo GitOps repository';
const ROOT_APPLICATION = 'argocd/root.yaml';

/**
 * The environment for every git command: identity through GIT_AUTHOR_* / GIT_COMMITTER_*
 * (no global git config needed), and none of the GIT_DIR-like variables a parent git
 * process (a hook, a rebase) may have set, which would point git at another repository.
 */
function gitEnv(extra = {}) {
  const env = { ...process.env };
  for (const name of [
    'GIT_DIR',
    'GIT_WORK_TREE',
    'GIT_INDEX_FILE',
    'GIT_OBJECT_DIRECTORY',
    'GIT_PREFIX',
  ]) {
    delete env[name];
  }
  return { ...env, GIT_TERMINAL_PROMPT: '0', ...extra };
}

const BOT_ENV = {
  GIT_AUTHOR_NAME: BOT.name,
  GIT_AUTHOR_EMAIL: BOT.email,
  GIT_COMMITTER_NAME: BOT.name,
  GIT_COMMITTER_EMAIL: BOT.email,
};

/** Runs git; returns trimmed stdout, throws with git's own message on failure. */
function git(args, { cwd, env, allowFail = false } = {}) {
  const result = spawnSync('git', args, {
    cwd,
    env: gitEnv(env),
    encoding: 'utf8',
  });
  if (result.error) {
    if (result.error.code === 'ENOENT') {
      throw new Error(
        'git was not found on PATH: the demo needs the git CLI to create its GitOps repository (install git and retry)',
      );
    }
    throw result.error;
  }
  if (result.status !== 0) {
    if (allowFail) return undefined;
    const detail = (result.stderr || result.stdout || '').trim();
    throw new Error(
      `git ${args[0]} failed (exit ${result.status})${
        detail ? `: ${detail}` : ''
      }`,
    );
  }
  return result.stdout.trim();
}

/** Whether `dir` is a bare repository with at least one commit. */
function bareRepoState(dir) {
  if (!existsSync(dir)) return 'missing';
  if (!statSync(dir).isDirectory()) return 'foreign';
  // --git-dir, so git does not walk up to an enclosing repository (the suite's own checkout).
  const isBare = git(['--git-dir', dir, 'rev-parse', '--is-bare-repository'], {
    allowFail: true,
  });
  if (isBare !== 'true')
    return readdirSync(dir).length === 0 ? 'missing' : 'foreign';
  const anyCommit = git(['--git-dir', dir, 'rev-list', '-n', '1', '--all'], {
    allowFail: true,
  });
  return anyCommit ? 'seeded' : 'empty';
}

function initBare(bareDir) {
  mkdirSync(bareDir, { recursive: true });
  const withFlag = spawnSync(
    'git',
    ['init', '--quiet', '--bare', '--initial-branch=main', bareDir],
    {
      env: gitEnv(),
      encoding: 'utf8',
    },
  );
  if (withFlag.status !== 0) {
    // git older than 2.28 has no --initial-branch: name the branch HEAD points at instead.
    git(['init', '--quiet', '--bare', bareDir]);
    git(['--git-dir', bareDir, 'symbolic-ref', 'HEAD', 'refs/heads/main']);
  }
}

/** Every file under `dir`, relative paths. */
function listFiles(dir, base = dir) {
  const files = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...listFiles(path, base));
    else if (entry.isFile()) files.push(relative(base, path));
  }
  return files;
}

function substitute(text, repoURL) {
  return text.split(REPO_URL_PLACEHOLDER).join(repoURL);
}

/** Copies the template into a temporary work tree, commits it as the demo bot and pushes main. */
function pushInitialCommit(bareDir, repoURL) {
  if (!existsSync(join(TEMPLATE_DIR, ROOT_APPLICATION))) {
    throw new Error(
      `the demo repository template is missing or incomplete: ${TEMPLATE_DIR}`,
    );
  }
  const workDir = mkdtempSync(join(tmpdir(), 'gitops-demo-seed-'));
  try {
    cpSync(TEMPLATE_DIR, workDir, { recursive: true });
    for (const file of listFiles(workDir)) {
      const path = join(workDir, file);
      const text = readFileSync(path, 'utf8');
      if (text.includes(REPO_URL_PLACEHOLDER))
        writeFileSync(path, substitute(text, repoURL));
    }
    git(['init', '--quiet'], { cwd: workDir });
    git(['symbolic-ref', 'HEAD', 'refs/heads/main'], { cwd: workDir });
    git(['add', '--all'], { cwd: workDir });
    git(
      [
        '-c',
        'commit.gpgsign=false',
        'commit',
        '--quiet',
        '--no-verify',
        '-m',
        INITIAL_MESSAGE,
      ],
      {
        cwd: workDir,
        env: BOT_ENV,
      },
    );
    git(['push', '--quiet', repoURL, 'main:refs/heads/main'], { cwd: workDir });
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** The user's working clone; given an identity of its own only when git has none configured. */
function ensureUserClone(cloneDir, repoURL, log) {
  if (existsSync(cloneDir)) {
    const origin = git(['-C', cloneDir, 'remote', 'get-url', 'origin'], {
      allowFail: true,
    });
    if (origin !== repoURL) {
      log(
        `Note: ${cloneDir} exists but its origin is ${
          origin ? `"${origin}"` : 'not set'
        }, not ${repoURL}; leaving it as it is.`,
      );
    }
    return;
  }
  mkdirSync(dirname(cloneDir), { recursive: true });
  git(['clone', '--quiet', repoURL, cloneDir]);
  if (!git(['-C', cloneDir, 'config', 'user.email'], { allowFail: true })) {
    git(['-C', cloneDir, 'config', 'user.name', 'Demo user']);
    git([
      '-C',
      cloneDir,
      'config',
      'user.email',
      'demo-user@gitops-suite.local',
    ]);
  }
}

/** The interpreter line of the hook: this node's absolute path when a shebang can hold it. */
function shebang() {
  const path = process.execPath;
  return /^\/[^\s]+$/.test(path) && path.length < 120
    ? `#!${path}`
    : '#!/usr/bin/env node';
}

/**
 * The post-receive hook's source. It must run as CommonJS or as an ES module (an
 * extension-less file may be either, depending on the nearest package.json), so it
 * loads modules with dynamic import() inside an async function.
 */
function hookSource({ webhookUrl, webhookSecret, repoURL }) {
  const config = JSON.stringify(
    { webhookUrl, webhookSecret, repoURL },
    null,
    2,
  );
  return `${shebang()}
// The demo's local post-receive hook, written by scripts/lib/demo-repo.mjs on every
// \`npm run demo\` (the webhook's address and secret change between runs). After each
// push it sends a GitHub-style push event, signed with the webhook secret, to the GitOps
// engine, so it syncs at once instead of at its next poll. It never fails a push.
// The secret below is the demo's own, local one: this file is readable by its owner only.
const CONFIG = ${config};
const ZERO = /^0+$/;

(async () => {
  const { createHmac, randomUUID } = await import('node:crypto');
  const { execFileSync } = await import('node:child_process');

  const gitOut = args => {
    try {
      return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return '';
    }
  };

  const headCommit = sha => {
    const out = gitOut(['log', '-1', '--format=%H%x00%an%x00%ae%x00%cI%x00%B', sha]);
    if (!out) return null;
    const [id, name, email, timestamp, ...message] = out.split('\\0');
    return { id, message: message.join('\\0').trim(), timestamp, author: { name, email } };
  };

  let input = '';
  for await (const chunk of process.stdin) input += chunk;
  const updates = input
    .split('\\n')
    .map(line => line.trim().split(/\\s+/))
    .filter(parts => parts.length === 3);

  const pusherName =
    process.env.GIT_COMMITTER_NAME || process.env.GIT_AUTHOR_NAME || gitOut(['config', 'user.name']) || 'demo';
  const pusherEmail =
    process.env.GIT_COMMITTER_EMAIL || process.env.GIT_AUTHOR_EMAIL || gitOut(['config', 'user.email']) || undefined;

  const notify = async ([before, after, ref]) => {
    const deleted = ZERO.test(after);
    const body = JSON.stringify({
      ref,
      before,
      after,
      created: ZERO.test(before),
      deleted,
      repository: { clone_url: CONFIG.repoURL, html_url: CONFIG.repoURL, name: 'gitops', full_name: 'demo/gitops' },
      pusher: { name: pusherName, email: pusherEmail },
      head_commit: deleted ? null : headCommit(after),
    });
    const signature = 'sha256=' + createHmac('sha256', CONFIG.webhookSecret).update(body).digest('hex');
    const short = after.slice(0, 7);
    try {
      const response = await fetch(CONFIG.webhookUrl, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'X-GitHub-Event': 'push',
          'X-GitHub-Delivery': randomUUID(),
          'X-Hub-Signature-256': signature,
        },
        body,
        signal: AbortSignal.timeout(5000),
      });
      if (response.ok) return \`gitops: notified the GitOps engine of \${ref} (\${short})\`;
      const text = (await response.text().catch(() => '')).replace(/\\s+/g, ' ').slice(0, 200);
      return \`gitops: the GitOps engine answered \${response.status} for \${ref}\${text ? \`: \${text}\` : ''}; it will pick the change up on its next poll\`;
    } catch (error) {
      const code = error?.cause?.code ?? error?.code;
      if (code === 'ECONNREFUSED') {
        return "gitops: the demo's backend is not running; the engine will pick the change up on its next poll";
      }
      const why = error?.name === 'TimeoutError' ? 'no answer within 5 s' : error?.cause?.message ?? error?.message ?? String(error);
      return \`gitops: could not notify the GitOps engine (\${why}); it will pick the change up on its next poll\`;
    }
  };

  const lines = await Promise.all(updates.map(notify));
  for (const line of lines) process.stderr.write(line + '\\n');
})()
  .catch(error => process.stderr.write(\`gitops: webhook hook failed: \${error?.message ?? error}\\n\`))
  .finally(() => process.exit(0));
`;
}

/** Writes (or, without a webhook, removes) the post-receive hook; atomically, 0700. */
function installHook(bareDir, { webhookUrl, webhookSecret, repoURL }, log) {
  const hooksDir = join(bareDir, 'hooks');
  const hookPath = join(hooksDir, 'post-receive');
  if (!webhookUrl) {
    rmSync(hookPath, { force: true });
    log(
      'No webhook URL given: pushes to the demo repository will be picked up by polling only.',
    );
    return;
  }
  mkdirSync(hooksDir, { recursive: true });
  const tmpPath = `${hookPath}.${process.pid}.tmp`;
  writeFileSync(tmpPath, hookSource({ webhookUrl, webhookSecret, repoURL }), {
    mode: 0o700,
  });
  chmodSync(tmpPath, 0o700);
  renameSync(tmpPath, hookPath);
}

function validateWebhook(webhookUrl, webhookSecret) {
  if (webhookUrl === undefined || webhookUrl === null || webhookUrl === '')
    return;
  let url;
  try {
    url = new URL(webhookUrl);
  } catch {
    throw new Error(`webhookUrl "${webhookUrl}" is not a valid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(
      `webhookUrl must be an http:// or https:// URL, not ${url.protocol}`,
    );
  }
  if (typeof webhookSecret !== 'string' || webhookSecret === '') {
    throw new Error(
      'a webhookSecret is required with a webhookUrl: the engine refuses unsigned GitHub webhooks',
    );
  }
}

/**
 * Creates (or keeps) the demo's GitOps repository and its user clone, and (re)installs
 * the push hook.
 *
 * @param {object} options
 * @param {string} options.stateDir       the demo's state directory (`.demo`)
 * @param {string} [options.webhookUrl]   the engine's `POST /api/gitops/webhook`; no hook without it
 * @param {string} [options.webhookSecret] the engine's GitHub webhook secret (required with webhookUrl)
 * @param {(message: string) => void} [options.log]
 * @returns {Promise<{ repoURL: string, bareDir: string, workDir: string, rootApplicationPath: string }>}
 *   repoURL: file:// URL of the bare repository; workDir: the user's clone;
 *   rootApplicationPath: the root Application's YAML (from the repository's main branch), for kubectl apply.
 */
export async function seedDemoRepo({
  stateDir,
  webhookUrl,
  webhookSecret,
  log = () => {},
}) {
  if (typeof stateDir !== 'string' || stateDir === '')
    throw new Error('seedDemoRepo needs a stateDir');
  validateWebhook(webhookUrl, webhookSecret);
  git(['--version']); // fails early, with a clear message, when git is missing

  const root = resolve(stateDir);
  const bareDir = join(root, 'repos', 'gitops.git');
  const workDir = join(root, 'gitops');
  // pathToFileURL percent-encodes spaces and the like; git and the engine decode them.
  const repoURL = pathToFileURL(bareDir).href;

  const state = bareRepoState(bareDir);
  if (state === 'foreign') {
    throw new Error(
      `${bareDir} exists but is not a bare git repository: move it away (or run the demo with --reset)`,
    );
  }
  if (state === 'seeded') {
    log(
      `Keeping the demo GitOps repository ${bareDir} (with your pushes); reset it with --reset.`,
    );
  } else {
    if (state === 'missing') initBare(bareDir);
    // An empty repository left by an interrupted run may name another default branch.
    else git(['--git-dir', bareDir, 'symbolic-ref', 'HEAD', 'refs/heads/main']);
    log(`Seeding the demo GitOps repository ${bareDir}…`);
    pushInitialCommit(bareDir, repoURL);
  }

  ensureUserClone(workDir, repoURL, log);
  installHook(bareDir, { webhookUrl, webhookSecret, repoURL }, log);

  // The root Application as the repository has it now (the user may have changed it),
  // falling back to the template when it was deleted from the repository.
  const fromRepo = git(
    ['--git-dir', bareDir, 'show', `refs/heads/main:${ROOT_APPLICATION}`],
    { allowFail: true },
  );
  const rootYaml = fromRepo
    ? `${fromRepo}\n`
    : substitute(
        readFileSync(join(TEMPLATE_DIR, ROOT_APPLICATION), 'utf8'),
        repoURL,
      );
  const rootApplicationPath = join(root, 'root-application.yaml');
  writeFileSync(rootApplicationPath, rootYaml);

  return { repoURL, bareDir, workDir, rootApplicationPath };
}

/**
 * Repository credentials: picking the configured credential for a URL, handing it to
 * git without putting a secret on a command line or in a file git keeps (GIT_ASKPASS
 * reading environment variables for http(s), a short-lived 0600 key file plus
 * GIT_SSH_COMMAND for ssh), and scrubbing secrets out of anything git prints.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { normalizeRepoURL, parseRepoURL } from './repoUrl';

/** One entry of `gitops.git.credentials`. `url` is a prefix of the repository URLs it serves. */
export interface GitCredential {
  url: string;
  username?: string;
  /** Password or access token for http(s). */
  password?: string;
  /** Same as `password`; the user name defaults to `git` when only a token is given. */
  token?: string;
  /** PEM/OpenSSH private key for ssh URLs. */
  sshPrivateKey?: string;
  /** Accept any ssh host key (StrictHostKeyChecking=no). */
  insecureIgnoreHostKey?: boolean;
  /** known_hosts lines for ssh; the user's/system known_hosts are used when absent. */
  sshKnownHosts?: string;
}

/** Environment variables the askpass helper reads. */
export const ASKPASS_USERNAME_ENV = 'GITOPS_GIT_USERNAME';
export const ASKPASS_PASSWORD_ENV = 'GITOPS_GIT_PASSWORD';

/**
 * The askpass helper. git runs it with the prompt as its argument; it answers from the
 * environment and holds no secret itself. Exits 1 when nothing is configured, so git
 * fails at once instead of sending an empty password.
 */
export const ASKPASS_SCRIPT = `#!/bin/sh
# gitops askpass helper: answers git's prompts from environment variables.
case "$1" in
  [Uu]sername*) [ -n "\${${ASKPASS_USERNAME_ENV}+x}" ] || exit 1; printf '%s\\n' "$${ASKPASS_USERNAME_ENV}" ;;
  *) [ -n "\${${ASKPASS_PASSWORD_ENV}+x}" ] || exit 1; printf '%s\\n' "$${ASKPASS_PASSWORD_ENV}" ;;
esac
`;

function urlPrefixMatches(prefix: string, url: string): boolean {
  const p = prefix.toLowerCase();
  const u = url.toLowerCase();
  return (
    u === p || (u.startsWith(p) && (p.endsWith('/') || u[p.length] === '/'))
  );
}

/** The credential whose `url` is the longest prefix of `repoURL` (compared normalized). */
export function findCredential(
  repoURL: string,
  credentials: readonly GitCredential[],
): GitCredential | undefined {
  let target: string;
  try {
    target = normalizeRepoURL(repoURL);
  } catch {
    return undefined;
  }
  let best: { cred: GitCredential; length: number } | undefined;
  for (const cred of credentials) {
    let prefix: string;
    try {
      prefix = normalizeRepoURL(cred.url);
    } catch {
      // A prefix like `https://github.com/` may not parse as a repository; use it raw.
      prefix = cred.url.trim().replace(/\/+$/, '');
    }
    if (
      prefix &&
      urlPrefixMatches(prefix, target) &&
      (!best || prefix.length > best.length)
    ) {
      best = { cred, length: prefix.length };
    }
  }
  return best?.cred;
}

/** Every string derived from a credential that must never be shown. */
export function credentialSecrets(cred: GitCredential | undefined): string[] {
  if (!cred) return [];
  const secrets: string[] = [];
  const password = cred.password ?? cred.token;
  if (password) {
    secrets.push(password, encodeURIComponent(password));
    const user = cred.username ?? 'git';
    secrets.push(Buffer.from(`${user}:${password}`).toString('base64'));
  }
  if (cred.token && cred.token !== password) secrets.push(cred.token);
  if (cred.sshPrivateKey) {
    secrets.push(cred.sshPrivateKey.trim());
    for (const line of cred.sshPrivateKey.split(/\r?\n/)) {
      const t = line.trim();
      if (t.length >= 8 && !t.startsWith('-----')) secrets.push(t);
    }
  }
  return secrets.filter(s => s.length > 0);
}

/** Removes passwords in URLs and the given secrets from text meant for people. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text.replace(
    /([a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/@:\s'"]*):[^/\s'"]*@/g,
    '$1:***@',
  );
  // Longest first, so a secret containing another is replaced whole.
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) {
    if (s) out = out.split(s).join('***');
  }
  return out;
}

/** Variables that would point git at another repository or configuration. */
const INHERITED_GIT_VARS_TO_DROP =
  /^(GIT_DIR|GIT_WORK_TREE|GIT_INDEX_FILE|GIT_OBJECT_DIRECTORY|GIT_ALTERNATE_OBJECT_DIRECTORIES|GIT_COMMON_DIR|GIT_NAMESPACE|GIT_PREFIX|GIT_CONFIG.*|GIT_ASKPASS|SSH_ASKPASS|GIT_SSH|GIT_SSH_COMMAND|GIT_TERMINAL_PROMPT)$/;

/** The base environment for every git command: no prompts, no credential helpers. */
export function baseGitEnv(askPassScript: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!INHERITED_GIT_VARS_TO_DROP.test(k)) env[k] = v;
  }
  env.GIT_TERMINAL_PROMPT = '0';
  env.GIT_ASKPASS = askPassScript;
  env.SSH_ASKPASS = askPassScript;
  // An empty credential.helper clears configured helpers, so git never stores a secret.
  env.GIT_CONFIG_COUNT = '1';
  env.GIT_CONFIG_KEY_0 = 'credential.helper';
  env.GIT_CONFIG_VALUE_0 = '';
  env.GIT_SSH_COMMAND = 'ssh -o BatchMode=yes';
  delete env[ASKPASS_USERNAME_ENV];
  delete env[ASKPASS_PASSWORD_ENV];
  return env;
}

/** Environment and clean-up for one git invocation against one repository. */
export interface GitAuthSession {
  env: NodeJS.ProcessEnv;
  secrets: string[];
  cleanup(): Promise<void>;
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * Prepares the environment for running git against `repoURL` with `credential`.
 * For ssh keys a private temp directory holds the key (0600) until `cleanup()`.
 */
export async function prepareGitAuth(options: {
  repoURL: string;
  credential: GitCredential | undefined;
  askPassScript: string;
  tmpDir?: string;
}): Promise<GitAuthSession> {
  const env = baseGitEnv(options.askPassScript);
  const cred = options.credential;
  const secrets = credentialSecrets(cred);
  const noop = async () => {};
  if (!cred) return { env, secrets, cleanup: noop };

  const scheme = parseRepoURL(options.repoURL).scheme;
  if (scheme === 'http' || scheme === 'https') {
    const password = cred.password ?? cred.token;
    if (cred.username !== undefined || password !== undefined) {
      env[ASKPASS_USERNAME_ENV] = cred.username ?? 'git';
      if (password !== undefined) env[ASKPASS_PASSWORD_ENV] = password;
    }
    return { env, secrets, cleanup: noop };
  }
  if (scheme === 'ssh') {
    const sshArgs = ['ssh', '-o', 'BatchMode=yes'];
    let dir: string | undefined;
    const ensureDir = async () => {
      dir ??= await fs.mkdtemp(
        path.join(options.tmpDir ?? os.tmpdir(), 'gitops-ssh-'),
      );
      await fs.chmod(dir, 0o700);
      return dir;
    };
    try {
      if (cred.sshPrivateKey) {
        const keyFile = path.join(await ensureDir(), 'id');
        const key = cred.sshPrivateKey.endsWith('\n')
          ? cred.sshPrivateKey
          : `${cred.sshPrivateKey}\n`;
        await fs.writeFile(keyFile, key, { mode: 0o600 });
        sshArgs.push('-i', shellQuote(keyFile), '-o', 'IdentitiesOnly=yes');
      }
      if (cred.insecureIgnoreHostKey) {
        sshArgs.push(
          '-o',
          'StrictHostKeyChecking=no',
          '-o',
          'UserKnownHostsFile=/dev/null',
        );
      } else if (cred.sshKnownHosts) {
        const knownHosts = path.join(await ensureDir(), 'known_hosts');
        await fs.writeFile(knownHosts, `${cred.sshKnownHosts.trim()}\n`, {
          mode: 0o600,
        });
        sshArgs.push(
          '-o',
          'StrictHostKeyChecking=yes',
          '-o',
          `UserKnownHostsFile=${shellQuote(knownHosts)}`,
        );
      } else {
        sshArgs.push('-o', 'StrictHostKeyChecking=yes');
      }
    } catch (e) {
      if (dir) await fs.rm(dir, { recursive: true, force: true });
      throw e;
    }
    env.GIT_SSH_COMMAND = sshArgs.join(' ');
    return {
      env,
      secrets,
      cleanup: async () => {
        if (dir) await fs.rm(dir, { recursive: true, force: true });
      },
    };
  }
  return { env, secrets, cleanup: noop };
}

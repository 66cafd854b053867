/**
 * Repository URL handling: which URL forms are accepted, their normalized form (cache
 * keys, credential matching, webhook matching) and a printable form without secrets.
 */
import { createHash } from 'node:crypto';

export type RepoURLScheme = 'https' | 'http' | 'ssh' | 'file';

export interface ParsedRepoURL {
  scheme: RepoURLScheme;
  /** User name in the URL, if any (e.g. `git` in `git@github.com:org/repo`). */
  username?: string;
  /** Lower-cased host name (empty for file URLs). */
  host: string;
  /** Port when not the scheme's default. */
  port?: string;
  /** Path with a leading `/`, without a trailing `/` or `.git`. */
  path: string;
  /** True when the URL carried a password (`https://user:secret@host/...`). */
  hasPassword: boolean;
}

const SCP_LIKE = /^(?:([^@/\s]+)@)?([^:/\s]+):(?!\/\/)(.+)$/;
const DEFAULT_PORTS: Record<string, string> = {
  https: '443',
  http: '80',
  ssh: '22',
};

/** Thrown for URLs the git cache refuses. */
export class InvalidRepoURLError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidRepoURLError';
  }
}

function trimRepoPath(path: string): string {
  let p = path.replace(/\/+$/, '');
  if (p.toLowerCase().endsWith('.git')) p = p.slice(0, -4);
  p = p.replace(/\/+$/, '');
  return p.startsWith('/') ? p : `/${p}`;
}

/**
 * Parses `https://`, `http://`, `ssh://`, scp-like `git@host:org/repo.git` and
 * `file://` URLs. Anything else (plain paths, `ext::`, `git://`) is rejected.
 */
export function parseRepoURL(url: string): ParsedRepoURL {
  const raw = (url ?? '').trim();
  if (raw === '') throw new InvalidRepoURLError('repository URL is empty');
  if (raw.startsWith('-') || /[\s\0]/.test(raw)) {
    throw new InvalidRepoURLError(
      `repository URL "${redactRepoURL(raw)}" is not valid`,
    );
  }
  const schemeMatch = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(raw);
  if (!schemeMatch) {
    const scp = SCP_LIKE.exec(raw);
    if (scp && !raw.includes('::')) {
      return {
        scheme: 'ssh',
        username: scp[1],
        host: scp[2].toLowerCase(),
        path: trimRepoPath(scp[3]),
        hasPassword: false,
      };
    }
    throw new InvalidRepoURLError(
      `repository URL "${redactRepoURL(
        raw,
      )}" is not supported: use https://, http://, ssh://, git@host:path or file://`,
    );
  }
  const scheme = schemeMatch[1].toLowerCase();
  if (
    scheme !== 'https' &&
    scheme !== 'http' &&
    scheme !== 'ssh' &&
    scheme !== 'file'
  ) {
    throw new InvalidRepoURLError(
      `repository URL scheme "${scheme}" is not supported: use https://, http://, ssh://, git@host:path or file://`,
    );
  }
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new InvalidRepoURLError(
      `repository URL "${redactRepoURL(raw)}" is not valid`,
    );
  }
  if (scheme !== 'file' && parsed.hostname === '') {
    throw new InvalidRepoURLError(
      `repository URL "${redactRepoURL(raw)}" has no host`,
    );
  }
  const port =
    parsed.port && parsed.port !== DEFAULT_PORTS[scheme]
      ? parsed.port
      : undefined;
  return {
    scheme,
    username: parsed.username ? decodeURIComponent(parsed.username) : undefined,
    host: parsed.hostname.toLowerCase(),
    port,
    path: trimRepoPath(decodeURIComponent(parsed.pathname)),
    hasPassword: parsed.password !== '',
  };
}

/**
 * The normalized form of a repository URL: scp-like URLs become `ssh://`, the host is
 * lower-cased, default ports, trailing `/` and `.git` and any password are dropped, and
 * http(s) user names too (they are credentials, not identity). Path case is kept.
 */
export function normalizeRepoURL(url: string): string {
  const p = parseRepoURL(url);
  if (p.scheme === 'file') return `file://${p.path}`;
  const user = p.scheme === 'ssh' && p.username ? `${p.username}@` : '';
  const port = p.port ? `:${p.port}` : '';
  return `${p.scheme}://${user}${p.host}${port}${p.path}`;
}

/**
 * Whether two URLs name the same repository regardless of transport, user name, port or
 * case (`git@github.com:Org/Repo.git` and `https://github.com/org/repo`): what webhook
 * payloads need, as Argo CD matches them.
 */
export function sameRepository(a: string, b: string): boolean {
  try {
    const pa = parseRepoURL(a);
    const pb = parseRepoURL(b);
    if ((pa.scheme === 'file') !== (pb.scheme === 'file')) return false;
    return (
      pa.host === pb.host && pa.path.toLowerCase() === pb.path.toLowerCase()
    );
  } catch {
    return false;
  }
}

/** A short, stable directory name for a repository's cache (hash of the normalized URL). */
export function repoCacheKey(url: string): string {
  return createHash('sha256')
    .update(normalizeRepoURL(url))
    .digest('hex')
    .slice(0, 32);
}

/** The URL with any password replaced by `***`, for messages. Never throws. */
export function redactRepoURL(url: string): string {
  return url.replace(
    /^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/@:\s]*):[^/\s]*@/,
    '$1:***@',
  );
}

/**
 * Git push webhooks from GitHub, GitLab and Gitea: which provider sent it, whether its
 * shared secret checks out (HMAC-SHA256 of the raw body for GitHub and Gitea, the token
 * header for GitLab), and which repository and ref were pushed. Unsigned or badly signed
 * payloads are refused before anything is parsed.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export type WebhookProvider = 'github' | 'gitlab' | 'gitea';

export interface WebhookSecrets {
  github?: string;
  gitlab?: string;
  gitea?: string;
}

export interface PushEvent {
  provider: WebhookProvider;
  /** Every URL the payload gives for the repository (web, https clone, ssh clone). */
  repoURLs: string[];
  /** `refs/heads/main` → `main`; `refs/tags/v1` → `v1`. */
  revision?: string;
  refType?: 'branch' | 'tag';
  /** The commit pushed (`after`). */
  sha?: string;
  /** False for pings and other events that ask for nothing. */
  isPush: boolean;
}

export class WebhookError extends Error {
  constructor(readonly status: 400 | 401, message: string) {
    super(message);
    this.name = 'WebhookError';
  }
}

type Headers = Record<string, string | string[] | undefined>;

function header(headers: Headers, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function hmacHex(secret: string, body: Buffer): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

export function detectProvider(headers: Headers): WebhookProvider | undefined {
  // Gitea also sends X-GitHub-Event for compatibility: check it first.
  if (header(headers, 'x-gitea-event')) return 'gitea';
  if (header(headers, 'x-gitlab-event')) return 'gitlab';
  if (header(headers, 'x-github-event')) return 'github';
  return undefined;
}

function verify(provider: WebhookProvider, headers: Headers, body: Buffer, secrets: WebhookSecrets): void {
  const secret = secrets[provider];
  if (!secret) {
    throw new WebhookError(401, `${provider} webhooks are not accepted: no secret is configured (gitops.webhook.${provider}.secret)`);
  }
  if (provider === 'github') {
    const signature = header(headers, 'x-hub-signature-256');
    if (!signature || !safeEqual(signature, `sha256=${hmacHex(secret, body)}`)) {
      throw new WebhookError(401, 'GitHub webhook signature (X-Hub-Signature-256) does not match the configured secret');
    }
  } else if (provider === 'gitea') {
    const signature = header(headers, 'x-gitea-signature');
    if (!signature || !safeEqual(signature, hmacHex(secret, body))) {
      throw new WebhookError(401, 'Gitea webhook signature (X-Gitea-Signature) does not match the configured secret');
    }
  } else {
    const token = header(headers, 'x-gitlab-token');
    if (!token || !safeEqual(token, secret)) {
      throw new WebhookError(401, 'GitLab webhook token (X-Gitlab-Token) does not match the configured secret');
    }
  }
}

function splitRef(ref: unknown): { revision?: string; refType?: 'branch' | 'tag' } {
  if (typeof ref !== 'string') return {};
  if (ref.startsWith('refs/heads/')) return { revision: ref.slice('refs/heads/'.length), refType: 'branch' };
  if (ref.startsWith('refs/tags/')) return { revision: ref.slice('refs/tags/'.length), refType: 'tag' };
  return { revision: ref };
}

const strings = (...values: unknown[]) => values.filter((v): v is string => typeof v === 'string' && v.length > 0);

/** Verifies and parses a webhook; throws WebhookError (401 bad signature, 400 bad payload). */
export function parseWebhook(headers: Headers, rawBody: Buffer | undefined, secrets: WebhookSecrets): PushEvent {
  const provider = detectProvider(headers);
  if (!provider) {
    throw new WebhookError(400, 'unknown webhook: expected a GitHub, GitLab or Gitea push event header');
  }
  const body = rawBody ?? Buffer.alloc(0);
  verify(provider, headers, body, secrets);

  let payload: any;
  try {
    payload = JSON.parse(body.toString('utf8'));
  } catch {
    throw new WebhookError(400, 'webhook body is not valid JSON');
  }
  if (!payload || typeof payload !== 'object') {
    throw new WebhookError(400, 'webhook body is not a JSON object');
  }

  const event = (header(headers, 'x-gitea-event') ?? header(headers, 'x-gitlab-event') ?? header(headers, 'x-github-event') ?? '').toLowerCase();
  const isPush = event === 'push' || event === 'push hook' || event === 'tag push hook';
  if (provider === 'gitlab') {
    const project = payload.project ?? {};
    return {
      provider,
      repoURLs: strings(project.git_http_url, project.git_ssh_url, project.web_url, payload.repository?.git_http_url),
      ...splitRef(payload.ref),
      sha: payload.checkout_sha ?? payload.after,
      isPush,
    };
  }
  const repository = payload.repository ?? {};
  return {
    provider,
    repoURLs: strings(repository.clone_url, repository.html_url, repository.ssh_url, repository.git_url, repository.url),
    ...splitRef(payload.ref),
    sha: payload.after,
    isPush,
  };
}

/** Signs a body as GitHub does (for clients of the webhook: tests, the demo's hook). */
export function githubSignature(secret: string, body: string | Buffer): string {
  return `sha256=${hmacHex(secret, Buffer.isBuffer(body) ? body : Buffer.from(body))}`;
}

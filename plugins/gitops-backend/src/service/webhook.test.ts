import { githubSignature, parseWebhook, WebhookError } from './webhook';
import { createHmac } from 'node:crypto';

const secrets = { github: 'gh-secret', gitlab: 'gl-secret', gitea: 'gt-secret' };
const githubPush = JSON.stringify({
  ref: 'refs/heads/main',
  after: 'a'.repeat(40),
  repository: { clone_url: 'https://github.com/org/repo.git', html_url: 'https://github.com/org/repo', ssh_url: 'git@github.com:org/repo.git' },
});

function expectError(fn: () => unknown, status: number, message: RegExp) {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(WebhookError);
  expect((error as WebhookError).status).toBe(status);
  expect((error as WebhookError).message).toMatch(message);
}

describe('parseWebhook', () => {
  it('accepts a GitHub push signed with the shared secret', () => {
    const event = parseWebhook(
      { 'x-github-event': 'push', 'x-hub-signature-256': githubSignature('gh-secret', githubPush) },
      Buffer.from(githubPush),
      secrets,
    );
    expect(event).toMatchObject({ provider: 'github', revision: 'main', refType: 'branch', sha: 'a'.repeat(40), isPush: true });
    expect(event.repoURLs).toContain('https://github.com/org/repo.git');
  });

  it('refuses a GitHub push with a bad or missing signature (401)', () => {
    expectError(
      () => parseWebhook({ 'x-github-event': 'push', 'x-hub-signature-256': githubSignature('wrong', githubPush) }, Buffer.from(githubPush), secrets),
      401,
      /does not match/,
    );
    expectError(() => parseWebhook({ 'x-github-event': 'push' }, Buffer.from(githubPush), secrets), 401, /does not match/);
  });

  it('refuses a body changed after signing', () => {
    const signature = githubSignature('gh-secret', githubPush);
    const tampered = githubPush.replace('main', 'prod');
    expectError(() => parseWebhook({ 'x-github-event': 'push', 'x-hub-signature-256': signature }, Buffer.from(tampered), secrets), 401, /does not match/);
  });

  it('refuses webhooks of a provider without a configured secret', () => {
    expectError(
      () => parseWebhook({ 'x-github-event': 'push', 'x-hub-signature-256': githubSignature('', githubPush) }, Buffer.from(githubPush), {}),
      401,
      /no secret is configured/,
    );
  });

  it('accepts a GitLab push with the right token and reads its project URLs and tag refs', () => {
    const body = JSON.stringify({
      ref: 'refs/tags/v1.2.0',
      checkout_sha: 'b'.repeat(40),
      project: { git_http_url: 'https://gitlab.example.com/org/repo.git', git_ssh_url: 'git@gitlab.example.com:org/repo.git' },
    });
    const event = parseWebhook({ 'x-gitlab-event': 'Tag Push Hook', 'x-gitlab-token': 'gl-secret' }, Buffer.from(body), secrets);
    expect(event).toMatchObject({ provider: 'gitlab', revision: 'v1.2.0', refType: 'tag', isPush: true });
    expectError(() => parseWebhook({ 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': 'nope' }, Buffer.from(body), secrets), 401, /X-Gitlab-Token/);
  });

  it('accepts a Gitea push signed with a hex HMAC', () => {
    const signature = createHmac('sha256', 'gt-secret').update(githubPush).digest('hex');
    const event = parseWebhook({ 'x-gitea-event': 'push', 'x-github-event': 'push', 'x-gitea-signature': signature }, Buffer.from(githubPush), secrets);
    expect(event.provider).toBe('gitea');
    expect(event.revision).toBe('main');
  });

  it('answers 400 for unknown senders and malformed JSON', () => {
    expectError(() => parseWebhook({}, Buffer.from('{}'), secrets), 400, /unknown webhook/);
    const body = '{not json';
    expectError(() => parseWebhook({ 'x-github-event': 'push', 'x-hub-signature-256': githubSignature('gh-secret', body) }, Buffer.from(body), secrets), 400, /not valid JSON/);
  });

  it('marks pings as asking for nothing', () => {
    const body = '{"zen":"Keep it logically awesome."}';
    const event = parseWebhook({ 'x-github-event': 'ping', 'x-hub-signature-256': githubSignature('gh-secret', body) }, Buffer.from(body), secrets);
    expect(event.isPush).toBe(false);
  });
});

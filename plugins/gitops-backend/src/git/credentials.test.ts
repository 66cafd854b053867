/** Tests of credential selection, the git environment and secret scrubbing. */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  ASKPASS_SCRIPT,
  findCredential,
  prepareGitAuth,
  scrubSecrets,
  credentialSecrets,
} from './credentials';
import { makeTempDir } from './__testUtils__/gitFixtures';

const execFileAsync = promisify(execFile);

describe('findCredential', () => {
  const creds = [
    { url: 'https://github.com/acme', username: 'org', password: 'a' },
    {
      url: 'https://github.com/acme/special',
      username: 'special',
      password: 'b',
    },
    { url: 'git@github.com:acme', sshPrivateKey: 'KEY' },
  ];

  it('picks the longest matching prefix, on normalized URLs', () => {
    expect(
      findCredential('https://github.com/acme/app.git', creds)?.username,
    ).toBe('org');
    expect(
      findCredential('https://GITHUB.com/acme/special.git', creds)?.username,
    ).toBe('special');
    expect(
      findCredential('https://github.com/acme/special-two', creds)?.username,
    ).toBe('org');
    expect(
      findCredential('ssh://git@github.com/acme/app', creds)?.sshPrivateKey,
    ).toBe('KEY');
  });

  it('does not match across a path segment boundary', () => {
    expect(
      findCredential('https://github.com/acme-evil/app', creds),
    ).toBeUndefined();
    expect(
      findCredential('https://gitlab.com/acme/app', creds),
    ).toBeUndefined();
  });
});

describe('scrubSecrets', () => {
  it('removes secrets, their encodings and URL passwords', () => {
    const cred = { url: 'https://h', username: 'u', password: 'p@ss/word' };
    const secrets = credentialSecrets(cred);
    const text = `fatal: unable to access 'https://x:other@h/r/': p@ss/word p%40ss%2Fword ${Buffer.from(
      'u:p@ss/word',
    ).toString('base64')}`;
    const out = scrubSecrets(text, secrets);
    expect(out).toBe(
      "fatal: unable to access 'https://x:***@h/r/': *** *** ***",
    );
  });
});

describe('prepareGitAuth', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await makeTempDir('gitops-cred-test-');
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('answers git prompts from the environment through the askpass helper', async () => {
    const script = path.join(dir, 'askpass.sh');
    await fs.writeFile(script, ASKPASS_SCRIPT, { mode: 0o700 });
    const auth = await prepareGitAuth({
      repoURL: 'https://git.example.com/org/repo',
      credential: {
        url: 'https://git.example.com',
        username: 'bot',
        password: "it's-$ecret",
      },
      askPassScript: script,
    });
    expect(auth.env.GIT_TERMINAL_PROMPT).toBe('0');
    expect(auth.env.GIT_ASKPASS).toBe(script);
    const ask = async (prompt: string) =>
      (await execFileAsync(script, [prompt], { env: auth.env })).stdout;
    await expect(ask("Username for 'https://git.example.com': ")).resolves.toBe(
      'bot\n',
    );
    await expect(
      ask("Password for 'https://bot@git.example.com': "),
    ).resolves.toBe("it's-$ecret\n");
    // Without a credential the helper refuses instead of sending an empty password.
    const none = await prepareGitAuth({
      repoURL: 'https://h/r',
      credential: undefined,
      askPassScript: script,
    });
    await expect(
      execFileAsync(script, ['Password: '], { env: none.env }),
    ).rejects.toThrow();
  });

  it('gives ssh a private 0600 key file that is removed afterwards', async () => {
    const key =
      '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----';
    const auth = await prepareGitAuth({
      repoURL: 'git@github.com:acme/app.git',
      credential: {
        url: 'git@github.com:acme',
        sshPrivateKey: key,
        insecureIgnoreHostKey: true,
      },
      askPassScript: '/bin/false',
      tmpDir: dir,
    });
    const command = auth.env.GIT_SSH_COMMAND ?? '';
    expect(command).not.toContain('b3BlbnNzaC1rZXktdjEAAAAA');
    expect(command).toContain('StrictHostKeyChecking=no');
    expect(command).toContain('BatchMode=yes');
    const keyFile = /-i '([^']+)'/.exec(command)?.[1] ?? '';
    const st = await fs.stat(keyFile);
    expect(st.mode & 0o777).toBe(0o600);
    expect((await fs.stat(path.dirname(keyFile))).mode & 0o777).toBe(0o700);
    await expect(fs.readFile(keyFile, 'utf8')).resolves.toBe(`${key}\n`);
    expect(auth.secrets).toContain('b3BlbnNzaC1rZXktdjEAAAAA');
    await auth.cleanup();
    await expect(fs.access(keyFile)).rejects.toThrow();
    expect(await fs.readdir(dir)).toEqual([]);
  });

  it('checks ssh host keys unless told otherwise', async () => {
    const auth = await prepareGitAuth({
      repoURL: 'ssh://git@git.example.com/acme/app',
      credential: {
        url: 'ssh://git@git.example.com',
        sshPrivateKey: 'k',
        sshKnownHosts: 'git.example.com ssh-ed25519 AAAA',
      },
      askPassScript: '/bin/false',
      tmpDir: dir,
    });
    expect(auth.env.GIT_SSH_COMMAND).toContain('StrictHostKeyChecking=yes');
    expect(auth.env.GIT_SSH_COMMAND).toMatch(
      /UserKnownHostsFile='[^']+known_hosts'/,
    );
    await auth.cleanup();
  });
});

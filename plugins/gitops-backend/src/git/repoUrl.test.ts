/** Tests of repository URL parsing, normalization and redaction. */
import {
  normalizeRepoURL,
  parseRepoURL,
  redactRepoURL,
  repoCacheKey,
  sameRepository,
} from './repoUrl';

describe('normalizeRepoURL', () => {
  it.each([
    ['https://GitHub.com/Org/Repo.git', 'https://github.com/Org/Repo'],
    ['https://github.com/Org/Repo/', 'https://github.com/Org/Repo'],
    ['https://github.com:443/Org/Repo.git/', 'https://github.com/Org/Repo'],
    ['https://user@github.com/org/repo', 'https://github.com/org/repo'],
    [
      'http://gitea.local:3000/org/repo.git',
      'http://gitea.local:3000/org/repo',
    ],
    ['git@GitHub.com:org/repo.git', 'ssh://git@github.com/org/repo'],
    ['ssh://git@github.com:22/org/repo.git', 'ssh://git@github.com/org/repo'],
    [
      'ssh://git@gitlab.example.com:2222/group/sub/repo',
      'ssh://git@gitlab.example.com:2222/group/sub/repo',
    ],
    ['file:///srv/git/app.git', 'file:///srv/git/app'],
    ['  https://github.com/org/repo  ', 'https://github.com/org/repo'],
  ])('%s → %s', (input, expected) => {
    expect(normalizeRepoURL(input)).toBe(expected);
  });

  it('keys the cache on the normalized URL', () => {
    expect(repoCacheKey('https://GITHUB.com/org/repo.git')).toBe(
      repoCacheKey('https://github.com/org/repo'),
    );
    expect(repoCacheKey('https://github.com/org/repo')).not.toBe(
      repoCacheKey('https://github.com/org/other'),
    );
  });

  it.each([
    '',
    'ext::sh -c id',
    '/srv/git/repo',
    'git://github.com/org/repo',
    '-oProxyCommand=x',
    'ftp://h/r',
  ])('rejects %j', input => {
    expect(() => parseRepoURL(input)).toThrow();
  });

  it('notices passwords', () => {
    expect(parseRepoURL('https://u:p@h.com/r').hasPassword).toBe(true);
    expect(parseRepoURL('https://u@h.com/r').hasPassword).toBe(false);
  });
});

describe('sameRepository', () => {
  it('matches across transports, users, ports and case, as webhook payloads need', () => {
    expect(
      sameRepository(
        'git@github.com:Org/Repo.git',
        'https://github.com/org/repo',
      ),
    ).toBe(true);
    expect(
      sameRepository(
        'ssh://git@github.com/org/repo',
        'https://github.com:443/org/repo/',
      ),
    ).toBe(true);
    expect(
      sameRepository(
        'https://github.com/org/repo',
        'https://github.com/org/repo2',
      ),
    ).toBe(false);
    expect(
      sameRepository(
        'https://github.com/org/repo',
        'https://gitlab.com/org/repo',
      ),
    ).toBe(false);
    expect(sameRepository('not a url', 'https://github.com/org/repo')).toBe(
      false,
    );
  });
});

describe('redactRepoURL', () => {
  it('hides passwords, including ones with @ or :', () => {
    expect(redactRepoURL('https://bob:s3cret@host/r.git')).toBe(
      'https://bob:***@host/r.git',
    );
    expect(redactRepoURL('https://bob:s3:c@ret@host/r.git')).toBe(
      'https://bob:***@host/r.git',
    );
    expect(redactRepoURL('https://host:8443/r.git')).toBe(
      'https://host:8443/r.git',
    );
    expect(redactRepoURL('git@host:org/r.git')).toBe('git@host:org/r.git');
  });
});

import type { AppProject } from '@gitops-suite/plugin-gitops-common';
import {
  checkDestinationPermitted,
  checkResourcePermitted,
  checkSourcePermitted,
  defaultProject,
  globMatch,
} from './project';

function project(spec: AppProject['spec']): AppProject {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AppProject',
    metadata: { name: 'team-a' },
    spec,
  };
}

describe('globs', () => {
  it('matches * across slashes and the empty string', () => {
    expect(globMatch('*', '')).toBe(true);
    expect(
      globMatch('https://github.com/org/*', 'https://github.com/org/a/b'),
    ).toBe(true);
    expect(globMatch('team-?', 'team-a')).toBe(true);
    expect(globMatch('apps', 'batch')).toBe(false);
  });
});

describe('sources', () => {
  it('allows matching repos, normalizing case, .git and ssh://', () => {
    const p = project({
      sourceRepos: ['https://github.com/Org/*', 'git@gitlab.com:team/app'],
    });
    expect(checkSourcePermitted(p, 'https://github.com/org/shop.git')).toEqual({
      permitted: true,
    });
    expect(
      checkSourcePermitted(p, 'ssh://git@gitlab.com:team/app.git'),
    ).toEqual({ permitted: true });
    expect(checkSourcePermitted(p, 'https://x')).toEqual({
      permitted: false,
      message:
        "application repo https://x is not permitted in project 'team-a'",
    });
  });

  it('lets deny rules win, wherever they are listed', () => {
    const p = project({
      sourceRepos: ['!https://github.com/org/secret*', '*'],
    });
    expect(
      checkSourcePermitted(p, 'https://github.com/org/app').permitted,
    ).toBe(true);
    expect(
      checkSourcePermitted(p, 'https://github.com/org/secret-stuff').permitted,
    ).toBe(false);
    expect(
      checkSourcePermitted(
        project({ sourceRepos: ['!https://github.com/org/secret*'] }),
        'https://github.com/org/app',
      ).permitted,
    ).toBe(false);
    expect(
      checkSourcePermitted(project({}), 'https://github.com/org/app').permitted,
    ).toBe(false);
  });
});

describe('destinations', () => {
  const p = project({
    destinations: [
      { server: 'https://kubernetes.default.svc', namespace: 'team-a-*' },
      { name: 'staging', namespace: 'team-a' },
      { server: '*', namespace: '!kube-system' },
      { server: '!https://prod-*', namespace: '*' },
    ],
  });

  it('allows matching server or cluster name with namespace globs', () => {
    expect(
      checkDestinationPermitted(p, {
        server: 'https://kubernetes.default.svc',
        namespace: 'team-a-dev',
      }).permitted,
    ).toBe(true);
    expect(
      checkDestinationPermitted(p, { name: 'staging', namespace: 'team-a' })
        .permitted,
    ).toBe(true);
  });

  it('explains refusals', () => {
    expect(
      checkDestinationPermitted(p, {
        server: 'https://kubernetes.default.svc',
        namespace: 'other',
      }),
    ).toEqual({
      permitted: false,
      message:
        "application destination server 'https://kubernetes.default.svc' and namespace 'other' do not match any of the allowed destinations in project 'team-a'",
    });
    expect(
      checkDestinationPermitted(p, { name: 'qa', namespace: 'team-a' }),
    ).toEqual({
      permitted: false,
      message:
        "application destination cluster 'qa' and namespace 'team-a' do not match any of the allowed destinations in project 'team-a'",
    });
  });

  it('applies deny rules', () => {
    const open = project({
      destinations: [
        { server: '*', namespace: '*' },
        { server: '*', namespace: '!kube-system' },
        { server: '!https://prod-*', namespace: '*' },
      ],
    });
    expect(
      checkDestinationPermitted(open, {
        server: 'https://dev',
        namespace: 'apps',
      }).permitted,
    ).toBe(true);
    expect(
      checkDestinationPermitted(open, {
        server: 'https://dev',
        namespace: 'kube-system',
      }).permitted,
    ).toBe(false);
    expect(
      checkDestinationPermitted(open, {
        server: 'https://prod-eu',
        namespace: 'apps',
      }).permitted,
    ).toBe(false);
  });
});

describe('resource kinds', () => {
  it('denies cluster-scoped kinds unless whitelisted', () => {
    const p = project({
      clusterResourceWhitelist: [
        { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' },
      ],
    });
    expect(
      checkResourcePermitted(p, {
        group: '',
        kind: 'Namespace',
        namespaced: false,
      }),
    ).toEqual({
      permitted: false,
      message: 'resource :Namespace is not permitted in project team-a',
    });
    expect(
      checkResourcePermitted(p, {
        group: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        namespaced: false,
      }).permitted,
    ).toBe(true);
  });

  it('allows namespaced kinds unless blacklisted or missing from a whitelist', () => {
    expect(
      checkResourcePermitted(project({}), {
        group: 'apps',
        kind: 'Deployment',
        namespaced: true,
      }).permitted,
    ).toBe(true);
    const black = project({
      namespaceResourceBlacklist: [{ group: '', kind: 'ResourceQuota' }],
    });
    expect(
      checkResourcePermitted(black, {
        group: '',
        kind: 'ResourceQuota',
        namespaced: true,
      }),
    ).toEqual({
      permitted: false,
      message: 'resource :ResourceQuota is not permitted in project team-a',
    });
    const white = project({
      namespaceResourceWhitelist: [{ group: 'apps', kind: '*' }],
    });
    expect(
      checkResourcePermitted(white, {
        group: 'apps',
        kind: 'StatefulSet',
        namespaced: true,
      }).permitted,
    ).toBe(true);
    expect(
      checkResourcePermitted(white, {
        group: '',
        kind: 'ConfigMap',
        namespaced: true,
      }).permitted,
    ).toBe(false);
    expect(
      checkResourcePermitted(project({ namespaceResourceWhitelist: [] }), {
        group: '',
        kind: 'ConfigMap',
        namespaced: true,
      }).permitted,
    ).toBe(false);
    const cluster = project({
      clusterResourceWhitelist: [{ group: '*', kind: '*' }],
      clusterResourceBlacklist: [{ group: '', kind: 'Namespace' }],
    });
    expect(
      checkResourcePermitted(cluster, {
        group: '',
        kind: 'Namespace',
        namespaced: false,
      }).permitted,
    ).toBe(false);
  });

  it('has a default project that allows everything', () => {
    const p = defaultProject();
    expect(p.metadata.name).toBe('default');
    expect(checkSourcePermitted(p, 'https://anything/repo.git').permitted).toBe(
      true,
    );
    expect(
      checkDestinationPermitted(p, { server: 'https://k8s', namespace: 'x' })
        .permitted,
    ).toBe(true);
    expect(
      checkDestinationPermitted(p, { name: 'in-cluster', namespace: '' })
        .permitted,
    ).toBe(true);
    expect(
      checkResourcePermitted(p, {
        group: '',
        kind: 'Namespace',
        namespaced: false,
      }).permitted,
    ).toBe(true);
    expect(
      checkResourcePermitted(p, {
        group: 'apps',
        kind: 'Deployment',
        namespaced: true,
      }).permitted,
    ).toBe(true);
  });
});

import { isGitopsAvailable } from './isGitopsAvailable';

const entity = (annotations?: Record<string, string>) => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'x', annotations },
});

describe('isGitopsAvailable', () => {
  it('is true with either Argo CD plugin annotation', () => {
    expect(isGitopsAvailable(entity({ 'argocd/app-name': 'a' }))).toBe(true);
    expect(isGitopsAvailable(entity({ 'argocd/app-selector': 'a=b' }))).toBe(true);
  });

  it('is false without them or when blank', () => {
    expect(isGitopsAvailable(entity())).toBe(false);
    expect(isGitopsAvailable(entity({ 'argocd/app-name': '  ' }))).toBe(false);
    expect(isGitopsAvailable(entity({ 'argocd/app-namespace': 'argocd' }))).toBe(false);
  });
});

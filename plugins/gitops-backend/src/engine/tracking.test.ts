import type { KubeObject } from '@gitops-suite/plugin-gitops-common';
import {
  formatTrackingId,
  isTrackedBy,
  parseTrackingId,
  setTrackingAnnotation,
  trackingAppOf,
  trackingIdFor,
} from './tracking';

const deployment: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'shop' },
};
const namespace: KubeObject = {
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name: 'shop' },
};

describe('tracking ids', () => {
  it('formats and parses Argo CD tracking ids', () => {
    expect(trackingIdFor(deployment, 'guestbook')).toBe(
      'guestbook:apps/Deployment:shop/web',
    );
    expect(trackingIdFor(namespace, 'guestbook')).toBe(
      'guestbook:/Namespace:/shop',
    );
    expect(parseTrackingId('guestbook:/Namespace:/shop')).toEqual({
      appName: 'guestbook',
      group: '',
      kind: 'Namespace',
      namespace: '',
      name: 'shop',
    });
    expect(
      parseTrackingId(
        formatTrackingId({
          appName: 'argocd_app',
          group: 'rbac.authorization.k8s.io',
          kind: 'Role',
          namespace: 'ns',
          name: 'r',
        }),
      ),
    ).toEqual({
      appName: 'argocd_app',
      group: 'rbac.authorization.k8s.io',
      kind: 'Role',
      namespace: 'ns',
      name: 'r',
    });
    for (const bad of [
      '',
      'guestbook',
      'a:b:c',
      'app:apps/Deployment/shop/web',
      'app:apps/Deployment:shop',
    ]) {
      expect(parseTrackingId(bad)).toBeUndefined();
    }
  });

  it('sets the annotation on a copy', () => {
    const tracked = setTrackingAnnotation(deployment, 'guestbook');
    expect(tracked.metadata.annotations).toEqual({
      'argocd.argoproj.io/tracking-id': 'guestbook:apps/Deployment:shop/web',
    });
    expect(deployment.metadata.annotations).toBeUndefined();
    expect(() => setTrackingAnnotation(deployment, 'bad:name')).toThrow(
      'invalid Application name',
    );
  });

  it('only counts ids that name the object itself', () => {
    const tracked = setTrackingAnnotation(deployment, 'guestbook');
    expect(isTrackedBy(tracked, 'guestbook')).toBe(true);
    expect(isTrackedBy(tracked, 'other')).toBe(false);
    expect(trackingAppOf(tracked)).toBe('guestbook');
    // A pod that inherited the annotation from its template is not tracked.
    const pod: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'web-abc',
        namespace: 'shop',
        annotations: tracked.metadata.annotations,
      },
    };
    expect(isTrackedBy(pod, 'guestbook')).toBe(false);
    expect(trackingAppOf(pod)).toBeUndefined();
    expect(isTrackedBy(deployment, 'guestbook')).toBe(false);
  });
});

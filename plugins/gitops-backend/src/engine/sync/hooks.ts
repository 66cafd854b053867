/**
 * Reading sync annotations: hook types (`argocd.argoproj.io/hook`, comma lists, and Helm's
 * `helm.sh/hook` mapped as Argo CD maps it), hook delete policies (default
 * BeforeHookCreation), and sync waves (`argocd.argoproj.io/sync-wave`, else Helm's
 * `helm.sh/hook-weight`, else 0).
 */
import {
  ANNOTATION_HELM_HOOK,
  ANNOTATION_HOOK,
  ANNOTATION_HOOK_DELETE_POLICY,
  ANNOTATION_SYNC_WAVE,
  HookType,
  KubeObject,
} from '@gitops-suite/plugin-gitops-common';
import { annotationOf } from '../objects';

export type HookDeletePolicy =
  | 'HookSucceeded'
  | 'HookFailed'
  | 'BeforeHookCreation';

/** Hook types that only run when an Application is deleted (never during a sync). */
export type DeletionHookType = 'PreDelete' | 'PostDelete';

export interface HookInfo {
  /** True when the object is a hook (it is never applied as a normal resource). */
  isHook: boolean;
  /** Sync hook types (PreSync, Sync, PostSync, SyncFail, Skip). */
  types: HookType[];
  /** Deletion hooks, not run by a sync. */
  deletionTypes: DeletionHookType[];
  /** Helm hook values with no Argo CD equivalent (the object is ignored). */
  unsupported: string[];
}

const ARGO_HOOKS: Record<string, HookType | DeletionHookType> = {
  PreSync: 'PreSync',
  Sync: 'Sync',
  PostSync: 'PostSync',
  SyncFail: 'SyncFail',
  Skip: 'Skip',
  PreDelete: 'PreDelete',
  PostDelete: 'PostDelete',
};

const HELM_HOOKS: Record<string, HookType | DeletionHookType | 'none'> = {
  'pre-install': 'PreSync',
  'pre-upgrade': 'PreSync',
  'post-install': 'PostSync',
  'post-upgrade': 'PostSync',
  'pre-delete': 'PreDelete',
  'post-delete': 'PostDelete',
  // CRDs from crd-install are applied as ordinary resources.
  'crd-install': 'none',
};

const HELM_DELETE_POLICIES: Record<string, HookDeletePolicy> = {
  'hook-succeeded': 'HookSucceeded',
  'hook-failed': 'HookFailed',
  'before-hook-creation': 'BeforeHookCreation',
};

function splitList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map(s => s.trim())
    .filter(s => s !== '');
}

/** The hook facts of an object; throws on unknown `argocd.argoproj.io/hook` values. */
export function hookInfo(obj: KubeObject): HookInfo {
  const info: HookInfo = {
    isHook: false,
    types: [],
    deletionTypes: [],
    unsupported: [],
  };
  const argo = annotationOf(obj, ANNOTATION_HOOK);
  const add = (t: HookType | DeletionHookType) => {
    if (t === 'PreDelete' || t === 'PostDelete') {
      if (!info.deletionTypes.includes(t)) info.deletionTypes.push(t);
    } else if (!info.types.includes(t)) {
      info.types.push(t);
    }
  };
  if (argo !== undefined) {
    for (const value of splitList(argo)) {
      const t = ARGO_HOOKS[value];
      if (!t) {
        throw new Error(
          `unknown hook type "${value}" in ${ANNOTATION_HOOK} (expected PreSync, Sync, PostSync, SyncFail, Skip, PreDelete or PostDelete)`,
        );
      }
      add(t);
    }
    // `Skip` alone marks a resource to leave out, not a hook.
    info.isHook =
      info.types.some(t => t !== 'Skip') || info.deletionTypes.length > 0;
    return info;
  }
  const helm = annotationOf(obj, ANNOTATION_HELM_HOOK);
  if (helm !== undefined) {
    for (const value of splitList(helm)) {
      const t = HELM_HOOKS[value];
      if (t === 'none') continue;
      if (t) add(t);
      else info.unsupported.push(value);
    }
    info.isHook =
      info.types.length + info.deletionTypes.length + info.unsupported.length >
      0;
  }
  return info;
}

/** The delete policies of a hook; BeforeHookCreation when none is given, as in Argo CD. */
export function hookDeletePolicies(obj: KubeObject): HookDeletePolicy[] {
  const out: HookDeletePolicy[] = [];
  const argo = annotationOf(obj, ANNOTATION_HOOK_DELETE_POLICY);
  for (const value of splitList(argo)) {
    if (
      value !== 'HookSucceeded' &&
      value !== 'HookFailed' &&
      value !== 'BeforeHookCreation'
    ) {
      throw new Error(
        `unknown hook delete policy "${value}" in ${ANNOTATION_HOOK_DELETE_POLICY} (expected HookSucceeded, HookFailed or BeforeHookCreation)`,
      );
    }
    if (!out.includes(value)) out.push(value);
  }
  if (argo === undefined) {
    for (const value of splitList(
      annotationOf(obj, 'helm.sh/hook-delete-policy'),
    )) {
      const policy = HELM_DELETE_POLICIES[value];
      if (policy && !out.includes(policy)) out.push(policy);
    }
  }
  return out.length > 0 ? out : ['BeforeHookCreation'];
}

/** The sync wave of an object; throws when the annotation is not an integer. */
export function syncWaveOf(obj: KubeObject): number {
  const wave = annotationOf(obj, ANNOTATION_SYNC_WAVE);
  if (wave !== undefined && wave !== '') {
    if (!/^[+-]?\d+$/.test(wave)) {
      throw new Error(
        `${ANNOTATION_SYNC_WAVE} must be an integer, got "${wave}"`,
      );
    }
    return Number(wave);
  }
  const weight = annotationOf(obj, 'helm.sh/hook-weight');
  if (weight !== undefined && /^[+-]?\d+$/.test(weight)) {
    return Number(weight);
  }
  return 0;
}

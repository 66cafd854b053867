/**
 * The pure engine of the GitOps suite: plain data in, plain data out. Health assessment,
 * diffing, sync planning, tracking ids, AppProject checks, resource trees, label selectors,
 * durations and Application helpers, reproducing Argo CD's documented semantics.
 */
export * from './health';
export * from './diff';
export * from './sync';
export * from './tracking';
export * from './project';
export * from './tree';
export * from './selectors';
export * from './application';
export * from './duration';

/**
 * Git access for the sync engine: a cache of bare clones and read-only commit trees,
 * revision resolution and repository URL helpers.
 */
export { GitRepositoryCache } from './GitRepositoryCache';
export type {
  GitRepositoryCacheOptions,
  GitLogger,
  ResolvedRevision,
  RemoteRef,
  RemoteRefs,
  CommitInfo,
  Checkout,
} from './GitRepositoryCache';
export { GitError } from './errors';
export type { GitErrorReason } from './errors';
export type { GitCredential } from './credentials';
export { findCredential, scrubSecrets } from './credentials';
export {
  normalizeRepoURL,
  parseRepoURL,
  redactRepoURL,
  sameRepository,
  InvalidRepoURLError,
} from './repoUrl';
export type { ParsedRepoURL, RepoURLScheme } from './repoUrl';

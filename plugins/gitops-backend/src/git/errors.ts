/**
 * The error the git cache throws. `reason` lets the controller choose a condition or a
 * retry policy; the message is already free of credentials and meant for users.
 */
export type GitErrorReason =
  | 'InvalidURL'
  | 'RepositoryNotFound'
  | 'AuthenticationFailed'
  | 'RevisionNotFound'
  | 'Timeout'
  | 'Failed';

export class GitError extends Error {
  readonly reason: GitErrorReason;

  constructor(reason: GitErrorReason, message: string) {
    super(message);
    this.name = 'GitError';
    this.reason = reason;
  }
}

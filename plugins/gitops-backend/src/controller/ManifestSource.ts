/**
 * Git → desired manifests for an Application: resolves each source's target revision to a
 * commit (one `git ls-remote` shared by every Application of a repository within a short
 * window, so a thousand Applications of one repository cost one request), checks the
 * commit out and renders it. Rendering is cached per commit by the renderer; what was
 * rendered is recorded in the database.
 */
import type { LoggerService } from '@backstage/backend-plugin-api';
import type { ApplicationSource, KubeObject } from '@gitops-suite/plugin-gitops-common';
import type { GitopsStore } from '../database/GitopsStore';
import { normalizeRepoURL, type CommitInfo, type GitRepositoryCache } from '../git';
import type { ManifestRenderer, SourceType } from '../render';

export interface RenderedSources {
  /** Commit of each rendered source, in order. */
  revisions: string[];
  objects: readonly KubeObject[];
  sourceType: SourceType;
  warnings: string[];
}

interface Resolution {
  sha: string;
  /** When the request that produced (or will produce) `sha` was sent. */
  askedAt: number;
  pending?: Promise<string>;
}

export interface ResolveOptions {
  /** How old a cached answer may be. */
  maxAgeMs: number;
  /**
   * Only answers asked for at or after this time count (a refresh or a push seen at that
   * time): Applications refreshed together share one request sent after all of them asked.
   */
  notBefore?: number;
}

export class ManifestSource {
  private readonly resolutions = new Map<string, Resolution>();

  constructor(
    private readonly git: GitRepositoryCache,
    private readonly renderer: ManifestRenderer,
    private readonly store: GitopsStore | undefined,
    private readonly logger: LoggerService,
  ) {}

  /** The commit a source's targetRevision points to now (`git ls-remote`, shared). */
  async resolve(source: ApplicationSource, options: ResolveOptions): Promise<string> {
    const key = `${normalizeRepoURL(source.repoURL)}#${source.targetRevision ?? 'HEAD'}`;
    const cached = this.resolutions.get(key);
    const now = Date.now();
    const fresh = (r: Resolution) => r.askedAt >= (options.notBefore ?? 0);
    if (cached?.pending && fresh(cached)) return cached.pending;
    if (cached && !cached.pending && cached.sha && fresh(cached) && now - cached.askedAt <= options.maxAgeMs) {
      return cached.sha;
    }
    const entry: Resolution = { sha: cached?.sha ?? '', askedAt: now };
    entry.pending = this.git
      .resolveRevision(source.repoURL, source.targetRevision)
      .then(resolved => {
        if (this.resolutions.get(key) === entry) this.resolutions.set(key, { sha: resolved.sha, askedAt: entry.askedAt });
        return resolved.sha;
      })
      .catch(error => {
        if (this.resolutions.get(key) === entry) {
          if (cached && !cached.pending) this.resolutions.set(key, cached);
          else this.resolutions.delete(key);
        }
        throw error;
      });
    this.resolutions.set(key, entry);
    return entry.pending;
  }

  /** Forgets resolutions of a repository (a push was announced by a webhook). */
  invalidate(repoURL: string): void {
    const prefix = `${normalizeRepoURL(repoURL)}#`;
    for (const key of this.resolutions.keys()) {
      if (key.startsWith(prefix)) this.resolutions.delete(key);
    }
  }

  /** Renders the sources at the given commits (one per source). */
  async render(
    appName: string,
    sources: ApplicationSource[],
    revisions: string[],
    destinationNamespace: string,
  ): Promise<RenderedSources> {
    const objects: KubeObject[] = [];
    const warnings: string[] = [];
    let sourceType: SourceType = 'Directory';
    for (let i = 0; i < sources.length; i++) {
      const source = sources[i];
      const sha = revisions[i];
      const started = Date.now();
      const result = await this.git.withCheckout(source.repoURL, sha, ({ dir }) =>
        this.renderer.render({ repoDir: dir, commitSha: sha, source, appName, destinationNamespace }),
      );
      if (i === 0) sourceType = result.sourceType;
      objects.push(...result.objects);
      warnings.push(...result.warnings);
      const elapsed = Date.now() - started;
      // Only real renders take measurable time; cache hits are not worth a database write.
      if (elapsed > 20 && this.store) {
        this.store
          .recordRender({
            key: `${normalizeRepoURL(source.repoURL)}@${sha}:${source.path ?? ''}`,
            repoURL: source.repoURL,
            revision: sha,
            path: source.path ?? '',
            sourceType: result.sourceType,
            objectCount: result.objects.length,
            durationMs: elapsed,
          })
          .catch(error => this.logger.warn(`could not record render: ${error}`));
      }
    }
    return { revisions, objects, sourceType, warnings };
  }

  commitInfo(repoURL: string, sha: string): Promise<CommitInfo> {
    return this.git.commitInfo(repoURL, sha);
  }
}

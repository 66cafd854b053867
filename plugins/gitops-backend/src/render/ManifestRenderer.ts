/**
 * Manifest rendering for the sync engine, as Argo CD's repo-server does it: detect the
 * source type of `source.path` in a checked-out commit, render it (plain files,
 * `kustomize build`, `helm template`), and cache the result per commit and options so
 * an unchanged commit is rendered once. Everything stays inside the repository: paths,
 * symlinks, value files and kustomize references are checked before any tool runs.
 */
import { promises as fs, accessSync, constants as fsConstants } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { LoggerService } from '@backstage/backend-plugin-api';
import type {
  ApplicationSource,
  KubeObject,
} from '@gitops-suite/plugin-gitops-common';
import { makeTreeWritable, removeTree } from '../git/fsTree';
import { formatDuration, runProcess, splitCommand, type RunProcessResult } from '../git/runProcess';
import { renderDirectory } from './directory';
import { RenderError } from './errors';
import {
  buildHelmTemplateArgs,
  inlineHelmValues,
  resolveHelmFiles,
} from './helm';
import {
  applyKustomizeOptions,
  assertKustomizeReferencesInside,
  findKustomizationFile,
  hasKustomizeEdits,
  hideHostPaths,
  kustomizeBuildCommand,
  kustomizeErrorMessage,
  kustomizeWarnings,
} from './kustomize';
import { parseRenderedOutput } from './parseManifests';
import {
  assertNoEscapingSymlinks,
  compareStrings,
  resolveAppPath,
  ResolvedAppPath,
} from './repoPaths';
import { detectSourceType, SourceType } from './sourceType';

/** The logger methods the renderer uses (Backstage's LoggerService satisfies it). */
export type RenderLogger = Pick<
  LoggerService,
  'info' | 'warn' | 'error' | 'debug'
>;

export interface ManifestRendererOptions {
  logger: RenderLogger;
  /**
   * Command that builds a kustomization; the directory is appended (`kustomize` alone
   * gets `build`). Default: `kustomize` when on PATH, else `kubectl kustomize`.
   */
  kustomizeCommand?: string;
  /** The helm program; Helm charts fail with a clear error while it is not set. */
  helmCommand?: string;
  cache?: { maxEntries?: number };
  /** Limit for one kustomize/helm run; default 90 s (Argo CD's default). */
  timeoutMs?: number;
  /** Where temporary copies for kustomize options go; default the OS temp dir. */
  tmpDir?: string;
}

export interface RenderRequest {
  /** The checked-out commit (GitRepositoryCache.checkout). Never modified. */
  repoDir: string;
  commitSha: string;
  source: ApplicationSource;
  appName: string;
  destinationNamespace: string;
  kubeVersion?: string;
  apiVersions?: string[];
}

/** A render result. Deeply frozen and shared: clone objects before changing them. */
export interface RenderResult {
  readonly objects: readonly KubeObject[];
  readonly sourceType: SourceType;
  readonly warnings: readonly string[];
}

export interface RenderStats {
  /** Requests answered from the cache (or by joining a render already running). */
  hits: number;
  /** Requests that had to render. */
  misses: number;
  /** Renders actually run (successful or not). */
  renders: number;
  /** Renders that failed. */
  failures: number;
  /** Results held in the cache. */
  entries: number;
}

const MAX_OUTPUT_BYTES = 128 * 1024 * 1024;

function onPath(program: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    try {
      accessSync(path.join(dir, program), fsConstants.X_OK);
      return true;
    } catch {
      // keep looking
    }
  }
  return false;
}

/** JSON with sorted keys and without undefined values: equal options, equal text. */
function stableStringify(value: unknown): string {
  if (Array.isArray(value))
    return `[${value.map(v => stableStringify(v ?? null)).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => compareStrings(a, b));
    return `{${entries
      .map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as object)) deepFreeze(v);
  }
  return value;
}

export class ManifestRenderer {
  private readonly logger: RenderLogger;
  private readonly kustomizeCommand: string;
  private readonly helmCommand?: string;
  private readonly timeoutMs: number;
  private readonly tmpDir: string;
  private readonly cache: LRUCache<string, RenderResult>;
  private readonly inflight = new Map<string, Promise<RenderResult>>();
  private readonly counters = { hits: 0, misses: 0, renders: 0, failures: 0 };

  constructor(options: ManifestRendererOptions) {
    this.logger = options.logger;
    this.kustomizeCommand =
      options.kustomizeCommand?.trim() ||
      (onPath('kustomize') ? 'kustomize' : 'kubectl kustomize');
    this.helmCommand = options.helmCommand?.trim() || undefined;
    this.timeoutMs = options.timeoutMs ?? 90_000;
    this.tmpDir = options.tmpDir ?? os.tmpdir();
    this.cache = new LRUCache({
      max: Math.max(1, options.cache?.maxEntries ?? 500),
    });
  }

  /** Cache counters, for tests and metrics. */
  stats(): RenderStats {
    return { ...this.counters, entries: this.cache.size };
  }

  /** The cache key of a request: commit, path, tool options, namespace, app name, versions. */
  static cacheKey(req: RenderRequest): string {
    const s = req.source;
    return createHash('sha256')
      .update(
        stableStringify({
          commit: req.commitSha,
          path: path.posix.normalize((s.path ?? '').trim() || '.'),
          chart: s.chart,
          directory: s.directory,
          kustomize: s.kustomize,
          helm: s.helm,
          plugin: s.plugin,
          namespace: req.destinationNamespace,
          appName: req.appName,
          kubeVersion: req.kubeVersion,
          apiVersions: req.apiVersions,
        }),
      )
      .digest('hex');
  }

  /** Renders a source (or returns the cached result). Throws RenderError on failure. */
  /** Turns a failed kustomize or helm run into a RenderError that says what to fix. */
  private checkToolResult(
    res: RunProcessResult,
    tool: { what: string; command: string; setting: string; message: () => string },
  ): void {
    if (res.spawnError) {
      throw new RenderError(
        `cannot run "${tool.command}" (${res.spawnError.code ?? res.spawnError.message}); check ${tool.setting}`,
      );
    }
    if (res.timedOut) {
      throw new RenderError(`${tool.what} timed out after ${formatDuration(this.timeoutMs)}`);
    }
    if (res.outputTooLarge) {
      throw new RenderError(`${tool.what} produced more than ${MAX_OUTPUT_BYTES / 1024 / 1024} MiB`);
    }
    if (res.code !== 0) {
      throw new RenderError(`${tool.what} failed: ${tool.message() || `exit code ${res.code}`}`);
    }
  }

  async render(req: RenderRequest): Promise<RenderResult> {
    const key = ManifestRenderer.cacheKey(req);
    const cached = this.cache.get(key);
    if (cached) {
      this.counters.hits++;
      return cached;
    }
    const running = this.inflight.get(key);
    if (running) {
      this.counters.hits++;
      return running;
    }
    this.counters.misses++;
    const work = this.renderUncached(req).then(result => {
      const frozen = deepFreeze(result);
      this.cache.set(key, frozen);
      return frozen;
    });
    this.inflight.set(key, work);
    try {
      return await work;
    } finally {
      this.inflight.delete(key);
    }
  }

  private async renderUncached(req: RenderRequest): Promise<RenderResult> {
    this.counters.renders++;
    const started = Date.now();
    try {
      const result = await this.renderSource(req);
      this.logger.debug(
        `rendered ${req.appName} (${result.sourceType}, ${
          result.objects.length
        } objects) at ${req.commitSha.slice(0, 7)} in ${
          Date.now() - started
        } ms`,
      );
      return result;
    } catch (e) {
      this.counters.failures++;
      if (e instanceof RenderError) throw e;
      const message = hideHostPaths((e as Error).message ?? String(e), [
        req.repoDir,
        this.tmpDir,
      ]);
      throw new RenderError(
        `failed to render ${(req.source.path ?? '').trim() || '.'}: ${message}`,
      );
    }
  }

  private async renderSource(req: RenderRequest): Promise<RenderResult> {
    const { source } = req;
    if (source.chart) {
      throw new RenderError(
        `source.chart "${source.chart}" is a chart from a Helm repository, which is not supported: point source.path at a chart in a git repository`,
      );
    }
    if (source.plugin) {
      throw new RenderError(
        'config management plugins (source.plugin) are not supported',
      );
    }
    const app = await resolveAppPath(req.repoDir, source.path);
    const sourceType = await detectSourceType(app.dir, source);
    switch (sourceType) {
      case 'Directory': {
        const { objects, warnings } = await renderDirectory({
          realRoot: app.realRoot,
          appDir: app.dir,
          directory: source.directory,
        });
        return { objects, sourceType, warnings };
      }
      case 'Kustomize':
        return { sourceType, ...(await this.renderKustomize(req, app)) };
      case 'Helm':
      default:
        return { sourceType: 'Helm', ...(await this.renderHelm(req, app)) };
    }
  }

  private async renderKustomize(
    req: RenderRequest,
    app: ResolvedAppPath,
  ): Promise<{ objects: KubeObject[]; warnings: string[] }> {
    const opts = req.source.kustomize ?? {};
    if (opts.version) {
      throw new RenderError(
        `kustomize version "${opts.version}" is not configured; remove kustomize.version`,
      );
    }
    // Kustomize may read anywhere in the repository (../base): check all of it.
    await assertNoEscapingSymlinks(app.realRoot, app.realRoot);
    await assertKustomizeReferencesInside(app.realRoot, app.dir);

    if (!hasKustomizeEdits(opts)) {
      return this.kustomizeBuild(app.dir, app.rel, app.realRoot, [
        app.realRoot,
        path.resolve(req.repoDir),
      ]);
    }
    // Options edit the kustomization: do it in a throw-away copy of the whole tree so
    // relative references (../base) still resolve and the checkout stays untouched.
    const tmp = await fs.mkdtemp(path.join(this.tmpDir, 'gitops-kustomize-'));
    const realTmp = await fs.realpath(tmp);
    try {
      const copy = path.join(realTmp, 'repo');
      await fs.cp(app.realRoot, copy, {
        recursive: true,
        verbatimSymlinks: true,
      });
      await makeTreeWritable(copy);
      const dir = path.join(copy, app.rel);
      const name = await findKustomizationFile(dir);
      if (!name) {
        throw new RenderError(
          `${app.rel} has no kustomization file, so kustomize options cannot be applied`,
        );
      }
      const file = path.join(dir, name);
      const shown = app.rel === '.' ? name : `${app.rel}/${name}`;
      const edited = applyKustomizeOptions(
        await fs.readFile(file, 'utf8'),
        opts,
        shown,
      );
      // Replace rather than write through: the file may be a symlink into the original.
      await fs.rm(file, { force: true });
      await fs.writeFile(file, edited);
      return await this.kustomizeBuild(dir, app.rel, copy, [
        copy,
        realTmp,
        tmp,
      ]);
    } finally {
      await removeTree(tmp);
    }
  }

  private async kustomizeBuild(
    dir: string,
    rel: string,
    cwd: string,
    hostRoots: string[],
  ): Promise<{ objects: KubeObject[]; warnings: string[] }> {
    const { program, args } = kustomizeBuildCommand(this.kustomizeCommand, dir);
    const res = await runProcess({
      command: program,
      args,
      cwd,
      timeoutMs: this.timeoutMs,
      maxOutputBytes: MAX_OUTPUT_BYTES,
    });
    const what = `kustomize build ${rel}`;
    this.checkToolResult(res, {
      what,
      command: this.kustomizeCommand,
      setting: 'gitops.render.kustomizeCommand',
      message: () => hideHostPaths(kustomizeErrorMessage(res.stderr), hostRoots),
    });
    const warnings = kustomizeWarnings(res.stderr).map(w =>
      hideHostPaths(w, hostRoots),
    );
    return {
      objects: parseRenderedOutput(res.stdout, `output of ${what}`),
      warnings,
    };
  }

  private async renderHelm(
    req: RenderRequest,
    app: ResolvedAppPath,
  ): Promise<{ objects: KubeObject[]; warnings: string[] }> {
    if (!this.helmCommand) {
      throw new RenderError(
        `Helm chart at ${app.rel} cannot be rendered: no helm binary is configured (set gitops.render.helmCommand)`,
      );
    }
    const helm = req.source.helm;
    await assertNoEscapingSymlinks(app.realRoot, app.realRoot);
    const files = await resolveHelmFiles({
      realRoot: app.realRoot,
      chartDir: app.dir,
      helm,
    });
    const inline = inlineHelmValues(helm);
    const tmp = await fs.mkdtemp(path.join(this.tmpDir, 'gitops-helm-'));
    try {
      let inlineValuesFile: string | undefined;
      if (inline !== undefined) {
        inlineValuesFile = path.join(tmp, 'values.yaml');
        await fs.writeFile(inlineValuesFile, inline, { mode: 0o600 });
      }
      const { program, args: lead } = splitCommand(this.helmCommand);
      const args = buildHelmTemplateArgs({
        releaseName: helm?.releaseName || req.appName,
        chartDir: app.dir,
        namespace: helm?.namespace || req.destinationNamespace,
        valueFiles: files.valueFiles,
        inlineValuesFile,
        parameters: helm?.parameters,
        fileParameters: files.fileParameters,
        includeCrds: !helm?.skipCrds,
        kubeVersion: req.kubeVersion,
        apiVersions: req.apiVersions,
      });
      const res = await runProcess({
        command: program,
        args: [...lead, ...args],
        cwd: app.dir,
        timeoutMs: this.timeoutMs,
        maxOutputBytes: MAX_OUTPUT_BYTES,
      });
      const roots = [app.realRoot, path.resolve(req.repoDir), tmp];
      const what = `helm template ${app.rel}`;
      this.checkToolResult(res, {
        what,
        command: this.helmCommand!,
        setting: 'gitops.render.helmCommand',
        message: () => hideHostPaths(res.stderr.trim().replace(/^Error:\s*/, ''), roots),
      });
      const warnings = res.stderr
        .split('\n')
        .map(l => l.trim())
        .filter(l => /^WARNING:/i.test(l))
        .map(l => hideHostPaths(l, roots));
      return {
        objects: parseRenderedOutput(res.stdout, `output of ${what}`),
        warnings: [...files.warnings, ...warnings],
      };
    } finally {
      await fs.rm(tmp, { recursive: true, force: true });
    }
  }
}

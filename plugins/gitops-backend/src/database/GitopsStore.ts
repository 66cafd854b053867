/**
 * The gitops plugin's database: audit records, operation logs and render cache metadata,
 * on Backstage's DatabaseService (SQLite by default, PostgreSQL by config).
 */
import {
  resolvePackagePath,
  type DatabaseService,
} from '@backstage/backend-plugin-api';
import type { AuditRecord } from '@gitops-suite/plugin-gitops-common';
import type { Knex } from 'knex';

const migrationsDir = resolvePackagePath('@gitops-suite/plugin-gitops-backend', 'migrations');

export interface OperationLogEntry {
  at: string;
  level: 'info' | 'warn' | 'error';
  message: string;
}

export interface RenderRecord {
  key: string;
  repoURL: string;
  revision: string;
  path: string;
  sourceType: string;
  objectCount: number;
  durationMs: number;
}

function iso(value: unknown): string {
  return value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString();
}

export class GitopsStore {
  private constructor(private readonly db: Knex) {}

  static async create(database: DatabaseService): Promise<GitopsStore> {
    const client = await database.getClient();
    if (!database.migrations?.skip) {
      await client.migrate.latest({ directory: migrationsDir });
    }
    return new GitopsStore(client);
  }

  async audit(record: Omit<AuditRecord, 'id' | 'at'>): Promise<void> {
    await this.db('gitops_audit').insert({
      actor: record.actor,
      action: record.action,
      target: record.target,
      result: record.result,
      message: record.message ?? null,
    });
  }

  async listAudit(options: { target?: string; limit?: number } = {}): Promise<AuditRecord[]> {
    const query = this.db('gitops_audit').orderBy('id', 'desc').limit(Math.min(options.limit ?? 50, 500));
    if (options.target) query.where('target', options.target);
    const rows = await query;
    return rows.map(row => ({
      id: Number(row.id),
      at: iso(row.at),
      actor: row.actor,
      action: row.action,
      target: row.target,
      result: row.result,
      message: row.message ?? undefined,
    }));
  }

  async appendOperationLog(application: string, operation: string, entry: Omit<OperationLogEntry, 'at'>): Promise<void> {
    await this.db('gitops_operation_log').insert({
      application,
      operation,
      level: entry.level,
      message: entry.message,
    });
  }

  async operationLog(application: string, operation: string): Promise<OperationLogEntry[]> {
    const rows = await this.db('gitops_operation_log')
      .where({ application, operation })
      .orderBy('id', 'asc')
      .limit(1000);
    return rows.map(row => ({ at: iso(row.at), level: row.level, message: row.message }));
  }

  async recordRender(record: RenderRecord): Promise<void> {
    await this.db('gitops_render_cache')
      .insert({
        key: record.key,
        repo_url: record.repoURL,
        revision: record.revision,
        path: record.path,
        source_type: record.sourceType,
        object_count: record.objectCount,
        duration_ms: record.durationMs,
      })
      .onConflict('key')
      .merge();
  }

  async renderStats(): Promise<{ renders: number; totalMs: number }> {
    const [row] = await this.db('gitops_render_cache').count({ renders: '*' }).sum({ totalMs: 'duration_ms' });
    return { renders: Number(row.renders ?? 0), totalMs: Number(row.totalMs ?? 0) };
  }
}

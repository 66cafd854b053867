/**
 * The gitops plugin's own tables. Applications and their status live in the control
 * cluster, as in Argo CD; the database holds what does not belong in a status: the audit
 * trail, operation logs and render cache metadata. (Leases are the scheduler's.)
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('gitops_audit', table => {
    table.comment('Who did what to which Application or Rollout, and how it ended');
    table.bigIncrements('id').primary();
    table.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.string('actor').notNullable().comment('Entity ref of the caller, or the engine');
    table.string('action').notNullable();
    table.string('target').notNullable();
    table.string('result').notNullable().comment('allowed, denied, failed or succeeded');
    table.text('message');
    table.index(['at'], 'gitops_audit_at_idx');
    table.index(['target'], 'gitops_audit_target_idx');
  });
  await knex.schema.createTable('gitops_operation_log', table => {
    table.comment('Step-by-step log of sync operations');
    table.bigIncrements('id').primary();
    table.string('application').notNullable().comment('namespace/name');
    table.string('operation').notNullable().comment('The operation start time, identifying it');
    table.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.string('level').notNullable();
    table.text('message').notNullable();
    table.index(['application', 'operation'], 'gitops_operation_log_app_idx');
  });
  await knex.schema.createTable('gitops_render_cache', table => {
    table.comment('What was rendered, from which commit, and how long it took');
    table.string('key', 512).primary();
    table.string('repo_url', 1024).notNullable();
    table.string('revision').notNullable();
    table.string('path', 1024).notNullable();
    table.string('source_type').notNullable();
    table.integer('object_count').notNullable();
    table.integer('duration_ms').notNullable();
    table.timestamp('rendered_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('gitops_render_cache');
  await knex.schema.dropTable('gitops_operation_log');
  await knex.schema.dropTable('gitops_audit');
};

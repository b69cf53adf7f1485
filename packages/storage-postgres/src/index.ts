/**
 * PostgreSQL storage driver for leadcall: {@link postgresStorage} implements `StorageV1` on `pg`,
 * with versioned SQL migrations ({@link migrate}, or the `leadcall-postgres migrate` command),
 * single-round-trip atomic commits, `FOR UPDATE SKIP LOCKED` queue claims and indexed record
 * streams.
 *
 * @module
 */

export type { ProcessAnalyticsOptions } from './postgres-analytics.js'
export {
  type ListMigrationsOptions,
  listMigrations,
  type MigrateOptions,
  type MigrateResult,
  type Migration,
  type MigrationInfo,
  migrate,
} from './postgres-migrate.js'
export { type PostgresStorage, type PostgresStorageOptions, postgresStorage } from './postgres-storage.js'

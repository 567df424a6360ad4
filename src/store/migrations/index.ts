import type { Migration } from 'kysely/migration';
import { initialMigration } from './0001-initial.ts';
import { filesMigration } from './0002-files.ts';
import { waitingMessagesMigration } from './0003-waiting-messages.ts';
import { usageCostKnownMigration } from './0004-usage-cost-known.ts';
import { sessionPermissionsMigration } from './0005-session-permissions.ts';
import { bindSentFilesMigration } from './0006-bind-sent-files.ts';
import { keyEveryUserMessageMigration } from './0007-key-every-user-message.ts';

/**
 * Every migration, keyed by a name that sorts in the order they must run. Kysely records the
 * names it has applied, so a name must never change once released.
 */
export const migrations: Record<string, Migration> = {
  '0001_initial': initialMigration,
  '0002_files': filesMigration,
  '0003_waiting_messages': waitingMessagesMigration,
  '0004_usage_cost_known': usageCostKnownMigration,
  '0005_session_permissions': sessionPermissionsMigration,
  '0006_bind_sent_files': bindSentFilesMigration,
  '0007_key_every_user_message': keyEveryUserMessageMigration,
};

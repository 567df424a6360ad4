import type BetterSqlite3 from 'better-sqlite3';
import type { CompiledQuery, Kysely, QueryResult, SqliteDatabase } from 'kysely';

/*
 * Prepared queries on the embedded database run on its connection at once. Through Kysely, each
 * went through its executor, the single connection's mutex and the driver, a chain of promises
 * that cost more than SQLite took to run the statement: in the server a prepared query took
 * 102 µs from call to result, 42 of them in SQLite.
 *
 * SQLite runs a statement synchronously, so one statement needs no lock of its own. What must not
 * happen is a statement joining another caller's transaction between two of its awaits. Kysely
 * holds the connection's mutex for a whole transaction, from before its BEGIN to after its COMMIT,
 * so the connection is in a transaction (`inTransaction`) only while one runs, and only that
 * transaction's own queries (on its `Transaction` object) may then use it:
 * - a query on the database itself runs directly only while no transaction is open; otherwise it
 *   takes Kysely's path, and waits for the transaction to end as before;
 * - a query on a transaction runs directly while its transaction is open (it holds the mutex).
 * A query made while no transaction is open runs to its end before anything else can start one.
 */

interface DirectConnection {
  connection: BetterSqlite3.Database;
  statements: SqliteDatabase;
  open: boolean;
}

const connections = new WeakMap<object, DirectConnection>();

/** Lets prepared queries on `database` and its transactions run directly (see above). */
export function runStatementsDirectly(options: {
  database: Kysely<unknown>;
  connection: BetterSqlite3.Database;
  statements: SqliteDatabase;
}): { close(): void } {
  const direct = { connection: options.connection, statements: options.statements, open: true };
  // Kept by the dialect adapter, which the database shares with its transactions.
  connections.set(options.database.getExecutor().adapter, direct);
  return {
    close: () => {
      direct.open = false;
    },
  };
}

/**
 * The query's result, run now on the connection, as Kysely's SQLite driver returns it; null when
 * it must go through Kysely (another database, another caller's transaction open, the database
 * closed).
 */
export function runDirectly<Row>(
  database: Kysely<unknown>,
  query: CompiledQuery<Row>,
): QueryResult<Row> | null {
  const direct = connections.get(database.getExecutor().adapter);
  if (!direct?.open || direct.connection.inTransaction !== database.isTransaction) return null;
  const statement = direct.statements.prepare(query.sql);
  if (statement.reader) return { rows: statement.all(query.parameters) as Row[] };
  const { changes, lastInsertRowid } = statement.run(query.parameters);
  return {
    insertId: lastInsertRowid != null ? BigInt(lastInsertRowid) : undefined,
    numAffectedRows: changes != null ? BigInt(changes) : undefined,
    rows: [],
  };
}

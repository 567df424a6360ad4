import type BetterSqlite3 from 'better-sqlite3';
import type { CompiledQuery, Kysely, QueryResult, SqliteDatabase, Transaction } from 'kysely';

/*
 * Prepared queries on the embedded database run on its connection at once. Through Kysely, each
 * went through its executor, the connection's lock and the driver, a chain of promises that cost
 * more than SQLite took to run the statement: in the server a prepared query took 102 µs from
 * call to result, 42 of them in SQLite.
 *
 * SQLite runs a statement synchronously, so one statement needs no lock of its own. What must not
 * happen is a statement running while someone else holds the connection between two of its
 * steps (a transaction's, a `connection()` scope's with its own settings), or overtaking someone
 * who asked for it first. The driver keeps the lock (`StoreSqliteDriver`), from the tick a query
 * or a transaction asks for the connection until it lets go, so:
 * - a query on the database itself runs directly only while no one holds or waits for the
 *   connection; otherwise it takes Kysely's path, and its place in the queue;
 * - a query on a transaction runs directly only while that transaction's callback runs
 *   (`directTransaction`), when the lock and the open transaction are its own. Transactions
 *   begun any other way, and a transaction object kept past its callback, take Kysely's path.
 */

interface DirectConnection {
  connection: BetterSqlite3.Database;
  statements: SqliteDatabase;
  isIdle: () => boolean;
  open: boolean;
}

const connections = new WeakMap<object, DirectConnection>();
/** Transactions whose callback runs now (`directTransaction`). */
const liveTransactions = new WeakSet<object>();

/** Lets prepared queries on `database` and its transactions run directly (see above). */
export function runStatementsDirectly(options: {
  database: Kysely<unknown>;
  connection: BetterSqlite3.Database;
  statements: SqliteDatabase;
  /** Whether no one holds or waits for the connection. */
  isIdle: () => boolean;
}): { close(): void } {
  const { connection, statements, isIdle } = options;
  const direct: DirectConnection = { connection, statements, isIdle, open: true };
  // Kept by the dialect adapter, which the database shares with its transactions.
  connections.set(options.database.getExecutor().adapter, direct);
  return {
    close: () => {
      direct.open = false;
    },
  };
}

/**
 * `database.transaction().execute(callback)`, whose prepared queries may run directly. The
 * callback awaits each query before the next, as the store's do: a prepared query issued while
 * an earlier Kysely query of the same transaction still waits would run first.
 */
export function directTransaction<DB, Result>(
  database: Kysely<DB>,
  callback: (transaction: Transaction<DB>) => Promise<Result>,
): Promise<Result> {
  return database.transaction().execute(async (transaction) => {
    liveTransactions.add(transaction);
    try {
      return await callback(transaction);
    } finally {
      liveTransactions.delete(transaction);
    }
  });
}

/**
 * The query's result, run now on the connection, as Kysely's SQLite driver returns it; null when
 * it must go through Kysely (another database, the connection held or asked for by someone else,
 * a transaction not begun by `directTransaction` or past its callback, the database closed).
 */
export function runDirectly<Row>(
  database: Kysely<unknown>,
  query: CompiledQuery<Row>,
): QueryResult<Row> | null {
  const direct = connections.get(database.getExecutor().adapter);
  if (!direct?.open) return null;
  const mayRun = database.isTransaction
    ? liveTransactions.has(database) && direct.connection.inTransaction
    : direct.isIdle() && !direct.connection.inTransaction;
  if (!mayRun) return null;
  const statement = direct.statements.prepare(query.sql);
  if (statement.reader) return { rows: statement.all(query.parameters) as Row[] };
  const { changes, lastInsertRowid } = statement.run(query.parameters);
  return {
    insertId: lastInsertRowid != null ? BigInt(lastInsertRowid) : undefined,
    numAffectedRows: changes != null ? BigInt(changes) : undefined,
    rows: [],
  };
}

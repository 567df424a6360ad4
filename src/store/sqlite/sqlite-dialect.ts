import {
  type DatabaseConnection,
  type DialectAdapter,
  type Driver,
  type QueryCompiler,
  SqliteAdapter,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
  SqliteQueryCompiler,
} from 'kysely';

/**
 * Kysely's SQLite dialect, with every parameter written as `+?` instead of `?`, and with the one
 * connection's lock kept by its own driver (`StoreSqliteDriver`).
 *
 * SQLite may plan a statement around the value bound to a bare parameter. When its planner looks
 * at one (an equality next to an `ORDER BY`, a `LIMIT ?`), it marks the statement to be
 * compiled again whenever that parameter is bound, so every run parses and plans the SQL anew.
 * With the SQLite that better-sqlite3 bundles, that was most of our statements' time: the
 * history select of a short session took 48 µs instead of 13, and an empty select of waiting
 * messages 16 µs instead of 4. A unary plus is no operation on a value: the parameter keeps no
 * affinity, as a bare one has none, so every comparison and every stored value is the same, and
 * indexes are used as before. It only hides the value from the planner, so a prepared statement
 * keeps its plan (`sqlite-dialect.test.ts` checks both). The price: what needs the planner to see
 * a value (a partial index chosen by a parameter, `LIKE` over an index, `ANALYZE`'s samples)
 * cannot use one. The store uses none of these.
 */
export class StoreSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;
  #driver: StoreSqliteDriver | null = null;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  /** The driver made for the database, once Kysely has asked for it. */
  get driver(): StoreSqliteDriver | null {
    return this.#driver;
  }

  override createDriver(): Driver {
    this.#driver = new StoreSqliteDriver(this.#config);
    return this.#driver;
  }

  override createAdapter(): DialectAdapter {
    return new OwnLockAdapter();
  }

  override createQueryCompiler(): QueryCompiler {
    return new PlainParameterCompiler();
  }
}

class PlainParameterCompiler extends SqliteQueryCompiler {
  protected override getCurrentParameterPlaceholder(): string {
    return '+?';
  }
}

/**
 * Kysely locks a one-connection dialect's connection around each query and each transaction, in
 * its runtime driver. That lock cannot be read, and the store must know whether anyone holds or
 * waits for the connection before it runs a statement on it directly (`direct-statements.ts`).
 * So this adapter tells Kysely not to lock, and `StoreSqliteDriver` locks instead.
 */
class OwnLockAdapter extends SqliteAdapter {
  override get supportsMultipleConnections(): boolean {
    return true;
  }
}

/**
 * The SQLite driver, with the connection's lock: whoever acquires it (a query, a transaction
 * from before its BEGIN to after its COMMIT, a `connection()` scope) holds it until it releases,
 * and those who come meanwhile get it in the order they came. Once the driver is initialized,
 * acquiring starts in the same tick as the query or transaction that asks, so `idle` is false from
 * that moment on; before that (the first query waits for `init`) it is never idle.
 */
export class StoreSqliteDriver extends SqliteDriver {
  #ready = false;
  #held = false;
  readonly #waiting: (() => void)[] = [];

  /** Initialized, and no one holds the connection or waits for it. */
  get idle(): boolean {
    return this.#ready && !this.#held && this.#waiting.length === 0;
  }

  override async init(options?: Parameters<SqliteDriver['init']>[0]): Promise<void> {
    await super.init(options);
    this.#ready = true;
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    if (this.#held) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    // Taken at once when free; handed over still held, when released to a waiter.
    this.#held = true;
    return super.acquireConnection();
  }

  override async releaseConnection(): Promise<void> {
    try {
      await super.releaseConnection();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#held = false;
    }
  }
}

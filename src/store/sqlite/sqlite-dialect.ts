import { type QueryCompiler, SqliteDialect, SqliteQueryCompiler } from 'kysely';

/**
 * Kysely's SQLite dialect, with every parameter written as `+?` instead of `?`.
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
  override createQueryCompiler(): QueryCompiler {
    return new PlainParameterCompiler();
  }
}

class PlainParameterCompiler extends SqliteQueryCompiler {
  protected override getCurrentParameterPlaceholder(): string {
    return '+?';
  }
}

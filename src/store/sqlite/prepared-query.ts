import {
  type Compilable,
  type CompiledQuery,
  createQueryId,
  type DialectAdapter,
  type Expression,
  type Kysely,
  type OperationNode,
  type QueryResult,
  ValueNode,
} from 'kysely';
import { runDirectly } from './direct-statements.ts';

/**
 * A value given at execution. It compiles to one ordinary parameter, which holds this object
 * itself: it is told apart from real values by identity, so no string or number can pass for it.
 */
class Placeholder<T> implements Expression<T> {
  readonly name: string;

  constructor(name: string) {
    this.name = name;
  }

  get expressionType(): T | undefined {
    return undefined;
  }

  toOperationNode(): OperationNode {
    return ValueNode.create(this);
  }
}

/** Names a value of `Values` to be given at execution; usable wherever Kysely takes a value. */
export type Param<Values> = <Name extends keyof Values & string>(name: Name) => Expression<Values[Name]>;

interface Template<Row> {
  sql: string;
  query: CompiledQuery<Row>['query'];
  /** The compiled parameters, with `undefined` where a placeholder's value goes. */
  constants: readonly unknown[];
  slots: readonly { index: number; name: string }[];
}

/**
 * A query built and compiled once per dialect, then run with new values. Building and compiling
 * with Kysely costs more than SQLite takes to run most of our queries, and it is the same work on
 * every call. On the embedded database the statement runs on the connection at once when no one
 * else holds or waits for it (`direct-statements.ts`); otherwise execution goes through
 * `executeQuery` of the database or transaction given, as for any other query.
 *
 * Only plain values can be placeholders; a query whose shape depends on its input (an `in` list,
 * an optional clause) is built per call, or prepared once per shape. The compiled form is kept per
 * dialect adapter, which a database shares with its transactions; it assumes the same plugins.
 */
export class PreparedQuery<DB, Values, Row> {
  readonly #build: (database: Kysely<DB>, param: Param<Values>) => Compilable<Row>;
  readonly #templates = new WeakMap<DialectAdapter, Template<Row>>();

  constructor(build: (database: Kysely<DB>, param: Param<Values>) => Compilable<Row>) {
    this.#build = build;
  }

  async execute(database: Kysely<DB>, values: Values): Promise<QueryResult<Row>> {
    const query = this.compile(database, values);
    return runDirectly(database as Kysely<unknown>, query) ?? (await database.executeQuery(query));
  }

  /** The query with `values` in place; throws if a placeholder's value is missing (undefined). */
  compile(database: Kysely<DB>, values: Values): CompiledQuery<Row> {
    const template = this.#templateFor(database);
    const parameters = template.constants.slice();
    for (const { index, name } of template.slots) {
      const value = values[name as keyof Values];
      if (value === undefined) throw new Error(`Prepared query: no value for placeholder "${name}".`);
      parameters[index] = value;
    }
    return { sql: template.sql, query: template.query, queryId: createQueryId(), parameters };
  }

  #templateFor(database: Kysely<DB>): Template<Row> {
    const adapter = database.getExecutor().adapter;
    let template = this.#templates.get(adapter);
    if (!template) {
      template = this.#prepare(database);
      this.#templates.set(adapter, template);
    }
    return template;
  }

  #prepare(database: Kysely<DB>): Template<Row> {
    const placeholders = new Map<string, Placeholder<unknown>>();
    const param = (name: string) => {
      let placeholder = placeholders.get(name);
      if (!placeholder) {
        placeholder = new Placeholder(name);
        placeholders.set(name, placeholder);
      }
      return placeholder;
    };
    const compiled = this.#build(database, param as Param<Values>).compile();
    const constants = [...compiled.parameters];
    const slots: { index: number; name: string }[] = [];
    compiled.parameters.forEach((value, index) => {
      if (!(value instanceof Placeholder)) return;
      if (placeholders.get(value.name) !== value) throw new Error('Prepared query: a foreign placeholder.');
      slots.push({ index, name: value.name });
      constants[index] = undefined;
    });
    for (const name of placeholders.keys()) {
      if (!slots.some((slot) => slot.name === name)) {
        throw new Error(`Prepared query: placeholder "${name}" did not compile to a parameter.`);
      }
    }
    return { sql: compiled.sql, query: compiled.query, constants, slots };
  }
}

export function prepareQuery<DB, Values, Row>(
  build: (database: Kysely<DB>, param: Param<Values>) => Compilable<Row>,
): PreparedQuery<DB, Values, Row> {
  return new PreparedQuery(build);
}

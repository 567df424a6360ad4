/*
 * A model request's JSON text. Most of it is the tools: their names, descriptions and JSON schemas
 * came to about 8 of a 9 KB request, and serializing it took 50–60 µs of every model call in the
 * server. The tools are the same call after call, so each tool's entry is made once, as one
 * frozen object per tool schema, wire format and name, and serialized once.
 *
 * A schema is taken to stay as it was when its entry was first made: the runtime makes each
 * tool's schema once, for the life of the process (`inputJsonSchema`), and nothing changes it.
 */

/** Entries by their tool's JSON schema object, then by format and name. */
const entriesBySchema = new WeakMap<object, Map<string, CachedEntry>>();
/** Every entry `toolEntry` made, with its text once serialized (null until then). */
const entryTexts = new WeakMap<object, string | null>();

interface CachedEntry {
  description: string | undefined;
  entry: object;
}

/**
 * The tool's entry in one wire format (`format` names it), the same object while the tool's
 * schema, name and description stay the same; `make` builds it the first time.
 */
export function toolEntry(options: {
  format: string;
  name: string;
  description: string | undefined;
  schema: unknown;
  make: () => object;
}): object {
  const { name, description, schema } = options;
  if (typeof schema !== 'object' || schema === null) return options.make();
  let entries = entriesBySchema.get(schema);
  if (!entries) {
    entries = new Map();
    entriesBySchema.set(schema, entries);
  }
  const key = `${options.format}\n${name}`;
  const cached = entries.get(key);
  if (cached && cached.description === description) return cached.entry;
  const entry = frozenAround(options.make(), schema);
  entries.set(key, { description, entry });
  entryTexts.set(entry, null);
  return entry;
}

/** `JSON.stringify(body)`, with each `toolEntry` entry of its `tools` serialized once. */
export function requestText(body: unknown): string {
  const tools = (body as { tools?: unknown } | null)?.tools;
  if (!Array.isArray(tools) || !isEntryList(tools)) return JSON.stringify(body);
  const { tools: _tools, ...rest } = body as Record<string, unknown>;
  let toolsText = '';
  for (let index = 0; index < tools.length; index++) {
    const tool = tools[index] as object;
    let text = entryTexts.get(tool);
    if (text == null) {
      text = JSON.stringify(tool);
      entryTexts.set(tool, text);
    }
    toolsText += index === 0 ? text : `,${text}`;
  }
  const restText = JSON.stringify(rest);
  const separator = restText === '{}' ? '' : ',';
  return `${restText.slice(0, -1)}${separator}"tools":[${toolsText}]}`;
}

/** Whether every element (holes count as elements) is an entry `toolEntry` made. */
function isEntryList(tools: unknown[]): boolean {
  for (let index = 0; index < tools.length; index++) {
    const tool = tools[index];
    if (typeof tool !== 'object' || tool === null || !entryTexts.has(tool)) return false;
  }
  return true;
}

/**
 * Freezes the entry and the objects it made around the schema (OpenAI's `function`), so a cached
 * text cannot go stale through them. The schema itself is the runtime's (see above).
 */
function frozenAround<T extends object>(value: T, schema: object): T {
  for (const field of Object.values(value)) {
    if (typeof field === 'object' && field !== null && field !== schema) frozenAround(field, schema);
  }
  return Object.freeze(value);
}

/*
 * A model request's JSON text. Most of it is the tools: their names, descriptions and JSON schemas
 * came to about 8 of a 9 KB request, and serializing it took 50–60 µs of every model call in the
 * server. The tools are the same call after call, so each tool's entry is made once, as one
 * frozen object per tool definition and wire format, and serialized once.
 */

/** Entries by their tool's JSON schema object, which is made once per tool definition. */
const entriesBySchema = new WeakMap<object, Map<string, CachedEntry>>();
const entryTexts = new WeakMap<object, string>();

interface CachedEntry {
  name: string;
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
  const { format, name, description, schema } = options;
  if (typeof schema !== 'object' || schema === null) return options.make();
  let byFormat = entriesBySchema.get(schema);
  if (!byFormat) {
    byFormat = new Map();
    entriesBySchema.set(schema, byFormat);
  }
  const cached = byFormat.get(format);
  if (cached && cached.name === name && cached.description === description) return cached.entry;
  const entry = frozenAround(options.make(), schema);
  byFormat.set(format, { name, description, entry });
  return entry;
}

/** `JSON.stringify(body)`, with each entry of its `tools` serialized once per entry object. */
export function requestText(body: unknown): string {
  const tools = (body as { tools?: unknown } | null)?.tools;
  if (!Array.isArray(tools) || !tools.every(isFrozenObject)) return JSON.stringify(body);
  const { tools: _tools, ...rest } = body as Record<string, unknown>;
  let toolsText = '';
  for (const tool of tools) {
    let text = entryTexts.get(tool);
    if (text === undefined) {
      text = JSON.stringify(tool);
      entryTexts.set(tool, text);
    }
    toolsText += toolsText === '' ? text : `,${text}`;
  }
  const restText = JSON.stringify(rest);
  const separator = restText === '{}' ? '' : ',';
  return `${restText.slice(0, -1)}${separator}"tools":[${toolsText}]}`;
}

/** Only entries made by `toolEntry` (frozen) are cached; any other body is serialized whole. */
function isFrozenObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && Object.isFrozen(value);
}

/**
 * Freezes the entry and the objects it made around the schema (OpenAI's `function`), so a cached
 * text cannot go stale. The schema itself is the runtime's, made once per tool and never changed.
 */
function frozenAround<T extends object>(value: T, schema: object): T {
  for (const field of Object.values(value)) {
    if (typeof field === 'object' && field !== null && field !== schema) frozenAround(field, schema);
  }
  return Object.freeze(value);
}

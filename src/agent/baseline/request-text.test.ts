import { describe, expect, test } from 'vitest';
import { anthropicRequestBody } from './anthropic-request.ts';
import { openAIChatRequestBody } from './openai-request.ts';
import { requestText, toolEntry } from './request-text.ts';

const schema = { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] };
const call = {
  prompt: [
    { role: 'system' as const, content: 'Be brief.' },
    { role: 'user' as const, content: [{ type: 'text' as const, text: 'Read "a.txt" \u2028 please' }] },
  ],
  tools: [
    { type: 'function' as const, name: 'read_file', description: 'Reads a file.', inputSchema: schema },
    { type: 'function' as const, name: 'glob', description: 'Finds files.', inputSchema: { type: 'object' } },
  ],
  toolChoice: { type: 'auto' as const },
  maxOutputTokens: 1024,
};

describe('requestText', () => {
  test('is the body’s JSON, for both wire formats, call after call', () => {
    for (let round = 0; round < 2; round++) {
      const anthropic = anthropicRequestBody({ model: 'claude-x', call: call as never });
      expect(JSON.parse(requestText(anthropic))).toEqual(JSON.parse(JSON.stringify(anthropic)));
      const openAi = openAIChatRequestBody({ model: 'gpt-x', call: call as never });
      expect(JSON.parse(requestText(openAi))).toEqual(JSON.parse(JSON.stringify(openAi)));
    }
  });

  test('serializes a body without cached entries whole', () => {
    const body = { model: 'm', tools: [{ name: 'a', input_schema: {} }], stream: true };
    expect(requestText(body)).toBe(JSON.stringify(body));
    // Frozen is not enough: only what toolEntry made is cached.
    const frozen = { model: 'm', tools: [Object.freeze({ name: 'a', input_schema: { type: 'object' } })] };
    expect(requestText(frozen)).toBe(JSON.stringify(frozen));
    frozen.tools[0]!.input_schema.type = 'string';
    expect(requestText(frozen)).toBe(JSON.stringify(frozen));
    const entry = toolEntry({
      format: 'test',
      name: 'h',
      description: 'H',
      schema,
      make: () => ({ name: 'h' }),
    });
    // biome-ignore lint/suspicious/noSparseArray: a hole is what is tested
    const sparse = { tools: [entry, , entry] };
    expect(requestText(sparse)).toBe(JSON.stringify(sparse));
    expect(requestText({ tools: [] })).toBe('{"tools":[]}');
    expect(requestText({ model: 'm' })).toBe('{"model":"m"}');
  });

  test('a body of nothing but cached tools is still one JSON object', () => {
    const entry = toolEntry({
      format: 'test',
      name: 'a',
      description: 'A',
      schema,
      make: () => ({ name: 'a' }),
    });
    expect(JSON.parse(requestText({ tools: [entry, entry] }))).toEqual({
      tools: [{ name: 'a' }, { name: 'a' }],
    });
  });
});

describe('toolEntry', () => {
  const make = (description: string) => () => ({ name: 'read_file', description, input_schema: schema });

  test('gives the same frozen entry while the schema, name and description stay the same', () => {
    const first = toolEntry({
      format: 'a',
      name: 'read_file',
      description: 'Reads.',
      schema,
      make: make('Reads.'),
    });
    const again = toolEntry({
      format: 'a',
      name: 'read_file',
      description: 'Reads.',
      schema,
      make: make('Reads.'),
    });
    expect(again).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    // The runtime's schema object is left as it is.
    expect(Object.isFrozen(schema)).toBe(false);
    expect(() => {
      (first as { description: string }).description = 'changed';
    }).toThrow(TypeError);
  });

  test('makes a new entry when the description or the name changes, or for another format', () => {
    const first = toolEntry({
      format: 'b',
      name: 'read_file',
      description: 'Reads.',
      schema,
      make: make('Reads.'),
    });
    const described = toolEntry({
      format: 'b',
      name: 'read_file',
      description: 'New.',
      schema,
      make: make('New.'),
    });
    expect(described).not.toBe(first);
    expect(requestText({ tools: [described] })).toContain('"New."');
    const renamed = toolEntry({ format: 'b', name: 'cat', description: 'New.', schema, make: make('New.') });
    expect(renamed).not.toBe(described);
    const other = toolEntry({ format: 'c', name: 'cat', description: 'New.', schema, make: make('New.') });
    expect(other).not.toBe(renamed);
  });

  test('keeps one entry per name for tools that share a schema object', () => {
    const shared = { type: 'object' };
    const entryOf = (name: string) =>
      toolEntry({
        format: 'a',
        name,
        description: 'D',
        schema: shared,
        make: () => ({ name, input_schema: shared }),
      });
    const first = entryOf('one');
    const second = entryOf('two');
    expect(entryOf('one')).toBe(first);
    expect(entryOf('two')).toBe(second);
  });

  test('makes a fresh, uncached entry for a tool without a schema object', () => {
    const entry = toolEntry({
      format: 'a',
      name: 'x',
      description: undefined,
      schema: undefined,
      make: () => ({ name: 'x' }),
    });
    expect(Object.isFrozen(entry)).toBe(false);
  });
});

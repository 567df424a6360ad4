import { mkdir, mkdtemp, readdir, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { z } from 'zod';
import { readDiskRoom } from '../util/disk-floor.ts';
import { createLogger } from '../util/logger.ts';
import { createDefaultTools } from './default-tools.ts';
import { type AnyToolDefinition, defineTool } from './tool.ts';
import { ToolExecutor } from './tool-executor.ts';
import { maxModelTextChars, maxShownOutputChars, truncateMiddle } from './tool-output-limits.ts';

let base: string;
let workspaceDir: string;

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'autopilot-limits-'));
  workspaceDir = join(base, 'workspace');
  await mkdir(workspaceDir);
});

afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

function createExecutor(extraTools: AnyToolDefinition[] = [], minFreeDiskBytes?: number): ToolExecutor {
  return new ToolExecutor({
    tools: [...createDefaultTools(), ...extraTools],
    context: {
      sessionId: 'session-1',
      turnId: 'turn-1',
      workspaceDir,
      signal: new AbortController().signal,
      logger: createLogger({ level: 'silent' }),
      minFreeDiskBytes,
    },
  });
}

/** Returns whatever text it is given, so a test controls the output exactly. */
const echoTool = defineTool({
  name: 'echo',
  description: 'Returns its text.',
  inputSchema: z.object({ text: z.string() }),
  async execute(input) {
    return { output: input.text };
  },
});

/** 3,000 numbered lines of 100 characters each (newline included): 300,000 characters. */
const bigText = `${Array.from({ length: 3000 }, (_, index) => `line ${index + 1} `.padEnd(99, 'x')).join('\n')}\n`;

function savedPathIn(modelText: string): string {
  const match = /saved in the workspace at "([^"]+)"/.exec(modelText);
  if (!match) throw new Error(`no saved path in: ${modelText.slice(0, 300)}`);
  return match[1]!;
}

describe('tool output caps', () => {
  test('a 300,000-character output: capped for the stream, a preview for the model, the whole in a file', async () => {
    expect(bigText).toHaveLength(300_000);
    const outcome = await createExecutor([echoTool]).execute({
      toolCallId: 'call_big',
      toolName: 'echo',
      input: { text: bigText },
    });

    expect(outcome.isError).toBe(false);
    expect(typeof outcome.output).toBe('string');
    const shown = outcome.output as string;
    expect(shown.length).toBeLessThanOrEqual(maxShownOutputChars);
    expect(shown.length).toBeGreaterThan(maxShownOutputChars - 200);
    expect(shown).toMatch(
      /\[… 2\d\d,\d{3} of 300,000 characters cut from the middle; .*tool-outputs\/call_big\.txt …\]/,
    );
    expect(shown.startsWith('line 1 xxx')).toBe(true);
    expect(shown.endsWith(`${bigText.slice(-1000)}`)).toBe(true);

    expect(outcome.modelText.length).toBeLessThanOrEqual(maxModelTextChars);
    expect(outcome.modelText.length).toBeGreaterThan(maxModelTextChars - 200);
    const path = savedPathIn(outcome.modelText);
    expect(path).toBe('.autopilot/tool-outputs/call_big.txt');
    expect(outcome.modelText).toContain('300,000 characters in 3,000 lines');
    expect(outcome.modelText).toContain('read_file');
    expect(outcome.modelText).toContain(`{"path":"${path}","offset":1,"limit":400}`);
    expect(outcome.modelText).toContain('line 1 xxx');
    expect(outcome.modelText).toContain('line 3000 xxx');
    expect(outcome.modelText).not.toContain('line 1500 xxx');

    expect(await readFile(join(workspaceDir, path), 'utf8')).toBe(bigText);
  });

  test('the saved file can be read back in pieces with read_file, as the model is told', async () => {
    const executor = createExecutor([echoTool]);
    const outcome = await executor.execute({ toolCallId: 'c1', toolName: 'echo', input: { text: bigText } });
    const path = savedPathIn(outcome.modelText);

    const piece = await executor.execute({
      toolCallId: 'c2',
      toolName: 'read_file',
      input: { path, offset: 1501, limit: 400 },
    });

    expect(piece.isError).toBe(false);
    expect(piece.modelText.length).toBeLessThanOrEqual(maxModelTextChars);
    expect(piece.output).toMatchObject({ startLine: 1501, endLine: 1900, totalLines: 3000 });
    expect((piece.output as { content: string }).content.startsWith('line 1501 ')).toBe(true);
  });

  test('a large non-string output is cut as JSON text and stays a string; its file holds the whole JSON', async () => {
    const files = Array.from({ length: 3000 }, (_, index) => ({
      path: `folder/file-${index}.txt`,
      size: index,
    }));
    const lister = defineTool({
      name: 'lister',
      description: 'Returns a large object.',
      inputSchema: z.object({}),
      async execute() {
        return { output: { files } };
      },
    });

    const outcome = await createExecutor([lister]).execute({
      toolCallId: 'list-1',
      toolName: 'lister',
      input: {},
    });

    expect(JSON.stringify({ files }).length).toBeGreaterThan(maxShownOutputChars);
    expect(typeof outcome.output).toBe('string');
    expect((outcome.output as string).length).toBeLessThanOrEqual(maxShownOutputChars);
    expect(outcome.output as string).toMatch(/^\{"files":\[\{"path":"folder\/file-0\.txt","size":0\}/);
    expect(outcome.modelText.length).toBeLessThanOrEqual(maxModelTextChars);
    const path = savedPathIn(outcome.modelText);
    expect(path).toBe('.autopilot/tool-outputs/list-1.json');
    expect(JSON.parse(await readFile(join(workspaceDir, path), 'utf8'))).toEqual({ files });
  });

  test('an output over the model cap but under the stream cap is shown whole and still saved', async () => {
    const text = 'y'.repeat(80_000);
    const outcome = await createExecutor([echoTool]).execute({
      toolCallId: 'mid',
      toolName: 'echo',
      input: { text },
    });

    expect(outcome.output).toBe(text);
    expect(outcome.modelText.length).toBeLessThanOrEqual(maxModelTextChars);
    expect(await readFile(join(workspaceDir, savedPathIn(outcome.modelText)), 'utf8')).toBe(text);
  });

  test('an output within the caps is untouched and nothing is saved', async () => {
    const text = 'z'.repeat(maxModelTextChars);
    const outcome = await createExecutor([echoTool]).execute({
      toolCallId: 'ok',
      toolName: 'echo',
      input: { text },
    });

    expect(outcome).toEqual({ output: text, isError: false, modelText: text });
    expect(await readdir(workspaceDir)).toEqual([]);
  });

  test.each([['../../etc/x'], ['/etc/passwd'], ['..'], ['a/b\\c\u0000d'], ['x'.repeat(500)], ['']])(
    'a hostile tool call id %j cannot choose where the output goes',
    async (toolCallId) => {
      const outcome = await createExecutor([echoTool]).execute({
        toolCallId,
        toolName: 'echo',
        input: { text: bigText },
      });

      const path = savedPathIn(outcome.modelText);
      expect(path).toMatch(/^\.autopilot\/tool-outputs\/[A-Za-z0-9][A-Za-z0-9_-]{0,63}\.txt$/);
      expect(await readdir(join(workspaceDir, '.autopilot', 'tool-outputs'))).toEqual([
        path.split('/').at(-1),
      ]);
      expect(await readFile(join(workspaceDir, path), 'utf8')).toBe(bigText);
      expect(await readdir(base)).toEqual(['workspace']);
    },
  );

  test('two hostile ids that clean up alike, and one id used twice, never share a file', async () => {
    const executor = createExecutor([echoTool]);
    const paths = [];
    for (const toolCallId of ['a/b', 'a.b', 'a/b']) {
      const outcome = await executor.execute({
        toolCallId,
        toolName: 'echo',
        input: { text: `${toolCallId}${bigText}` },
      });
      paths.push(savedPathIn(outcome.modelText));
    }

    expect(new Set(paths).size).toBe(3);
    expect(await readFile(join(workspaceDir, paths[2]!), 'utf8')).toBe(`a/b${bigText}`);
  });

  test('when the output folder leads outside the workspace, nothing is written there and the model gets a preview', async () => {
    const outside = join(base, 'outside');
    await mkdir(outside);
    await symlink(outside, join(workspaceDir, '.autopilot'));

    const outcome = await createExecutor([echoTool]).execute({
      toolCallId: 'c',
      toolName: 'echo',
      input: { text: bigText },
    });

    expect(outcome.isError).toBe(false);
    expect(outcome.modelText.length).toBeLessThanOrEqual(maxModelTextChars);
    expect(outcome.modelText).toMatch(/could not be saved/);
    expect(outcome.modelText).toContain('line 1 xxx');
    expect(await readdir(outside)).toEqual([]);
  });
});

describe('truncateMiddle', () => {
  test('keeps both ends, says how much was cut, and fits the limit exactly or under', () => {
    const text = 'a'.repeat(500) + 'b'.repeat(500);
    const cut = truncateMiddle({ text, maxChars: 200 });

    expect(cut.length).toBeLessThanOrEqual(200);
    expect(cut.startsWith('aaaa')).toBe(true);
    expect(cut.endsWith('bbbb')).toBe(true);
    const cutCount = Number(/\[… ([\d,]+) of 1,000 characters cut/.exec(cut)?.[1]?.replace(/,/g, ''));
    expect(cut.length - cut.match(/\n\n\[.*\]\n\n/)![0].length + cutCount).toBe(1000);
  });

  test('never splits an emoji', () => {
    const text = '😀'.repeat(1000);
    for (const maxChars of [150, 151, 152, 153]) {
      const cut = truncateMiddle({ text, maxChars });
      expect(cut.length).toBeLessThanOrEqual(maxChars);
      expect(cut).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
    }
  });

  test('returns short text unchanged', () => {
    expect(truncateMiddle({ text: 'short', maxChars: 5 })).toBe('short');
  });

  test('on a disk below the turn’s floor nothing is saved, and the model gets a preview', async () => {
    // Far above what the disk has free, so no other writer can make room enough to pass it.
    const floor = (await readDiskRoom(workspaceDir)).bytes + 1024 ** 3;
    const outcome = await createExecutor([echoTool], floor).execute({
      toolCallId: 'c',
      toolName: 'echo',
      input: { text: bigText },
    });

    expect(outcome.isError).toBe(false);
    expect(outcome.modelText.length).toBeLessThanOrEqual(maxModelTextChars);
    expect(outcome.modelText).toMatch(/could not be saved/);
    expect(outcome.modelText).toContain('line 1 xxx');
    await expect(readdir(join(workspaceDir, '.autopilot'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { beforeEach, describe, expect, test } from 'vitest';
import { createDefaultTools } from './default-tools.ts';
import { createGrepTool } from './grep.ts';
import { useToolWorkspace } from './tool-test-workspace.ts';

const workspace = useToolWorkspace({
  tools: () => [
    ...createDefaultTools().filter((tool) => tool.name !== 'grep'),
    createGrepTool({ matchTimeoutMs: 300 }),
  ],
});
const create = async (path: string, content: string | Buffer, base = workspace.workspaceDir) => {
  await mkdir(dirname(join(base, path)), { recursive: true });
  await writeFile(join(base, path), content);
};
type GrepOutput = { matches: { path: string; line: number; text: string }[]; truncated: boolean };
const grep = async (input: unknown) => {
  const outcome = await workspace.run('grep', input);
  if (outcome.isError) throw new Error(outcome.modelText);
  return outcome.output as GrepOutput;
};

describe('grep', () => {
  beforeEach(async () => {
    await create('src/app.ts', 'import { load } from "./load";\n\nload();\r\nexport const TODO = 1;\n');
    await create('src/load.ts', 'export function load() {\n  // todo: cache\n}\n');
    await create('docs/notes.md', 'Remember to load the fixtures.\n');
  });

  test('finds matching lines with their paths and 1-based line numbers', async () => {
    expect(await grep({ pattern: 'load\\(\\)' })).toEqual({
      matches: [
        { path: 'src/app.ts', line: 3, text: 'load();' },
        { path: 'src/load.ts', line: 1, text: 'export function load() {' },
      ],
      truncated: false,
    });
  });

  test('ignore_case, a folder or file as path, and a glob narrow the search', async () => {
    const todos = await grep({ pattern: 'todo', ignore_case: true, path: 'src' });
    expect(todos.matches.map((match) => `${match.path}:${match.line}`)).toEqual([
      'src/app.ts:4',
      'src/load.ts:2',
    ]);

    const inFile = await grep({ pattern: 'load', path: 'docs/notes.md' });
    expect(inFile.matches).toEqual([
      { path: 'docs/notes.md', line: 1, text: 'Remember to load the fixtures.' },
    ]);

    const byName = await grep({ pattern: 'load', glob: '*.md' });
    expect(byName.matches.map((match) => match.path)).toEqual(['docs/notes.md']);
    const byPath = await grep({ pattern: 'load', glob: 'src/*.ts' });
    expect(byPath.matches.map((match) => match.path)).toEqual(['src/app.ts', 'src/app.ts', 'src/load.ts']);
  });

  test('an invalid or over-long regular expression is a clear error', async () => {
    const invalid = await workspace.run('grep', { pattern: 'load(' });
    const long = await workspace.run('grep', { pattern: 'a'.repeat(1001) });

    expect(invalid.isError).toBe(true);
    expect(invalid.modelText).toMatch(/^Invalid regular expression: .*Unterminated group.*with a backslash/);
    expect(long.modelText).toMatch(/pattern: Patterns longer than 1000 characters are refused/);
  });

  test('binary files and files over 2 MB are skipped; naming one says why', async () => {
    await create('image.bin', Buffer.concat([Buffer.from('needle\n'), Buffer.from([0, 1, 2])]));
    await create('big.log', `needle\n${'x'.repeat(2 * 1024 * 1024)}`);
    await create('small.txt', 'needle\n');

    expect((await grep({ pattern: 'needle' })).matches).toEqual([
      { path: 'small.txt', line: 1, text: 'needle' },
    ]);
    expect((await workspace.run('grep', { pattern: 'needle', path: 'image.bin' })).modelText).toBe(
      '"image.bin" is a binary file; it cannot be searched.',
    );
  });

  test('long lines are clipped around the match; results stop at max_results', async () => {
    await create('min.js', `${'a'.repeat(5000)}NEEDLE${'b'.repeat(5000)}\n`);
    const [clipped] = (await grep({ pattern: 'NEEDLE', path: 'min.js' })).matches;
    expect(clipped?.text.length).toBeLessThanOrEqual(500);
    expect(clipped?.text).toMatch(/^…a+NEEDLEb+…$/);

    await create('many.txt', 'hit\n'.repeat(300));
    expect(await grep({ pattern: 'hit', path: 'many.txt', max_results: 5 })).toMatchObject({
      matches: { length: 5 },
      truncated: true,
    });
    expect((await grep({ pattern: 'hit', path: 'many.txt' })).matches).toHaveLength(100);
    expect((await workspace.run('grep', { pattern: 'hit', max_results: 201 })).isError).toBe(true);
    expect(await grep({ pattern: 'hit', path: 'many.txt', max_results: 200 })).toMatchObject({
      matches: { length: 200 },
      truncated: true,
    });
  });

  test('a catastrophic regular expression is stopped and reported, not left to stall the server', async () => {
    await create('evil.txt', `${'a'.repeat(40)}!\n`);
    const started = performance.now();

    const outcome = await workspace.run('grep', { pattern: '^(a+)+$', path: 'evil.txt' });

    expect(outcome.modelText).toMatch(/^The search took longer than 0.3 s and was stopped\. Simplify/);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  test('never reads outside the workspace', async () => {
    await create('secret.txt', 'needle SECRET\n', workspace.outside);
    await symlink(workspace.outside, join(workspace.workspaceDir, 'linked-dir'));
    await symlink(join(workspace.outside, 'secret.txt'), join(workspace.workspaceDir, 'linked.txt'));

    expect((await grep({ pattern: 'SECRET' })).matches).toEqual([]);
    const outcomes = await Promise.all(
      ['../outside', join(workspace.outside, 'secret.txt'), 'linked.txt', 'linked-dir'].map((path) =>
        workspace.run('grep', { pattern: 'SECRET', path }),
      ),
    );
    expect(outcomes.map((outcome) => outcome.modelText)).toEqual([
      expect.stringMatching(/contains "\.\."/),
      expect.stringMatching(/is outside the workspace/),
      expect.stringMatching(/leads outside the workspace/),
      expect.stringMatching(/leads outside the workspace/),
    ]);
  });
});

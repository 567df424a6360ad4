import { createHighlighterCore } from 'shiki/core';
import { createJavaScriptRegexEngine } from 'shiki/engine/javascript';
import { describe, expect, test } from 'vitest';
import { codeHighlighter, loadThemes, themeNames } from './code-highlighter.ts';

type Result = NonNullable<ReturnType<typeof codeHighlighter.highlight>>;

function highlight(code: string, language: string, isIncomplete: boolean): Promise<Result> {
  return new Promise((resolve) => {
    const now = codeHighlighter.highlight({ code, language, isIncomplete }, resolve);
    if (now) resolve(now);
  });
}

/** The same code highlighted whole, by a highlighter of its own, as the plugin's result would show it. */
async function highlightedWhole(code: string, language: 'typescript' | 'markdown'): Promise<Result> {
  // The grammars the plugin has met by then: Markdown's fences highlight them.
  const [themes, ...grammars] = await Promise.all([
    loadThemes(),
    import('shiki/langs/typescript.mjs'),
    import('shiki/langs/markdown.mjs'),
    import('shiki/langs/python.mjs'),
  ]);
  const instance = await createHighlighterCore({
    themes,
    langs: grammars.map((grammar) => grammar.default),
    engine: createJavaScriptRegexEngine({ target: 'ES2018' }),
  });
  const { tokens } = instance.codeToTokens(code, {
    lang: language,
    themes: themeNames,
    defaultColor: false,
  });
  return {
    tokens: tokens.map((line) =>
      line.map((token) => ({
        content: token.content,
        htmlStyle: Object.fromEntries(
          Object.entries((token.htmlStyle ?? {}) as Record<string, string>).filter(([name]) =>
            name.startsWith('--shiki-'),
          ),
        ),
      })),
    ),
  };
}

// State that crosses lines (a comment, a template string, a fence) is where highlighting a block
// from where it stopped could go wrong.
const typescript = `/**
 * A comment over
 * several lines.
 */
export function greet(name: string): string {
  const text = \`Hello,
\${name}!\`;
  return text; // done
}\r
const answer = { value: 42, list: [1, 2, 3] };
`;
const markdown = `# Title

Some *text* and a list:

- one
- two

\`\`\`ts
const inside = 'a fence';
\`\`\`

After the fence.`;

describe('the code highlighter', () => {
  test.each([
    ['typescript', 'ts', typescript],
    ['markdown', 'md', markdown],
  ] as const)(
    '%s streamed in pieces is highlighted at every step as it would be whole',
    async (language, alias, code) => {
      // Markdown's fences highlight TypeScript once it is loaded, as in the highlighter compared with.
      await highlight('let loaded = true;', 'ts', false);
      for (let end = 7; end < code.length + 7; end += 7) {
        const shown = code.slice(0, end);
        const complete = end >= code.length;
        const result = await highlight(shown, alias, !complete);
        expect(result, `after ${shown.length} characters`).toEqual(await highlightedWhole(shown, language));
      }
      // The complete block is kept: asked again, it is answered at once.
      expect(codeHighlighter.highlight({ code, language: alias }, () => {})).toEqual(
        await highlightedWhole(code, language),
      );
    },
  );

  test('a language it does not know is left to be shown plain', () => {
    expect(codeHighlighter.highlight({ code: 'x', language: 'cobol' }, () => {})).toBeNull();
  });

  test('a block is continued only from one it extends: not another block, nor an earlier version edited', async () => {
    const steps = [
      'const a = 1;\nconst b',
      'let c = `two\nlines`;\nlet d',
      'const a = 3;\nconst b = 2;\n',
      'const a = 3;\nconst b = 2;\n/* open\nstill',
    ];
    for (const code of steps)
      expect(await highlight(code, 'ts', true)).toEqual(await highlightedWhole(code, 'typescript'));
  });

  test('a language loaded while a Markdown block streams: the block goes on, as it would be whole', async () => {
    const start = 'Intro\n\n```ts\nconst a = 1;\n';
    await highlight('let loaded = true;', 'ts', false);
    expect(await highlight(start, 'md', true)).toEqual(await highlightedWhole(start, 'markdown'));
    // Python is new to the highlighter: Markdown's grammar is made again to embed it.
    await highlight('x = 1', 'py', false);
    const more = `${start}const b = 2;\n\`\`\`\n\n\`\`\`python\nprint("hi")\n`;
    expect(await highlight(more, 'md', true)).toEqual(await highlightedWhole(more, 'markdown'));
  });
});

import type { GrammarState, HighlighterCore, ThemedToken, ThemeRegistration } from 'shiki/core';

/**
 * Streamdown's code-highlighter plugin over Shiki, with the JavaScript regex engine (no WASM) and
 * a fixed set of languages loaded on first use, so the first page load stays small. Tokens carry
 * both themes as CSS variables and the stylesheet picks one by colour scheme.
 */
const languages: Record<string, () => Promise<unknown>> = {
  typescript: () => import('shiki/langs/typescript.mjs'),
  tsx: () => import('shiki/langs/tsx.mjs'),
  javascript: () => import('shiki/langs/javascript.mjs'),
  jsx: () => import('shiki/langs/jsx.mjs'),
  json: () => import('shiki/langs/json.mjs'),
  bash: () => import('shiki/langs/bash.mjs'),
  python: () => import('shiki/langs/python.mjs'),
  html: () => import('shiki/langs/html.mjs'),
  css: () => import('shiki/langs/css.mjs'),
  markdown: () => import('shiki/langs/markdown.mjs'),
  yaml: () => import('shiki/langs/yaml.mjs'),
  diff: () => import('shiki/langs/diff.mjs'),
  sql: () => import('shiki/langs/sql.mjs'),
  go: () => import('shiki/langs/go.mjs'),
  rust: () => import('shiki/langs/rust.mjs'),
};
const aliases: Record<string, string> = {
  ts: 'typescript',
  js: 'javascript',
  sh: 'bash',
  shell: 'bash',
  zsh: 'bash',
  console: 'bash',
  py: 'python',
  yml: 'yaml',
  md: 'markdown',
  rs: 'rust',
};

/** The light and dark themes, by the names Shiki and Streamdown know them by. */
export const themeNames = { light: 'github-light-default', dark: 'github-dark-default' } as const;

/**
 * GitHub's current themes, whose colours reach WCAG AA's 4.5:1 on our code backgrounds (the older
 * `github-light` has an orange at 3.3:1, `github-dark` comments at 3.9:1). The one exception, the
 * light theme's comments at 4.3:1 on our light grey, takes a darker grey (5.7:1).
 */
export async function loadThemes(): Promise<[ThemeRegistration, ThemeRegistration]> {
  const [light, dark] = await Promise.all([
    import('shiki/themes/github-light-default.mjs'),
    import('shiki/themes/github-dark-default.mjs'),
  ]);
  const tokenColors = light.default.tokenColors?.map((rule) =>
    [rule.scope ?? []].flat().includes('comment')
      ? { ...rule, settings: { ...rule.settings, foreground: '#59636e' } }
      : rule,
  );
  return [{ ...light.default, tokenColors }, dark.default];
}

interface HighlightResult {
  tokens: { content: string; htmlStyle?: Record<string, string> }[][];
}

let highlighter: Promise<HighlighterCore> | null = null;
/** The highlighter once it is made, and the languages loaded into it: code in those is highlighted at once. */
let ready: HighlighterCore | null = null;
const loaded = new Map<string, Promise<void>>();
const loadedNow = new Set<string>();
/** Complete code blocks, highlighted. */
const cache = new Map<string, HighlightResult>();

/**
 * Code highlighted as far as its last complete line, with the grammar's state there. A block
 * still streaming grows at its end: each new version is highlighted from where the last stopped,
 * not from its start, so a long block costs each tick its new lines only, not all of them again
 * (300 lines of TypeScript took 50 ms a pass, and a pass each tick held the page).
 */
interface Progress {
  language: string;
  /** The lines highlighted, each with its newline. */
  text: string;
  lines: ThemedToken[][];
  state: GrammarState | undefined;
}
const progress: Progress[] = [];
const maxProgress = 16;

function getHighlighter(): Promise<HighlighterCore> {
  highlighter ??= (async () => {
    const [{ createHighlighterCore }, { createJavaScriptRegexEngine }, themes] = await Promise.all([
      import('shiki/core'),
      import('shiki/engine/javascript'),
      loadThemes(),
    ]);
    return createHighlighterCore({
      themes,
      langs: [],
      engine: createJavaScriptRegexEngine({ target: 'ES2018' }),
    });
  })();
  return highlighter;
}

function resolveLanguage(language: string): string | null {
  const name = aliases[language.toLowerCase()] ?? language.toLowerCase();
  return name in languages ? name : null;
}

function toResult(tokens: ThemedToken[][]): HighlightResult {
  return {
    tokens: tokens.map((line) =>
      line.map((token) => ({ content: token.content, htmlStyle: styleOf(token) })),
    ),
  };
}

function styleOf(token: ThemedToken): Record<string, string> {
  const style = token.htmlStyle;
  if (!style || typeof style === 'string') return {};
  return Object.fromEntries(Object.entries(style).filter(([name]) => name.startsWith('--shiki-')));
}

export const codeHighlighter = {
  name: 'shiki' as const,
  type: 'code-highlighter' as const,
  getSupportedLanguages: () => Object.keys(languages),
  getThemes: (): [string, string] => [themeNames.light, themeNames.dark],
  supportsLanguage: (language: string) => resolveLanguage(language) !== null,
  highlight(
    options: { code: string; language: string; isIncomplete?: boolean },
    callback?: (result: HighlightResult) => void,
  ): HighlightResult | null {
    const language = resolveLanguage(options.language);
    if (!language) return null;
    const key = `${language}\0${options.code}`;
    const cached = cache.get(key);
    if (cached) return cached;
    const highlight = (instance: HighlighterCore) => {
      const tokens = highlightSafely({ instance, language, code: options.code });
      if (!tokens) return null;
      const result = toResult(tokens);
      if (!options.isIncomplete) {
        if (cache.size > 200) cache.clear();
        cache.set(key, result);
      }
      return result;
    };
    if (ready && loadedNow.has(language)) return highlight(ready);
    void (async () => {
      const instance = await getHighlighter();
      let loading = loaded.get(language);
      if (!loading) {
        loading = languages[language]!().then(async (module) => {
          await instance.loadLanguage((module as { default: never }).default);
          // A grammar that embeds this language (Markdown's fences do) is made again: states kept
          // from the one before no longer fit it, and blocks highlighted without it may now be coloured.
          progress.length = 0;
          cache.clear();
          loadedNow.add(language);
        });
        loaded.set(language, loading);
      }
      await loading;
      ready = instance;
      const result = highlight(instance);
      if (result) callback?.(result);
    })().catch((error: unknown) => console.warn('highlight failed', error));
    return null;
  },
};

/**
 * `highlightFrom`, started over from the first line if continuing fails (a state kept from a
 * grammar since made again, see the loading above); null if even that fails: the code is shown plain.
 */
function highlightSafely(options: Parameters<typeof highlightFrom>[0]): ThemedToken[][] | null {
  try {
    return highlightFrom(options);
  } catch {
    progress.length = 0;
    try {
      return highlightFrom(options);
    } catch (error) {
      console.warn('highlight failed', error);
      return null;
    }
  }
}

/**
 * The code's tokens, line by line, highlighting only the lines past what an earlier version of
 * the same block reached (see `Progress`). The last line may still grow: it is highlighted each
 * time, and not kept.
 */
function highlightFrom(options: {
  instance: HighlighterCore;
  language: string;
  code: string;
}): ThemedToken[][] {
  const { instance, language, code } = options;
  const tokenize = (text: string, state: GrammarState | undefined) => {
    const run = () =>
      instance.codeToTokens(text, {
        lang: language,
        themes: themeNames,
        defaultColor: false,
        grammarState: state,
      });
    // Shiki 4 mis-tokenizes text whose patterns a grammar meets for the first time (everything in
    // one colour; seen with both regex engines): the first pass primes them, the second is right.
    run();
    return run();
  };
  const index = progress.findIndex(
    (earlier) => earlier.language === language && code.startsWith(earlier.text),
  );
  let reached: Progress =
    index === -1 ? { language, text: '', lines: [], state: undefined } : progress[index]!;
  const lastLineAt = code.lastIndexOf('\n') + 1;
  if (lastLineAt > reached.text.length) {
    // The lines completed since, without the line break that ends the last of them.
    const added = tokenize(code.slice(reached.text.length, lastLineAt - 1).replace(/\r$/, ''), reached.state);
    reached = {
      language,
      text: code.slice(0, lastLineAt),
      lines: [...reached.lines, ...added.tokens],
      state: added.grammarState,
    };
    // The block streaming now stays first, whatever other blocks are highlighted meanwhile.
    if (index !== -1) progress.splice(index, 1);
    progress.unshift(reached);
    if (progress.length > maxProgress) progress.pop();
  }
  const lastLine = code.slice(lastLineAt);
  return [...reached.lines, lastLine ? tokenize(lastLine, reached.state).tokens[0]! : []];
}

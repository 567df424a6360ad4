import type { HighlighterCore, ThemedToken } from 'shiki/core';

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

interface HighlightResult {
  tokens: { content: string; htmlStyle?: Record<string, string> }[][];
}

let highlighter: Promise<HighlighterCore> | null = null;
const loaded = new Map<string, Promise<void>>();
const cache = new Map<string, HighlightResult>();

function getHighlighter(): Promise<HighlighterCore> {
  highlighter ??= (async () => {
    const [{ createHighlighterCore }, { createJavaScriptRegexEngine }, light, dark] = await Promise.all([
      import('shiki/core'),
      import('shiki/engine/javascript'),
      import('shiki/themes/github-light.mjs'),
      import('shiki/themes/github-dark.mjs'),
    ]);
    return createHighlighterCore({
      themes: [light.default, dark.default],
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
  getThemes: (): [string, string] => ['github-light', 'github-dark'],
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
    void (async () => {
      const instance = await getHighlighter();
      const tokenize = (code: string) =>
        instance.codeToTokens(code, {
          lang: language,
          themes: { light: 'github-light', dark: 'github-dark' },
          defaultColor: false,
        }).tokens;
      let loading = loaded.get(language);
      if (!loading) {
        loading = languages[language]!().then((module) =>
          instance.loadLanguage((module as { default: never }).default),
        );
        loaded.set(language, loading);
      }
      await loading;
      // Shiki 4 mis-tokenizes text whose patterns a grammar meets for the first time (everything in
      // one colour; seen with both regex engines): the first pass primes them, the second is right.
      tokenize(options.code);
      const tokens = tokenize(options.code);
      const result = toResult(tokens);
      if (!options.isIncomplete) {
        if (cache.size > 200) cache.clear();
        cache.set(key, result);
      }
      callback?.(result);
    })().catch((error: unknown) => console.warn('highlight failed', error));
    return null;
  },
};

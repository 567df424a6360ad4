import { describe, expect, test } from 'vitest';
import { compileGlob } from './glob-pattern.ts';

describe('compileGlob', () => {
  test.each([
    ['*.ts', 'a.ts', true],
    ['*.ts', 'src/a.ts', false],
    ['*', '.env', true],
    ['?.md', 'a.md', true],
    ['?.md', 'ab.md', false],
    ['**/*.ts', 'a.ts', true],
    ['**/*.ts', 'src/deep/er/a.ts', true],
    ['src/**', 'src/a/b.txt', true],
    ['src/**', 'lib/a.txt', false],
    ['src/**/test/*.ts', 'src/test/a.ts', true],
    ['src/**/test/*.ts', 'src/x/y/test/a.ts', true],
    ['a**b.txt', 'aXb.txt', true],
    ['a**b.txt', 'a/b.txt', false],
    ['*.{ts,tsx}', 'view.tsx', true],
    ['*.{ts,tsx}', 'view.js', false],
    ['{src,lib}/**/*.{a,b{1,2}}', 'lib/x/y.b2', true],
    ['{src/*.ts,docs/*.md}', 'docs/a.md', true],
    ['\\*.txt', '*.txt', true],
    ['\\*.txt', 'a.txt', false],
    ['a.b', 'aXb', false],
    ['(x)+[y].txt', '(x)+[y].txt', true],
  ])('%s against %s is %s', (pattern, path, expected) => {
    expect(compileGlob(pattern)(path)).toBe(expected);
  });

  test('an unclosed brace is an error naming the pattern', () => {
    expect(() => compileGlob('*.{ts,js')).toThrow('The glob "*.{ts,js" has a "{" without its closing "}".');
  });

  test('a pattern that would make a backtracking matcher explode returns at once', () => {
    const started = performance.now();
    const matches = compileGlob(`${'*a'.repeat(40)}*b`)('a'.repeat(255));
    expect(matches).toBe(false);
    expect(performance.now() - started).toBeLessThan(500);
  });
});

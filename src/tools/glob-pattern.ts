import { ToolError } from './tool.ts';

const maxPatternChars = 1000;
const maxAlternatives = 1000;

type Token = '*' | '?' | { literal: string };
/** One path segment of a pattern; `**` spans any number of segments, none included. */
type Segment = '**' | Token[];

/**
 * Compiles a glob into a matcher of `/`-separated relative paths. `*` and `?` stay within one
 * segment, `**` as a whole segment spans folders, `{a,b}` is an alternation (nesting allowed),
 * `\` escapes the next character. Dot files match like any other. No regular expressions: matching
 * is memoised and never backtracks exponentially, so no pattern can stall the process.
 */
export function compileGlob(pattern: string): (path: string) => boolean {
  if (pattern.length > maxPatternChars) {
    throw new ToolError(`The glob is longer than ${maxPatternChars} characters.`);
  }
  const alternatives = expandBraces(pattern).map((alternative) => alternative.split('/').map(toSegment));
  return (path) => {
    const names = path.split('/');
    return alternatives.some((segments) => matchSegments({ segments, names }));
  };
}

function expandBraces(pattern: string): string[] {
  const open = findUnescapedBrace(pattern);
  if (open < 0) return [pattern];
  const options: string[] = [];
  let depth = 0;
  let start = open + 1;
  for (let index = start; index < pattern.length; index++) {
    const char = pattern[index];
    if (char === '\\') index++;
    else if (char === '{') depth++;
    else if (char === '}' && depth > 0) depth--;
    else if (char === ',' && depth === 0) {
      options.push(pattern.slice(start, index));
      start = index + 1;
    } else if (char === '}') {
      options.push(pattern.slice(start, index));
      const [prefix, suffix] = [pattern.slice(0, open), pattern.slice(index + 1)];
      const expanded = options.flatMap((option) => expandBraces(`${prefix}${option}${suffix}`));
      if (expanded.length > maxAlternatives) {
        throw new ToolError(`The glob expands to more than ${maxAlternatives} alternatives.`);
      }
      return expanded;
    }
  }
  throw new ToolError(`The glob "${pattern}" has a "{" without its closing "}".`);
}

function findUnescapedBrace(text: string): number {
  for (let index = 0; index < text.length; index++) {
    if (text[index] === '\\') index++;
    else if (text[index] === '{') return index;
  }
  return -1;
}

function toSegment(text: string): Segment {
  if (text === '**') return '**';
  const tokens: Token[] = [];
  for (let index = 0; index < text.length; index++) {
    const char = text[index] as string;
    if (char === '\\' && index + 1 < text.length) tokens.push({ literal: text[++index] as string });
    else if (char === '*' || char === '?') {
      if (!(char === '*' && tokens.at(-1) === '*')) tokens.push(char);
    } else tokens.push({ literal: char });
  }
  return tokens;
}

function matchSegments(options: { segments: Segment[]; names: string[] }): boolean {
  const { segments, names } = options;
  const memo = new Map<number, boolean>();
  const match = (segmentIndex: number, nameIndex: number): boolean => {
    const key = segmentIndex * (names.length + 1) + nameIndex;
    const known = memo.get(key);
    if (known !== undefined) return known;
    const segment = segments[segmentIndex];
    const name = names[nameIndex];
    let result: boolean;
    if (segment === undefined) result = name === undefined;
    else if (segment === '**') {
      result =
        match(segmentIndex + 1, nameIndex) || (name !== undefined && match(segmentIndex, nameIndex + 1));
    } else {
      result =
        name !== undefined && matchName({ tokens: segment, name }) && match(segmentIndex + 1, nameIndex + 1);
    }
    memo.set(key, result);
    return result;
  };
  return match(0, 0);
}

/** Wildcard matching with one backtrack point: O(tokens × name length) at worst. */
function matchName(options: { tokens: Token[]; name: string }): boolean {
  const { tokens, name } = options;
  let token = 0;
  let char = 0;
  let star = -1;
  let starChar = 0;
  while (char < name.length) {
    const current = tokens[token];
    if (current === '*') {
      star = token++;
      starChar = char;
    } else if (current === '?' || (current !== undefined && current.literal === name[char])) {
      token++;
      char++;
    } else if (star >= 0) {
      token = star + 1;
      char = ++starChar;
    } else return false;
  }
  while (tokens[token] === '*') token++;
  return token === tokens.length;
}

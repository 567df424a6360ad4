import { afterEach, describe, expect, test } from 'vitest';
import { commandUsage } from './command-usage.ts';
import { runCli } from './index.ts';

const originalWrite = process.stdout.write;
const originalErrorWrite = process.stderr.write;

/** Runs the command line and returns its exit code and what it wrote to stdout and stderr. */
async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  process.stdout.write = ((chunk: string) => {
    stdout += chunk;
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string) => {
    stderr += chunk;
    return true;
  }) as typeof process.stderr.write;
  try {
    return { code: await runCli(argv, {}), stdout, stderr };
  } finally {
    process.stdout.write = originalWrite;
    process.stderr.write = originalErrorWrite;
  }
}

afterEach(() => {
  process.stdout.write = originalWrite;
  process.stderr.write = originalErrorWrite;
});

describe('autopilot --help', () => {
  test('every command answers --help and -h with its own usage, and runs nothing', async () => {
    for (const name of ['serve', 'chat', 'sessions', 'migrate'] as const) {
      for (const flag of ['--help', '-h']) {
        const result = await run([name, '--url', 'http://127.0.0.1:1', flag]);
        expect(result, `${name} ${flag}`).toEqual({ code: 0, stdout: commandUsage[name], stderr: '' });
        expect(result.stdout).toContain(`Usage: autopilot ${name}`);
      }
    }
    expect(await run(['--help'])).toEqual({ code: 0, stdout: commandUsage.autopilot, stderr: '' });
  });

  test('an unknown command or option says what is wrong and where to look', async () => {
    const unknown = await run(['chatt']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('Unknown command "chatt"');
    const badOption = await run(['sessions', '--colour']);
    expect(badOption.code).toBe(1);
    expect(badOption.stderr).toContain("'--colour'");
    expect(badOption.stderr).toContain('Run "autopilot sessions --help" for its options.');
  });

  test('after --, "--help" is a message, not a flag', async () => {
    const result = await run(['chat', '--url', 'http://127.0.0.1:1', '--', '--help']);
    expect(result.stdout).not.toContain('Usage:');
  });
});

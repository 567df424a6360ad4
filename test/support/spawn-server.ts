import { type ChildProcess, spawn } from 'node:child_process';

/** `autopilot serve` in a child process on a random loopback port, so a test can kill -9 it. */
export async function spawnServer(options: {
  env: Record<string, string>;
  dataDir: string;
}): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    ['bin/autopilot.mjs', 'serve', '--port', '0', '--data-dir', options.dataDir],
    { env: options.env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (data: Buffer) => {
      output += data.toString();
      const match = /listening on (http:\S+)/.exec(output);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`server exited early (${code})`)));
  });
  return { child, url };
}

/** Reads a response body until `until` holds for the text so far (or the body ends). */
export async function readUntil(options: {
  response: Response;
  until: (text: string) => boolean;
}): Promise<ReadableStreamDefaultReader<Uint8Array>> {
  const reader = options.response.body!.getReader();
  const decoder = new TextDecoder();
  let seen = '';
  while (!options.until(seen)) {
    const { value, done } = await reader.read();
    if (done) break;
    seen += decoder.decode(value, { stream: true });
  }
  return reader;
}

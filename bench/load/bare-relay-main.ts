import { startBareRelay } from './bare-relay.ts';

/**
 * `node bench/load/bare-relay-main.ts <model url>`: the bare relay in a process of its own, so its
 * CPU can be read from /proc as the server's is. Prints its URL, and runs until stdin closes.
 */
const relay = await startBareRelay({ modelUrl: process.argv[2] ?? '' });
process.stdout.write(`${relay.url}\n`);
process.stdin.resume();
process.stdin.on('end', () => void relay.close().then(() => process.exit(0)));

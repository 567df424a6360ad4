import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchGroup } from '../bench-group.ts';
import { toMarkdownTable } from '../markdown-table.ts';
import { loadDeltaCount, loadTickMs, startPacedFake } from './paced-fake.ts';
import { startRelayProcess } from './relay-process.ts';
import {
  type LoadRunSummary,
  modelTimeMs,
  runDirectLoad,
  runServerLoad,
  summariseLoadRun,
  warmUpRounds,
  warmUpServer,
  warmUpTurnsPerRound,
} from './run-load.ts';
import { measureSdkCost, type SdkCost } from './sdk-cost.ts';
import { startServerProcess } from './server-process.ts';

/** Concurrent turns per run; `npm run bench -- load 500` picks one. */
const defaultLoads = [100, 250, 500];
/** Turns of one delta each, to price a turn's work outside its stream. */
const overheadTurns = 200;
/** Streams read in this process to price the AI SDK's own per-delta cost. */
const sdkCostTurns = 100;
/** Streams a new bare relay relays, untimed, before it is measured (its first round costs more). */
const relayWarmUpTurns = 100;

interface LoadResult {
  load: number;
  floor: LoadRunSummary;
  relay: LoadRunSummary & { cpuPerDeltaUs: number; peakRssMb: number };
  server: LoadRunSummary;
  cpuPerDeltaUs: number;
  peakRssMb: number;
}

const description = `K new chats post their first message at once to one \`autopilot serve\` process (baseline
runtime, SQLite, logs at \`warn\`), against a paced fake that streams ${loadDeltaCount} text deltas
${loadTickMs} ms apart (50 tokens/s, ${modelTimeMs / 1000} s of model time per turn). One ticker paces every
stream of the fake, and every delta carries the moment the fake wrote it, so the client measures each
delta's delay to arrival. Before each server run the same K streams are read straight from the fake by
the same client: the floor. Then the same K streams pass through a bare Node relay in its own
process (\`bench/load/bare-relay.ts\`: the request forwarded with undici, each event written on as it
is split off, nothing parsed or stored, listening as the server does): what any Node process relaying
these streams on this machine pays, so the server's figures can be read against it. The server runs
in its own process, so its CPU time and peak RSS come from
\`/proc\`; the fake and the client share the bench process. A separate run of ${overheadTurns} turns of one
delta each prices a turn's work outside its stream (session lookup, admission, storage, the title
request), and CPU per delta is the load run's CPU minus that, divided by the deltas streamed. Each
server first answers ${warmUpRounds} × ${warmUpTurnsPerRound} untimed one-delta turns, so the figures are a
running server's, not a just-started one's (V8 compiles the per-turn code as it runs); the first
${overheadTurns} turns of a new server are reported apart, as the cold figure.`;

export const loadGroup: BenchGroup = {
  name: 'load',
  title: 'Concurrent turns under load',
  description,
  async run() {
    const loads = selectLoads();
    const fake = await startPacedFake();
    try {
      const { cpuPerTurnMs, coldCpuPerTurnMs } = await measureTurnOverhead(fake.url);
      const sdkCost = await measureSdkCost({ fake, turns: sdkCostTurns });
      const results: LoadResult[] = [];
      for (const load of loads) {
        results.push(await measureLoad({ modelUrl: fake.url, load, cpuPerTurnMs }));
        console.error(`load ${load}: done`);
      }
      return formatLoadReport({ results, cpuPerTurnMs, coldCpuPerTurnMs, sdkCost });
    } finally {
      await fake.close();
    }
  },
};

function selectLoads(): number[] {
  const named = process.env.AUTOPILOT_BENCH_LOADS;
  if (!named) return defaultLoads;
  return named.split(',').map((value) => Number(value));
}

/** A turn's CPU outside its stream: once the server has warmed up, and over a new server's first turns (cold). */
async function measureTurnOverhead(
  modelUrl: string,
): Promise<{ cpuPerTurnMs: number; coldCpuPerTurnMs: number }> {
  const server = await startServerProcess({ modelUrl });
  try {
    const { coldCpuPerTurnMs } = await warmUpServer(server);
    const { cpuMs } = await runServerLoad({ server, turns: overheadTurns, deltaCount: 1 });
    return { cpuPerTurnMs: cpuMs / overheadTurns, coldCpuPerTurnMs };
  } finally {
    await server.close();
  }
}

async function measureLoad(options: {
  modelUrl: string;
  load: number;
  cpuPerTurnMs: number;
}): Promise<LoadResult> {
  const floor = summariseLoadRun(await runDirectLoad({ modelUrl: options.modelUrl, turns: options.load }));
  const relay = await measureRelay({ modelUrl: options.modelUrl, load: options.load });
  const server = await startServerProcess({ modelUrl: options.modelUrl });
  try {
    await warmUpServer(server);
    const run = await runServerLoad({ server, turns: options.load, deltaCount: loadDeltaCount });
    const streamCpuMs = run.cpuMs - options.cpuPerTurnMs * options.load;
    const usage = await server.readUsage();
    return {
      load: options.load,
      floor,
      relay,
      server: summariseLoadRun(run.samples),
      cpuPerDeltaUs: (streamCpuMs * 1000) / (options.load * loadDeltaCount),
      peakRssMb: usage.peakRssMb,
    };
  } finally {
    await server.close();
  }
}

/** K streams through the bare relay, warmed up first; its CPU per delta is the whole process's. */
async function measureRelay(options: { modelUrl: string; load: number }): Promise<LoadResult['relay']> {
  const relay = await startRelayProcess({ modelUrl: options.modelUrl });
  try {
    await runDirectLoad({ modelUrl: relay.url, turns: relayWarmUpTurns });
    const before = await relay.readUsage();
    const samples = await runDirectLoad({ modelUrl: relay.url, turns: options.load });
    await sleep(200);
    const after = await relay.readUsage();
    return {
      ...summariseLoadRun(samples),
      cpuPerDeltaUs: ((after.cpuMs - before.cpuMs) * 1000) / (options.load * loadDeltaCount),
      peakRssMb: after.peakRssMb,
    };
  } finally {
    await relay.close();
  }
}

function formatLoadReport(options: {
  results: LoadResult[];
  cpuPerTurnMs: number;
  coldCpuPerTurnMs: number;
  sdkCost: SdkCost;
}): string {
  const ms = (value: number) => value.toFixed(1);
  const latency = toMarkdownTable({
    header: [
      'turns',
      'first token p50 (floor)',
      'first token p99 (floor)',
      'per-token delay p50 (floor)',
      'per-token delay p99 (floor)',
      'added delay p99',
      'turn / model time p50, max',
    ],
    rows: options.results.map(({ load, floor, server }) => [
      String(load),
      `${ms(server.firstToken.p50)} (${ms(floor.firstToken.p50)})`,
      `${ms(server.firstToken.p99)} (${ms(floor.firstToken.p99)})`,
      `${ms(server.deltaDelay.p50)} (${ms(floor.deltaDelay.p50)})`,
      `${ms(server.deltaDelay.p99)} (${ms(floor.deltaDelay.p99)})`,
      ms(server.deltaDelay.p99 - floor.deltaDelay.p99),
      `${server.turnRatio.p50.toFixed(2)}, ${server.turnRatio.max.toFixed(2)}`,
    ]),
  });
  const cost = toMarkdownTable({
    header: ['turns', 'server CPU per delta (µs)', 'server peak RSS (MB)'],
    rows: options.results.map((result) => [
      String(result.load),
      result.cpuPerDeltaUs.toFixed(1),
      result.peakRssMb.toFixed(0),
    ]),
  });
  const relay = toMarkdownTable({
    header: [
      'turns',
      'first token p50, p99',
      'per-token delay p50, p99',
      'turn / model time p50, max',
      'relay CPU per delta (µs)',
      'relay peak RSS (MB)',
    ],
    rows: options.results.map(({ load, relay }) => [
      String(load),
      `${ms(relay.firstToken.p50)}, ${ms(relay.firstToken.p99)}`,
      `${ms(relay.deltaDelay.p50)}, ${ms(relay.deltaDelay.p99)}`,
      `${relay.turnRatio.p50.toFixed(2)}, ${relay.turnRatio.max.toFixed(2)}`,
      relay.cpuPerDeltaUs.toFixed(1),
      relay.peakRssMb.toFixed(0),
    ]),
  });
  return [
    latency,
    cost,
    `The same streams through the bare Node relay (after ${relayWarmUpTurns} untimed streams; its CPU per delta is all of its process's CPU over the run, each stream's request and response included):\n\n${relay}`,
    `Server CPU per turn outside the stream (${overheadTurns} one-delta turns, title request included): ${options.cpuPerTurnMs.toFixed(2)} ms on a warmed-up server; ${options.coldCpuPerTurnMs.toFixed(2)} ms over a new server's first ${overheadTurns} turns.`,
    sdkCostTable(options.sdkCost),
    'Times in milliseconds from just before the POST (first token) or from the fake writing the delta (per-token delay).',
  ].join('\n\n');
}

/** The model client's layers, each read over the same streams in the bench process. */
function sdkCostTable(cost: SdkCost): string {
  const us = (value: number) => value.toFixed(1);
  const layer = (row: [name: string, value: number]) => [row[0], us(row[1]), us(row[1] - cost.rawUsPerDelta)];
  const table = toMarkdownTable({
    header: ['model client layer (bench process)', 'CPU per delta (µs)', 'over a bare reader (µs)'],
    rows: [
      layer(['bare SSE reader (undici `request`, `StringDecoder`, `JSON.parse`)', cost.rawUsPerDelta]),
      layer([
        'the same reader through a bare Node relay (undici `request` in, one write per event out)',
        cost.relayUsPerDelta,
      ]),
      layer(["`fetch` and the SDK's web-stream SSE parse", cost.webStreamUsPerDelta]),
      layer(["+ the provider's `doStream` (zod per chunk, part transform)", cost.providerUsPerDelta]),
      layer(["our step loop over the AI SDK's Anthropic provider's `doStream`", cost.stepsUsPerDelta]),
      layer([
        'our step loop over our Messages API client (the baseline runtime, Anthropic)',
        cost.ownClientUsPerDelta,
      ]),
      layer(['`streamText` over `doStream` (the baseline runtime before)', cost.sdkUsPerDelta]),
      layer([
        "our step loop over the AI SDK's openai-compatible provider (Chat Completions)",
        cost.openAIProviderStepsUsPerDelta,
      ]),
      layer([
        'our step loop over our Chat Completions client (the baseline runtime, OpenAI-compatible)',
        cost.openAIOwnClientUsPerDelta,
      ]),
    ],
  });
  return `The model client's own cost, apart from the server (${sdkCostTurns} streams of the same fake read in the bench process, each layer in turn; the fake's writing is in every row):\n\n${table}`;
}

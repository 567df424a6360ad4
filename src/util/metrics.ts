type Labels = Record<string, string>;

interface Series {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  values: Map<string, { labels: Labels; value: number }>;
  histogram?: Histogram;
}

/**
 * A histogram's cumulative bucket counts, sum and count, kept as numbers: observing one was 14
 * labelled additions, each serializing its labels, about 40 µs of every turn's end in the server.
 */
interface Histogram {
  buckets: readonly number[];
  counts: number[];
  sum: number;
  count: number;
}

/** A small Prometheus registry: counters, gauges and histograms rendered in the text format. */
class MetricRegistry {
  readonly #series = new Map<string, Series>();

  define(options: { name: string; help: string; type: Series['type']; buckets?: number[] }): Series {
    const { buckets, ...rest } = options;
    const series: Series = {
      ...rest,
      values: new Map(),
      ...(buckets ? { histogram: { buckets, counts: buckets.map(() => 0), sum: 0, count: 0 } } : {}),
    };
    this.#series.set(options.name, series);
    return series;
  }

  render(): string {
    const lines: string[] = [];
    for (const series of this.#series.values()) {
      lines.push(`# HELP ${series.name} ${series.help}`, `# TYPE ${series.name} ${series.type}`);
      for (const { labels, value } of series.values.values())
        lines.push(`${series.name}${formatLabels(labels)} ${value}`);
      if (series.histogram) renderHistogram({ name: series.name, histogram: series.histogram, lines });
    }
    return `${lines.join('\n')}\n`;
  }
}

/** A histogram's lines, once it has a sample (before that, only its HELP and TYPE). */
function renderHistogram(options: { name: string; histogram: Histogram; lines: string[] }): void {
  const { name, histogram, lines } = options;
  if (histogram.count === 0) return;
  histogram.buckets.forEach((bucket, index) => {
    lines.push(`${name}_bucket{le="${bucket}"} ${histogram.counts[index]}`);
  });
  lines.push(
    `${name}_bucket{le="+Inf"} ${histogram.count}`,
    `${name}_sum ${histogram.sum}`,
    `${name}_count ${histogram.count}`,
  );
}

function observe(histogram: Histogram, value: number): void {
  histogram.buckets.forEach((bucket, index) => {
    if (value <= bucket) histogram.counts[index]! += 1;
  });
  histogram.sum += value;
  histogram.count += 1;
}

function formatLabels(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return '';
  return `{${entries.map(([key, value]) => `${key}="${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',')}}`;
}

function add(series: Series, labels: Labels, amount: number): void {
  const key = JSON.stringify(labels);
  const entry = series.values.get(key) ?? { labels, value: 0 };
  entry.value += amount;
  series.values.set(key, entry);
}

/** What Autopilot measures (SPEC §9): turns, their duration, tokens, errors by code, tool calls by tool. */
export class Metrics {
  readonly #registry = new MetricRegistry();
  readonly #activeTurns = this.#registry.define({
    name: 'autopilot_active_turns',
    help: 'Turns running now.',
    type: 'gauge',
  });
  readonly #turns = this.#registry.define({
    name: 'autopilot_turns_total',
    help: 'Turns ended, by status.',
    type: 'counter',
  });
  readonly #duration = this.#registry.define({
    name: 'autopilot_turn_duration_seconds',
    help: 'How long turns ran.',
    type: 'histogram',
    buckets: [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800],
  });
  readonly #tokens = this.#registry.define({
    name: 'autopilot_tokens_total',
    help: 'Model tokens, by kind.',
    type: 'counter',
  });
  readonly #errors = this.#registry.define({
    name: 'autopilot_turn_errors_total',
    help: 'Failed turns, by error code.',
    type: 'counter',
  });
  readonly #toolCalls = this.#registry.define({
    name: 'autopilot_tool_calls_total',
    help: 'Tool calls, by tool.',
    type: 'counter',
  });

  readonly #eventStreams = this.#registry.define({
    name: 'autopilot_event_streams',
    help: 'Open GET /api/events connections.',
    type: 'gauge',
  });

  /** Tool calls are counted by name only for these; any other name is `other`, so labels stay bounded. */
  readonly #toolNames: ReadonlySet<string>;

  constructor(options: { toolNames?: Iterable<string> } = {}) {
    this.#toolNames = new Set(options.toolNames);
    add(this.#activeTurns, {}, 0);
    add(this.#eventStreams, {}, 0);
  }

  /** A `GET /api/events` connection opened (+1) or closed (-1) in this process. */
  eventStreamsChanged(delta: 1 | -1): void {
    add(this.#eventStreams, {}, delta);
  }

  /** A turn started running in this process. */
  turnStarted(): void {
    add(this.#activeTurns, {}, 1);
  }

  /** A turn stopped running in this process. */
  turnStopped(): void {
    add(this.#activeTurns, {}, -1);
  }

  /** A turn ended, wherever it ran (a watchdog may end one that ran elsewhere). */
  turnEnded(options: {
    status: string;
    errorCode: string | null;
    durationMs: number;
    tokens: { input: number; output: number; cacheRead: number; cacheWrite: number };
  }): void {
    add(this.#turns, { status: options.status }, 1);
    if (options.errorCode) add(this.#errors, { code: options.errorCode }, 1);
    observe(this.#duration.histogram!, options.durationMs / 1000);
    for (const [kind, value] of Object.entries(options.tokens))
      if (value > 0) add(this.#tokens, { kind }, value);
  }

  /** A model picks tool names freely: an unknown one must not create a new series. */
  toolCalled(tool: string): void {
    add(this.#toolCalls, { tool: this.#toolNames.has(tool) ? tool : 'other' }, 1);
  }

  render(): string {
    return this.#registry.render();
  }
}

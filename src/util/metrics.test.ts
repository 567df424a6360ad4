import { describe, expect, test } from 'vitest';
import { Metrics } from './metrics.ts';

describe('Metrics', () => {
  test('tool calls are counted by known name; any other name counts as other, so labels stay bounded', () => {
    const metrics = new Metrics({ toolNames: ['read_file', 'Agent'] });
    metrics.toolCalled('read_file');
    metrics.toolCalled('Agent');
    for (let index = 0; index < 50; index++) metrics.toolCalled(`made_up_${index}`);
    metrics.toolCalled('"}\nfake_metric 1');

    const lines = metrics
      .render()
      .split('\n')
      .filter((line) => line.startsWith('autopilot_tool_calls_total'));
    expect(lines.sort()).toEqual([
      'autopilot_tool_calls_total{tool="Agent"} 1',
      'autopilot_tool_calls_total{tool="other"} 51',
      'autopilot_tool_calls_total{tool="read_file"} 1',
    ]);
  });

  test('the turn duration histogram counts each turn in every bucket it fits, cumulatively, with +Inf, sum and count', () => {
    const metrics = new Metrics();
    const histogramLines = () =>
      metrics
        .render()
        .split('\n')
        .filter((line) => line.startsWith('autopilot_turn_duration_seconds'));
    // Before any turn ends, the histogram is declared but has no samples.
    expect(histogramLines()).toEqual([]);
    expect(metrics.render()).toContain('# TYPE autopilot_turn_duration_seconds histogram\n');

    const tokens = { input: 1, output: 1, cacheRead: 0, cacheWrite: 0 };
    metrics.turnEnded({ status: 'completed', errorCode: null, durationMs: 700, tokens });
    metrics.turnEnded({ status: 'failed', errorCode: 'model_error', durationMs: 2500, tokens });
    metrics.turnEnded({ status: 'completed', errorCode: null, durationMs: 4_000_000, tokens });

    const bucket = (le: string, count: number) =>
      `autopilot_turn_duration_seconds_bucket{le="${le}"} ${count}`;
    expect(histogramLines()).toEqual([
      bucket('0.5', 0),
      bucket('1', 1),
      // A bucket's bound is inclusive: 2.5 s counts in le="2.5".
      bucket('2.5', 2),
      ...['5', '10', '30', '60', '120', '300', '600', '1800'].map((le) => bucket(le, 2)),
      bucket('+Inf', 3),
      'autopilot_turn_duration_seconds_sum 4003.2',
      'autopilot_turn_duration_seconds_count 3',
    ]);
  });
});

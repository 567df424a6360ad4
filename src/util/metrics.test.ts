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
});

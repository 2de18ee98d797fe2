import { ServiceMetrics } from '@paxos/runtime';
import { Counter, Histogram, Registry, Summary } from 'prom-client';
import { DashboardMetrics } from '../src/metrics/dashboard-metrics';
import {
  PrometheusTextError,
  parsePrometheusText,
  sampleValue,
} from '../src/metrics/prometheus-text';

describe('parsePrometheusText', () => {
  it('reads families, types, help, labels with escapes, special values and timestamps', () => {
    const families = parsePrometheusText(
      [
        '# HELP http_requests_total Requests served\\nby path',
        '# TYPE http_requests_total counter',
        'http_requests_total{path="/a\\"b",code="200"} 3 1700000000000',
        'http_requests_total{path="c:\\\\d",code="500",} 1',
        '# a plain comment',
        '',
        '# TYPE temperature gauge',
        'temperature -1.5e3',
        'temperature{room="x"} NaN',
        'temperature{room="y"} +Inf',
        'untyped_thing 7',
      ].join('\n'),
    );
    const requests = families.get('http_requests_total');
    expect(requests?.type).toBe('counter');
    expect(requests?.help).toBe('Requests served\nby path');
    expect(requests?.samples[0]).toEqual({
      name: 'http_requests_total',
      labels: { path: '/a"b', code: '200' },
      value: 3,
      timestampMs: 1_700_000_000_000,
    });
    expect(sampleValue(families, 'http_requests_total', { path: 'c:\\d' })).toBe(1);
    expect(sampleValue(families, 'temperature')).toBe(-1500);
    expect(sampleValue(families, 'temperature', { room: 'x' })).toBeNaN();
    expect(sampleValue(families, 'temperature', { room: 'y' })).toBe(Infinity);
    expect(families.get('untyped_thing')?.type).toBe('untyped');
  });

  it('files histogram and summary series under their family', () => {
    const families = parsePrometheusText(
      [
        '# TYPE latency_seconds histogram',
        'latency_seconds_bucket{le="0.1"} 1',
        'latency_seconds_bucket{le="1"} 3',
        'latency_seconds_bucket{le="+Inf"} 4',
        'latency_seconds_sum 2.5',
        'latency_seconds_count 4',
        '# TYPE size summary',
        'size{quantile="0.5"} 10',
        'size_sum 30',
        'size_count 3',
      ].join('\n'),
    );
    expect(families.get('latency_seconds')?.samples).toHaveLength(5);
    expect(sampleValue(families, 'latency_seconds_count')).toBe(4);
    expect(families.get('size')?.samples).toHaveLength(3);
    expect(families.has('latency_seconds_bucket')).toBe(false);
  });

  // The checker must be seen to fail: each of these is a broken exporter.
  it.each([
    ['a bad metric name', '9lives 1', /does not start with a metric name/],
    ['a value that is not a number', 'x one', /is not a number/],
    ['no value', 'x', /expected a blank before the value/],
    ['text after the timestamp', 'x 1 2 3', /unexpected text/],
    ['a bad timestamp', 'x 1 soon', /is not a timestamp/],
    ['an unquoted label value', 'x{a=b} 1', /expected a quoted value/],
    ['an unclosed label value', 'x{a="b} 1', /not closed/],
    ['a bad escape', 'x{a="\\t"} 1', /bad escape/],
    ['a repeated label', 'x{a="1",a="2"} 1', /given twice/],
    ['a bad label name', 'x{1a="1"} 1', /bad label name/],
    ['a repeated series', 'x{a="1"} 1\nx{a="1"} 2', /appears twice/],
    ['a TYPE after samples', 'x 1\n# TYPE x gauge', /comes after its samples/],
    ['two TYPE lines', '# TYPE x gauge\n# TYPE x gauge', /comes after its samples or twice/],
    ['an unknown type', '# TYPE x meter', /unknown type/],
    ['two HELP lines', '# HELP x a\n# HELP x b', /second HELP/],
    ['a family split in two', '# TYPE x gauge\nx 1\ny 2\nx{a="b"} 3', /not grouped together/],
    ['a negative counter', '# TYPE c counter\nc -1', /counter c is -1/],
    ['a stray series in a histogram', '# TYPE h histogram\nh 1', /is not a series of histogram h/],
    [
      'buckets that are not cumulative',
      '# TYPE h histogram\nh_bucket{le="1"} 5\nh_bucket{le="2"} 3\nh_bucket{le="+Inf"} 5\nh_count 5',
      /not cumulative/,
    ],
    [
      'a histogram without +Inf',
      '# TYPE h histogram\nh_bucket{le="1"} 5\nh_count 5',
      /no le="\+Inf" bucket/,
    ],
    [
      'a count that differs from +Inf',
      '# TYPE h histogram\nh_bucket{le="+Inf"} 5\nh_count 6',
      /differs from its \+Inf bucket/,
    ],
  ])('refuses %s', (_what, text, problem) => {
    expect(() => parsePrometheusText(text)).toThrow(PrometheusTextError);
    expect(() => parsePrometheusText(text)).toThrow(problem);
  });

  it('names the line of the problem', () => {
    expect(() => parsePrometheusText('ok 1\n\nbad value')).toThrow(/^line 3: /);
  });

  it("accepts what prom-client writes, escapes and all, for every role service's instruments", async () => {
    const metrics = new ServiceMetrics('leader-0', 'leader');
    metrics.messagesIn.inc({ type: 'p1b' }, 3);
    metrics.messagesOut.inc({ type: 'p2a' });
    metrics.ignored.inc({ reason: 'duplicate' });
    metrics.deadLetters.inc();
    metrics.stepSeconds.observe(0.003);
    metrics.commitSeconds.observe(0.04);
    metrics.claimSeconds.observe(2);
    metrics.inboxDepth.set(4);
    metrics.epoch.set(2);
    const odd = new Counter({
      name: 'odd_labels_total',
      help: 'Help with a backslash \\ and a\nnewline',
      labelNames: ['v'],
      registers: [metrics.registry],
    });
    odd.inc({ v: 'quote " backslash \\ newline \n end' });
    const families = parsePrometheusText(await metrics.registry.metrics());
    expect(sampleValue(families, 'paxos_messages_in_total', { type: 'p1b' })).toBe(3);
    expect(sampleValue(families, 'paxos_lease_duration_seconds_count')).toBe(1);
    expect(sampleValue(families, 'paxos_epoch', { process_id: 'leader-0', role: 'leader' })).toBe(
      2,
    );
    expect(families.get('odd_labels_total')?.help).toBe('Help with a backslash \\ and a\nnewline');
    expect(
      sampleValue(families, 'odd_labels_total', { v: 'quote " backslash \\ newline \n end' }),
    ).toBe(1);
  });

  it("accepts prom-client's summaries and labelled histograms", async () => {
    const registry = new Registry();
    new Summary({ name: 's', help: 'h', registers: [registry] }).observe(1);
    new Histogram({ name: 'h', help: 'h', labelNames: ['op'], registers: [registry] }).observe(
      { op: 'put' },
      0.2,
    );
    const families = parsePrometheusText(await registry.metrics());
    expect(families.get('s')?.type).toBe('summary');
    expect(sampleValue(families, 'h_count', { op: 'put' })).toBe(1);
  });

  it("accepts the dashboard's own metrics", async () => {
    const families = parsePrometheusText(await new DashboardMetrics().registry.metrics());
    expect(families.get('paxos_queue_depth')?.type).toBe('gauge');
  });
});

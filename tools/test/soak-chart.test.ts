import { renderSoakChart, type ChartInput } from '../src/soak/chart';
import type { Sample } from '../src/soak/sample';

/**
 * Well-formedness without an XML library: every tag closes in order, attribute values are
 * quoted, and text holds no raw `<` or stray `&`.
 */
function assertWellFormedXml(text: string): void {
  const stack: string[] = [];
  const tag = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/y;
  let i = 0;
  while (i < text.length) {
    const lt = text.indexOf('<', i);
    const chunk = text.slice(i, lt === -1 ? text.length : lt);
    if (/&(?!(amp|lt|gt|quot|apos);)/.test(chunk)) throw new Error(`stray & in ${chunk}`);
    if (lt === -1) break;
    tag.lastIndex = lt;
    const m = tag.exec(text);
    if (!m) throw new Error(`malformed tag at ${lt}: ${text.slice(lt, lt + 60)}`);
    const [, closing, name, attributes, selfClosing] = m;
    if (/&(?!(amp|lt|gt|quot|apos);)/.test(attributes!)) throw new Error(`stray & in ${m[0]}`);
    if (closing) {
      const open = stack.pop();
      if (open !== name) throw new Error(`</${name}> closes <${open}>`);
    } else if (!selfClosing) stack.push(name!);
    i = tag.lastIndex;
  }
  if (stack.length) throw new Error(`unclosed: ${stack.join(', ')}`);
}

const samples: Sample[] = Array.from({ length: 31 }, (_, m) => ({
  minute: m,
  elapsedSeconds: m * 60,
  readings: 12,
  series: {
    'rss_bytes.leader-0': 100e6 + m * 1e6,
    'queue_item.rows': m % 5,
    ...(m % 7 === 3 ? {} : { 'heap_used_bytes.replica-1': 20e6 }),
    'weird <name> & "quotes"': 1,
  },
}));

const input: ChartInput = {
  title: 'soak test & more',
  runMinutes: 30,
  samples,
  baseline: [5, 15],
  late: [20, 30],
  verdicts: new Map([
    ['rss_bytes.leader-0', { bound: 138e6, ok: false }],
    ['queue_item.rows', { bound: 4.8, ok: true }],
  ]),
};

describe('renderSoakChart', () => {
  it('draws valid SVG with exactly one line per series, each labelled', () => {
    const svg = renderSoakChart(input);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    assertWellFormedXml(svg);
    const lines = [...svg.matchAll(/<path class="series" data-series="([^"]*)" d="([^"]*)"/g)];
    expect(lines.map((l) => l[1])).toEqual([
      'heap_used_bytes.replica-1',
      'queue_item.rows',
      'rss_bytes.leader-0',
      'weird &lt;name&gt; &amp; &quot;quotes&quot;',
    ]);
    // One point per sample the series has (the heap series misses minutes 3, 10, 17, 24).
    const points = (d: string) => d.split(/[ML]/).filter((p) => p.trim()).length;
    expect(points(lines[0]![2]!)).toBe(27);
    expect(points(lines[2]![2]!)).toBe(31);
  });

  it('marks a failing series in red and draws the bound of each judged one', () => {
    const svg = renderSoakChart(input);
    expect(svg.match(/>OVER</g)).toHaveLength(1);
    expect(svg).toMatch(/data-series="rss_bytes\.leader-0" d="[^"]*" fill="none" stroke="#c0392b"/);
    expect(svg.match(/<line class="bound"/g)).toHaveLength(2);
    // A bound far above its series (an allowance) is named, not drawn.
    const far = renderSoakChart({
      ...input,
      verdicts: new Map([['queue_item.rows', { bound: 800, ok: true }]]),
    });
    expect(far).not.toContain('<line class="bound"');
    expect(far).toContain('bound 800 ↑');
    expect(svg).toContain('baseline, minutes 5-15');
    expect(svg).toContain('judged, minutes 20-30');
  });

  it('still draws valid SVG with no samples at all', () => {
    const svg = renderSoakChart({ ...input, samples: [], verdicts: new Map() });
    assertWellFormedXml(svg);
    expect(svg).not.toContain('class="series"');
  });

  it('the checker itself rejects broken markup', () => {
    expect(() => assertWellFormedXml('<svg><g></svg>')).toThrow();
    expect(() => assertWellFormedXml('<svg><text>a < b</text></svg>')).toThrow();
    expect(() => assertWellFormedXml('<svg><text>a & b</text></svg>')).toThrow();
  });
});

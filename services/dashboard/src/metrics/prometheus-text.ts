/**
 * A strict reader of the Prometheus text exposition format (version 0.0.4), the answer of
 * every GET /metrics in the fleet. The dashboard reads role gauges with it, and the tests use
 * it to prove each endpoint is well formed, so it refuses what a Prometheus server would
 * refuse (bad names, bad escapes, a TYPE after its samples, a repeated series) and also checks
 * histogram consistency, which Prometheus would ingest silently but which means a broken
 * exporter.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  /** The series name as written (`x_bucket`, `x_sum` for a histogram `x`). */
  name: string;
  labels: Record<string, string>;
  value: number;
  timestampMs: number | null;
}

export interface MetricFamily {
  name: string;
  type: MetricType;
  help: string | null;
  samples: Sample[];
}

export class PrometheusTextError extends Error {
  constructor(
    /** null for a problem of a whole family (e.g. a histogram's buckets). */
    readonly lineNumber: number | null,
    problem: string,
  ) {
    super(lineNumber === null ? problem : `line ${lineNumber}: ${problem}`);
    this.name = 'PrometheusTextError';
  }
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const TYPES: readonly MetricType[] = ['counter', 'gauge', 'histogram', 'summary', 'untyped'];
const SUFFIXES: Record<MetricType, readonly string[]> = {
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['_sum', '_count'],
  counter: [],
  gauge: [],
  untyped: [],
};

/** Parses a whole exposition; throws PrometheusTextError naming the first bad line. */
export function parsePrometheusText(text: string): Map<string, MetricFamily> {
  const families = new Map<string, MetricFamily>();
  const seenSeries = new Set<string>();
  const typed = new Set<string>();
  const closed = new Set<string>();
  let current: MetricFamily | null = null;

  // Families must be contiguous: a family seen again after another one started is an error.
  const enter = (family: MetricFamily, lineNumber: number) => {
    if (current === family) return;
    if (closed.has(family.name)) {
      throw new PrometheusTextError(lineNumber, `lines of ${family.name} are not grouped together`);
    }
    if (current) closed.add(current.name);
    current = family;
  };
  const familyNamed = (name: string): MetricFamily => {
    let f = families.get(name);
    if (!f) {
      f = { name, type: 'untyped', help: null, samples: [] };
      families.set(name, f);
    }
    return f;
  };

  const lines = text.split('\n');
  lines.forEach((line, index) => {
    const lineNumber = index + 1;
    if (line.trim() === '') return;
    if (line.startsWith('#')) {
      const meta = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s(.*))?$/.exec(line);
      if (!meta) return; // a plain comment
      const [, keyword, name = '', rest = ''] = meta;
      if (!isFullMatch(METRIC_NAME, name)) {
        throw new PrometheusTextError(lineNumber, `"${name}" is not a metric name`);
      }
      const family = familyNamed(name);
      enter(family, lineNumber);
      if (keyword === 'HELP') {
        if (family.help !== null)
          throw new PrometheusTextError(lineNumber, `second HELP for ${name}`);
        family.help = unescapeHelp(rest, lineNumber);
      } else {
        const type = rest.trim() as MetricType;
        if (!TYPES.includes(type)) {
          throw new PrometheusTextError(lineNumber, `unknown type "${rest.trim()}" for ${name}`);
        }
        if (family.samples.length > 0 || typed.has(name)) {
          throw new PrometheusTextError(
            lineNumber,
            `TYPE of ${name} comes after its samples or twice`,
          );
        }
        typed.add(name);
        family.type = type;
      }
      return;
    }
    const sample = parseSampleLine(line, lineNumber);
    const family = owningFamily(families, sample.name) ?? familyNamed(sample.name);
    enter(family, lineNumber);
    if (!belongsTo(family, sample)) {
      throw new PrometheusTextError(
        lineNumber,
        `${sample.name} is not a series of ${family.type} ${family.name}`,
      );
    }
    const key = seriesKey(sample);
    if (seenSeries.has(key)) {
      throw new PrometheusTextError(lineNumber, `series ${key} appears twice`);
    }
    seenSeries.add(key);
    if (family.type === 'counter' && !(sample.value >= 0)) {
      throw new PrometheusTextError(lineNumber, `counter ${sample.name} is ${sample.value}`);
    }
    family.samples.push(sample);
  });
  for (const family of families.values()) {
    if (family.type === 'histogram') checkHistogram(family);
  }
  return families;
}

/** The value of one series, or undefined; `labels` must match exactly the ones given. */
export function sampleValue(
  families: Map<string, MetricFamily>,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const family = owningFamily(families, name) ?? families.get(name);
  const wanted = Object.entries(labels);
  return family?.samples.find((s) => s.name === name && wanted.every(([k, v]) => s.labels[k] === v))
    ?.value;
}

function owningFamily(families: Map<string, MetricFamily>, name: string): MetricFamily | undefined {
  const exact = families.get(name);
  if (exact && exact.type !== 'histogram' && exact.type !== 'summary') return exact;
  for (const family of families.values()) {
    if (SUFFIXES[family.type].some((suffix) => `${family.name}${suffix}` === name)) return family;
  }
  return exact;
}

function belongsTo(family: MetricFamily, sample: Sample): boolean {
  if (family.type !== 'histogram' && family.type !== 'summary') return sample.name === family.name;
  // A summary's quantiles are written under the family's own name.
  if (family.type === 'summary' && sample.name === family.name) return 'quantile' in sample.labels;
  return SUFFIXES[family.type].some((suffix) => `${family.name}${suffix}` === sample.name);
}

function parseSampleLine(line: string, lineNumber: number): Sample {
  const fail = (problem: string): never => {
    throw new PrometheusTextError(lineNumber, problem);
  };
  const nameMatch = METRIC_NAME.exec(line);
  if (!nameMatch) return fail(`"${line.slice(0, 40)}" does not start with a metric name`);
  const name = nameMatch[0];
  let i = name.length;
  const labels: Record<string, string> = {};
  if (line[i] === '{') {
    i += 1;
    for (;;) {
      i = skipBlanks(line, i);
      if (line[i] === '}') break;
      const labelMatch = LABEL_NAME.exec(line.slice(i));
      if (!labelMatch) return fail(`bad label name at column ${i + 1}`);
      const labelName = labelMatch[0];
      i = skipBlanks(line, i + labelName.length);
      if (line[i] !== '=') return fail(`expected = after label ${labelName}`);
      i = skipBlanks(line, i + 1);
      if (line[i] !== '"') return fail(`expected a quoted value for label ${labelName}`);
      const { value, end } = readLabelValue(line, i + 1, lineNumber);
      if (labelName in labels) return fail(`label ${labelName} given twice`);
      labels[labelName] = value;
      i = skipBlanks(line, end);
      if (line[i] === ',') {
        i += 1;
        continue;
      }
      if (line[i] !== '}') return fail(`expected , or } after label ${labelName}`);
    }
    i += 1;
  }
  const rest = line.slice(i);
  if (!/^[ \t]/.test(rest)) return fail(`expected a blank before the value of ${name}`);
  const fields = rest.trim().split(/[ \t]+/);
  if (fields.length > 2) return fail(`unexpected text after the value of ${name}`);
  const value = parseFloatToken(fields[0] ?? '');
  if (value === null) return fail(`"${fields[0]}" is not a number (value of ${name})`);
  let timestampMs: number | null = null;
  if (fields[1] !== undefined) {
    if (!/^-?\d+$/.test(fields[1])) return fail(`"${fields[1]}" is not a timestamp`);
    timestampMs = Number(fields[1]);
  }
  return { name, labels, value, timestampMs };
}

function readLabelValue(
  line: string,
  start: number,
  lineNumber: number,
): { value: string; end: number } {
  let value = '';
  for (let i = start; i < line.length; i++) {
    const c = line[i];
    if (c === '"') return { value, end: i + 1 };
    if (c !== '\\') {
      value += c;
      continue;
    }
    const next = line[i + 1];
    if (next === '\\' || next === '"') value += next;
    else if (next === 'n') value += '\n';
    else throw new PrometheusTextError(lineNumber, `bad escape \\${next ?? ''} in a label value`);
    i += 1;
  }
  throw new PrometheusTextError(lineNumber, 'a label value is not closed');
}

function unescapeHelp(text: string, lineNumber: number): string {
  return text.replace(/\\(.?)/g, (_all, c: string) => {
    if (c === '\\') return '\\';
    if (c === 'n') return '\n';
    throw new PrometheusTextError(lineNumber, `bad escape \\${c} in HELP`);
  });
}

function parseFloatToken(token: string): number | null {
  if (FLOAT.test(token)) return Number(token);
  const lower = token.toLowerCase();
  if (lower === 'nan') return NaN;
  if (lower === '+inf' || lower === 'inf') return Infinity;
  if (lower === '-inf') return -Infinity;
  return null;
}

/** Buckets of one series are cumulative, end at +Inf, and +Inf equals _count. */
function checkHistogram(family: MetricFamily): void {
  const groups = new Map<string, { buckets: Array<[number, number]>; count?: number }>();
  const groupOf = (s: Sample) => {
    const { le: _le, ...rest } = s.labels;
    const key = labelKey(rest);
    let g = groups.get(key);
    if (!g) {
      g = { buckets: [] };
      groups.set(key, g);
    }
    return g;
  };
  for (const s of family.samples) {
    if (s.name === `${family.name}_bucket`) {
      const le = s.labels.le === undefined ? null : parseFloatToken(s.labels.le);
      if (le === null) throw new PrometheusTextError(null, `${s.name} without a numeric le label`);
      groupOf(s).buckets.push([le, s.value]);
    } else if (s.name === `${family.name}_count`) {
      groupOf(s).count = s.value;
    }
  }
  for (const [key, g] of groups) {
    const sorted = [...g.buckets].sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < sorted.length; i++) {
      if (sorted[i]![1] < sorted[i - 1]![1]) {
        throw new PrometheusTextError(null, `${family.name}{${key}} buckets are not cumulative`);
      }
    }
    const inf = sorted.at(-1);
    if (!inf || inf[0] !== Infinity) {
      throw new PrometheusTextError(null, `${family.name}{${key}} has no le="+Inf" bucket`);
    }
    if (g.count !== undefined && g.count !== inf[1]) {
      throw new PrometheusTextError(
        null,
        `${family.name}{${key}} _count differs from its +Inf bucket`,
      );
    }
  }
}

function seriesKey(s: Sample): string {
  return `${s.name}{${labelKey(s.labels)}}`;
}

function labelKey(labels: Record<string, string>): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`)
    .join(',');
}

function skipBlanks(line: string, i: number): number {
  while (line[i] === ' ' || line[i] === '\t') i += 1;
  return i;
}

function isFullMatch(pattern: RegExp, text: string): boolean {
  return pattern.exec(text)?.[0] === text;
}

import { fmt, formatMinutes, type MinuteWindow } from './judge';
import { pointsOf, seriesNames, type Sample } from './sample';

/**
 * The soak's series as small multiples: one panel per series on its own vertical scale (0 to
 * its maximum or its bound, whichever is higher, unless the bound is far above it), all on
 * the same minutes axis, so a 200 MB RSS and a 12-row queue read equally well. Each panel
 * shades the baseline and the judged windows and draws the series' bound (or names it, with
 * an arrow, when it is far above the series); a failing series is titled in red. Pure: the caller writes the returned
 * text to a file.
 */

export interface ChartInput {
  title: string;
  runMinutes: number;
  samples: readonly Sample[];
  baseline: MinuteWindow;
  late: MinuteWindow;
  /** Per series: its bound (null: not judged) and whether it passed. */
  verdicts?: ReadonlyMap<string, { bound: number | null; ok: boolean }>;
}

const COLUMNS = 4;
const PANEL_WIDTH = 320;
const PANEL_HEIGHT = 120;
const GAP = 14;
const PLOT_LEFT = 52;
const PLOT_TOP = 22;
const PLOT_RIGHT = 8;
const PLOT_BOTTOM = 18;
const HEADER_HEIGHT = 64;
/** A bound is drawn when it is at most this many times the series' maximum. */
const BOUND_DRAWN_UP_TO = 2;
const COLOURS = {
  line: '#1f5fa8',
  fail: '#c0392b',
  base: '#dfe9f5',
  late: '#fbe3cf',
  bound: '#888',
};

export function renderSoakChart(input: ChartInput): string {
  const names = seriesNames(input.samples);
  const rows = Math.max(1, Math.ceil(names.length / COLUMNS));
  const width = COLUMNS * (PANEL_WIDTH + GAP) + GAP;
  const height = HEADER_HEIGHT + rows * (PANEL_HEIGHT + GAP) + GAP;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${GAP}" y="22" font-size="15" font-weight="bold">${escapeXml(input.title)}</text>`,
    legend(input, GAP, 44),
    ...names.map((name, i) =>
      panel(
        input,
        name,
        GAP + (i % COLUMNS) * (PANEL_WIDTH + GAP),
        HEADER_HEIGHT + Math.floor(i / COLUMNS) * (PANEL_HEIGHT + GAP),
      ),
    ),
    '</svg>',
  ];
  return `${parts.join('\n')}\n`;
}

function legend(input: ChartInput, x: number, y: number): string {
  const entries: Array<[string, string]> = [
    [
      `<rect x="0" y="-9" width="14" height="10" fill="${COLOURS.base}"/>`,
      `baseline, minutes ${formatMinutes(input.baseline)}`,
    ],
    [
      `<rect x="0" y="-9" width="14" height="10" fill="${COLOURS.late}"/>`,
      `judged, minutes ${formatMinutes(input.late)}`,
    ],
    [
      `<line x1="0" y1="-4" x2="14" y2="-4" stroke="${COLOURS.bound}" stroke-dasharray="3 2"/>`,
      'bound (↑: above the scale)',
    ],
    [
      `<line x1="0" y1="-4" x2="14" y2="-4" stroke="${COLOURS.line}" stroke-width="1.5"/>`,
      'series',
    ],
    [
      `<line x1="0" y1="-4" x2="14" y2="-4" stroke="${COLOURS.fail}" stroke-width="1.5"/>`,
      'series over its bound',
    ],
  ];
  let offset = 0;
  const items = entries.map(([swatch, label]) => {
    const item = `<g class="legend" transform="translate(${x + offset},${y})">${swatch}<text x="18" y="0">${escapeXml(label)}</text></g>`;
    offset += 30 + label.length * 6;
    return item;
  });
  return items.join('\n');
}

function panel(input: ChartInput, name: string, x: number, y: number): string {
  const points = pointsOf(input.samples, name);
  const verdict = input.verdicts?.get(name);
  const failed = verdict?.ok === false;
  const bound = verdict?.bound ?? null;
  const seriesMax = Math.max(0, ...points.map(([, v]) => v));
  // A bound far above the series (an allowance) would flatten it: it is named, not drawn.
  const boundDrawn = bound !== null && bound <= BOUND_DRAWN_UP_TO * Math.max(seriesMax, 1);
  const scaleMax = Math.max(seriesMax, boundDrawn ? bound : 0) || 1;
  const top = scaleMax * 1.05;
  const plotWidth = PANEL_WIDTH - PLOT_LEFT - PLOT_RIGHT;
  const plotHeight = PANEL_HEIGHT - PLOT_TOP - PLOT_BOTTOM;
  const px = (minute: number) => PLOT_LEFT + (minute / input.runMinutes) * plotWidth;
  const py = (value: number) => PLOT_TOP + plotHeight - (value / top) * plotHeight;
  const band = ([from, to]: MinuteWindow, fill: string) =>
    `<rect x="${n(px(from))}" y="${PLOT_TOP}" width="${n(Math.max(0, px(to) - px(from)))}" height="${plotHeight}" fill="${fill}"/>`;
  const colour = failed ? COLOURS.fail : COLOURS.line;
  const d = points
    .map(([m, v], i) => `${i === 0 ? 'M' : 'L'}${n(px(Math.min(m, input.runMinutes)))} ${n(py(v))}`)
    .join(' ');
  return [
    `<g class="panel" transform="translate(${x},${y})">`,
    `<rect width="${PANEL_WIDTH}" height="${PANEL_HEIGHT}" fill="none" stroke="#ccc"/>`,
    `<text x="6" y="14" font-weight="bold" fill="${failed ? COLOURS.fail : '#222'}">${escapeXml(name)}</text>`,
    failed
      ? `<text x="${PANEL_WIDTH - 6}" y="14" text-anchor="end" font-weight="bold" fill="${COLOURS.fail}">OVER</text>`
      : '',
    band(input.baseline, COLOURS.base),
    band(input.late, COLOURS.late),
    `<line x1="${PLOT_LEFT}" y1="${PLOT_TOP + plotHeight}" x2="${PLOT_LEFT + plotWidth}" y2="${PLOT_TOP + plotHeight}" stroke="#999"/>`,
    `<text x="${PLOT_LEFT - 4}" y="${PLOT_TOP + 8}" text-anchor="end">${escapeXml(compact(scaleMax))}</text>`,
    `<text x="${PLOT_LEFT - 4}" y="${PLOT_TOP + plotHeight}" text-anchor="end">0</text>`,
    `<text x="${PLOT_LEFT}" y="${PANEL_HEIGHT - 4}">0</text>`,
    `<text x="${PLOT_LEFT + plotWidth}" y="${PANEL_HEIGHT - 4}" text-anchor="end">${fmt(input.runMinutes)} min</text>`,
    bound === null
      ? ''
      : !boundDrawn
        ? `<text class="bound" x="${PANEL_WIDTH - 6}" y="14" text-anchor="end" font-size="10" fill="${COLOURS.bound}">bound ${escapeXml(compact(bound))} ↑</text>`
        : `<line class="bound" x1="${PLOT_LEFT}" y1="${n(py(bound))}" x2="${PLOT_LEFT + plotWidth}" y2="${n(py(bound))}" stroke="${COLOURS.bound}" stroke-dasharray="3 2"/>`,
    `<path class="series" data-series="${escapeXml(name)}" d="${d}" fill="none" stroke="${colour}" stroke-width="1.5"/>`,
    '</g>',
  ]
    .filter((line) => line !== '')
    .join('\n');
}

/** 1234567 -> 1.23M: axis labels stay short whatever the unit. */
export function compact(value: number): string {
  const abs = Math.abs(value);
  for (const [size, suffix] of [
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ] as const) {
    if (abs >= size) return `${+(value / size).toPrecision(3)}${suffix}`;
  }
  return fmt(value);
}

const n = (v: number): string => String(Math.round(v * 10) / 10);

export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

// The decisions-per-second chart, hand drawn on a canvas: the last two minutes of rate
// points, broken where the rate is unknown, with a marker wherever something happened (a
// service went down, the active leader changed). Loaded before dashboard.js, which calls it.
'use strict';

const CHART_WINDOW_MS = 120_000;
const MARK_COLOURS = { down: '#f85149', config: '#d29922' };

function drawDecisionsChart(canvas, view, events) {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth;
  const height = canvas.clientHeight;
  if (canvas.width !== Math.round(width * ratio)) canvas.width = Math.round(width * ratio);
  if (canvas.height !== Math.round(height * ratio)) canvas.height = Math.round(height * ratio);
  const ctx = canvas.getContext('2d');
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, width, height);

  const pad = { left: 42, right: 12, top: 14, bottom: 22 };
  const end = view.atMs;
  const start = end - CHART_WINDOW_MS;
  const points = view.decisions.series.filter((p) => p.atMs >= start);
  const top = niceCeiling(Math.max(1, ...points.map((p) => p.perSecond ?? 0)));
  const x = (t) => pad.left + ((t - start) / CHART_WINDOW_MS) * (width - pad.left - pad.right);
  const y = (v) => height - pad.bottom - (v / top) * (height - pad.top - pad.bottom);

  ctx.font = '11px system-ui, sans-serif';
  ctx.strokeStyle = '#26313d';
  ctx.fillStyle = '#8b98a5';
  ctx.lineWidth = 1;
  for (let i = 0; i <= 4; i++) {
    const v = (top * i) / 4;
    ctx.beginPath();
    ctx.moveTo(pad.left, y(v));
    ctx.lineTo(width - pad.right, y(v));
    ctx.stroke();
    ctx.fillText(formatRate(v), 4, y(v) + 4);
  }
  for (let s = 120; s >= 0; s -= 30) {
    ctx.fillText(s === 0 ? 'now' : `-${s}s`, x(end - s * 1000) - 10, height - 6);
  }

  // Markers for what happened: a service going down, a new active leader, a configuration
  // decided or taking effect (in the events list's colours). Labels of
  // markers close together go on separate rows instead of over each other.
  const labelRows = [[], [], []];
  for (const e of events) {
    if (e.atMs < start || !e.mark) continue;
    ctx.strokeStyle = MARK_COLOURS[e.kind] ?? '#3fb950';
    ctx.setLineDash([4, 4]);
    ctx.beginPath();
    ctx.moveTo(x(e.atMs), pad.top);
    ctx.lineTo(x(e.atMs), height - pad.bottom);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = ctx.strokeStyle;
    const label = e.mark;
    const labelWidth = ctx.measureText(label).width;
    // Near the right edge the label goes on the marker's left, where it still fits.
    const labelX =
      x(e.atMs) + 3 + labelWidth > width - pad.right ? x(e.atMs) - 3 - labelWidth : x(e.atMs) + 3;
    const row = labelRows.findIndex((taken) =>
      taken.every(([from, to]) => labelX + labelWidth < from || labelX > to),
    );
    if (row < 0) continue;
    labelRows[row].push([labelX - 4, labelX + labelWidth + 4]);
    ctx.fillText(label, labelX, pad.top + 8 + row * 13);
  }

  // The rate line, broken where no replica answered (null is unknown, not zero).
  ctx.strokeStyle = '#58a6ff';
  ctx.fillStyle = 'rgba(88, 166, 255, 0.18)';
  ctx.lineWidth = 2;
  let run = [];
  const flush = () => {
    if (run.length === 0) return;
    ctx.beginPath();
    run.forEach((p, i) =>
      i === 0 ? ctx.moveTo(x(p.atMs), y(p.perSecond)) : ctx.lineTo(x(p.atMs), y(p.perSecond)),
    );
    ctx.stroke();
    ctx.lineTo(x(run[run.length - 1].atMs), y(0));
    ctx.lineTo(x(run[0].atMs), y(0));
    ctx.closePath();
    ctx.fill();
    run = [];
  };
  for (const p of points) {
    if (p.perSecond === null) flush();
    else run.push(p);
  }
  flush();

  canvas.dataset.points = String(points.length);
  canvas.dataset.latestRate =
    view.decisions.perSecond === null ? '' : String(view.decisions.perSecond);
  canvas.dataset.decidedSlots =
    view.decisions.decidedSlots === null ? '' : String(view.decisions.decidedSlots);
}

function niceCeiling(v) {
  const magnitude = 10 ** Math.floor(Math.log10(v));
  for (const step of [1, 2, 5, 10]) if (step * magnitude >= v) return step * magnitude;
  return 10 * magnitude;
}

function formatRate(v) {
  return v >= 10 || v === 0 ? String(Math.round(v)) : v.toFixed(1);
}

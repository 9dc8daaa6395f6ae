/**
 * Line charts as inline SVG, drawn once when the report is built: readable without JavaScript, in light
 * and dark schemes (colors are CSS classes the page styles), and in print. Axes carry units (binary
 * bytes, percent, seconds) and times (`HH:MM:SS`) or sample numbers. Every label from a bundle is escaped
 * with escapeHtml; the output is deterministic (fixed decimals, no random ids).
 */
import { GIB, KIB, MIB, TIB } from '../common/units.js';
import { escapeHtml } from './escape.js';
import { clockLabel, shortNumber, type Unit } from './format.js';

export interface ChartPoint {
  x: number;
  y: number;
}

export interface ChartSeries {
  label: string;
  points: ChartPoint[];
}

/** `time`: x is epoch seconds; `relative`: seconds since the tool started; `sample`: the report index in its file. */
export type XAxis = 'time' | 'relative' | 'sample';

export interface ChartSpec {
  /** Safe id (letters, digits, dashes): used for the SVG's title element. */
  id: string;
  title: string;
  unit: Unit;
  xAxis: XAxis;
  series: ChartSeries[];
}

export const CHART_WIDTH = 760;
const PLOT_HEIGHT = 200;
const MARGIN = { left: 78, right: 40, top: 14, bottom: 34 };
const LEGEND_ROW = 18;
/** Two legend columns, or one when a label would not fit in half the width. */
const LEGEND_COLUMN_CHARS = 44;
/** Series colors: `.s0`…`.s7` in the page's CSS. */
export const SERIES_COLORS = 8;
/** Points drawn as dots too when a series is this short (a line alone hides single samples). */
const MAX_DOTTED_POINTS = 40;

const fixed = (n: number): string => {
  const t = n.toFixed(1);
  return t.endsWith('.0') ? t.slice(0, -2) : t;
};

/** A step of 1, 2 or 5 × 10^k giving at most `maxTicks` intervals over `span`. */
export function niceStep(span: number, maxTicks: number): number {
  if (!(span > 0)) return 1;
  const raw = span / maxTicks;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * magnitude >= raw) return m * magnitude;
  return 10 * magnitude;
}

interface Scale {
  divisor: number;
  suffix: string;
}

const BYTE_SCALES: readonly [number, string][] = [
  [TIB, 'TiB'],
  [GIB, 'GiB'],
  [MIB, 'MiB'],
  [KIB, 'KiB'],
  [1, 'B'],
];

/** The unit the y axis is labelled in, chosen from the largest value so labels stay short. */
function yScale(unit: Unit, max: number): Scale {
  switch (unit) {
    case 'bytes':
    case 'bytes_per_s': {
      const per = unit === 'bytes_per_s' ? '/s' : '';
      for (const [size, name] of BYTE_SCALES) if (max >= size) return { divisor: size, suffix: ` ${name}${per}` };
      return { divisor: 1, suffix: ` B${per}` };
    }
    case 's':
      if (max >= 1) return { divisor: 1, suffix: ' s' };
      if (max >= 0.001) return { divisor: 0.001, suffix: ' ms' };
      return { divisor: 1e-6, suffix: ' µs' };
    case 'pct':
      return { divisor: 1, suffix: '%' };
    case 'per_s':
      return { divisor: 1, suffix: '/s' };
    case 'count':
      return { divisor: 1, suffix: '' };
  }
}

const AXIS_NAMES: Record<XAxis, string> = { time: 'time (HH:MM:SS, capture clock)', relative: 'seconds since the tool started', sample: 'sample number in the file' };

const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400];

function xTicks(axis: XAxis, min: number, max: number): { value: number; label: string }[] {
  const span = max - min;
  let step: number;
  if (axis === 'sample') step = Math.max(1, Math.ceil(niceStep(span, 6)));
  else step = TIME_STEPS.find((s) => span / s <= 6) ?? 86400;
  const first = Math.ceil(min / step) * step;
  const ticks: { value: number; label: string }[] = [];
  const label = (v: number): string => (axis === 'time' ? clockLabel(v) : axis === 'relative' ? `+${fixed(v)} s` : `#${fixed(v)}`);
  for (let v = first; v <= max + 1e-9 && ticks.length < 12; v += step) ticks.push({ value: v, label: label(v) });
  return ticks;
}

/** The chart as an SVG element. A spec without points gives an empty string (callers skip it). */
export function renderLineChart(spec: ChartSpec): string {
  const series = spec.series.filter((s) => s.points.length > 0);
  if (series.length === 0) return '';
  let xMin = Infinity;
  let xMax = -Infinity;
  let yMax = 0;
  let yMin = 0;
  for (const s of series)
    for (const p of s.points) {
      xMin = Math.min(xMin, p.x);
      xMax = Math.max(xMax, p.x);
      yMax = Math.max(yMax, p.y);
      yMin = Math.min(yMin, p.y);
    }
  if (xMin === xMax) {
    xMin -= 1;
    xMax += 1;
  }
  const scale = yScale(spec.unit, Math.max(Math.abs(yMax), Math.abs(yMin)));
  const step = niceStep((yMax - yMin) / scale.divisor || 1, 4) * scale.divisor;
  const top = Math.max(step, Math.ceil(yMax / step) * step);
  const bottom = Math.min(0, Math.floor(yMin / step) * step);

  const plotWidth = CHART_WIDTH - MARGIN.left - MARGIN.right;
  const columns = series.some((s) => s.label.length > LEGEND_COLUMN_CHARS) ? 1 : 2;
  const legendRows = Math.ceil(series.length / columns);
  const height = MARGIN.top + PLOT_HEIGHT + MARGIN.bottom + legendRows * LEGEND_ROW + 6;
  const px = (x: number): number => MARGIN.left + ((x - xMin) / (xMax - xMin)) * plotWidth;
  const py = (y: number): number => MARGIN.top + PLOT_HEIGHT - ((y - bottom) / (top - bottom)) * PLOT_HEIGHT;

  const parts: string[] = [];
  const titleId = `${spec.id}-title`;
  parts.push(`<svg class="chart" viewBox="0 0 ${CHART_WIDTH} ${height}" width="${CHART_WIDTH}" height="${height}" role="img" aria-labelledby="${titleId}">`);
  parts.push(`<title id="${titleId}">${escapeHtml(spec.title)}</title>`);
  // Grid and y labels.
  parts.push('<g class="grid">');
  for (let v = bottom, i = 0; v <= top + step / 1e6 && i < 20; v += step, i++) {
    const y = fixed(py(v));
    parts.push(`<line x1="${MARGIN.left}" x2="${CHART_WIDTH - MARGIN.right}" y1="${y}" y2="${y}"/>`);
    parts.push(`<text class="ylabel" x="${MARGIN.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${escapeHtml(`${shortNumber(v / scale.divisor)}${scale.suffix}`)}</text>`);
  }
  for (const t of xTicks(spec.xAxis, xMin, xMax)) {
    const x = fixed(px(t.value));
    parts.push(`<line x1="${x}" x2="${x}" y1="${MARGIN.top}" y2="${MARGIN.top + PLOT_HEIGHT}"/>`);
    parts.push(`<text class="xlabel" x="${x}" y="${MARGIN.top + PLOT_HEIGHT + 16}" text-anchor="middle">${escapeHtml(t.label)}</text>`);
  }
  parts.push('</g>');
  parts.push(`<text class="axisname" x="${CHART_WIDTH - MARGIN.right}" y="${MARGIN.top + PLOT_HEIGHT + 30}" text-anchor="end">${AXIS_NAMES[spec.xAxis]}</text>`);
  parts.push(`<rect class="frame" x="${MARGIN.left}" y="${MARGIN.top}" width="${plotWidth}" height="${PLOT_HEIGHT}"/>`);
  // Series.
  series.forEach((s, i) => {
    const points = [...s.points].sort((a, b) => a.x - b.x);
    const cls = `s${i % SERIES_COLORS}`;
    const d = points.map((p, j) => `${j === 0 ? 'M' : 'L'}${fixed(px(p.x))} ${fixed(py(p.y))}`).join(' ');
    parts.push(`<path class="line ${cls}" d="${points.length === 1 ? `${d} h0.01` : d}"/>`);
    if (points.length <= MAX_DOTTED_POINTS) for (const p of points) parts.push(`<circle class="dot ${cls}" cx="${fixed(px(p.x))}" cy="${fixed(py(p.y))}" r="2.5"/>`);
  });
  // Legend under the plot.
  const legendTop = MARGIN.top + PLOT_HEIGHT + MARGIN.bottom + 4;
  const columnWidth = (CHART_WIDTH - MARGIN.left) / columns;
  series.forEach((s, i) => {
    const x = MARGIN.left + (i % columns) * columnWidth;
    const y = legendTop + Math.floor(i / columns) * LEGEND_ROW;
    const cls = `s${i % SERIES_COLORS}`;
    const label = s.label.length > 90 ? `${s.label.slice(0, 89)}…` : s.label;
    parts.push(`<line class="line ${cls}" x1="${fixed(x)}" x2="${fixed(x + 18)}" y1="${y}" y2="${y}"/>`);
    parts.push(`<text class="legend" x="${fixed(x + 24)}" y="${y}" dominant-baseline="middle">${escapeHtml(label)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

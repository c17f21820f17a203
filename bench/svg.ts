/**
 * The scaling plot as plain SVG (no plotting dependency): one panel per metric, task
 * definitions on a log x axis, one line per variant with min–max whiskers.
 */

export interface Series {
  readonly label: string;
  readonly color: string;
  /** One point per size: x, median, min, max. */
  readonly points: { x: number; y: number; lo: number; hi: number }[];
}

export interface Panel {
  readonly title: string;
  readonly yLabel: string;
  readonly series: Series[];
}

const W = 460;
const H = 320;
const M = { left: 64, right: 16, top: 36, bottom: 48 };

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A "nice" upper bound and tick step for a linear axis from 0. */
function niceAxis(max: number): { top: number; step: number } {
  const raw = max / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map(f => f * mag).find(s => s >= raw) ?? 10 * mag;
  return { top: Math.ceil(max / step) * step, step };
}

function fmt(v: number): string {
  if (v === 0) return '0';
  return Math.abs(v) >= 10 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(1) : v.toFixed(2);
}

function panel(p: Panel, offsetX: number): string {
  const xs = p.series.flatMap(s => s.points.map(pt => pt.x));
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs);
  const yMax = Math.max(...p.series.flatMap(s => s.points.map(pt => pt.hi)));
  const { top, step } = niceAxis(yMax * 1.05);
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const sx = (x: number) => offsetX + M.left + (xMax === xMin ? pw / 2 : ((Math.log10(x) - Math.log10(xMin)) / (Math.log10(xMax) - Math.log10(xMin))) * pw);
  const sy = (y: number) => M.top + ph - (y / top) * ph;
  const out: string[] = [];
  out.push(`<text x="${offsetX + W / 2}" y="20" text-anchor="middle" font-weight="bold">${esc(p.title)}</text>`);
  for (let y = 0; y <= top + step / 2; y += step) {
    out.push(`<line x1="${offsetX + M.left}" x2="${offsetX + W - M.right}" y1="${sy(y)}" y2="${sy(y)}" stroke="#ddd"/>`);
    out.push(`<text x="${offsetX + M.left - 6}" y="${sy(y) + 4}" text-anchor="end">${fmt(y)}</text>`);
  }
  for (const x of [...new Set(xs)].sort((a, b) => a - b)) {
    out.push(`<line x1="${sx(x)}" x2="${sx(x)}" y1="${M.top}" y2="${M.top + ph}" stroke="#eee"/>`);
    out.push(`<text x="${sx(x)}" y="${M.top + ph + 16}" text-anchor="middle">${x}</text>`);
  }
  out.push(`<line x1="${offsetX + M.left}" x2="${offsetX + M.left}" y1="${M.top}" y2="${M.top + ph}" stroke="#333"/>`);
  out.push(`<line x1="${offsetX + M.left}" x2="${offsetX + W - M.right}" y1="${M.top + ph}" y2="${M.top + ph}" stroke="#333"/>`);
  out.push(`<text x="${offsetX + M.left + pw / 2}" y="${H - 10}" text-anchor="middle">task definitions (log scale)</text>`);
  out.push(`<text transform="translate(${offsetX + 16},${M.top + ph / 2}) rotate(-90)" text-anchor="middle">${esc(p.yLabel)}</text>`);
  p.series.forEach((s, i) => {
    const d = s.points.map((pt, j) => `${j === 0 ? 'M' : 'L'}${sx(pt.x).toFixed(1)},${sy(pt.y).toFixed(1)}`).join(' ');
    out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"/>`);
    for (const pt of s.points) {
      const x = sx(pt.x) + (i - 1) * 4; // spread whiskers so they do not hide each other
      out.push(`<line x1="${x}" x2="${x}" y1="${sy(pt.lo)}" y2="${sy(pt.hi)}" stroke="${s.color}"/>`);
      out.push(`<circle cx="${sx(pt.x)}" cy="${sy(pt.y)}" r="3" fill="${s.color}"/>`);
    }
  });
  return out.join('\n');
}

/** Panels side by side, with a caption line under them. */
export function renderSvg(panels: Panel[], caption: string): string {
  const width = W * panels.length;
  const height = H + 44;
  // One legend for all panels (their series are the same), under the panels.
  const legend = (panels[0]?.series ?? []).map((s, i) => {
    const x = width / 2 - 240 + i * 170;
    return `<line x1="${x}" x2="${x + 22}" y1="${H + 8}" y2="${H + 8}" stroke="${s.color}" stroke-width="2"/>` +
      `<text x="${x + 28}" y="${H + 12}">${esc(s.label)}</text>`;
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    ...panels.map((p, i) => panel(p, i * W)),
    ...legend,
    `<text x="${width / 2}" y="${H + 34}" text-anchor="middle" fill="#555">${esc(caption)}</text>`,
    '</svg>',
    '',
  ].join('\n');
}

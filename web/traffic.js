// @ts-check
// The traffic history the page keeps and the sparkline drawn from it: bytes/s over the last minute,
// computed from the successive status documents this tab received (the agent sends counters, not
// rates). Pure: `now` comes in; unit-tested as served (test/unit/web/traffic.test.ts).
import { formatRate } from './format.js';

/** @typedef {import('../src/control/status-document.js').StatusDocument} StatusDocument */
/** @typedef {{ t: number, total: number }} Sample */

/** The sparkline's span and resolution: one bar per second over the last minute. */
export const SPARK_WINDOW_MS = 60_000;
const SPARK_BINS = 60;
/** Samples kept per forward: a minute of updates at the agent's fastest (50 ms) is 1,200. */
const MAX_SAMPLES = 1_200;

/** @param {string} host @param {string} id */
export function historyKey(host, id) {
  return `${host}\n${id}`;
}

/**
 * The history with this document's counters appended (bytes both ways, per forward), samples older
 * than the window dropped (one kept as the baseline), forwards that are gone forgotten.
 * @param {Map<string, Sample[]>} history @param {StatusDocument} doc @param {number} now
 * @returns {Map<string, Sample[]>}
 */
export function recordTraffic(history, doc, now) {
  /** @type {Map<string, Sample[]>} */
  const next = new Map();
  for (const s of doc.sessions) {
    for (const c of s.clusters) {
      for (const f of c.forwards) {
        const key = historyKey(s.host, f.id);
        const kept = (history.get(key) ?? []).filter(
          (_x, i, all) => (all[i + 1]?.t ?? now) >= now - SPARK_WINDOW_MS,
        );
        kept.push({ t: now, total: f.bytesIn + f.bytesOut });
        next.set(key, kept.slice(-MAX_SAMPLES));
      }
    }
  }
  return next;
}

/**
 * Bytes/s per second over the last minute. The agent sends an update within its throttle of the
 * traffic, so the bytes between two samples are put in the second of the later one. A counter that
 * went down (a new forward under the same id) counts as nothing.
 * @param {Sample[]} samples @param {number} now
 */
export function rates(samples, now) {
  const bins = new Array(SPARK_BINS).fill(0);
  for (let i = 1; i < samples.length; i++) {
    const a = /** @type {Sample} */ (samples[i - 1]);
    const b = /** @type {Sample} */ (samples[i]);
    // Counted back from now, so a sample taken at this very millisecond is in the last second.
    const bin = SPARK_BINS - 1 - Math.floor((now - b.t) / (SPARK_WINDOW_MS / SPARK_BINS));
    if (bin >= 0 && bin < SPARK_BINS) bins[bin] += Math.max(0, b.total - a.total);
  }
  return bins.map((bytes) => bytes / (SPARK_WINDOW_MS / SPARK_BINS / 1000));
}

/**
 * The sparkline: an SVG polyline's points in a 120×28 box (the highest second on top), the same as a
 * closed area to shade under it, and the last seconds' rate and the peak as words.
 * @param {Sample[]} samples @param {number} now
 */
export function sparkline(samples, now) {
  const values = rates(samples, now);
  const peak = Math.max(...values);
  const W = 120;
  const H = 28;
  const points = values
    .map((v, i) => {
      const x = (i * W) / (values.length - 1);
      const y = H - 1 - (peak > 0 ? (v / peak) * (H - 4) : 0);
      return `${x.toFixed(1)},${y.toFixed(1)}`;
    })
    .join(' ');
  const recent = values.slice(-3).reduce((a, b) => a + b, 0) / 3;
  return {
    points,
    area: `0,${H} ${points} ${W},${H}`,
    peak,
    label: peak > 0 ? `${formatRate(recent)} now, peak ${formatRate(peak)}` : 'idle',
  };
}

// @ts-check
// The Ports page's pure core: a status document (and the traffic history the page keeps) → what each
// part of the page says. No DOM, no clock, no network: app.js passes `now` in, and the unit tests import
// this file as it is served (test/unit/web/model.test.ts). Every string here is plain text; app.js puts
// it on the page with textContent only, so a name from the dev server can never become markup.

/** @typedef {import('../src/control/status-document.js').StatusDocument} StatusDocument */
/** @typedef {import('../src/control/status-document.js').SessionStatus} SessionStatus */
/** @typedef {import('../src/control/status-document.js').ForwardStatus} ForwardStatus */
/** @typedef {import('../src/ui/types.js').AgentEvent} AgentEvent */
/** @typedef {import('../src/ui/types.js').LogLineEvent} LogLineEvent */
/** @typedef {'good' | 'warn' | 'bad' | 'quiet'} Tone */
/** @typedef {{ t: number, total: number }} Sample */

/** The sparkline's span and resolution: one bar per second over the last minute. */
export const SPARK_WINDOW_MS = 60_000;
const SPARK_BINS = 60;
/** Samples kept per forward: a minute of updates at the agent's fastest (50 ms) is 1,200. */
const MAX_SAMPLES = 1_200;
/** Longer than any valid `namespace/name:port`: only a lying API gets cut (as cli/render-via.ts does). */
const NAME_LENGTH = 140;

/** @param {unknown} text */
export function cut(text) {
  const s = String(text ?? '');
  return s.length <= NAME_LENGTH ? s : `${s.slice(0, NAME_LENGTH - 1)}…`;
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** 1536 → "1.5 KiB"; whole bytes below 1 KiB. @param {number} bytes */
export function formatBytes(bytes) {
  let value = Math.max(0, Number(bytes) || 0);
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${value.toFixed(digits)} ${UNITS[unit]}`;
}

/** @param {number} bytesPerSecond */
export function formatRate(bytesPerSecond) {
  return `${formatBytes(bytesPerSecond)}/s`;
}

/** A span for people: "4 s", "3 min", "2 h 5 min", "3 d". @param {number} ms */
export function formatDuration(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return min % 60 ? `${h} h ${min % 60} min` : `${h} h`;
  return `${Math.floor(h / 24)} d`;
}

/** "for 3 min" since an ISO time, or "" when it does not parse. @param {string | null | undefined} iso @param {number} now */
export function since(iso, now) {
  const t = iso ? Date.parse(iso) : Number.NaN;
  return Number.isNaN(t) ? '' : formatDuration(now - t);
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^(?=.*:)[0-9a-fA-F:]{2,39}$/;

/**
 * The http link for a local address, or null: only an IPv4/IPv6 literal or localhost and a port 1..65535
 * make one, so a hostile address can never become a `javascript:` or foreign URL. A wildcard bind
 * (0.0.0.0, ::) is opened on loopback, where it also listens.
 * @param {unknown} address @param {unknown} port
 */
export function localLink(address, port) {
  if (typeof address !== 'string' || !Number.isInteger(port)) return null;
  const p = /** @type {number} */ (port);
  if (p < 1 || p > 65535) return null;
  if (address === '0.0.0.0') return `http://127.0.0.1:${p}/`;
  if (address === 'localhost' || IPV4.test(address)) return `http://${address}:${p}/`;
  if (IPV6.test(address) && (address.match(/::/g) ?? []).length <= 1) {
    return `http://[${address === '::' ? '::1' : address}]:${p}/`;
  }
  return null;
}

/** What a forward reaches: its Service, else "host port 8080". @param {ForwardStatus} f */
export function reachesText(f) {
  const s = f.service;
  if (s) return cut(`${s.namespace}/${s.name}:${s.port}`);
  return `host port ${f.remotePort}`;
}

/** How the dev server reaches it, in `tunnel status`'s words (cli/render-via.ts). @param {ForwardStatus} f */
export function viaText(f) {
  const via = f.via;
  if (via?.kind === 'node') return `node ${cut(via.address)}:${f.remotePort}`;
  if (via?.kind === 'pod') return 'pod port-forward';
  const loopback = f.remoteHost === '127.0.0.1' || f.remoteHost === 'localhost';
  const port = `host port ${loopback ? '' : `${cut(f.remoteHost)}:`}${f.remotePort}`;
  const showNodePort = f.nodePort !== null && (f.nodePort !== f.remotePort || f.service != null);
  return showNodePort ? `${port} → nodePort ${f.nodePort}` : port;
}

/** @type {Record<string, Tone>} */
const FORWARD_TONES = { ok: 'good', holding: 'warn', refused: 'bad', unbound: 'bad', stopped: 'quiet' };

/** One row of a cluster's forwards table. @param {ForwardStatus} f @param {Sample[] | undefined} samples @param {number} now */
export function forwardView(f, samples, now) {
  const remapped = f.remapped ? `local port ${f.remapped.from} was ${cut(f.remapped.reason)}` : '';
  return {
    id: f.id,
    reaches: reachesText(f),
    via: viaText(f),
    address: `${IPV6.test(f.localAddress) ? `[${f.localAddress}]` : cut(f.localAddress)}:${f.localPort}`,
    href: localLink(f.localAddress, f.localPort),
    state: { word: f.state, tone: FORWARD_TONES[f.state] ?? 'quiet' },
    open: f.open,
    bytesIn: formatBytes(f.bytesIn),
    bytesOut: formatBytes(f.bytesOut),
    spark: sparkline(samples ?? [], now),
    note: remapped,
    error: f.lastError
      ? cut(f.lastError)
      : f.remote.answers === false && f.remote.error
        ? cut(f.remote.error)
        : '',
  };
}

/** The API forward's address and state, beside the kubectl line. @param {ForwardStatus | undefined} f */
function apiView(f) {
  if (!f) return null;
  return {
    address: `${cut(f.localAddress)}:${f.localPort}`,
    state: { word: f.state, tone: FORWARD_TONES[f.state] ?? 'quiet' },
  };
}

/** @type {Record<string, Tone>} */
const SESSION_TONES = {
  forwarding: 'good',
  connecting: 'warn',
  reconnecting: 'warn',
  'needs-answer': 'bad',
  stopped: 'quiet',
};

/** The line under the session's state: why, which attempt, when the next one. @param {SessionStatus} s @param {number} now */
export function sessionDetail(s, now) {
  const error = s.lastError ? cut(s.lastError.message) : '';
  if (s.state === 'forwarding') return `connected for ${since(s.connectedAt ?? s.since, now)}`;
  if (s.state === 'needs-answer')
    return `the login needs an answer: run \`tunnel connect ${cut(s.host)}\` in a terminal`;
  if (s.state === 'stopped') return error ? `stopped: ${error}` : `stopped ${since(s.since, now)} ago`;
  const parts = [];
  if (s.attempt !== null) parts.push(`attempt ${s.attempt}`);
  if (s.nextAttemptAt) {
    const wait = Date.parse(s.nextAttemptAt) - now;
    parts.push(wait > 500 ? `next attempt in ${formatDuration(wait)}` : 'trying now');
  }
  return [error, parts.join(', ')].filter(Boolean).join(' — ');
}

/** What to run, under the detail: the last error's hint while the session is down, unless the detail says it. @param {SessionStatus} s @param {number} now */
function hintText(s, now) {
  const hint = s.state !== 'forwarding' && s.lastError?.hint ? cut(s.lastError.hint) : '';
  return hint && !sessionDetail(s, now).includes(hint) ? hint : '';
}

/** @param {SessionStatus} s */
export function transportText(s) {
  const t = s.transport;
  if (!t?.kind) return '';
  const name = t.kind === 'openssh' ? 'OpenSSH' : 'ssh2';
  return t.reason ? `${name} (${cut(t.reason)})` : name;
}

/**
 * One dev server's section.
 * @param {SessionStatus} s
 * @param {Map<string, Sample[]>} history
 * @param {number} now
 */
export function sessionView(s, history, now) {
  return {
    /** The alias as it is (the actions' `host`: an attribute, never markup). */
    alias: s.host,
    host: cut(s.host),
    hostName: s.hostName && s.hostName !== s.host ? cut(s.hostName) : '',
    state: { word: s.state, tone: SESSION_TONES[s.state] ?? 'quiet' },
    detail: sessionDetail(s, now),
    hint: hintText(s, now),
    transport: transportText(s),
    dockerHost: s.dockerHost ? cut(s.dockerHost) : '',
    clusters: s.clusters.map((c) => ({
      name: cut(c.name),
      context: c.context ? cut(c.context) : '',
      command: c.context ? `kubectl --context ${shellWord(c.context)} get pods` : '',
      api: apiView(c.forwards.find((f) => f.kind === 'api')),
      forwards: c.forwards
        .filter((f) => f.kind === 'service')
        .map((f) => forwardView(f, history.get(historyKey(s.host, f.id)), now)),
    })),
    skipped: (s.skipped ?? []).map((k) => `${cut(k.cluster)}: ${cut(k.reason)}`),
  };
}

/** A context name quoted for a POSIX shell when it needs it (the copied line must be safe to paste). @param {string} word */
export function shellWord(word) {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}

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

/**
 * The tab's title: what needs a look counted in front, so a tab left open beside the app says it
 * (a session not forwarding, a forward refused or unbound).
 * @param {StatusDocument | null} doc @param {boolean} stale
 */
export function titleText(doc, stale) {
  let problems = 0;
  for (const s of doc?.sessions ?? []) {
    if (s.state !== 'forwarding') problems += 1;
    for (const c of s.clusters) {
      for (const f of c.forwards) if (f.state === 'refused' || f.state === 'unbound') problems += 1;
    }
  }
  const prefix = stale ? '(stale) ' : problems ? `(${problems}) ` : '';
  return `${prefix}Ports · tunnel`;
}

/**
 * The banner above the servers, or null when all is well. The page server being gone wins: then
 * nothing the page shows can change any more.
 * @param {AgentEvent | null} agent @param {boolean} pageServerGone
 * @returns {{ tone: Tone, title: string, detail: string, hint: string, stale: boolean } | null}
 */
export function bannerView(agent, pageServerGone) {
  if (pageServerGone) {
    return {
      tone: 'bad',
      title: 'tunnel ui stopped',
      detail: 'This page no longer updates.',
      hint: 'run `tunnel ui` again',
      stale: true,
    };
  }
  if (!agent) return { tone: 'warn', title: 'Connecting to tunnel ui…', detail: '', hint: '', stale: false };
  if (agent.state === 'connecting') {
    return { tone: 'warn', title: 'Reaching the agent…', detail: '', hint: '', stale: true };
  }
  if (agent.state === 'gone') {
    return {
      tone: 'bad',
      title: 'The agent is gone',
      detail: cut(agent.message),
      hint: cut(agent.hint),
      stale: true,
    };
  }
  return null;
}

/** A log line's parts, its time as the local HH:MM:SS. @param {LogLineEvent} line */
export function logLineView(line) {
  const t = line.time ? new Date(line.time) : null;
  const time = t && !Number.isNaN(t.getTime()) ? t.toTimeString().slice(0, 8) : '';
  const level = line.level ?? '';
  const tone = level === 'error' ? 'bad' : level === 'warn' ? 'warn' : 'quiet';
  const text = [line.host ? `[${line.host}]` : '', line.message, line.fields].filter(Boolean).join(' ');
  return { time, level, tone, text: text.slice(0, 2048) };
}

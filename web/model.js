// @ts-check
// The Ports page's pure core: a status document (and the traffic history) → what each part of the page
// says. No DOM, no clock (`now` comes in), no network; unit-tested as served. Every string is plain
// text: dom.js puts it on the page with textContent only.
import { cut, formatBytes, formatDuration, since } from './format.js';
import { pasteWord } from './shell-word.js';
import { historyKey, sparkline } from './traffic.js';

/** @typedef {import('../src/control/status-document.js').StatusDocument} StatusDocument */
/** @typedef {import('../src/control/status-document.js').SessionStatus} SessionStatus */
/** @typedef {import('../src/control/status-document.js').ForwardStatus} ForwardStatus */
/** @typedef {import('../src/ui/types.js').AgentEvent} AgentEvent */
/** @typedef {import('../src/ui/types.js').RefusedEvent} RefusedEvent */
/** @typedef {'good' | 'warn' | 'bad' | 'quiet'} Tone */
/** @typedef {import('./traffic.js').Sample} Sample */

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^(?=.*:)[0-9a-fA-F:]{2,39}$/;

/**
 * `host:port` of a local address, or null: only an IPv4/IPv6 literal or localhost and a port 1..65535,
 * so a hostile address never becomes a `javascript:` or foreign URL. A wildcard bind is reached on loopback.
 * @param {unknown} address @param {unknown} port
 */
export function localHostPort(address, port) {
  if (typeof address !== 'string' || !Number.isInteger(port)) return null;
  const p = /** @type {number} */ (port);
  if (p < 1 || p > 65535) return null;
  if (address === '0.0.0.0') return `127.0.0.1:${p}`;
  if (address === 'localhost' || IPV4.test(address)) return `${address}:${p}`;
  if (IPV6.test(address) && (address.match(/::/g) ?? []).length <= 1) {
    return `[${address === '::' ? '::1' : address}]:${p}`;
  }
  return null;
}

/** The link for a local address (see localHostPort), or null. @param {unknown} address @param {unknown} port @param {'http' | 'https'} scheme */
export function localLink(address, port, scheme = 'http') {
  const hostPort = localHostPort(address, port);
  return hostPort ? `${scheme}://${hostPort}/` : null;
}

// Well-known ports a browser cannot talk to (ssh, etcd, MySQL, PostgreSQL, AMQP, Redis, Kafka,
// memcached, MongoDB): a click would only show a browser error, so the row offers the address to copy.
const NOT_HTTP = new Set([22, 2379, 3306, 5432, 5672, 6379, 9092, 11211, 27017]);
const HTTPS_PORTS = new Set([443, 8443]);

/**
 * https for a Service port named `https`/`https-…` or on 443/8443, none for a well-known non-HTTP port,
 * else http; by the Service's port (a host-port forward: the host port), as the local one may be remapped.
 * @param {ForwardStatus} f @returns {'http' | 'https' | null}
 */
export function linkScheme(f) {
  const port = f.service ? f.service.port : f.remotePort;
  const name = f.service?.portName ?? '';
  if (name === 'https' || name.startsWith('https-') || HTTPS_PORTS.has(port)) return 'https';
  return NOT_HTTP.has(port) ? null : 'http';
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
/** @param {ForwardStatus} f */
const forwardState = (f) => ({ word: f.state, tone: FORWARD_TONES[f.state] ?? 'quiet' });

/** @param {ForwardStatus} f */
function forwardError(f) {
  if (f.lastError) return cut(f.lastError);
  return f.remote.answers === false && f.remote.error ? cut(f.remote.error) : '';
}

/** One row of a cluster's forwards table. @param {ForwardStatus} f @param {Sample[] | undefined} samples @param {number} now */
export function forwardView(f, samples, now) {
  const hostPort = localHostPort(f.localAddress, f.localPort);
  const scheme = linkScheme(f);
  return {
    id: f.id,
    reaches: reachesText(f),
    via: viaText(f),
    address: `${IPV6.test(f.localAddress) ? `[${f.localAddress}]` : cut(f.localAddress)}:${f.localPort}`,
    href: hostPort && scheme ? `${scheme}://${hostPort}/` : null,
    /** What "Copy address" copies: only a validated address, else no button. */
    copy: hostPort ?? '',
    state: forwardState(f),
    open: f.open,
    bytesIn: formatBytes(f.bytesIn),
    bytesOut: formatBytes(f.bytesOut),
    spark: sparkline(samples ?? [], now),
    note: f.remapped ? `local port ${f.remapped.from} was ${cut(f.remapped.reason)}` : '',
    error: forwardError(f),
  };
}

/** The API forward's address and state, beside the kubectl line. @param {ForwardStatus | undefined} f */
function apiView(f) {
  return f ? { address: `${cut(f.localAddress)}:${f.localPort}`, state: forwardState(f) } : null;
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
 * The host's first button: the same request either way (control `rediscover`), but while forwarding
 * it re-reads the clusters, and otherwise it cuts the reconnect backoff short; the label says which.
 * @param {SessionStatus} s
 */
export function refreshButton(s) {
  return s.state === 'forwarding'
    ? { label: 'Refresh', busy: 'Refreshing…', title: "re-read the dev server's clusters now" }
    : { label: 'Reconnect now', busy: 'Reconnecting…', title: 'try to reach the dev server now' };
}

/**
 * The kubectl line to copy, the CLI's own line (cli/render-connect.ts) quoted by the CLI's rule; not
 * copyable when the context cannot be pasted safely (a placeholder would paste as redirections).
 * `--context <word>` is safe for a word starting with `-` too: kubectl takes the next argument as the value.
 * @param {string} context
 */
export function kubectlLine(context) {
  const word = pasteWord(context, '');
  return word
    ? { command: `kubectl --context ${word} get pods`, copyable: true }
    : { command: `kubectl --context <context> get pods`, copyable: false };
}

/**
 * One dev server's section.
 * @param {SessionStatus} s @param {Map<string, Sample[]>} history @param {number} now
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
    refresh: refreshButton(s),
    clusters: s.clusters.map((c) => ({
      name: cut(c.name),
      context: c.context ? cut(c.context) : '',
      kubectl: c.context ? kubectlLine(c.context) : null,
      api: apiView(c.forwards.find((f) => f.kind === 'api')),
      forwards: c.forwards
        .filter((f) => f.kind === 'service')
        .map((f) => forwardView(f, history.get(historyKey(s.host, f.id)), now)),
    })),
    skipped: (s.skipped ?? []).map((k) => `${cut(k.cluster)}: ${cut(k.reason)}`),
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

/** @typedef {{ tone: Tone, title: string, detail: string, hint: string, stale: boolean }} Banner */

/**
 * The banner above the servers, or null when all is well. A refused tab wins (the server is fine, it
 * is this tab that must go), then the page server being gone: then nothing here can change any more.
 * @param {AgentEvent | null} agent @param {boolean} pageServerGone @param {RefusedEvent | null} [refused]
 * @returns {Banner | null}
 */
export function bannerView(agent, pageServerGone, refused = null) {
  if (refused) {
    const detail = [cut(refused.message), cut(refused.hint)].filter(Boolean).join(': ');
    return { tone: 'warn', title: 'This tab does not update', detail, hint: '', stale: true };
  }
  if (pageServerGone) {
    const detail = 'This page no longer updates.';
    return { tone: 'bad', title: 'tunnel ui stopped', detail, hint: 'run `tunnel ui` again', stale: true };
  }
  if (!agent) return { tone: 'warn', title: 'Connecting to tunnel ui…', detail: '', hint: '', stale: false };
  if (agent.state === 'connecting') {
    return { tone: 'warn', title: 'Reaching the agent…', detail: '', hint: '', stale: true };
  }
  if (agent.state === 'gone') {
    const detail = cut(agent.message);
    return { tone: 'bad', title: 'The agent is gone', detail, hint: cut(agent.hint), stale: true };
  }
  return null;
}

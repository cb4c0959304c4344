// @ts-check
// The Ports page in the browser: two EventSources (events; log on demand), the actions, and the DOM.
// Every text goes in through createElement + textContent (never innerHTML): names come from the dev
// server. The page is rebuilt from the model on each change and morphed into place, so a link or a
// button under the pointer stays the same element while traffic updates stream in.
import { bannerView, logLineView, recordTraffic, sessionView, titleText } from './model.js';

/** @typedef {import('../src/ui/types.js').AgentEvent} AgentEvent */
/** @typedef {import('../src/ui/types.js').StatusEvent} StatusEvent */
/** @typedef {import('../src/ui/types.js').LogEvent} LogEvent */
/** @typedef {import('../src/ui/types.js').ActionReply} ActionReply */
/** @typedef {ReturnType<typeof sessionView>} SessionView */
/** @typedef {SessionView['clusters'][number]['forwards'][number]} ForwardView */

const LOG_LINES = 500;
/** How long the event stream may fail before the page says tunnel ui is gone. */
const SERVER_GONE_MS = 3_000;

const state = {
  /** @type {AgentEvent | null} */ agent: null,
  /** @type {import('../src/control/status-document.js').StatusDocument | null} */ doc: null,
  /** @type {Map<string, import('./model.js').Sample[]>} */ history: new Map(),
  /** @type {number | null} */ failingSince: null,
  serverGone: false,
  /** @type {Map<string, ActionReply>} */ notices: new Map(),
  /** @type {Set<string>} */ busy: new Set(),
  copied: '',
};

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));

/**
 * An element with attributes (a `class` string among them) and children (strings become text).
 * @param {string} tag @param {Record<string, string | undefined>} attrs @param {(Node | string | false | null)[]} children
 */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) el.setAttribute(k, v);
  for (const c of children) if (c !== false && c !== null) el.append(c);
  return el;
}

/** @param {{ word: string, tone: string }} s */
const pill = (s) => h('span', { class: `pill tone-${s.tone}` }, s.word);

/** @param {{ points: string, area: string, label: string }} spark */
function sparkSvg(spark) {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 120 28');
  svg.setAttribute('class', 'spark');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', spark.label);
  const area = document.createElementNS(ns, 'polygon');
  area.setAttribute('points', spark.area);
  const line = document.createElementNS(ns, 'polyline');
  line.setAttribute('points', spark.points);
  svg.append(area, line);
  return svg;
}

/** @param {ForwardView} f */
function forwardRows(f) {
  const address = f.href
    ? h('a', { class: 'addr', href: f.href, target: '_blank', rel: 'noopener noreferrer' }, f.address)
    : h('span', { class: 'addr' }, f.address);
  const row = h(
    'tr',
    { 'data-key': f.id, class: 'fwd' },
    h('td', {}, h('div', { class: 'reaches' }, f.reaches), h('div', { class: 'sub' }, f.via)),
    h('td', {}, address, f.note ? h('div', { class: 'sub' }, f.note) : null),
    h('td', {}, pill(f.state)),
    h('td', { class: 'num' }, String(f.open)),
    h('td', { class: 'num' }, f.bytesIn),
    h('td', { class: 'num' }, f.bytesOut),
    h('td', {}, sparkSvg(f.spark), h('div', { class: 'sub' }, f.spark.label)),
  );
  if (!f.error) return [row];
  return [row, h('tr', { class: 'err', 'data-key': `${f.id}!` }, h('td', { colspan: '7' }, f.error))];
}

/** @param {SessionView['clusters'][number]} c @param {string} key */
function clusterBlock(c, key) {
  const copyKey = `${key}\n${c.name}`;
  const api = c.context
    ? h(
        'div',
        { class: 'api' },
        h('span', { class: 'sub' }, c.api ? `API ${c.api.address}` : 'API'),
        c.api && c.api.state.word !== 'ok' ? pill(c.api.state) : null,
        h('code', {}, c.command),
        h(
          'button',
          { type: 'button', 'data-action': 'copy', 'data-text': c.command, 'data-key': copyKey },
          state.copied === copyKey ? 'Copied' : 'Copy',
        ),
      )
    : null;
  const head = h(
    'tr',
    {},
    ...['Service', 'Local address', 'State', 'Conns', 'In', 'Out', 'Last minute'].map((t) => h('th', {}, t)),
  );
  const table = c.forwards.length
    ? h(
        'table',
        { class: 'forwards' },
        h('thead', {}, head),
        h('tbody', {}, ...c.forwards.flatMap(forwardRows)),
      )
    : h('p', { class: 'sub' }, 'No services forwarded.');
  return h('div', { class: 'cluster', 'data-key': c.name }, h('h3', {}, c.name), api, table);
}

/** @param {SessionView} s */
function sessionBlock(s) {
  const busy = (/** @type {string} */ a) => state.busy.has(`${a}\n${s.alias}`);
  const actions = h(
    'div',
    { class: 'actions' },
    h(
      'button',
      {
        type: 'button',
        'data-action': 'reconnect',
        'data-host': s.alias,
        disabled: busy('reconnect') ? '' : undefined,
      },
      busy('reconnect') ? 'Reconnecting…' : 'Reconnect now',
    ),
    h(
      'button',
      {
        type: 'button',
        class: 'danger',
        'data-action': 'disconnect',
        'data-host': s.alias,
        disabled: busy('disconnect') ? '' : undefined,
      },
      'Disconnect',
    ),
  );
  const facts = [s.detail, s.transport && `via ${s.transport}`, s.dockerHost && `docker on ${s.dockerHost}`]
    .filter(Boolean)
    .join(' · ');
  const notice = state.notices.get(s.alias);
  return h(
    'section',
    { class: `session tone-${s.state.tone}`, 'data-key': s.alias },
    h(
      'header',
      {},
      h('h2', {}, s.host),
      s.hostName ? h('span', { class: 'sub' }, s.hostName) : null,
      pill(s.state),
      actions,
    ),
    h('p', { class: 'detail' }, facts),
    s.hint ? h('p', { class: 'hint' }, s.hint) : null,
    notice
      ? h(
          'p',
          { class: `notice tone-${notice.ok ? 'good' : 'bad'}` },
          [notice.message, notice.ok ? '' : notice.hint].filter(Boolean).join(' — '),
        )
      : null,
    ...s.clusters.map((c) => clusterBlock(c, s.alias)),
    ...s.skipped.map((k) => h('p', { class: 'sub' }, `not forwarded: ${k}`)),
  );
}

/** `from` and its children made to look like `to` (see morphChildren). @param {Element} from @param {Element} to */
function morph(from, to) {
  for (const a of [...from.attributes]) if (!to.hasAttribute(a.name)) from.removeAttribute(a.name);
  for (const a of [...to.attributes])
    if (from.getAttribute(a.name) !== a.value) from.setAttribute(a.name, a.value);
  morphChildren(from, to);
}

/**
 * Makes `from`'s children look like `to`'s, keeping every element that is still there (same tag, same
 * data-key), so focus, hover and a click in progress survive an update.
 * @param {Element} from @param {Element} to
 */
function morphChildren(from, to) {
  const next = [...to.childNodes];
  next.forEach((n, i) => {
    const old = from.childNodes[i];
    if (!old) from.append(n);
    else if (old.nodeType === 3 && n.nodeType === 3) {
      if (old.nodeValue !== n.nodeValue) old.nodeValue = n.nodeValue;
    } else if (
      old instanceof Element &&
      n instanceof Element &&
      old.nodeName === n.nodeName &&
      old.getAttribute('data-key') === n.getAttribute('data-key')
    ) {
      morph(old, n);
    } else old.replaceWith(n);
  });
  while (from.childNodes.length > next.length) from.lastChild?.remove();
}

function render() {
  const now = Date.now();
  const banner = bannerView(state.agent, state.serverGone);
  const bannerEl = $('banner');
  bannerEl.hidden = !banner;
  if (banner) {
    const inner = h(
      'div',
      { class: `tone-${banner.tone}` },
      h('strong', {}, banner.title),
      banner.detail ? h('span', {}, banner.detail) : null,
      banner.hint ? h('code', {}, banner.hint) : null,
    );
    morphChildren(bannerEl, h('div', {}, inner));
  }
  const agent = state.agent;
  $('agent').textContent = agent?.state === 'up' ? `agent ${agent.version} · pid ${agent.pid}` : '';
  const main = $('sessions');
  main.classList.toggle('stale', Boolean(banner?.stale));
  const doc = state.doc;
  document.title = titleText(doc, Boolean(banner?.stale && doc));
  const blocks = !doc
    ? [h('p', { class: 'empty' }, 'Waiting for the agent’s status…')]
    : doc.sessions.length
      ? doc.sessions.map((s) => sessionBlock(sessionView(s, state.history, now)))
      : [
          h(
            'p',
            { class: 'empty' },
            'No dev server connected. Run ',
            h('code', {}, 'tunnel connect <host>'),
            ' in a terminal.',
          ),
        ];
  morphChildren(main, h('main', {}, ...blocks));
}

/** @param {string} data */
function parse(data) {
  try {
    return JSON.parse(data);
  } catch {
    return null;
  }
}

function connectEvents() {
  const events = new EventSource('events');
  events.addEventListener('open', () => {
    state.failingSince = null;
    state.serverGone = false;
    render();
  });
  events.addEventListener('error', () => {
    state.failingSince ??= Date.now();
  });
  events.addEventListener('agent', (e) => {
    state.agent = parse(/** @type {MessageEvent} */ (e).data);
    render();
  });
  events.addEventListener('status', (e) => {
    /** @type {StatusEvent | null} */
    const update = parse(/** @type {MessageEvent} */ (e).data);
    if (!update?.document?.sessions) return;
    state.history = recordTraffic(state.history, update.document, Date.now());
    state.doc = update.document;
    render();
  });
}

/** @param {'reconnect' | 'disconnect'} action @param {string} host */
async function act(action, host) {
  const key = `${action}\n${host}`;
  state.busy.add(key);
  render();
  /** @type {ActionReply} */
  let reply;
  try {
    const res = await fetch(`api/${action}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ host }),
      referrerPolicy: 'no-referrer',
    });
    reply = await res.json();
  } catch {
    reply = { ok: false, message: 'tunnel ui did not answer', hint: 'run `tunnel ui` again' };
  }
  state.busy.delete(key);
  state.notices.set(host, reply);
  render();
}

/** @param {HTMLElement} button */
async function copy(button) {
  const key = button.dataset.key ?? '';
  try {
    await navigator.clipboard.writeText(button.dataset.text ?? '');
    state.copied = key;
    render();
    setTimeout(() => {
      if (state.copied === key) state.copied = '';
      render();
    }, 1500);
  } catch {
    // No clipboard (an insecure context, a denied permission): select the line for Ctrl-C.
    const code = button.previousElementSibling;
    if (code) getSelection()?.selectAllChildren(code);
  }
}

document.addEventListener('click', (e) => {
  const button = /** @type {HTMLElement | null} */ (
    /** @type {Element} */ (e.target).closest('button[data-action]')
  );
  if (!button) return;
  const { action, host } = button.dataset;
  if (action === 'copy') copy(button);
  if (action === 'reconnect' && host) act('reconnect', host);
  if (
    action === 'disconnect' &&
    host &&
    confirm(`Disconnect ${host}? Its forwards stop and its kube contexts are removed.`)
  ) {
    act('disconnect', host);
  }
});

/** @type {EventSource | null} */
let logSource = null;

/** @param {LogEvent['lines']} lines */
function appendLog(lines) {
  const pane = $('log-lines');
  const atBottom = pane.scrollTop + pane.clientHeight >= pane.scrollHeight - 8;
  for (const line of lines) {
    const v = logLineView(line);
    pane.append(
      h(
        'div',
        { class: 'line' },
        h('span', { class: 'sub' }, v.time),
        h('span', { class: `lvl tone-${v.tone}` }, v.level),
        v.text,
      ),
    );
  }
  while (pane.childElementCount > LOG_LINES) pane.firstElementChild?.remove();
  if (atBottom) pane.scrollTop = pane.scrollHeight;
}

$('log-toggle').addEventListener('click', () => {
  const on = !logSource;
  logSource?.close();
  logSource = null;
  $('log').hidden = !on;
  $('log-toggle').setAttribute('aria-pressed', String(on));
  if (!on) return;
  $('log-lines').replaceChildren();
  logSource = new EventSource('log');
  logSource.addEventListener('log', (e) =>
    appendLog(parse(/** @type {MessageEvent} */ (e).data)?.lines ?? []),
  );
});

// A second's tick: countdowns ("next attempt in 3 s") and the sparklines move on without any update,
// and a stream failing for 3 s means tunnel ui itself is gone.
setInterval(() => {
  if (state.failingSince !== null && Date.now() - state.failingSince > SERVER_GONE_MS)
    state.serverGone = true;
  render();
}, 1000);

connectEvents();
render();

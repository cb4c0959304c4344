// @ts-check
// The Ports page in the browser: two EventSources (events; log on demand), the actions, the log pane and
// the one-second tick. What the page says comes from model.js; the elements from dom.js.
import { bannerBlock, h, morphChildren, sessionBlock } from './dom.js';
import { logLineView } from './format.js';
import { bannerView, sessionView, titleText } from './model.js';
import { recordTraffic } from './traffic.js';

/** @typedef {import('../src/ui/types.js').AgentEvent} AgentEvent */
/** @typedef {import('../src/ui/types.js').StatusEvent} StatusEvent */
/** @typedef {import('../src/ui/types.js').LogEvent} LogEvent */
/** @typedef {import('../src/ui/types.js').ActionReply} ActionReply */
/** @typedef {import('./model.js').RefusedEvent} RefusedEvent */

const LOG_LINES = 500;
/** How long the event stream may fail before the page says tunnel ui is gone. */
const SERVER_GONE_MS = 3_000;

const state = {
  /** @type {AgentEvent | null} */ agent: null,
  /** @type {import('../src/control/status-document.js').StatusDocument | null} */ doc: null,
  /** @type {Map<string, import('./traffic.js').Sample[]>} */ history: new Map(),
  /** @type {number | null} */ failingSince: null,
  serverGone: false,
  /** Set when the page server turned this tab away (too many tabs): it stays so until a reload. */
  /** @type {RefusedEvent | null} */ refused: null,
  /** @type {import('./dom.js').TabState} */ tab: { busy: new Set(), notices: new Map(), copied: '' },
};

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** The main area's blocks: the servers, or why there are none. @param {number} now */
function sessionBlocks(now) {
  const doc = state.doc;
  if (!doc) return state.refused ? [] : [h('p', { class: 'empty' }, 'Waiting for the agent’s status…')];
  if (doc.sessions.length) {
    return doc.sessions.map((s) => sessionBlock(state.tab, sessionView(s, state.history, now)));
  }
  const connect = h('code', {}, 'tunnel connect <host>');
  return [h('p', { class: 'empty' }, 'No dev server connected. Run ', connect, ' in a terminal.')];
}

function render() {
  const banner = bannerView(state.agent, state.serverGone, state.refused);
  const bannerEl = $('banner');
  bannerEl.hidden = !banner;
  if (banner) morphChildren(bannerEl, h('div', {}, bannerBlock(banner)));
  const agent = state.agent;
  $('agent').textContent = agent?.state === 'up' ? `agent ${agent.version} · pid ${agent.pid}` : '';
  const main = $('sessions');
  main.classList.toggle('stale', Boolean(banner?.stale));
  document.title = titleText(state.doc, Boolean(banner?.stale && state.doc));
  morphChildren(main, h('main', {}, ...sessionBlocks(Date.now())));
}

/** @param {Event} event */
function parse(event) {
  try {
    return JSON.parse(/** @type {MessageEvent} */ (event).data);
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
    if (!state.refused) state.failingSince ??= Date.now();
  });
  // Past the page server's tab cap: it is running fine, so this tab stops asking and says why
  // (an EventSource cannot see a refusal's status; the server says it in an event instead).
  events.addEventListener('refused', (e) => {
    events.close();
    const refused = parse(e);
    state.refused = { message: String(refused?.message ?? ''), hint: String(refused?.hint ?? '') };
    state.failingSince = null;
    render();
  });
  events.addEventListener('agent', (e) => {
    state.agent = parse(e);
    render();
  });
  events.addEventListener('status', (e) => {
    /** @type {StatusEvent | null} */
    const update = parse(e);
    if (!update?.document?.sessions) return;
    state.history = recordTraffic(state.history, update.document, Date.now());
    state.doc = update.document;
    render();
  });
}

/** @param {'reconnect' | 'disconnect'} action @param {string} host */
async function act(action, host) {
  const key = `${action}\n${host}`;
  state.tab.busy.add(key);
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
  state.tab.busy.delete(key);
  state.tab.notices.set(host, reply);
  render();
}

/** @param {HTMLElement} button */
async function copy(button) {
  const key = button.dataset.key ?? '';
  try {
    await navigator.clipboard.writeText(button.dataset.text ?? '');
    state.tab.copied = key;
    render();
    setTimeout(() => {
      if (state.tab.copied === key) state.tab.copied = '';
      render();
    }, 1500);
  } catch {
    // No clipboard (an insecure context, a denied permission): select the text for Ctrl-C.
    const shown = button.previousElementSibling;
    if (shown) getSelection()?.selectAllChildren(shown);
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
    const parts = [h('span', { class: 'sub' }, v.time), h('span', { class: `lvl tone-${v.tone}` }, v.level)];
    pane.append(h('div', { class: 'line' }, ...parts, v.text));
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
  logSource.addEventListener('log', (e) => appendLog(parse(e)?.lines ?? []));
  // Past the server's cap of log streams: say so in the pane and stop asking (see docs/ui.md).
  logSource.addEventListener('refused', (e) => {
    const refused = parse(e);
    logSource?.close();
    $('log-lines').replaceChildren(
      h('div', { class: 'line' }, `${String(refused?.message ?? 'refused')}: ${String(refused?.hint ?? '')}`),
    );
  });
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

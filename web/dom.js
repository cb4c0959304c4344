// @ts-check
// The Ports page's DOM: views → elements (text via textContent, values via setAttribute, never
// innerHTML: names come from the dev server), morphed into place so a link or button under the
// pointer stays the same element while updates stream in.

/** @typedef {ReturnType<typeof import('./model.js').sessionView>} SessionView */
/** @typedef {SessionView['clusters'][number]} ClusterView */
/** @typedef {ClusterView['forwards'][number]} ForwardView */
/** @typedef {import('../src/ui/types.js').ActionReply} ActionReply */
/** The tab's own state: actions in flight, their replies, the copy just made. @typedef {{ busy: Set<string>, notices: Map<string, ActionReply>, copied: string }} TabState */

/**
 * An element with attributes (a `class` string among them) and children (strings become text).
 * @param {string} tag @param {Record<string, string | undefined>} attrs @param {(Node | string | false | null)[]} children
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) el.setAttribute(k, v);
  for (const c of children) if (c !== false && c !== null) el.append(c);
  return el;
}

/** @param {{ word: string, tone: string }} s */
const pill = (s) => h('span', { class: `pill tone-${s.tone}` }, s.word);

/** A copy button (app.js copies; with no clipboard it selects the element just before). @param {TabState} tab @param {string} key @param {string} text @param {string} label */
const copyButton = (tab, key, text, label) =>
  h(
    'button',
    { type: 'button', class: 'copy', 'data-action': 'copy', 'data-text': text, 'data-key': key },
    tab.copied === key ? 'Copied' : label,
  );

/** Bytes/s over the last minute, drawn with createElementNS from numbers only. @param {{ points: string, area: string, label: string }} spark */
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

/** @param {TabState} tab @param {string} host @param {ForwardView} f */
function forwardRows(tab, host, f) {
  const address = f.href
    ? h('a', { class: 'addr', href: f.href, target: '_blank', rel: 'noopener noreferrer' }, f.address)
    : h('span', { class: 'addr' }, f.address);
  const copy = f.copy ? copyButton(tab, `${host}\n${f.id}\naddress`, f.copy, 'Copy address') : null;
  const row = h(
    'tr',
    { 'data-key': f.id, class: 'fwd' },
    h('td', {}, h('div', { class: 'reaches' }, f.reaches), h('div', { class: 'sub' }, f.via)),
    h('td', {}, address, copy, f.note ? h('div', { class: 'sub' }, f.note) : null),
    h('td', {}, pill(f.state)),
    h('td', { class: 'num' }, String(f.open)),
    h('td', { class: 'num' }, f.bytesIn),
    h('td', { class: 'num' }, f.bytesOut),
    h('td', {}, sparkSvg(f.spark), h('div', { class: 'sub' }, f.spark.label)),
  );
  if (!f.error) return [row];
  return [row, h('tr', { class: 'err', 'data-key': `${f.id}!` }, h('td', { colspan: '7' }, f.error))];
}

/** @param {TabState} tab @param {ClusterView} c @param {string} host */
function clusterBlock(tab, c, host) {
  const k = c.kubectl;
  const api = k
    ? h(
        'div',
        { class: 'api' },
        h('span', { class: 'sub' }, c.api ? `API ${c.api.address}` : 'API'),
        c.api && c.api.state.word !== 'ok' ? pill(c.api.state) : null,
        h('code', {}, k.command),
        k.copyable ? copyButton(tab, `${host}\n${c.name}`, k.command, 'Copy') : null,
      )
    : null;
  const titles = ['Service', 'Local address', 'State', 'Conns', 'In', 'Out', 'Last minute'];
  const table = c.forwards.length
    ? h(
        'table',
        { class: 'forwards' },
        h('thead', {}, h('tr', {}, ...titles.map((t) => h('th', {}, t)))),
        h('tbody', {}, ...c.forwards.flatMap((f) => forwardRows(tab, host, f))),
      )
    : h('p', { class: 'sub' }, 'No services forwarded.');
  return h('div', { class: 'cluster', 'data-key': c.name }, h('h3', {}, c.name), api, table);
}

/** Refresh (or Reconnect now) and Disconnect. @param {TabState} tab @param {SessionView} s */
function hostActions(tab, s) {
  const busy = (/** @type {string} */ a) => tab.busy.has(`${a}\n${s.alias}`);
  const button = (/** @type {string} */ action, /** @type {Record<string, string>} */ attrs, label = '') =>
    h(
      'button',
      {
        type: 'button',
        'data-action': action,
        'data-host': s.alias,
        disabled: busy(action) ? '' : undefined,
        ...attrs,
      },
      label,
    );
  const r = s.refresh;
  return h(
    'div',
    { class: 'actions' },
    button('reconnect', { title: r.title }, busy('reconnect') ? r.busy : r.label),
    button('disconnect', { class: 'danger' }, 'Disconnect'),
  );
}

/** One dev server's section. @param {TabState} tab @param {SessionView} s */
export function sessionBlock(tab, s) {
  const facts = [s.detail, s.transport && `via ${s.transport}`, s.dockerHost && `docker on ${s.dockerHost}`]
    .filter(Boolean)
    .join(' · ');
  const notice = tab.notices.get(s.alias);
  const noticeText = notice && [notice.message, notice.ok ? '' : notice.hint].filter(Boolean).join(' — ');
  return h(
    'section',
    { class: `session tone-${s.state.tone}`, 'data-key': s.alias },
    h(
      'header',
      {},
      h('h2', {}, s.host),
      s.hostName ? h('span', { class: 'sub' }, s.hostName) : null,
      pill(s.state),
      hostActions(tab, s),
    ),
    h('p', { class: 'detail' }, facts),
    s.hint ? h('p', { class: 'hint' }, s.hint) : null,
    notice ? h('p', { class: `notice tone-${notice.ok ? 'good' : 'bad'}` }, noticeText || '') : null,
    ...s.clusters.map((c) => clusterBlock(tab, c, s.alias)),
    ...s.skipped.map((k) => h('p', { class: 'sub' }, `not forwarded: ${k}`)),
  );
}

/** The banner's content. @param {import('./model.js').Banner} banner */
export function bannerBlock(banner) {
  return h(
    'div',
    { class: `tone-${banner.tone}` },
    h('strong', {}, banner.title),
    banner.detail ? h('span', {}, banner.detail) : null,
    banner.hint ? h('code', {}, banner.hint) : null,
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
export function morphChildren(from, to) {
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

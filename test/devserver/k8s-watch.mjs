// Watches, as kube-apiserver's watch cache serves them: per cluster and resource a bounded window of events
// (ADDED/MODIFIED/DELETED with the object at its resourceVersion), replayed from the RV a client asks for and
// then streamed live as newline-delimited JSON over a chunked 200 response. An RV older than the window gets one
// ERROR event (410 Expired, "too old resource version"), as after an apiserver restart or etcd compaction: the
// window starts at the RV the cluster had when the daemon first saw it running (start, reload, cluster start).
// Events come from diffing world.json on reload (world changes made by tests) and from the API's own writes.
import crypto from 'node:crypto';
import { statusObject } from './k8s-objects.mjs';

/** kube-apiserver's default watch cache capacity per resource. */
const CAPACITY = 100;
export const WATCHED = ['namespaces', 'nodes', 'services', 'pods'];
const KINDS = { namespaces: 'Namespace', nodes: 'Node', services: 'Service', pods: 'Pod' };
/** Bookmarks (allowWatchBookmarks) about once a minute, and just before timeoutSeconds ends the watch. */
const BOOKMARK_EVERY_MS = 60_000;

const keyOf = (cluster) => `${cluster.name}/${cluster.generation}`;

/** The DELETED events of `gone` take the revisions the writer used up without a surviving object. */
function deletionVersions(before, after, taken) {
  const free = [];
  for (let rv = before.kube.resourceVersion + 1; rv <= after.kube.resourceVersion; rv++)
    if (!taken.has(rv)) free.push(rv);
  return () => free.shift() ?? after.kube.resourceVersion;
}

/** Events that turn `before`'s objects into `after`'s, in resourceVersion order. */
export function diffKube(before, after) {
  const events = [];
  const gone = [];
  for (const resource of WATCHED) {
    const old = new Map(before.kube[resource].map((item) => [item.metadata.uid, item]));
    for (const item of after.kube[resource]) {
      const previous = old.get(item.metadata.uid);
      old.delete(item.metadata.uid);
      if (!previous) events.push({ resource, type: 'ADDED', object: item });
      else if (previous.metadata.resourceVersion !== item.metadata.resourceVersion)
        events.push({ resource, type: 'MODIFIED', object: item, previous });
    }
    for (const item of old.values()) gone.push({ resource, item });
  }
  const nextFree = deletionVersions(
    before,
    after,
    new Set(events.map((e) => Number(e.object.metadata.resourceVersion))),
  );
  for (const { resource, item } of gone) {
    const object = structuredClone(item);
    object.metadata.resourceVersion = String(nextFree());
    events.push({ resource, type: 'DELETED', object });
  }
  const rv = (event) => Number(event.object.metadata.resourceVersion);
  return events.sort((a, b) => rv(a) - rv(b));
}

function errorEvent(code, reason, message, extra = {}) {
  return { type: 'ERROR', object: { ...statusObject(code, reason, message), ...extra } };
}

export function createWatchHub() {
  /** key → { cluster, windows: { resource: { start, events } }, listeners: Set<{ resource, event, end }> } */
  const states = new Map();

  const open = (cluster) => {
    const windows = Object.fromEntries(
      WATCHED.map((resource) => [resource, { start: cluster.kube.resourceVersion, events: [] }]),
    );
    const state = { cluster, windows, listeners: new Set() };
    states.set(keyOf(cluster), state);
    return state;
  };

  const deliver = (state, { resource, type, object, previous }) => {
    const window = state.windows[resource];
    const rv = Number(object.metadata.resourceVersion);
    const event = { rv, type, object: structuredClone(object), previous };
    window.events.push(event);
    if (window.events.length > CAPACITY) window.start = window.events.shift().rv;
    for (const listener of [...state.listeners]) if (listener.resource === resource) listener.event(event);
  };

  return {
    /** The daemon re-read world.json: diff each running cluster, forget (and cut) the others' watches. */
    reloaded(previous, next) {
      const running = new Map(next.clusters.filter((c) => c.running).map((c) => [keyOf(c), c]));
      for (const [key, state] of [...states]) {
        if (running.has(key)) continue;
        states.delete(key);
        for (const listener of [...state.listeners]) listener.end();
      }
      for (const [key, cluster] of running) {
        const state = states.get(key);
        if (!state || !previous) {
          open(cluster);
          continue;
        }
        const events = diffKube(state.cluster, cluster);
        state.cluster = cluster;
        for (const event of events) deliver(state, event);
      }
    },
    /** A write the API server itself made (a PATCH): the in-memory world already holds `object`. */
    record(cluster, resource, type, object, previous) {
      const state = states.get(keyOf(cluster));
      if (state) deliver(state, { resource, type, object, previous });
    },
    /** Live events of one cluster's resource until unsubscribe() or the cluster stops (then end()). */
    subscribe(cluster, listener) {
      const state = states.get(keyOf(cluster)) ?? open(cluster);
      state.listeners.add(listener);
      return () => state.listeners.delete(listener);
    },
    serve(response, options) {
      serveWatch(this, response, { ...options, state: states.get(keyOf(options.cluster)) });
    },
  };
}

function watchHeaders(response) {
  response.writeHead(200, {
    'Content-Type': 'application/json',
    'Transfer-Encoding': 'chunked',
    'Cache-Control': 'no-cache, private',
    'Audit-Id': crypto.randomUUID(),
  });
  response.flushHeaders();
}

/** Where a watch starts: the events to replay (or the current objects), or the ERROR event that ends it. */
function startingPoint(state, resource, param) {
  const window = state.windows[resource];
  if (param === '' || param === '0') {
    // "Get state and start at most recent": synthetic ADDED events for what exists now.
    const initial = state.cluster.kube[resource].map((object) => ({ type: 'ADDED', object }));
    return { since: state.cluster.kube.resourceVersion, initial };
  }
  const since = Number(param);
  if (!Number.isSafeInteger(since) || since < 0)
    return { error: errorEvent(400, 'BadRequest', `invalid resource version: ${param}`) };
  if (since < window.start)
    return { error: errorEvent(410, 'Expired', `too old resource version: ${since} (${window.start})`) };
  return { since, initial: window.events.filter((event) => event.rv > since) };
}

/** An RV the cluster has not reached yet: the watch cache waits up to 3 s, then gives up (504, "Too large"). */
function tooLarge(state, since, end) {
  return setTimeout(() => {
    const current = state.cluster.kube.resourceVersion;
    if (since <= current) return;
    const details = {
      causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
      retryAfterSeconds: 1,
    };
    const message = `Too large resource version: ${since}, current: ${current}`;
    end(errorEvent(504, 'Timeout', message, { details }));
  }, 3000);
}

/**
 * One watch request. `filter(object)` applies namespace and selectors; `encode(resource, object)` renders an
 * event's object (the object itself, or a one-row Table for kubectl get --watch).
 */
function serveWatch(hub, response, { cluster, resource, query, filter, encode, state }) {
  const write = (event) => response.write(`${JSON.stringify(event)}\n`);
  const end = (event) => {
    if (event) write(event);
    response.end();
  };
  watchHeaders(response);
  if (!state) return end();
  const start = startingPoint(state, resource, query.get('resourceVersion') ?? '');
  if (start.error) return end(start.error);
  const { since, initial } = start;
  let last = since;
  const send = (event) => {
    // The cacher's view through a selector: an object that starts or stops matching is ADDED or DELETED.
    const now = filter(event.object);
    const was = event.type === 'MODIFIED' && event.previous ? filter(event.previous) : now;
    if (!now && !was) return;
    const type = now === was ? event.type : now ? 'ADDED' : 'DELETED';
    write({ type, object: encode(resource, event.object) });
    last = Math.max(last, Number(event.object.metadata.resourceVersion));
  };
  const bookmark = () => {
    if (query.get('allowWatchBookmarks') !== 'true') return;
    write({
      type: 'BOOKMARK',
      object: { kind: KINDS[resource], apiVersion: 'v1', metadata: { resourceVersion: String(last) } },
    });
  };
  const unsubscribe = hub.subscribe(cluster, {
    resource,
    event: (event) => {
      if (event.rv > since) send(event);
    },
    end: () => response.destroy(),
  });
  for (const event of initial) send(event);
  const timers = [setInterval(bookmark, BOOKMARK_EVERY_MS)];
  if (since > state.cluster.kube.resourceVersion) timers.push(tooLarge(state, since, end));
  const timeout = Number(query.get('timeoutSeconds') ?? 0);
  if (timeout > 1) timers.push(setTimeout(bookmark, (timeout - 1) * 1000));
  if (timeout > 0) timers.push(setTimeout(() => end(), timeout * 1000));
  response.on('close', () => {
    unsubscribe();
    // clearTimeout clears intervals too (one id space in Node).
    for (const timer of timers) clearTimeout(timer);
  });
}

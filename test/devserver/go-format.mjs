// Output formats of the Go tools the simulator imitates (k3d, docker): encoding/json, text/tabwriter, logrus'
// TextFormatter and go-yaml scalars. Byte-level fidelity matters: the tool under test parses exactly these.

/** encoding/json string escaping: HTML-safe (<, >, & as \u003c…), U+2028/9 escaped, \b and \f as \u00XX. */
function goString(text) {
  let out = '"';
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (char === '"') out += '\\"';
    else if (char === '\\') out += '\\\\';
    else if (char === '\n') out += '\\n';
    else if (char === '\r') out += '\\r';
    else if (char === '\t') out += '\\t';
    else if (
      code < 0x20 ||
      char === '<' ||
      char === '>' ||
      char === '&' ||
      code === 0x2028 ||
      code === 0x2029
    ) {
      out += `\\u${code.toString(16).padStart(4, '0')}`;
    } else out += char;
  }
  return `${out}"`;
}

const byteOrder = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * json.Marshal (or MarshalIndent with `step`): struct fields in the order the object was built (undefined = omitempty), and Go maps
 * passed as JS `Map` so their keys come out sorted like Go's. A plain object cannot stand in for a Go map:
 * JS moves integer-like keys ("6443") to the front, Go sorts them as strings ("30080/tcp" < "6443").
 */
export function goJson(value, indent = '', step = '') {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return goString(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const inner = indent + step;
  // json.MarshalIndent layout: one element per line; empty arrays and objects stay `[]` / `{}`.
  const wrap = (open, items, close) =>
    items.length === 0
      ? open + close
      : step
        ? `${open}\n${items.map((item) => inner + item).join(',\n')}\n${indent}${close}`
        : `${open}${items.join(',')}${close}`;
  if (Array.isArray(value))
    return wrap(
      '[',
      value.map((item) => goJson(item, inner, step)),
      ']',
    );
  const entries =
    value instanceof Map ? [...value.entries()].sort(([a], [b]) => byteOrder(a, b)) : Object.entries(value);
  const fields = entries.filter(([, field]) => field !== undefined);
  const colon = step ? ': ' : ':';
  return wrap(
    '{',
    fields.map(([key, field]) => `${goString(key)}${colon}${goJson(field, inner, step)}`),
    '}',
  );
}

/** A Go map built from a plain object (see goJson). */
export function goMap(object) {
  return new Map(Object.entries(object ?? {}));
}

const runeLength = (text) => [...text].length;

/**
 * text/tabwriter as k3d and docker configure it (minwidth, tabwidth 4, padding, ' '): every row is a list of
 * cells; all but the last are tab-terminated and padded to the column width, the last is written as is.
 */
export function tabwrite(rows, { minWidth = 6, padding = 3 } = {}) {
  const widths = [];
  for (const row of rows) {
    row.slice(0, -1).forEach((cell, column) => {
      widths[column] = Math.max(widths[column] ?? minWidth, runeLength(cell) + padding);
    });
  }
  return rows
    .map((row) =>
      row
        .map((cell, column) =>
          column < row.length - 1 ? cell + ' '.repeat(widths[column] - runeLength(cell)) : cell,
        )
        .join(''),
    )
    .join('\n')
    .concat(rows.length > 0 ? '\n' : '');
}

const LEVELS = {
  trace: { text: 'TRAC', color: 37, stream: 'stdout', rank: 5 },
  debug: { text: 'DEBU', color: 37, stream: 'stdout', rank: 4 },
  info: { text: 'INFO', color: 36, stream: 'stdout', rank: 3 },
  warning: { text: 'WARN', color: 33, stream: 'stderr', rank: 2 },
  error: { text: 'ERRO', color: 31, stream: 'stderr', rank: 1 },
  fatal: { text: 'FATA', color: 31, stream: 'stderr', rank: 0 },
};

function rfc3339(date) {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** logrus logfmt value quoting (TextFormatter.needsQuoting). */
function logfmtValue(text) {
  return /^[A-Za-z0-9\-._/@^+]+$/.test(text) ? text : JSON.stringify(text);
}

/**
 * A logrus logger configured like k3d's cmd/root.go: TextFormatter{ForceColors: true}; INFO/DEBUG/TRACE to
 * stdout, WARN/ERROR/FATAL to stderr; LOG_COLORS=false switches to logfmt, LOG_TIMESTAMPS to full timestamps,
 * LOG_LEVEL filters. Colour codes are written even when stdout is not a terminal, as k3d does.
 */
export function createLogger({ env = process.env, write, startedAt = Date.now(), verbosity } = {}) {
  const colors = !['false', '0', 'f', 'F', 'FALSE', 'False'].includes(env.LOG_COLORS ?? '');
  const timestamps = Boolean(env.LOG_TIMESTAMPS);
  const levelName = (verbosity ?? env.LOG_LEVEL ?? 'info').toLowerCase();
  const threshold = { trace: 5, debug: 4, info: 3, warn: 2, warning: 2, error: 1 }[levelName] ?? 3;
  const emit = (level, message) => {
    const spec = LEVELS[level];
    if (spec.rank > threshold) return;
    const text = String(message).replace(/\n$/, '');
    const now = new Date();
    let line;
    if (!colors) {
      line = `time=${logfmtValue(rfc3339(now))} level=${level} msg=${logfmtValue(text)}`;
    } else {
      const stamp = timestamps
        ? rfc3339(now)
        : String(Math.floor((now.getTime() - startedAt) / 1000)).padStart(4, '0');
      line = `\x1b[${spec.color}m${spec.text}\x1b[0m[${stamp}] ${text}${' '.repeat(Math.max(0, 44 - runeLength(text)))} `;
    }
    write(spec.stream, `${line}\n`);
  };
  return {
    trace: (message) => emit('trace', message),
    debug: (message) => emit('debug', message),
    info: (message) => emit('info', message),
    warn: (message) => emit('warning', message),
    error: (message) => emit('error', message),
    /** Logs and signals the caller to exit 1 (logrus Fatal calls os.Exit(1)). */
    fatal: (message) => {
      emit('fatal', message);
      return 1;
    },
  };
}

/** A go-yaml (v2) scalar: plain when unambiguous, single-quoted otherwise. */
export function yamlScalar(text) {
  const plain =
    text !== '' &&
    !/^[-?:,[\]{}#&*!|>'"%@`\s]/.test(text) &&
    !/: |\s#|:$|[\n\t]/.test(text) &&
    !/^(true|false|yes|no|on|off|y|n|null|~)$/i.test(text) &&
    !/^[-+]?(\d[\d_]*)?\.?\d*([eE][-+]?\d+)?$/.test(text) &&
    !/\s$/.test(text);
  return plain ? text : `'${text.replaceAll("'", "''")}'`;
}

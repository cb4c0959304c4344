// The dev-server side of the benchmarks: a blast server on every port given. Runs where sshd's forwards
// land (inside the namespace with `ip netns exec`, or on loopback). The first line of a connection picks
// its job; a connection that opens with `GET ` is served as HTTP/1.1 keep-alive instead.
//   D<bytes>\n  send <bytes> zero bytes, then EOF          (download)
//   U\n         swallow everything; at EOF reply `<count>\n` (upload)
//   P\n         reply `p` at once, then hold until the peer ends (time to first byte, idle connections)
//
//   node scripts/bench/target-server.mjs --host 0.0.0.0 --ports 18000,18001   (prints `ready` when listening)
import net from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { host: { type: 'string' }, ports: { type: 'string' } } });
const CHUNK = Buffer.alloc(1024 * 1024);
const HTTP_REPLY = Buffer.from(
  'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nConnection: keep-alive\r\n\r\nok\n',
);

function download(socket, bytes) {
  let left = bytes;
  const next = () => {
    while (left > 0) {
      const piece = left >= CHUNK.length ? CHUNK : CHUNK.subarray(0, left);
      left -= piece.length;
      if (!socket.write(piece)) return void socket.once('drain', next);
    }
    socket.end();
  };
  next();
}

/** Answers each request head (no request bodies: wrk and our client send GETs) with a fixed 200. */
function http(socket, first) {
  let tail = '';
  const onData = (chunk) => {
    const text = tail + chunk.toString('latin1');
    let count = 0;
    let at = text.indexOf('\r\n\r\n');
    let end = 0;
    while (at >= 0) {
      count++;
      end = at + 4;
      at = text.indexOf('\r\n\r\n', end);
    }
    tail = text.slice(Math.max(end, text.length - 3));
    for (let i = 0; i < count; i++) socket.write(HTTP_REPLY);
  };
  socket.on('data', onData);
  onData(first);
}

function serve(socket) {
  socket.setNoDelay(true);
  socket.on('error', () => {});
  let head = Buffer.alloc(0);
  const onFirst = (chunk) => {
    head = Buffer.concat([head, chunk]);
    if (head.length >= 4 && head.subarray(0, 4).toString('latin1') === 'GET ') {
      socket.off('data', onFirst);
      return http(socket, head);
    }
    const newline = head.indexOf(10);
    if (newline < 0) return;
    socket.off('data', onFirst);
    const line = head.subarray(0, newline).toString('latin1');
    const rest = head.length - newline - 1;
    if (line.startsWith('D')) {
      socket.resume();
      return download(socket, Number(line.slice(1)));
    }
    if (line === 'U') {
      let count = rest;
      socket.on('data', (data) => {
        count += data.length;
      });
      socket.on('end', () => socket.end(`${count}\n`));
      return;
    }
    if (line === 'P') {
      socket.write('p');
      socket.resume();
      socket.on('end', () => socket.end());
      return;
    }
    socket.destroy();
  };
  socket.on('data', onFirst);
}

const ports = (values.ports ?? '').split(',').filter(Boolean).map(Number);
await Promise.all(
  ports.map(
    (port) =>
      new Promise((resolve, reject) => {
        const server = net.createServer({ allowHalfOpen: true, noDelay: true }, serve);
        server.once('error', reject);
        server.listen({ port, host: values.host ?? '127.0.0.1', backlog: 4096 }, resolve);
      }),
  ),
);
process.stdout.write('ready\n');
process.on('SIGTERM', () => process.exit(0));

// The demo's ProxyCommand (`node proxy.js <host> <port>`): stdin/stdout ↔ a TCP connection, as `nc` would.
// Why a proxy at all: the pretend dev server's ports (6550, 8080) live in the demo process, not on this
// machine's loopback. Reached straight over 127.0.0.1, tunnel would rightly take the dev server for this
// machine and keep its forwards off those port numbers (a forward to itself would loop); behind a
// ProxyCommand, as a dev server behind a bastion, tunnel makes no such guess and keeps 6550 and 8080.
import net from 'node:net';

const [host = '127.0.0.1', port = ''] = process.argv.slice(2);
const socket = net.connect({ host, port: Number(port) });
socket.on('error', (error) => {
  process.stderr.write(`demo proxy: ${host}:${port}: ${error.message}\n`);
  process.exit(1);
});
socket.on('close', () => process.exit(0));
process.stdin.pipe(socket);
socket.pipe(process.stdout);
process.stdin.on('end', () => socket.end());

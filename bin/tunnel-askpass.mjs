// SSH_ASKPASS helper of tunnel's OpenSSH transport (src/openssh/askpass-relay.ts). ssh runs it with the
// prompt as argv[1]; it sends {token, prompt, hint} as one JSON line to the relay socket named in
// TUNNEL_ASKPASS_SOCKET, prints the answer line on stdout for ssh, and exits 1 when there is none
// (ssh then takes it as no answer). Plain JS, no dependencies: it starts once per question.
import net from 'node:net';

const MAX_REPLY = 64 * 1024;
const socketPath = process.env.TUNNEL_ASKPASS_SOCKET;
if (!socketPath) process.exit(1);

const request = JSON.stringify({
  token: process.env.TUNNEL_ASKPASS_TOKEN ?? '',
  prompt: process.argv[2] ?? '',
  hint: process.env.SSH_ASKPASS_PROMPT ?? '',
});
let reply = '';
const socket = net.connect(socketPath, () => socket.write(`${request}\n`));
socket.setEncoding('utf8');
socket.on('data', (chunk) => {
  reply += chunk;
  if (reply.length > MAX_REPLY) socket.destroy();
});
socket.on('error', () => process.exit(1));
socket.on('close', () => {
  let answer;
  try {
    answer = JSON.parse(reply.split('\n')[0]).answer;
  } catch {
    process.exit(1);
  }
  if (typeof answer !== 'string') process.exit(1);
  process.stdout.write(`${answer}\n`, () => process.exit(0));
});

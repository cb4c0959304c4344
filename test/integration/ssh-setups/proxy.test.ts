// ProxyCommand with ProxyUseFdpass (OrbStack's generated config): a python3 helper passes ssh the connected
// socket; ssh2 cannot take a passed fd, so auto picks OpenSSH. And a 2FA bastion on ProxyJump: the jump host
// wants the key and then a one-time code; the dev server listens only behind it. The crash is the
// bastion's, so the reconnect must answer the code again.
import { GOOD_CODE } from './fixture.js';
import { needsAnswerTest, setupSuite, wrongAnswerTest } from './journey.js';

setupSuite('fdpass', { transport: 'openssh', asks: false });
setupSuite('bastion', { asks: true }, (get) => {
  wrongAnswerTest(get, 'one-time code at the bastion', '000000', GOOD_CODE);
  needsAnswerTest(get, GOOD_CODE);
});

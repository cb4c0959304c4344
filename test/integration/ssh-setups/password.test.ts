// Password only (PubkeyAuthentication no), checked by PAM; SSH_ASKPASS answers "user@host's password: ".
// ssh2 does password authentication, so auto keeps ssh2.
import { GOOD_PASSWORD } from './fixture.js';
import { needsAnswerTest, setupSuite, wrongAnswerTest } from './journey.js';

setupSuite('password', { transport: 'ssh2', asks: true }, (get) => {
  wrongAnswerTest(get, 'password', 'not the password', GOOD_PASSWORD);
  needsAnswerTest(get, GOOD_PASSWORD);
});

// `AuthenticationMethods publickey,keyboard-interactive` through PAM (pam_exec checks the code): the key,
// then a one-time code, answered by SSH_ASKPASS (SSH_ASKPASS_REQUIRE=force) at connect and again at the
// unattended reconnect after the sshd crash; with nobody to answer, the session waits in needs-answer.
// ssh2 does keyboard-interactive, so auto keeps ssh2.
import { GOOD_CODE } from './fixture.js';
import { needsAnswerTest, setupSuite, wrongAnswerTest } from './journey.js';

setupSuite('otp', { transport: 'ssh2', asks: true }, (get) => {
  wrongAnswerTest(get, 'one-time code', '000000', GOOD_CODE);
  needsAnswerTest(get, GOOD_CODE);
});

// The control for the setup suites: a plain public-key dev server through the same journey. It passes
// today, so when a setup suite fails, the failure is the setup's, not the journey's.
import { setupSuite } from './journey.js';

setupSuite('plain', { asks: false });

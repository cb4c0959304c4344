// A KubeApi for unit tests: every call the test does not supply fails loudly, so a test notices when the
// code under test asks the API for more than it should.

import type { KubeApi } from '../../../src/kube/api.js';
import type { ApiContext } from '../../../src/kube/api-errors.js';

const context: ApiContext = { host: 'devserver', cluster: 'my-app', address: '127.0.0.1:16443' };

export function fakeKubeApi(overrides: Partial<KubeApi> = {}): KubeApi {
  const unused = (what: string) => () => Promise.reject(new Error(`the test did not expect ${what}`));
  const used = overrides.context ?? context;
  return {
    context: used,
    channel: { context: used, credentials: { ca: '', cert: '', key: '' }, open: unused('a channel') },
    getJson: unused('a raw GET'),
    version: unused('GET /version'),
    listServices: unused('a Service list'),
    listServicesAt: unused('a Service list'),
    listNodes: unused('a Node list'),
    listPods: unused('a Pod list'),
    patchService: unused('a PATCH'),
    ...overrides,
  };
}

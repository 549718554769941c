import {expect} from 'chai'

import {UsageError} from '../../../src/lib/errors.js'
import {EnvSecretStore, secretEnvName} from '../../../src/lib/secrets/env.js'

describe('EnvSecretStore', () => {
  it('maps a secret to BERTH_SECRET_<NAME>_<FIELD>', () => {
    expect(secretEnvName({name: 'my-registry', field: 'password'})).to.equal('BERTH_SECRET_MY_REGISTRY_PASSWORD')
    expect(secretEnvName({name: 'cloud', field: 'secretAccessKey'})).to.equal('BERTH_SECRET_CLOUD_SECRET_ACCESS_KEY')
    expect(secretEnvName({name: 'prod-k8s', field: 'kubeconfig'})).to.equal('BERTH_SECRET_PROD_K8S_KUBECONFIG')
  })

  it('reads from the environment and is read-only', async () => {
    const store = new EnvSecretStore({BERTH_SECRET_HUB_PASSWORD: 'from-env', BERTH_SECRET_EMPTY_PASSWORD: ''})
    const ref = {project: 'default', kind: 'Endpoint', name: 'hub', field: 'password'}
    expect(await store.get(ref)).to.equal('from-env')
    expect(await store.get({...ref, name: 'empty'})).to.equal(undefined)
    expect(await store.get({...ref, name: 'unset'})).to.equal(undefined)
    try {
      await store.set(ref)
      expect.fail('set should throw')
    } catch (error) {
      expect(error).to.be.instanceOf(UsageError)
      expect((error as Error).message).to.equal('The env secret store is read-only: cannot save the password of Endpoint "hub".')
      expect((error as UsageError).hint).to.contain('Set BERTH_SECRET_HUB_PASSWORD in the environment instead')
    }
    expect(await store.delete()).to.equal(false)
  })
})

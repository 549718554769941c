import {expect} from 'chai'

import * as berth from '../../../src/lib/index.js'
import {tempHome} from '../../helpers/cli.js'

describe('library entry (lib/index)', () => {
  it('keeps exporting StateStore with create, get and update for scripts built on it', async () => {
    const {home, cleanup} = tempHome()
    try {
      const store = new berth.StateStore({home, actor: 'script@ci'})
      await store.create({kind: 'Endpoint', metadata: {name: 'hub', project: 'default'}, spec: {type: 'docker-registry'}})
      const updated = await store.update('Endpoint', 'hub', 'default', (doc) => ({...doc, spec: {...doc.spec, description: 'mirror'}}))
      expect(updated.metadata.generation).to.equal(2)
      expect((await store.get('Endpoint', 'hub', 'default')).spec).to.deep.equal({type: 'docker-registry', description: 'mirror'})
      expect(typeof berth.writeFileAtomic).to.equal('function')
      expect(typeof berth.findReferences).to.equal('function')
    } finally {
      cleanup()
    }
  })
})

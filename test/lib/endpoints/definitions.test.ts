import {expect} from 'chai'

import {ENDPOINT_DEFINITIONS, credentialsFrom, endpointTarget, fieldValuesOf, secretOf, specFrom, summaryLines} from '../../../src/lib/endpoints/definitions/index.js'
import {ENDPOINT_TYPES} from '../../../src/lib/endpoints/types.js'

/** One realistic value per field key. */
const SAMPLE: Record<string, string> = {
  address: 'https://registry.example.com:5061',
  username: 'mytenant/ci-user',
  server: 'https://k8s.example.com:6443',
  context: 'prod-admin',
  url: 'https://git.example.com/team/app.git',
  urlPrefix: 'https://codehub.example.com',
  accessKeyId: 'HPUAEXAMPLEKEY000001',
}

describe('endpoint type definitions', () => {
  it('define every type exactly once', () => {
    expect(Object.keys(ENDPOINT_DEFINITIONS).sort()).to.deep.equal([...ENDPOINT_TYPES].sort())
    for (const [type, def] of Object.entries(ENDPOINT_DEFINITIONS)) expect(def.type, type).to.equal(type)
  })

  it('declare a flag for every field and secret flag, and a check that accepts a realistic value', () => {
    for (const def of Object.values(ENDPOINT_DEFINITIONS)) {
      const flags = Object.keys(def.flags)
      for (const field of def.fields) {
        expect(flags, `${def.type} ${field.flag}`).to.include(field.flag.slice(2))
        expect(field.check(SAMPLE[field.key]!), `${def.type} ${field.key}`).to.equal(undefined)
      }
      if (def.secret) {
        expect(def.secret.key).to.equal(def.secretKey)
        for (const flag of [def.secret.stdinFlag, def.secret.envFlag]) expect(flags, `${def.type} ${flag}`).to.include(flag.slice(2))
      } else expect(def.input, `${def.type} reads its secret somehow`).to.not.equal(undefined)
    }
  })

  it('give one help text per flag name across types', () => {
    const summaries = new Map<string, string>()
    for (const def of Object.values(ENDPOINT_DEFINITIONS)) {
      for (const [name, spec] of Object.entries(def.flags)) {
        if (summaries.has(name)) expect(spec.summary, `--${name}`).to.equal(summaries.get(name))
        summaries.set(name, spec.summary)
      }
    }
  })

  it('round-trip credentials → spec → credentials for every type; the secret never reaches the spec', () => {
    for (const def of Object.values(ENDPOINT_DEFINITIONS)) {
      const values = Object.fromEntries(def.fields.map((f) => [f.key, SAMPLE[f.key]!]))
      const secret = `s3cret for ${def.type}: "quoted" & ünïcode`
      const creds = credentialsFrom(def.type, 'sample', values, secret)
      expect(secretOf(creds)).to.equal(secret)
      const spec = specFrom({...creds, description: 'for the round trip'}, {[def.secretKey]: {backend: 'file', key: `default/Endpoint/sample/${def.secretKey}`}})
      expect(JSON.stringify(spec), def.type).to.not.contain(secret)
      expect(spec.description).to.equal('for the round trip')
      expect(credentialsFrom(def.type, 'sample', fieldValuesOf(spec), secret), def.type).to.deep.equal(creds)
      expect(endpointTarget(spec), def.type).to.equal(SAMPLE[def.fields[0]!.key])
      const rows = summaryLines(creds)
      expect(rows.find(([k]) => k === def.secretKey), def.type).to.deep.equal([def.secretKey, '********'])
      expect(rows.map(([, v]) => v).join('\n')).to.not.contain(secret)
    }
  })
})

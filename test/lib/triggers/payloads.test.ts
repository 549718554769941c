import {expect} from 'chai'
import {readFileSync} from 'node:fs'
import path from 'node:path'

import {parseWebhook, UnknownPayloadError} from '../../../src/lib/triggers/payloads.js'
import {ROOT} from '../../helpers/cli.js'
import {distributionEvent} from './fixtures.js'

const fixture = (name: string) => readFileSync(path.join(ROOT, 'test', 'fixtures', 'triggers', name), 'utf8')

describe('trigger payloads', () => {
  it('maps the Docker Hub payload from the source to its inputs', () => {
    const parsed = parseWebhook(JSON.parse(fixture('docker-hub.json')))
    expect(parsed.format).to.equal('docker-hub')
    expect(parsed.pushes).to.have.length(1)
    const push = parsed.pushes[0]!
    expect(push).to.include({
      format: 'docker-hub',
      owner: 'svendowideit',
      namespace: 'svendowideit',
      repositoryName: 'testhook',
      repository: 'svendowideit/testhook',
      image: 'svendowideit/testhook:latest',
      tag: 'latest',
      pusher: 'trustedbuilder',
      time: '2014-12-03T00:22:41.000Z',
      callbackUrl: 'https://registry.hub.docker.com/u/svendowideit/testhook/hook/2141b5bi5i5b02bec211i4eeih0242eg11000a/',
    })
    expect(push.eventId).to.match(/^[0-9a-f]{32}$/)
  })

  it('the source text itself is not valid JSON (an escaped "]"), so the server answers it with 400', () => {
    expect(() => JSON.parse(fixture('docker-hub-seed-verbatim.txt'))).to.throw(SyntaxError, /Bad escaped character/)
  })

  it('takes every push with a tag from a mixed distribution envelope, in order, and nothing else', () => {
    const events = [
      distributionEvent(1, {action: 'pull'}),
      distributionEvent(2, {tag: null, mediaType: 'application/octet-stream'}), // a layer blob
      distributionEvent(3),
      distributionEvent(4, {action: 'pull', tag: 'latest'}),
      distributionEvent(5, {tag: 'v2.0.0-rc.1', repository: 'payments/team-a/ledger'}),
      distributionEvent(6, {tag: 'bad tag with spaces'}),
    ]
    const parsed = parseWebhook({events})
    expect(parsed).to.include({format: 'distribution', events: 6, duplicates: 0})
    expect(parsed.pushes.map((p) => p.image)).to.deep.equal(['127.0.0.1:35001/payments/checkout-api:1.4.3', '127.0.0.1:35001/payments/team-a/ledger:v2.0.0-rc.1'])
    expect(parsed.pushes[1]).to.deep.include({
      owner: 'payments',
      namespace: 'payments/team-a',
      repositoryName: 'ledger',
      repository: 'payments/team-a/ledger',
      registry: '127.0.0.1:35001',
      tag: 'v2.0.0-rc.1',
      digest: `sha256:${'5'.padStart(64, 'a')}`,
      pusher: 'ci-bot@payments.example.com',
      time: '2026-11-24T09:30:05.123Z',
      eventId: '7c1e5f2a-4b8d-4e0a-9f3c-000000000005',
    })
  })

  it('considers all 100 events of an envelope and skips repeated ids', () => {
    const events = Array.from({length: 100}, (_, i) => distributionEvent(i, i % 10 === 9 ? {action: 'pull'} : {}))
    events[50] = distributionEvent(50, {id: '7c1e5f2a-4b8d-4e0a-9f3c-000000000049'}) // a retried delivery of event 49
    const parsed = parseWebhook({events})
    expect(parsed.events).to.equal(100)
    expect(parsed.duplicates).to.equal(1)
    expect(parsed.pushes).to.have.length(89)
    expect(parsed.pushes.at(-1)!.tag).to.equal('1.4.98')
    expect(new Set(parsed.pushes.map((p) => p.eventId)).size).to.equal(89)
  })

  it('maps a Harbor 2 PUSH_ARTIFACT event', () => {
    const parsed = parseWebhook({
      type: 'PUSH_ARTIFACT',
      occur_at: 1_732_440_000,
      operator: 'robot$payments+ci',
      event_data: {
        resources: [{digest: 'sha256:0f5bd7d1b0c1e1e3a3ed4e3b0d2e9f3a6f0b9b5c8a2d0e1f7a6b5c4d3e2f1a0b', tag: '2024.11.24-3f9c2ab', resource_url: 'harbor.payments.example.com:8443/payments/checkout-api:2024.11.24-3f9c2ab'}],
        repository: {date_created: 1_700_000_000, name: 'checkout-api', namespace: 'payments', repo_full_name: 'payments/checkout-api', repo_type: 'private'},
      },
    })
    expect(parsed.format).to.equal('harbor')
    expect(parsed.pushes).to.have.length(1)
    expect(parsed.pushes[0]).to.deep.include({
      owner: 'payments',
      namespace: 'payments',
      repositoryName: 'checkout-api',
      repository: 'payments/checkout-api',
      registry: 'harbor.payments.example.com:8443',
      image: 'harbor.payments.example.com:8443/payments/checkout-api:2024.11.24-3f9c2ab',
      tag: '2024.11.24-3f9c2ab',
      pusher: 'robot$payments+ci',
      time: '2024-11-24T09:20:00.000Z',
    })
  })

  it('maps an older Harbor pushImage event and ignores other Harbor event types', () => {
    const pushImage = parseWebhook({
      type: 'pushImage',
      occur_at: 1_586_922_308,
      operator: 'admin',
      event_data: {
        resources: [{digest: 'sha256:8a9e9863dbb6e10edb5adfe917c00da84e1700fa76e7ed02476aa6e6fb8ee0d8', tag: 'latest', resource_url: 'hub.harbor.com/test-webhook/debian:latest'}],
        repository: {date_created: 1_586_922_308, name: 'debian', namespace: 'test-webhook', repo_full_name: 'test-webhook/debian', repo_type: 'private'},
      },
    })
    expect(pushImage.pushes.map((p) => [p.image, p.tag, p.pusher])).to.deep.equal([['hub.harbor.com/test-webhook/debian:latest', 'latest', 'admin']])
    const pull = parseWebhook({type: 'PULL_ARTIFACT', occur_at: 1, operator: 'admin', event_data: {resources: [{tag: 'latest'}], repository: {name: 'debian', namespace: 'x'}}})
    expect(pull.pushes).to.deep.equal([])
  })

  it('refuses bodies of no known format and drops fields with control characters', () => {
    expect(() => parseWebhook([1, 2])).to.throw(UnknownPayloadError)
    expect(() => parseWebhook({hello: 'world'})).to.throw(UnknownPayloadError, /not a Docker Hub webhook/)
    const hostile = JSON.parse(fixture('docker-hub.json'))
    hostile.push_data.pusher = 'evil\u001b[2J'
    hostile.push_data.tag = '$(touch /tmp/pwned)'
    expect(parseWebhook(hostile).pushes).to.deep.equal([])
  })
})

import {expect} from 'chai'

import {ValidationError} from '../../../src/lib/errors.js'
import {repositoryOf, setContainerImage} from '../../../src/lib/services/image.js'

const deployment = () => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {name: 'checkout'},
  spec: {
    template: {
      spec: {
        initContainers: [{name: 'migrate', image: 'registry.example.com:5443/payments/checkout-migrate:1.0'}],
        containers: [
          {name: 'api', image: 'registry.example.com:5443/payments/checkout-api:1.0'},
          {name: 'sidecar', image: 'payments/checkout-api@sha256:0f5bd7d1b0c1e1e3a3ed4e3b0d2e9f3a6f0b9b5c8a2d0e1f7a6b5c4d3e2f1a0b'},
          {name: 'metrics', image: 'prom/exporter:0.9'},
        ],
      },
    },
  },
})

describe('service image override (trigger deploys)', () => {
  it('finds the repository of a reference with or without a registry host, tag or digest', () => {
    expect(repositoryOf('registry.example.com:5443/payments/checkout-api:1.0')).to.equal('payments/checkout-api')
    expect(repositoryOf('localhost/payments/checkout-api')).to.equal('payments/checkout-api')
    expect(repositoryOf('127.0.0.1:35001/team/sub/app@sha256:abc')).to.equal('team/sub/app')
    expect(repositoryOf('payments/checkout-api:1.0')).to.equal('payments/checkout-api')
    expect(repositoryOf('busybox')).to.equal('busybox')
  })

  it('sets every container running the pushed repository, whatever its registry and tag', () => {
    const objects = [deployment(), {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'x'}, data: {}}] as Array<Record<string, unknown>>
    const changed = setContainerImage(objects, {image: '127.0.0.1:35001/payments/checkout-api:1.4.2', repository: 'payments/checkout-api'}, 'checkout')
    expect(changed.map((c) => c.container)).to.deep.equal(['api', 'sidecar'])
    const containers = (objects[0] as ReturnType<typeof deployment>).spec.template.spec.containers
    expect(containers.map((c) => c.image)).to.deep.equal(['127.0.0.1:35001/payments/checkout-api:1.4.2', '127.0.0.1:35001/payments/checkout-api:1.4.2', 'prom/exporter:0.9'])
  })

  it('sets only the named container, init containers and CronJobs included', () => {
    const cron = {kind: 'CronJob', metadata: {name: 'nightly'}, spec: {jobTemplate: {spec: {template: {spec: {containers: [{name: 'migrate', image: 'old:1'}]}}}}}}
    const objects = [deployment(), cron] as Array<Record<string, unknown>>
    const changed = setContainerImage(objects, {image: 'r.example.com/payments/checkout-migrate:2.0', container: 'migrate'}, 'checkout')
    expect(changed.map((c) => `${c.kind}/${c.name}/${c.container}`)).to.deep.equal(['Deployment/checkout/migrate', 'CronJob/nightly/migrate'])
  })

  it('fails rather than deploy the old image when nothing matches', () => {
    expect(() => setContainerImage([deployment()], {image: 'r/x/y:1', container: 'web'}, 'checkout')).to.throw(ValidationError, 'Service "checkout" has no container named "web" in its workloads.')
    expect(() => setContainerImage([deployment()], {image: 'r.example.com/other/app:1'}, 'checkout')).to.throw(ValidationError, 'No container of service "checkout" runs other/app; name the container to set with --container.')
  })
})

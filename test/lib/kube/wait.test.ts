import {expect} from 'chai'

import type {KubeObject} from '../../../src/lib/kube/resources.js'
import {isWorkload, rolloutStatusOf} from '../../../src/lib/kube/wait.js'

function deployment(spec: object, status: object, generation = 2): KubeObject {
  return {apiVersion: 'apps/v1', kind: 'Deployment', metadata: {name: 'api-server', namespace: 'dr-dev', generation}, spec, status} as KubeObject
}

describe('kube/wait rolloutStatusOf', () => {
  it('Deployment: waits for the spec to be observed, then updated, old gone, available', () => {
    expect(rolloutStatusOf(deployment({replicas: 3}, {observedGeneration: 1}))).to.deep.equal({state: 'progressing', message: 'waiting for the controller to observe the new spec'})
    expect(rolloutStatusOf(deployment({replicas: 3}, {observedGeneration: 2, updatedReplicas: 1, replicas: 3})).message).to.equal('1 of 3 new replicas updated')
    expect(rolloutStatusOf(deployment({replicas: 3}, {observedGeneration: 2, updatedReplicas: 3, replicas: 4})).message).to.equal('1 old replicas pending termination')
    expect(rolloutStatusOf(deployment({replicas: 3}, {observedGeneration: 2, updatedReplicas: 3, replicas: 3, availableReplicas: 2})).message).to.equal('2 of 3 updated replicas available')
    expect(rolloutStatusOf(deployment({replicas: 3}, {observedGeneration: 2, updatedReplicas: 3, replicas: 3, availableReplicas: 3}))).to.deep.equal({state: 'ready', message: '3 of 3 replicas available'})
  })

  it('Deployment: ProgressDeadlineExceeded fails at once with the reason', () => {
    const status = rolloutStatusOf(
      deployment({replicas: 1}, {observedGeneration: 2, conditions: [{type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "api-server-5d8" has timed out progressing.'}]}),
    )
    expect(status).to.deep.equal({state: 'failed', message: 'ProgressDeadlineExceeded: ReplicaSet "api-server-5d8" has timed out progressing.'})
  })

  it('StatefulSet, DaemonSet and Job', () => {
    const sts = (spec: object, status: object) => ({apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: {name: 'db', generation: 1}, spec, status}) as KubeObject
    expect(rolloutStatusOf(sts({replicas: 2}, {observedGeneration: 1, readyReplicas: 1})).message).to.equal('1 of 2 pods ready')
    expect(rolloutStatusOf(sts({replicas: 2}, {observedGeneration: 1, readyReplicas: 2, currentRevision: 'db-1', updateRevision: 'db-2', updatedReplicas: 1})).state).to.equal('progressing')
    expect(rolloutStatusOf(sts({replicas: 2}, {observedGeneration: 1, readyReplicas: 2, currentRevision: 'db-2', updateRevision: 'db-2'})).state).to.equal('ready')
    expect(rolloutStatusOf(sts({replicas: 4, updateStrategy: {type: 'RollingUpdate', rollingUpdate: {partition: 2}}}, {observedGeneration: 1, readyReplicas: 4, updatedReplicas: 2})).state).to.equal('ready')
    const ds = {apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: {name: 'agent', generation: 1}, spec: {}, status: {observedGeneration: 1, desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 1}} as unknown as KubeObject
    expect(rolloutStatusOf(ds).message).to.equal('1 of 3 updated pods available')
    const job = (status: object) => ({apiVersion: 'batch/v1', kind: 'Job', metadata: {name: 'migrate'}, status}) as unknown as KubeObject
    expect(rolloutStatusOf(job({active: 1})).state).to.equal('progressing')
    expect(rolloutStatusOf(job({succeeded: 1, conditions: [{type: 'Complete', status: 'True'}]})).state).to.equal('ready')
    expect(rolloutStatusOf(job({failed: 7, conditions: [{type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit'}]}))).to.deep.equal({
      state: 'failed',
      message: 'BackoffLimitExceeded: Job has reached the specified backoff limit',
    })
  })

  it('waits only for workload kinds', () => {
    expect(isWorkload({apiVersion: 'apps/v1', kind: 'Deployment'})).to.equal(true)
    expect(isWorkload({apiVersion: 'batch/v1', kind: 'Job'})).to.equal(true)
    expect(isWorkload({apiVersion: 'v1', kind: 'ConfigMap'})).to.equal(false)
    expect(isWorkload({apiVersion: 'example.com/v1', kind: 'Deployment'})).to.equal(false)
  })
})

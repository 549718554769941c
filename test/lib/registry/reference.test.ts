import {expect} from 'chai'

import {UsageError, ValidationError} from '../../../src/lib/errors.js'
import {assertRepositoryName, parseRepositoryTag, repositoryNameProblem, splitImageName} from '../../../src/lib/registry/reference.js'

describe('repository references', () => {
  it('accepts distribution repository names', () => {
    for (const n of ['app', 'team/app', 'a/b/c', 'my-app', 'my__app', 'my.app', 'a--b', 'x1/y_2']) expect(repositoryNameProblem(n), n).to.equal(undefined)
  })

  it('rejects names outside the grammar with the reason', () => {
    expect(repositoryNameProblem('')).to.equal('it is empty')
    expect(repositoryNameProblem('Team/app')).to.equal('it must be lower case')
    for (const n of ['-app', 'app-', 'a//b', '/a', 'a/', 'a___b', 'a..b', 'a b', 'a:b', '../x']) expect(repositoryNameProblem(n), n).to.be.a('string')
    expect(repositoryNameProblem('a'.repeat(256))).to.equal('it is 256 characters long (at most 255)')
    expect(() => assertRepositoryName('Bad')).to.throw(ValidationError, 'Invalid repository name "Bad": it must be lower case.')
  })

  it('parses REPOSITORY:TAG', () => {
    expect(parseRepositoryTag('team/app:1.0', 'Image')).to.deep.equal({repository: 'team/app', tag: '1.0'})
    expect(parseRepositoryTag('team/app', 'Image', {defaultTag: 'latest'})).to.deep.equal({repository: 'team/app', tag: 'latest'})
  })

  it('refuses a missing tag, a host, a digest and a bad tag', () => {
    expect(() => parseRepositoryTag('team/app', 'Image')).to.throw(UsageError, 'Image "team/app" has no tag; give REPOSITORY:TAG.')
    expect(() => parseRepositoryTag('127.0.0.1:5000/team/app:1', 'Image')).to.throw(UsageError, 'Image "127.0.0.1:5000/team/app:1" names a registry host ("127.0.0.1:5000"); give the repository path only (the endpoint says which registry).')
    expect(() => parseRepositoryTag('team/app@sha256:abc', 'Image')).to.throw(UsageError, 'is a digest reference')
    expect(() => parseRepositoryTag('team/app:-bad', 'Image')).to.throw(ValidationError, 'Invalid tag "-bad"')
  })

  it('splits local image names the way docker does', () => {
    expect(splitImageName('berth-test/busybox:1')).to.deep.equal({path: 'berth-test/busybox', tag: '1'})
    expect(splitImageName('busybox')).to.deep.equal({path: 'busybox'})
    expect(splitImageName('localhost/app:2')).to.deep.equal({domain: 'localhost', path: 'app', tag: '2'})
    expect(splitImageName('127.0.0.1:5000/team/app:3')).to.deep.equal({domain: '127.0.0.1:5000', path: 'team/app', tag: '3'})
    expect(splitImageName(`app@sha256:${'a'.repeat(64)}`)).to.deep.equal({path: 'app', digest: `sha256:${'a'.repeat(64)}`})
    expect(splitImageName(`sha256:${'b'.repeat(64)}`)).to.equal(undefined)
    expect(splitImageName('0123456789ab')).to.equal(undefined)
    expect(splitImageName('Bad/Name')).to.equal(undefined)
  })
})

import {expect} from 'chai'

import {ValidationError} from '../../../src/lib/errors.js'
import {isLoopbackHost, parseGitHttpUrl, repositoryPathSegments, repositoryUrl} from '../../../src/lib/git/url.js'

function rejection(fn: () => unknown): ValidationError {
  try {
    fn()
  } catch (error) {
    expect(error).to.be.instanceOf(ValidationError)
    return error as ValidationError
  }
  expect.fail('expected a ValidationError')
}

describe('git URL validation', () => {
  it('accepts https URLs and normalises them', () => {
    const url = parseGitHttpUrl('https://Git.Example.com:443/group/repo.git')
    expect(url).to.deep.equal({
      href: 'https://git.example.com/group/repo.git',
      protocol: 'https:',
      host: 'git.example.com',
      origin: 'https://git.example.com',
      pathname: '/group/repo.git',
    })
    expect(parseGitHttpUrl('HTTPS://host:8443/r').origin).to.equal('https://host:8443')
  })

  it('accepts http only for loopback hosts', () => {
    expect(parseGitHttpUrl('http://127.0.0.1:3000/demo.git').href).to.equal('http://127.0.0.1:3000/demo.git')
    expect(parseGitHttpUrl('http://localhost/demo.git').origin).to.equal('http://localhost')
    expect(parseGitHttpUrl('http://[::1]:8080/demo.git').host).to.equal('[::1]:8080')
    const err = rejection(() => parseGitHttpUrl('http://git.example.com/demo.git'))
    expect(err.message).to.equal('Invalid repository URL "http://git.example.com/demo.git": http is allowed only for this machine (localhost, 127.0.0.1, ::1).')
    expect(err.hint).to.equal('Use https://git.example.com/demo.git.')
    expect(err.exitCode).to.equal(2)
  })

  it('knows loopback hosts', () => {
    for (const h of ['localhost', 'LOCALHOST', 'a.localhost', '127.0.0.1', '127.1.2.3', '::1', '[::1]']) expect(isLoopbackHost(h), h).to.equal(true)
    for (const h of ['127.0.0.1.nip.io', 'localhost.example.com', '10.0.0.1', '::2', 'example.com', '1127.0.0.1']) expect(isLoopbackHost(h), h).to.equal(false)
  })

  it('refuses git transports that run commands or read local files', () => {
    expect(rejection(() => parseGitHttpUrl("ext::sh -c 'touch /tmp/pwned'")).message).to.equal(
      `Invalid repository URL "ext::sh -c 'touch /tmp/pwned'": it contains whitespace.`,
    )
    expect(rejection(() => parseGitHttpUrl('ext::sh%20-c%20id')).message).to.equal('Invalid repository URL "ext::sh%20-c%20id": the scheme is "ext:"; only https (and http for this machine) are allowed.')
    expect(rejection(() => parseGitHttpUrl('file:///etc/passwd')).message).to.equal('Invalid repository URL "file:///etc/passwd": the scheme is "file:"; only https (and http for this machine) are allowed.')
    expect(rejection(() => parseGitHttpUrl('ssh://git@host/repo.git')).message).to.contain('the scheme is "ssh:"')
    expect(rejection(() => parseGitHttpUrl('git://host/repo.git')).message).to.contain('the scheme is "git:"')
    expect(rejection(() => parseGitHttpUrl('fd::17')).message).to.contain('the scheme is "fd:"')
    expect(rejection(() => parseGitHttpUrl('/srv/git/repo.git')).message).to.equal('Invalid repository URL "/srv/git/repo.git": the scheme is none; only https (and http for this machine) are allowed.')
  })

  it('refuses option-looking values', () => {
    expect(rejection(() => parseGitHttpUrl('-u')).message).to.equal('Invalid repository URL "-u": the scheme is none; only https (and http for this machine) are allowed.')
    expect(rejection(() => parseGitHttpUrl('--upload-pack=touch%20/tmp/x')).message).to.contain('the scheme is none')
    expect(rejection(() => parseGitHttpUrl('-uhttps://host/x')).message).to.contain('the scheme is none')
  })

  it('refuses URLs with credentials without echoing them', () => {
    for (const value of ['https://user:pass@host/x', 'https://token@host/x', 'https://@host/x', 'https://a%40b:p%40ss@host/x']) {
      const err = rejection(() => parseGitHttpUrl(value))
      expect(err.message).to.equal('Invalid repository URL "https://***@host": it contains credentials.')
      expect(err.message).not.to.contain('pass')
      expect(err.message).not.to.contain('token')
      expect(err.hint).to.contain('--password-stdin')
    }
  })

  it('refuses control characters, newline injection and whitespace', () => {
    expect(rejection(() => parseGitHttpUrl('https://host/repo.git\nusername=evil')).message).to.equal(
      'Invalid repository URL "https://host/repo.git\\u000ausername=evil": it contains control characters.',
    )
    expect(rejection(() => parseGitHttpUrl('https://host/repo.git\r\n')).message).to.contain('control characters')
    expect(rejection(() => parseGitHttpUrl('https://host/a%0apassword=x')).message).to.contain('control characters')
    expect(rejection(() => parseGitHttpUrl('https://host/a%00')).message).to.contain('control characters')
    expect(rejection(() => parseGitHttpUrl('https://host/a\u0000')).message).to.contain('control characters')
    expect(rejection(() => parseGitHttpUrl(' https://host/a')).message).to.contain('whitespace')
    expect(rejection(() => parseGitHttpUrl('https://host/a b')).message).to.contain('whitespace')
  })

  it('refuses malformed shapes that WHATWG URL would quietly repair', () => {
    expect(rejection(() => parseGitHttpUrl('https:host/x')).message).to.equal('Invalid repository URL "https:host/x": expected "//" and a host after the scheme.')
    expect(rejection(() => parseGitHttpUrl('https:///host/x')).message).to.contain('expected "//" and a host')
    expect(rejection(() => parseGitHttpUrl('https://host\\@evil/x')).message).to.contain('backslash')
    expect(rejection(() => parseGitHttpUrl('https://ho st/')).message).to.contain('whitespace')
    expect(rejection(() => parseGitHttpUrl('https://host:99999/')).message).to.contain('not a valid URL')
    expect(rejection(() => parseGitHttpUrl('')).message).to.equal('Invalid repository URL "": it is empty.')
  })

  it('joins a clone-URL prefix and a repository path', () => {
    expect(repositoryUrl('https://codehub.example.com', 'group/repo.git').href).to.equal('https://codehub.example.com/group/repo.git')
    expect(repositoryUrl('https://codehub.example.com/', '/group//repo.git').href).to.equal('https://codehub.example.com/group/repo.git')
    expect(repositoryUrl('https://host/base/', 'repo').href).to.equal('https://host/base/repo')
  })

  it('refuses repository paths that climb out of the prefix or smuggle a URL', () => {
    expect(rejection(() => repositoryUrl('https://host', '../other/repo.git')).message).to.equal('Invalid --repository "../other/repo.git": "." and ".." are not allowed.')
    expect(rejection(() => repositoryUrl('https://host', 'a/%2e%2e/b')).message).to.contain('"." and ".."')
    expect(rejection(() => repositoryUrl('https://host', 'https://evil/x')).message).to.equal('Invalid --repository "https://evil/x": give a path, not a URL.')
    expect(rejection(() => repositoryUrl('https://host', 'ext::sh')).message).to.contain('give a path, not a URL')
    expect(rejection(() => repositoryUrl('https://host', 'a?x=1')).message).to.contain('may not contain')
    expect(rejection(() => repositoryUrl('https://host', 'a\nb')).message).to.contain('control characters')
    expect(rejection(() => repositoryUrl('https://host', '/')).message).to.equal('Invalid --repository "/": it is empty.')
    expect(rejection(() => repositoryUrl('https://host?x=1', 'a')).message).to.contain('may not have a query or fragment')
    expect(rejection(() => repositoryUrl('file:///srv', 'a')).message).to.contain('the scheme is "file:"')
  })

  it('compares repository paths without ".git" and empty segments', () => {
    expect(repositoryPathSegments('/group/repo.git/')).to.deep.equal(['group', 'repo'])
    expect(repositoryPathSegments('/group/repo')).to.deep.equal(['group', 'repo'])
    expect(repositoryPathSegments('/')).to.deep.equal([])
    expect(repositoryPathSegments('/a%20b/c')).to.deep.equal(['a b', 'c'])
  })
})

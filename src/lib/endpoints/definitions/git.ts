import {parseGitHttpUrl} from '../../git/url.js'
import {PASSWORD_FLAGS, USERNAME_FLAG, type EndpointDefinition} from '../definition.js'
import {PASSWORD, USERNAME, urlField} from '../fields.js'

export const git: EndpointDefinition = {
  type: 'git',
  title: 'Git repository over HTTPS (URL, username, password or token)',
  usage: '--url https://… --username U --password-stdin|--password-env VAR (password or access token)',
  fields: [
    urlField('url', 'Repository URL (https://…)', {flag: '--url', what: 'a git endpoint', schemes: ['https'], httpOnLoopback: true}, (v) => parseGitHttpUrl(v, '--url')),
    USERNAME,
  ],
  secretKey: 'password',
  secret: {...PASSWORD, label: 'password or access token', prompt: 'Password or access token'},
  flags: {
    url: {kind: 'string', summary: 'git: HTTPS repository URL.', helpGroup: 'GIT'},
    username: USERNAME_FLAG,
    ...PASSWORD_FLAGS,
  },
}

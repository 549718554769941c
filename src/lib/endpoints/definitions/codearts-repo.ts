import {parseGitHttpUrl} from '../../git/url.js'
import {PASSWORD_FLAGS, USERNAME_FLAG, type EndpointDefinition} from '../definition.js'
import {PASSWORD, codeartsUsernameProblem, urlField} from '../fields.js'

export const codeartsRepo: EndpointDefinition = {
  type: 'codearts-repo',
  title: 'CodeArts Repo over HTTPS (clone-URL prefix, tenant/iam-user, password)',
  usage: '--url-prefix https://host --username tenant/iam-user --password-stdin|--password-env VAR',
  fields: [
    urlField('urlPrefix', 'HTTPS clone-URL prefix (e.g. https://codehub.example.com)', {flag: '--url-prefix', what: 'a codearts-repo endpoint', schemes: ['https'], httpOnLoopback: true}, (v) => parseGitHttpUrl(v, '--url-prefix')),
    {key: 'username', flag: '--username', prompt: 'Username (tenant/iam-user)', check: codeartsUsernameProblem},
  ],
  secretKey: 'password',
  secret: PASSWORD,
  flags: {
    'url-prefix': {kind: 'string', summary: 'codearts-repo: HTTPS clone-URL prefix (e.g. https://codehub.example.com).', helpGroup: 'CODEARTS-REPO'},
    username: USERNAME_FLAG,
    ...PASSWORD_FLAGS,
  },
}

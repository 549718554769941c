#!/usr/bin/env -S node --import tsx --no-warnings
// Runs berth from the TypeScript sources without a build. oclif reads the command list
// from oclif.manifest.json when it exists, so after adding a command run `npm run build`.
import {execute} from '@oclif/core'

process.env.NODE_ENV ??= 'development'
await execute({development: true, dir: import.meta.url})

#!/usr/bin/env node
// berth, for callers that run bin/run.js: the entry point is bin/run.cjs (what `berth` runs).
import './run.cjs'

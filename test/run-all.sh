#!/usr/bin/env bash
# `npm test`: build, typecheck + lint, engine unit tests, extension-host suite, browser UI suite.
set -u
cd "$(dirname "$0")/.."
exec node test/runAll.mjs "$@"

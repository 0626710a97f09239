#!/usr/bin/env bash
# Regenerates the configuration table in README.md from the code's configuration specs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
table="$(node cli/dist/main.js config)"
TABLE="$table" python3 - <<'PY'
import os, re
p = 'README.md'
s = open(p).read()
s = re.sub(r'(<!-- config-table:start -->\n).*?(<!-- config-table:end -->)', lambda m: m.group(1) + os.environ['TABLE'] + '\n' + m.group(2), s, flags=re.S)
open(p, 'w').write(s)
PY
npx biome format --write README.md >/dev/null

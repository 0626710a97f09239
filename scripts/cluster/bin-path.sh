#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Prints the PATH directories of the pinned cluster tools (built by build-tools.sh), e.g.
#   export PATH="$(scripts/cluster/bin-path.sh):$PATH"
set -euo pipefail
# shellcheck source=lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
tools_path

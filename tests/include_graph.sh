#!/usr/bin/env bash
# The library boundary, checked on the sources: programs include only the public headers,
# and the rule engine never includes a check or fact module (kinds register from above it).
set -euo pipefail
src=$1
fail=0
if grep -nE '#include +"(engine/|util/|rules/|facts/|checks/|image/|fs/|report/|scan\.h)' \
        "$src"/tools/*.c "$src"/tools/*.h; then
    echo "FAIL: a program includes an engine header (above)"; fail=1
fi
if grep -nE '#include +"(checks|facts)/' "$src"/engine/rules/*.c "$src"/engine/rules/*.h; then
    echo "FAIL: engine/rules includes a check or fact header (above)"; fail=1
fi
if grep -nE '#include +<(jansson|archive|pcre2|yaml)' "$src"/include/imgbaseline/*.h; then
    echo "FAIL: a public header exposes a dependency's types (above)"; fail=1
fi
((fail)) && exit 1
echo "1 passed, 0 failed"

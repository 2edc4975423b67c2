#!/bin/sh
# test_include_cycles.sh - kiosk/include-cycles.sh (make lint) finds a circle
# of includes between modules, names the lines that make it, and leaves a
# module's own internal header and its extra source files alone.
top=$(cd "$(dirname "$0")/../.." && pwd)
tool=$top/kiosk/include-cycles.sh
work=$(mktemp -d /tmp/cakiosk-cycles.XXXXXX)
trap 'rm -rf "$work"' EXIT
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
check() { d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }

# a.c uses b, b.c uses a: a circle.  c has an internal header and a second
# source file (c_int.h, c_more.c) that include each other: one module.
mkdir -p "$work/m"
printf '#include "a.h"\n#include "b.h"\n' >"$work/m/a.c"
printf 'int a(void);\n' >"$work/m/a.h"
printf '#include "b.h"\n#include "a.h"\n' >"$work/m/b.c"
printf 'int b(void);\n' >"$work/m/b.h"
printf '#include "c.h"\n#include "c_int.h"\n' >"$work/m/c.c"
printf 'int c(void);\n' >"$work/m/c.h"
printf '#include "c.h"\nint c_helper(void);\n' >"$work/m/c_int.h"
printf '#include "c_int.h"\n#include "a.h"\n' >"$work/m/c_more.c"

sh "$tool" "$work/m" >"$work/out" 2>&1
check "a circle between two modules fails" test $? = 1
check "it is named" grep -q "include cycle: $work/m/a -> $work/m/b -> $work/m/a" "$work/out"
check "with the include lines that make it" sh -c "grep -q '$work/m/a.c:2: #include \"b.h\"' '$work/out' && grep -q '$work/m/b.c:2: #include \"a.h\"' '$work/out'"
check "a module's own internal header is no circle" sh -c "! grep -q '$work/m/c' '$work/out'"

printf '#include "b.h"\n' >"$work/m/b.c"
sh "$tool" "$work/m" >"$work/out" 2>&1
check "without the circle it passes" test $? = 0
check "and says nothing" test ! -s "$work/out"

# The tree itself has none.
sh "$tool" >"$work/out" 2>&1
check "src has no include cycle" test $? = 0
cat "$work/out"

echo "1..$n"
[ "$failed" = 0 ]

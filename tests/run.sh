#!/usr/bin/env bash
# The whole test suite, as CI runs it:
#   1. install the Debian packages (contrib/install-deps.sh; no-op if present)
#   2. build/      normal build, warnings are errors; every ctest
#                  (unit, fuzz corpus replay, interop with real peers)
#   3. build-asan/ ASan+UBSan build; every ctest again
#   4. the unit tests of build/ under valgrind (leaks and invalid accesses),
#      and sipxmppd under valgrind through the message, presence and room
#      interop tests
# Exits non-zero if any step failed, after running all of them, and prints
# a summary. Environment: JOBS (build parallelism, default 2), CTEST_JOBS
# (tests run at once, default 2: the interop tests mostly wait on their
# peers, each on its own ephemeral ports and directories),
# SKIP_DEPS=1 (do not touch apt), SKIP_ASAN=1, SKIP_VALGRIND=1,
# CTEST_ARGS (extra ctest arguments, e.g. "-L unit").
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
ROOT=$(pwd)
JOBS=${JOBS:-2}
CTEST_JOBS=${CTEST_JOBS:-2}
read -r -a CTEST_EXTRA <<<"${CTEST_ARGS:-}"
export SIPXMPP_TEST_TMP=${SIPXMPP_TEST_TMP:-$ROOT/build-test-tmp}

summary=()
failed=0

# step NAME CMD...: run a step, time it, remember the verdict.
step() {
	local name=$1
	shift
	local t0=$SECONDS
	echo
	echo "=== $name"
	if "$@"; then
		summary+=("PASS  $name ($((SECONDS - t0))s)")
	else
		summary+=("FAIL  $name ($((SECONDS - t0))s)")
		failed=1
	fi
}

# build DIR CMAKE-ARGS...: configure and build one tree.
build() {
	local dir=$1
	shift
	cmake -S "$ROOT" -B "$ROOT/$dir" -DSIPXMPP_WERROR=ON \
	    -DSIPXMPP_INTEROP=ON "$@" &&
	    cmake --build "$ROOT/$dir" -j"$JOBS"
}

# memcheck DIR: every unit test of DIR under valgrind; any error fails.
memcheck() {
	local dir=$1 list
	list=$(ctest --test-dir "$ROOT/$dir" -L unit --show-only=json-v1) ||
	    return 1
	/usr/bin/python3 - "$list" "$ROOT/tests/valgrind.supp" <<'PY'
import json, subprocess, sys
tests = json.loads(sys.argv[1]).get("tests", [])
supp = sys.argv[2]
if not tests:
    print("memcheck: no unit tests found")
    sys.exit(1)
bad = []
for t in tests:
    cmd = t["command"]
    props = {p["name"]: p["value"] for p in t.get("properties", [])}
    cwd = props.get("WORKING_DIRECTORY")
    argv = ["valgrind", "--error-exitcode=99", "--leak-check=full",
            "--errors-for-leak-kinds=definite,indirect",
            "--show-leak-kinds=definite,indirect", "--track-origins=yes",
            "--suppressions=" + supp, "--quiet"] + cmd
    r = subprocess.run(argv, cwd=cwd, capture_output=True, text=True)
    verdict = "ok" if r.returncode == 0 else "FAIL (exit %d)" % r.returncode
    print("memcheck %-40s %s" % (t["name"], verdict), flush=True)
    if r.returncode != 0:
        bad.append(t["name"])
        sys.stdout.write(r.stdout[-4000:] + r.stderr[-8000:])
print("memcheck: %d tests, %d failed" % (len(tests), len(bad)))
sys.exit(1 if bad else 0)
PY
}

if [ "${SKIP_DEPS:-}" != 1 ]; then
	step "install dependencies" bash "$ROOT/contrib/install-deps.sh"
fi

if step "build (build/)" build build -DSIPXMPP_SANITIZE=OFF; then
	step "ctest (build/)" ctest --test-dir "$ROOT/build" --output-on-failure \
	    -j"$CTEST_JOBS" "${CTEST_EXTRA[@]}"
fi

if [ "${SKIP_ASAN:-}" != 1 ]; then
	if step "build ASan+UBSan (build-asan/)" build build-asan \
	    -DSIPXMPP_SANITIZE=ON; then
		step "ctest ASan+UBSan (build-asan/)" env \
		    ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
		    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		    ctest --test-dir "$ROOT/build-asan" --output-on-failure \
		    -j"$CTEST_JOBS" "${CTEST_EXTRA[@]}"
	fi
fi

if [ "${SKIP_VALGRIND:-}" != 1 ] && [ -d "$ROOT/build" ]; then
	step "valgrind unit tests (build/)" memcheck build
	# The daemon itself under valgrind, through the message, presence and
	# room interop tests:
	# any memory error or definite leak makes it exit 97, which the gateway
	# fixture reports as a failure.
	step "valgrind sipxmppd in message, presence and room interop tests (build/)" env \
	    SIPXMPPD_WRAPPER="valgrind --error-exitcode=97 --leak-check=full \
--errors-for-leak-kinds=definite,indirect \
--show-leak-kinds=definite,indirect \
--suppressions=$ROOT/tests/valgrind.supp --quiet" \
	    ctest --test-dir "$ROOT/build" --output-on-failure \
	    -j"$CTEST_JOBS" -R 'interop/test_(message|presence|room)'
fi

echo
echo "=== summary ($SECONDS s)"
for line in "${summary[@]}"; do
	echo "  $line"
done
if [ $failed -ne 0 ]; then
	echo "RESULT: FAIL (work dirs of failed interop tests: $SIPXMPP_TEST_TMP)"
	exit 1
fi
echo "RESULT: PASS"

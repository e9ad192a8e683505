#!/usr/bin/env bash
# Builds hfbpe's native core with sanitizers, then runs the core's tests and a long fuzz under it.
# Fails on any sanitizer report (each one aborts the process, so the run fails).
#
#   scripts/sanitize.sh [address|thread] [--fuzz-cases N] [--examples N] [--tests "FILES"]
#
# address: AddressSanitizer + UndefinedBehaviorSanitizer (default); thread: ThreadSanitizer.
# --fuzz-cases: cases of tests/fuzz_splitter.py (default 200000); --examples: hypothesis examples
# per fuzz test in tests/test_fuzz.py (HFBPE_FUZZ_EXAMPLES, default 2000); --tests: the test files.
# Needs what the README's development set-up installs (nanobind, scikit-build-core's CMake and
# Ninja, the pcre2 wheel) and GCC or Clang with the sanitizer runtimes. The build goes to
# build/sanitize-KIND; the package is staged beside it, so the installed hfbpe is left alone.
set -euo pipefail

kind="address"
fuzz_cases=200000
examples=2000
tests="tests/test_trainer.py tests/test_pretokenizer.py tests/test_unicode_splitter.py tests/test_word_counts.py
       tests/test_fuzz.py tests/test_extend.py tests/test_evaluate.py tests/test_sources.py tests/test_errors.py"
while [ $# -gt 0 ]; do
  case "$1" in
    address|thread) kind="$1" ;;
    --fuzz-cases) fuzz_cases="$2"; shift ;;
    --examples) examples="$2"; shift ;;
    --tests) tests="$2"; shift ;;
    *) echo "sanitize.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

root="$(cd "$(dirname "$0")/.." && pwd)"
python="${PYTHON:-python3}"
cxx="${CXX:-c++}"
build="$root/build/sanitize-$kind"
stage="$build/stage"

if [ "$kind" = address ]; then
  flags="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
  runtime="$("$cxx" -print-file-name=libasan.so)"
  # Python itself is not instrumented and keeps memory until exit: leaks are not reported.
  export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:halt_on_error=1:strict_init_order=1"
  export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
else
  flags="-fsanitize=thread"
  runtime="$("$cxx" -print-file-name=libtsan.so)"
  # Reports from libraries built without TSan are not hfbpe's and are suppressed: rustbpe (which
  # tests compare with) synchronises through Rust atomics TSan cannot see, Arrow (its allocator,
  # futures and thread pools) through code TSan does not see either. The cost: a race with a
  # frame in one of those libraries is dropped, even one between hfbpe and Arrow. Mutex misuse
  # is not reported (report_mutex_bugs=0): locks taken in uninstrumented code look like unlocks
  # of unlocked mutexes.
  mkdir -p "$build"
  printf '%s\n' 'called_from_lib:rustbpe.cpython' 'called_from_lib:libarrow.so' \
    'called_from_lib:libparquet.so' 'race:rustbpe' 'race:libarrow' 'race:libparquet' > "$build/tsan.supp"
  export TSAN_OPTIONS="halt_on_error=1:report_mutex_bugs=0:report_signal_unsafe=0:suppressions=$build/tsan.supp"
fi
if [ ! -f "$runtime" ]; then
  echo "sanitize.sh: $cxx has no $kind sanitizer runtime ($runtime)" >&2
  exit 2
fi

echo "+ building the core with $flags in $build"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER="$cxx" \
  -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_SHARED_LINKER_FLAGS="$flags" \
  -DPython_EXECUTABLE="$(command -v "$python")" \
  -Dnanobind_DIR="$("$python" -m nanobind --cmake_dir)" >/dev/null
cmake --build "$build" --target _core

# The Python package with the sanitized core, staged whole and swapped in, run from outside the
# repository so that neither its hfbpe/ folder nor an installed hfbpe is what gets imported.
rm -rf "$stage.new"
mkdir -p "$stage.new"
cp -r "$root/hfbpe" "$stage.new/hfbpe"
rm -f "$stage.new"/hfbpe/_core*.so
cp "$build"/_core*.so "$stage.new/hfbpe/"
# An editable install (pip install -e) maps hfbpe to the repository through an import hook that
# PYTHONPATH does not override: drop that hook in this run.
cat > "$stage.new/sitecustomize.py" <<'PY'
import sys

sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in (getattr(f, "__module__", "") or "").lower()
                    and "editable" not in type(f).__module__.lower()]
PY
rm -rf "$stage" && mv "$stage.new" "$stage"

# Arrow allocates with the system's malloc, which the sanitizer watches, rather than its own
# mimalloc or jemalloc (whose internals it cannot see): buffers hfbpe reads in place are checked too.
export ARROW_DEFAULT_MEMORY_POOL=system
export PYTHONPATH="$stage${PYTHONPATH:+:$PYTHONPATH}"
# libstdc++ is preloaded too: the interpreter does not link it, and without it the sanitizer
# cannot find the __cxa_throw it wraps when the core throws (ValueError, OverflowError, ...).
export LD_PRELOAD="$runtime $("$cxx" -print-file-name=libstdc++.so)"
export HFBPE_FUZZ_EXAMPLES="$examples"
cd "$build"
"$python" -c "import hfbpe._core as c, sys; sys.exit(0 if c.__file__.startswith('$stage/') else
  'sanitize.sh: imported ' + c.__file__ + ', not the sanitized core')"

# Peak-memory tests are left out: the sanitizers' shadow memory and quarantine of freed blocks
# make RSS say nothing about hfbpe's tables.
not_here="not memory_does_not_grow"
echo "+ core tests under $kind sanitizer ($not_here): $tests"
# shellcheck disable=SC2086
(cd "$root" && for t in $tests; do printf '%s\n' "$root/$t"; done) | xargs "$python" -m pytest -q -p no:cacheprovider \
  --rootdir "$root" -x --capture=sys -k "$not_here"
echo "+ fuzzing the native splitter: $fuzz_cases cases"
"$python" "$root/tests/fuzz_splitter.py" --cases "$fuzz_cases"
echo "sanitize.sh: $kind: no reports"

"""The public API is typed: the installed package carries py.typed and stubs of its native module, and
mypy --strict accepts the examples and a typed use of the API (tests/typed_usage.py) and rejects a
wrong one (so it does see hfbpe's types, not Any)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import hfbpe
from hfbpe import _core

ROOT = Path(__file__).resolve().parents[1]


# transformers' 2,500 modules were most of mypy's time (45 s of it in all), and hfbpe only hands
# its objects on: it is read as Any, as are the interactive shells (IPython, prompt_toolkit) that
# other dependencies' types import. 12 s is left.
UNREAD = "[mypy-transformers,transformers.*,IPython,IPython.*,prompt_toolkit,prompt_toolkit.*]\nfollow_imports = skip\n"


def mypy(files: list[str], cache: Path) -> subprocess.CompletedProcess:
    # Third-party packages without types (pyarrow, dask) are Any; dask's untyped calls are allowed.
    config = cache.parent / "mypy.ini"
    config.write_text("[mypy]\n" + UNREAD)
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(config), "--strict", "--ignore-missing-imports",
         "--untyped-calls-exclude", "distributed", "--no-incremental", "--cache-dir", str(cache), *files],
        capture_output=True, text=True, cwd=cache.parent)


def test_the_package_carries_its_type_information():
    assert (Path(hfbpe.__file__).parent / "py.typed").is_file()
    stub = (Path(_core.__file__).parent / "_core.pyi").read_text()
    for name in ("class WordCounts", "class PieceEncoder", "class MergeFilter", "def train("):
        assert name in stub


def test_mypy_strict_accepts_the_examples_and_a_typed_use_and_rejects_a_wrong_one(tmp_path):
    # One mypy run for both (most of its time goes to reading the dependencies' types).
    wrong = tmp_path / "wrong.py"
    wrong.write_text("import hfbpe\n\nname: str = hfbpe.train(['a b'], 300)\nids: list[str] = "
                     "hfbpe.Tokenizer().encode('x')\nhfbpe._core.MergeFilter('two')\n")
    files = [*sorted(str(p) for p in (ROOT / "examples").glob("*.py")), str(ROOT / "tests" / "typed_usage.py")]
    out = mypy([*files, str(wrong)], tmp_path / "cache").stdout
    errors = [line for line in out.splitlines() if ": error:" in line]
    assert errors and all(line.startswith(str(wrong)) or line.startswith("wrong.py") for line in errors), out[-6000:]
    assert 'wrong.py:3: error: Incompatible types in assignment (expression has type "Tokenizer"' in out, out
    assert 'wrong.py:4: error: Incompatible types in assignment (expression has type "list[int]"' in out, out
    # The native module's stub: where the package is installed whole (not an editable install, whose
    # Python files mypy reads from the source tree, away from the built module and its stub).
    if Path(hfbpe.__file__).parent == Path(_core.__file__).parent:
        assert 'wrong.py:5: error: Argument 1 to "MergeFilter" has incompatible type "str"' in out, out

"""Builds the documentation site with warnings as errors.

    python scripts/build_docs.py [--site-dir DIR]

The pages are docs/*.md; the benchmark charts they show are copied in from benchmarks/ (the one
place they live) into a staged copy of docs/, so that mkdocs only ever reads inside its docs_dir.
The API reference is generated from the installed hfbpe's docstrings (mkdocstrings): its Python
files and the stub of its native module (_core.pyi, generated at build time) are staged as src/hfbpe,
which mkdocs.yml points the reference at (an editable install keeps the two in different places).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHARTS = ["chart.png", "scale_chart.png", "heaps.png", "comparison/comparison.png", "comparison/sweep.png"]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--site-dir", type=Path, help="where the site goes (default: a temporary folder)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hfbpe-docs-") as tmp:
        stage = Path(tmp)
        shutil.copytree(ROOT / "docs", stage / "docs")
        (stage / "docs" / "assets").mkdir(exist_ok=True)
        for chart in CHARTS:
            shutil.copy2(ROOT / "benchmarks" / chart, stage / "docs" / "assets" / Path(chart).name)
        shutil.copy2(ROOT / "mkdocs.yml", stage / "mkdocs.yml")
        import hfbpe
        from hfbpe import _core

        package = stage / "src" / "hfbpe"
        shutil.copytree(Path(hfbpe.__file__).parent, package, ignore=shutil.ignore_patterns("__pycache__", "*.so", "*.pyd"))
        shutil.copy2(Path(_core.__file__).with_name("_core.pyi"), package / "_core.pyi")
        site = args.site_dir or stage / "site"
        result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--clean",
                                 "--config-file", str(stage / "mkdocs.yml"), "--site-dir", str(site)],
                                capture_output=True, text=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
        sys.stderr.write(result.stderr)
        if result.returncode == 0:
            print(f"built {site}" + (" (temporary)" if args.site_dir is None else ""))
        return result.returncode


if __name__ == "__main__":
    sys.exit(main())

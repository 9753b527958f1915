"""Size of the built Lambda package and the shared libraries LightGBM needs (libgomp)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

LIMIT_MB = 200  # our budget; AWS's hard limit for an unzipped package is 250 MB


def size_mb(root: Path) -> float:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file()) / 1e6


def needed_libraries(so: Path) -> list[str]:
    out = subprocess.run(["readelf", "-d", str(so)], capture_output=True, text=True).stdout
    return [line.split("[")[1].rstrip("]") for line in out.splitlines() if "(NEEDED)" in line]


def main(root: Path) -> int:
    total = size_mb(root)
    top = sorted(((size_mb(p), p.name) for p in root.iterdir() if p.is_dir()), reverse=True)[:8]
    print(f"lambda package {root}: {total:.1f} MB unzipped (budget {LIMIT_MB} MB, AWS limit 250)")
    for mb, name in top:
        print(f"  {mb:7.1f} MB  {name}")
    libs = list(root.glob("lightgbm/lib/lib_lightgbm.so"))
    for lib in libs:
        needed = needed_libraries(lib)
        gomp = [n for n in needed if "gomp" in n]
        bundled = sorted(p.name for p in root.rglob("libgomp*.so*"))
        print(f"lib_lightgbm.so needs {', '.join(needed)}")
        print(f"  libgomp: needed {gomp or 'no'}; shipped in package: {bundled or 'none'}")
    return 0 if total <= LIMIT_MB else 1


if __name__ == "__main__":
    raise SystemExit(main(Path(sys.argv[1])))

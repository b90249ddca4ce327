# SPDX-License-Identifier: MIT
"""Every host unit test binary (tests/unit/test_*.c, built with ASan and
UBSan from the same sources as the payload) as one pytest test."""
import glob
import os
import subprocess

import pytest

from harness import BUILD, ROOT

SOURCES = sorted(glob.glob(os.path.join(ROOT, "tests/unit/test_*.c")))
NAMES = [os.path.splitext(os.path.basename(s))[0] for s in SOURCES]


@pytest.mark.parametrize("name", NAMES)
def test_unit(name):
    binary = os.path.join(BUILD, "tests", name)
    assert os.path.exists(binary), f"{binary} not built (make unit-tests)"
    r = subprocess.run([binary], capture_output=True, text=True, timeout=300,
                       cwd=ROOT)
    assert r.returncode == 0, r.stdout + r.stderr
    assert " 0 failed" in r.stdout, r.stdout


def test_fuzz_harnesses_run_briefly():
    """Each libFuzzer harness runs a short while on its seeds; `make fuzz`
    runs them longer."""
    harnesses = sorted(glob.glob(os.path.join(BUILD, "fuzz", "fuzz_*")))
    harnesses = [h for h in harnesses if os.access(h, os.X_OK) and os.path.isfile(h)]
    if not glob.glob(os.path.join(ROOT, "tests/fuzz/fuzz_*.c")):
        pytest.skip("no fuzz harnesses in this tree")
    assert harnesses, "fuzz harnesses not built (make fuzz-build)"
    for h in harnesses:
        name = os.path.basename(h)
        seeds = os.path.join(ROOT, "tests/fuzz/seeds", name)
        args = [h, "-max_total_time=10", "-rss_limit_mb=2048"]
        corpus = os.path.join(BUILD, "fuzz", "corpus", name)
        os.makedirs(corpus, exist_ok=True)
        args.append(corpus)
        if os.path.isdir(seeds):
            args.append(seeds)
        r = subprocess.run(args, capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, f"{name}:\n{r.stderr[-4000:]}"

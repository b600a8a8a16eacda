"""Cache keys for the Keras references (generate.py, applications.py,
test/train/cases.py). A case's folder holds a `stamp` naming what made it: the
case, its seed, the pinned oracle (test/requirements.txt) and the scripts
that build it. A generator skips a case whose stamp matches, so a second
ctest run in the same build folder (the sanitizer group after the default
suite) does not rebuild every reference. The stamp is written last: a case
cut short has none and is rebuilt.
"""
import functools
import hashlib
import os

_REQUIREMENTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir,
                             "requirements.txt")


@functools.lru_cache(maxsize=None)
def _sources_digest(scripts):
    """Read once per process: a generator stamps every case with it."""
    digest = hashlib.sha256()
    for path in list(scripts) + [_REQUIREMENTS]:
        with open(path, "rb") as f:
            digest.update(f.read())
    return digest.hexdigest()[:16]


def make(name, seed, scripts):
    return f"{name} seed={seed} sources={_sources_digest(tuple(scripts))}\n"


def is_current(case_dir, stamp):
    try:
        with open(os.path.join(case_dir, "stamp")) as f:
            return f.read() == stamp
    except OSError:
        return False


def write(case_dir, stamp):
    path = os.path.join(case_dir, "stamp")
    with open(path + ".tmp", "w") as f:
        f.write(stamp)
    os.replace(path + ".tmp", path)

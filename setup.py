"""Builds ranktopo's Python extensions with CMake (the project's own build) and packages python/ranktopo.

Offline with Debian's tooling: `pip install --no-build-isolation .` into a venv made with
`python3 -m venv --system-site-packages`. CMAKE_ARGS adds CMake options (e.g.
"-DRANKTOPO_WITH_TORCH=OFF" leaves out ranktopo.torch); CMAKE_BUILD_PARALLEL_LEVEL the jobs (default 2).
"""

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent


def version() -> str:
    header = (ROOT / "include" / "ranktopo" / "version.hpp").read_text()
    parts = [re.search(rf"#define RANKTOPO_VERSION_{p} (\d+)", header).group(1) for p in ("MAJOR", "MINOR", "PATCH")]
    return ".".join(parts)


class CMakeExtension(Extension):
    def __init__(self, name: str) -> None:
        super().__init__(name, sources=[])


class CMakeBuild(build_ext):
    """Configures the project with only the Python module on, builds target ranktopo_python and
    copies every extension it made (_core, and _torch when Torch is found) into the package."""

    def build_extension(self, ext: Extension) -> None:
        package_dir = Path(self.get_ext_fullpath(ext.name)).resolve().parent
        build = Path(self.build_temp).resolve() / "cmake"
        configure = [
            "cmake", "-S", str(ROOT), "-B", str(build),
            "-DCMAKE_BUILD_TYPE=Release",
            f"-DPython3_EXECUTABLE={sys.executable}",
            "-DRANKTOPO_BUILD_PYTHON=ON",
            "-DRANKTOPO_BUILD_TESTS=OFF",
            "-DRANKTOPO_BUILD_EXAMPLES=OFF",
            "-DRANKTOPO_INSTALL=OFF",
            "-DRANKTOPO_WITH_MPI=OFF",
        ] + shlex.split(os.environ.get("CMAKE_ARGS", ""))
        if shutil.which("ninja"):
            configure += ["-G", "Ninja"]
        subprocess.check_call(configure)
        jobs = os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL", "2")
        subprocess.check_call(["cmake", "--build", str(build), "--target", "ranktopo_python", "-j", jobs])
        built = sorted((build / "python" / "ranktopo").glob("_*.so"))
        if not any(p.name.startswith("_core.") for p in built):
            raise RuntimeError(f"CMake did not build ranktopo._core (looked in {build / 'python' / 'ranktopo'})")
        package_dir.mkdir(parents=True, exist_ok=True)
        for library in built:
            shutil.copy2(library, package_dir / library.name)


setup(
    version=version(),
    packages=["ranktopo"],
    package_dir={"": "python"},
    package_data={"ranktopo": ["*.pyi", "py.typed"]},
    ext_modules=[CMakeExtension("ranktopo._core")],
    cmdclass={"build_ext": CMakeBuild},
    zip_safe=False,
    # Not build/: that is where the project's own CMake build usually lives (.gitignore has /build*/).
    options={"build": {"build_base": "build-python"}},
)

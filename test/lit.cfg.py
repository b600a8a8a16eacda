# lit configuration for kiln: FileCheck tests of the dialect, passes,
# conversion and the Keras importer.
import os

import lit.formats
from lit.llvm import llvm_config

config.name = "kiln"
# The external shell, so RUN lines can use ordinary shell syntax.
config.test_format = lit.formats.ShTest(execute_external=True)
config.suffixes = [".mlir", ".test"]
config.excludes = ["fixtures", "Inputs", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.kiln_obj_root, "test")

config.environment["PATH"] = os.pathsep.join([
    os.path.join(config.kiln_tools_dir, "kiln"),
    os.path.join(config.kiln_tools_dir, "kiln-opt"),
    os.path.join(config.kiln_obj_root, "test", "e2e"),  # npy_compare
    config.llvm_tools_dir,
    os.environ.get("PATH", ""),
])
llvm_config.with_system_environment(["HOME", "TMPDIR", "CXX"])

fixtures = os.path.join(config.test_source_root, "Import", "fixtures")
config.substitutions.append(("%fixtures", fixtures))
# `%exit-code N CMD...` runs CMD and succeeds only if it exits with N.
config.substitutions.append(
    ("%exit-code", os.path.join(config.test_source_root, "exit-code.sh")))

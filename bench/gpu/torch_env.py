"""The installed torch, as bench/gpu/run.sh needs it: one JSON object on stdout.

version_base drops local and pre-release tags (2.5.1+cu124 -> 2.5.1, Debian's 1.13.0a0 ->
1.13.0); flavor is DJL's name for the build (cpu, cu124, with -precxx11 for the old C++ ABI of
pip wheels); cmake_prefix is torch.utils.cmake_prefix_path when it holds TorchConfig.cmake, else
"" (Debian's libtorch-dev installs it where CMake looks by default); libdir is the folder of
the libtorch_cpu.so that torch itself loads.
"""
import json
import os
import re
import subprocess

import torch
import torchvision


def libdir():
    own = os.path.join(os.path.dirname(torch.__file__), "lib")
    if os.path.isfile(os.path.join(own, "libtorch_cpu.so")):
        return own
    ldd = subprocess.run(["ldd", torch._C.__file__], capture_output=True, text=True).stdout
    m = re.search(r"libtorch_cpu\.so\S* => (\S+)", ldd)
    return os.path.dirname(os.path.realpath(m.group(1))) if m else ""


cuda = torch.version.cuda
abi = bool(torch._C._GLIBCXX_USE_CXX11_ABI)
prefix = torch.utils.cmake_prefix_path
flavor = ("cu" + cuda.replace(".", "") if cuda else "cpu") + ("" if abi else "-precxx11")
print(json.dumps({
    "version": torch.__version__,
    "version_base": re.match(r"\d+\.\d+\.\d+", torch.__version__).group(0),
    "torchvision": torchvision.__version__,
    "cuda": cuda,
    "cuda_available": torch.cuda.is_available(),
    "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
    "cxx11_abi": abi,
    "flavor": flavor,
    "cmake_prefix": prefix if os.path.isfile(os.path.join(prefix, "Torch", "TorchConfig.cmake")) else "",
    "libdir": libdir(),
}))

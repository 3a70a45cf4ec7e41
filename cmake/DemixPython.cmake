# DEMIX_PYTHON: the `demix` Python module (python/), ON by default when pybind11, the
# Python headers and numpy are found (Debian: python3-pybind11 python3-dev python3-numpy).
# Debian's /usr/bin/python3 is preferred over another python3 earlier in PATH (e.g.
# pyenv's), as numpy and pybind11 come from Debian packages; -DPython3_EXECUTABLE=...
# chooses another.
if(NOT DEFINED Python3_EXECUTABLE AND EXISTS /usr/bin/python3)
  set(Python3_EXECUTABLE /usr/bin/python3)
endif()
find_package(Python3 3.9 QUIET COMPONENTS Interpreter Development.Module NumPy)
if(Python3_FOUND)
  find_package(pybind11 2.6 CONFIG QUIET)
endif()
set(DEMIX_PYTHON_DEFAULT OFF)
if(Python3_FOUND AND pybind11_FOUND)
  set(DEMIX_PYTHON_DEFAULT ON)
endif()
option(DEMIX_PYTHON "Build the demix Python module (pybind11, numpy)" ${DEMIX_PYTHON_DEFAULT})
if(DEMIX_PYTHON)
  if(NOT (Python3_FOUND AND pybind11_FOUND))
    message(FATAL_ERROR "DEMIX_PYTHON needs Python 3 with its headers and numpy, and pybind11 "
                        "(Debian: python3-dev python3-numpy python3-pybind11)")
  endif()
  add_subdirectory(${PROJECT_SOURCE_DIR}/python ${PROJECT_BINARY_DIR}/python-module)
endif()

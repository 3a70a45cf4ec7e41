# Debian packages: `cpack -G DEB` in a build folder (scripts/package builds and checks them).
#   demix         components Runtime + Plugins: demix, DemixApp, the VST3 and LV2 plugins,
#                 the shipped templates and demo
#   libdemix-dev  component Development: the static engine, headers, CMake package, demix.pc
#   libdemix0.1   component Library: the shared engine (only with DEMIX_SHARED=ON)
# Installed under /usr. Library dependencies come from dpkg-shlibdeps; the rest are listed
# here. The library folder is the build's CMAKE_INSTALL_LIBDIR (lib/, or lib/<multiarch>
# when the build was configured with CMAKE_INSTALL_PREFIX=/usr).
set(DEMIX_PACKAGE_MAINTAINER "Demix developers <demix@users.noreply.github.com>" CACHE STRING
    "Maintainer field of the Debian packages")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME demix)
set(CPACK_PACKAGE_VENDOR Demix)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "${DEMIX_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_DIRECTORY ${PROJECT_BINARY_DIR}/packages)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
set(CPACK_STRIP_FILES ON)

set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_GROUPING ONE_PER_GROUP)
set(CPACK_COMPONENTS_ALL Runtime Plugins Development)
if(DEMIX_SHARED)
  list(APPEND CPACK_COMPONENTS_ALL Library)
endif()

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)  # libdemix0.1: a shlibs file for its users
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://github.com/demix-audio/demix")
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(DEMIX_DEB_VERSION "${PROJECT_VERSION}-${CPACK_DEBIAN_PACKAGE_RELEASE}")

# demix: dpkg-shlibdeps sees what the programs and plugins link; JUCE opens the X11
# libraries at run time (dlopen), so the window of the app and the plugins' editors
# need them listed.
set(CPACK_DEBIAN_DEMIX_PACKAGE_NAME demix)
set(CPACK_DEBIAN_DEMIX_PACKAGE_SECTION sound)
set(CPACK_DEBIAN_DEMIX_PACKAGE_DEPENDS
    "libx11-6, libxext6, libxcursor1, libxinerama1, libxrandr2, libxrender1")
set(CPACK_DEBIAN_DEMIX_DESCRIPTION "audio source separation with non-negative matrix factorisation
Demix splits a mix into stems (bass, drums, voice, ...) with NMF: from template
libraries learned from example recordings, or unsupervised.

This package holds the demix command, the DemixApp desktop application, the
Demix VST3 and LV2 plugins (real-time separation and remix), and the shipped
template libraries.")

# libdemix-dev: a static library, so the packages needed to link it are dependencies.
set(CPACK_DEBIAN_DEV_PACKAGE_NAME libdemix-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS "libeigen3-dev (>= 3.4), libkissfft-dev")
if(DEMIX_SHARED)
  string(APPEND CPACK_DEBIAN_DEV_PACKAGE_DEPENDS ", libdemix0.1 (= ${DEMIX_DEB_VERSION})")
endif()
set(CPACK_DEBIAN_DEV_PACKAGE_RECOMMENDS "cmake (>= 3.22) | pkgconf | pkg-config")
set(CPACK_DEBIAN_DEV_DESCRIPTION "NMF audio source separation engine (development files)
The Demix engine: a C++17 library (Eigen, KissFFT) for non-negative matrix
factorisation, template learning and stem separation, offline and real time.

This package holds the static library, the headers, the CMake package
(find_package(Demix) -> Demix::engine) and the pkg-config file demix.pc.")

set(CPACK_DEBIAN_LIB_PACKAGE_NAME libdemix0.1)
set(CPACK_DEBIAN_LIB_PACKAGE_SECTION libs)
set(CPACK_DEBIAN_LIB_DESCRIPTION "NMF audio source separation engine (shared library)
The Demix engine as a shared library.")

include(CPack)
cpack_add_component_group(demix)
cpack_add_component_group(dev)
cpack_add_component_group(lib)
cpack_add_component(Runtime GROUP demix)
cpack_add_component(Plugins GROUP demix)
cpack_add_component(Development GROUP dev)
cpack_add_component(Library GROUP lib)

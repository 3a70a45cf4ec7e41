# `cmake --install`: the programs, plugins and shipped templates, and the engine as a
# library other projects build against (CMake package Demix::engine, pkg-config demix).
#
# Components (one Debian package each or together, cmake/DemixPackaging.cmake):
#   Runtime      bin/demix, bin/DemixApp, desktop entry and icon, man page, bash
#                completion, share/demix/{templates,demo}
#   Plugins      lib/vst3/Demix.vst3, lib/lv2/Demix.lv2
#   Library      the shared engine (only with -DDEMIX_SHARED=ON)
#   Development  the static engine, headers, CMake package, demix.pc
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# The programs look for the default template libraries at ../share/demix/templates
# relative to their own directory, so the two must stay in that relation.
if(NOT CMAKE_INSTALL_BINDIR STREQUAL "bin" OR NOT CMAKE_INSTALL_DATADIR STREQUAL "share")
  message(WARNING "CMAKE_INSTALL_BINDIR/DATADIR are not bin/share: the installed programs "
                  "will not find share/demix/templates next to bin/")
endif()
set(DEMIX_INSTALL_DATADIR "${CMAKE_INSTALL_DATADIR}/demix")
set(DEMIX_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/Demix")

# --- Engine: library, headers, CMake package, pkg-config ---------------------------------
set_target_properties(demix_engine PROPERTIES EXPORT_NAME engine_static)
install(TARGETS demix_engine EXPORT DemixTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT Development
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
if(TARGET demix_engine_shared)
  set_target_properties(demix_engine_shared PROPERTIES EXPORT_NAME engine_shared)
  install(TARGETS demix_engine_shared EXPORT DemixTargets
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT Library
      NAMELINK_COMPONENT Development
    INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endif()
install(DIRECTORY ${PROJECT_SOURCE_DIR}/engine/include/demix
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT Development
  FILES_MATCHING PATTERN "*.hpp")
install(EXPORT DemixTargets NAMESPACE Demix:: DESTINATION ${DEMIX_INSTALL_CMAKEDIR}
  COMPONENT Development)
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/DemixConfig.cmake.in
  ${PROJECT_BINARY_DIR}/install/DemixConfig.cmake
  INSTALL_DESTINATION ${DEMIX_INSTALL_CMAKEDIR})
# 0.x: a minor version may change the API, so only the same major.minor satisfies a request.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/install/DemixConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/install/DemixConfig.cmake
              ${PROJECT_BINARY_DIR}/install/DemixConfigVersion.cmake
  DESTINATION ${DEMIX_INSTALL_CMAKEDIR} COMPONENT Development)

# demix.pc is relocatable (prefix from ${pcfiledir}), like the CMake package, so a
# `cmake --install --prefix P` anywhere works without reconfiguring.
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  message(FATAL_ERROR "demix.pc needs a relative CMAKE_INSTALL_LIBDIR")
endif()
file(RELATIVE_PATH DEMIX_PC_PREFIX "/p/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/p")
string(REGEX REPLACE "/$" "" DEMIX_PC_PREFIX "${DEMIX_PC_PREFIX}")
string(REPLACE ";" " " DEMIX_PC_ARCH_FLAGS "${DEMIX_ARCH_FLAGS}")
# kissfft is a link dependency of the static library only.
if(DEMIX_SHARED)
  set(DEMIX_PC_REQUIRES "eigen3 >= 3.4")
  set(DEMIX_PC_REQUIRES_PRIVATE "kissfft-float")
else()
  set(DEMIX_PC_REQUIRES "eigen3 >= 3.4, kissfft-float")
  set(DEMIX_PC_REQUIRES_PRIVATE "")
endif()
configure_file(${CMAKE_CURRENT_LIST_DIR}/demix.pc.in ${PROJECT_BINARY_DIR}/install/demix.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/install/demix.pc
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT Development)

# --- Programs and their data --------------------------------------------------------------
if(TARGET demix)
  install(TARGETS demix RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT Runtime)
  install(FILES ${PROJECT_SOURCE_DIR}/cli/install/demix.1
    DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT Runtime)
  install(FILES ${PROJECT_SOURCE_DIR}/cli/install/demix.bash-completion
    DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME demix
    COMPONENT Runtime)
endif()
if(TARGET demix_standalone_app)
  install(TARGETS demix_standalone_app RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
    COMPONENT Runtime)
  install(FILES ${PROJECT_SOURCE_DIR}/standalone/install/org.demix.app.desktop
    DESTINATION ${CMAKE_INSTALL_DATADIR}/applications COMPONENT Runtime)
  install(FILES ${PROJECT_SOURCE_DIR}/assets/icons/org.demix.app.svg
    DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps COMPONENT Runtime)
endif()
install(DIRECTORY ${PROJECT_SOURCE_DIR}/assets/templates/
  DESTINATION ${DEMIX_INSTALL_DATADIR}/templates COMPONENT Runtime
  FILES_MATCHING PATTERN "*.dmxt" PATTERN "PROVENANCE.md")
install(FILES ${PROJECT_SOURCE_DIR}/assets/demo/mix.wav ${PROJECT_SOURCE_DIR}/assets/demo/PROVENANCE.md
  DESTINATION ${DEMIX_INSTALL_DATADIR}/demo COMPONENT Runtime)
install(FILES ${PROJECT_SOURCE_DIR}/LICENSE ${PROJECT_SOURCE_DIR}/README.md
  DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/demix COMPONENT Runtime)

# --- Plugins: the bundles JUCE built, into the Linux system plugin folders ----------------
# Fixed lib/ (not the multiarch libdir): hosts search <prefix>/lib/vst3 and lib/lv2.
if(TARGET demix_plugin_VST3)
  install(DIRECTORY "${DEMIX_PLUGIN_ARTEFACTS}/$<CONFIG>/VST3/Demix.vst3"
    DESTINATION lib/vst3 COMPONENT Plugins USE_SOURCE_PERMISSIONS)
endif()
if(TARGET demix_plugin_LV2)
  install(DIRECTORY "${DEMIX_PLUGIN_ARTEFACTS}/$<CONFIG>/LV2/Demix.lv2"
    DESTINATION lib/lv2 COMPONENT Plugins USE_SOURCE_PERMISSIONS)
endif()

include(${CMAKE_CURRENT_LIST_DIR}/DemixPackaging.cmake)
